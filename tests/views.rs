//! Borrowed views (feature `views`) against the owned decoder: on every captured frame, on
//! every (message, version) the property tests generate, on every truncation of those, and on
//! hand-made bytes whose errors are known. Validation and field reads must not allocate, and
//! `to_owned_from` copies no string or bytes out of the source it is given.

use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use kafka_codec::__private::support::Conform;
use kafka_codec::frame::{
    decode_request_payload, decode_response_payload, RequestFrame, ResponseFrame,
};
use kafka_codec::views::fields::same;
use kafka_codec::views::{
    visit_views, HasView, MessageView, RequestBodyView, RequestView, ResponseBodyView,
    ResponseView, ViewVisitor,
};
use kafka_codec::{ApiKey, DecodeErrorKind, Message, PathSegment, RequestBody, ResponseBody};
use kafka_codec_fuzz_checks::measure;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[path = "views/fields.rs"]
mod fields;

/// Whether the memory of `b` lies inside that of `src` (a slice of it, not a copy).
fn inside(src: &[u8], b: &[u8]) -> bool {
    let (start, at) = (src.as_ptr() as usize, b.as_ptr() as usize);
    at >= start && at + b.len() <= start + src.len()
}

/// `payload` in a `Bytes` that is already shared: the first slice of a `Bytes` made from a
/// `Vec` allocates its shared header, so without this the first slice taken would allocate.
fn shared(payload: &[u8]) -> Bytes {
    let b = Bytes::copy_from_slice(payload);
    drop(b.clone());
    b
}

/// `to_owned_from` on a request payload: equal to the owned frame and to `to_owned()`,
/// allocating exactly what the owned decoder allocates from the same `Bytes` (its vectors and
/// wire extras: no string or bytes copied), with the header's client id, a raw body, the
/// trailing bytes and Produce records pointing into the source. From a view of other memory
/// it copies, and is still equal.
fn check_request_zero_copy(what: &str, payload: &[u8], owned: &RequestFrame) {
    let src = shared(payload);
    let view = RequestView::parse(&src).unwrap();
    let (decoded, want) = measure(|| decode_request_payload(src.clone()).unwrap());
    let (zc, usage) = measure(|| view.to_owned_from(&src));
    assert!(same(&zc, owned), "{what}: to_owned_from differs");
    assert!(same(&zc, &decoded) && same(&zc, &view.to_owned()), "{what}");
    assert_eq!(usage.total, want.total, "{what}: to_owned_from copied");
    let mut parts: Vec<&[u8]> = vec![&zc.trailing];
    parts.extend(zc.header.client_id.as_ref().map(|c| c.as_bytes().as_ref()));
    match &zc.body {
        RequestBody::Raw(b) => parts.push(b),
        RequestBody::Produce(p) => {
            for t in &p.topic_data {
                parts.push(t.name.as_bytes());
                parts.extend(t.partition_data.iter().filter_map(|d| d.records.as_deref()));
            }
        }
        _ => {}
    }
    for b in parts.into_iter().filter(|b| !b.is_empty()) {
        assert!(inside(&src, b), "{what}: {b:?} copied");
    }
    // A source that does not hold the view's bytes: copied, as by `to_owned()`.
    let elsewhere = RequestView::parse(payload).unwrap();
    let (copied, copy_usage) = measure(|| elsewhere.to_owned_from(&src));
    let (_, to_owned_usage) = measure(|| elsewhere.to_owned());
    assert!(same(&copied, owned), "{what}: copied to_owned_from differs");
    assert_eq!(copy_usage.total, to_owned_usage.total, "{what}");
}

/// As [`check_request_zero_copy`], for a response (Metadata broker hosts and topic names,
/// FindCoordinator hosts).
fn check_response_zero_copy(
    what: &str,
    payload: &[u8],
    key: ApiKey,
    version: i16,
    owned: &ResponseFrame,
) {
    let src = shared(payload);
    let view = ResponseView::parse(&src, key, version).unwrap();
    let (decoded, want) = measure(|| decode_response_payload(key, version, src.clone()).unwrap());
    let (zc, usage) = measure(|| view.to_owned_from(&src));
    assert!(same(&zc, owned), "{what}: to_owned_from differs");
    assert!(same(&zc, &decoded) && same(&zc, &view.to_owned()), "{what}");
    // An ApiVersions answer of UNSUPPORTED_VERSION is decoded twice (KIP-511), the failed
    // reading building its error: the owned decoder allocates more there.
    if matches!(&zc.body, ResponseBody::ApiVersions(b) if b.error_code == 35) {
        assert!(usage.total <= want.total, "{what}: to_owned_from copied");
    } else {
        assert_eq!(usage.total, want.total, "{what}: to_owned_from copied");
    }
    let mut parts: Vec<&[u8]> = vec![&zc.trailing];
    match &zc.body {
        ResponseBody::Raw(b) => parts.push(b),
        ResponseBody::Metadata(m) => {
            parts.extend(m.brokers.iter().map(|b| b.host.as_bytes().as_ref()));
            parts.extend(
                m.topics
                    .iter()
                    .filter_map(|t| t.name.as_ref())
                    .map(|n| n.as_bytes().as_ref()),
            );
        }
        ResponseBody::FindCoordinator(f) => {
            parts.push(f.host.as_bytes());
            parts.extend(f.coordinators.iter().map(|c| c.host.as_bytes().as_ref()));
        }
        _ => {}
    }
    for b in parts.into_iter().filter(|b| !b.is_empty()) {
        assert!(inside(&src, b), "{what}: {b:?} copied");
    }
    let elsewhere = ResponseView::parse(payload, key, version).unwrap();
    let (copied, copy_usage) = measure(|| elsewhere.to_owned_from(&src));
    let (_, to_owned_usage) = measure(|| elsewhere.to_owned());
    assert!(same(&copied, owned), "{what}: copied to_owned_from differs");
    assert_eq!(copy_usage.total, to_owned_usage.total, "{what}");
}

fn frames(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            frames(&p, out);
        } else if p.to_string_lossy().ends_with(".req.bin") {
            out.push(p);
        }
    }
}

/// Every captured request and response: the view accepts exactly what the owned decoder
/// accepts (deviation frames included), its `to_owned()` is the owned frame, and validating
/// allocates nothing.
#[test]
fn captured_frames_agree_with_owned_decoding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
    let mut reqs = Vec::new();
    frames(&root, &mut reqs);
    assert!(reqs.len() > 1000, "only {} captured requests", reqs.len());
    let (mut requests, mut responses, mut typed, mut refused) = (0, 0, 0, 0);
    for req_path in &reqs {
        let what = req_path.display().to_string();
        let frame = std::fs::read(req_path).unwrap();
        let payload = &frame[4..];
        let owned = decode_request_payload(Bytes::copy_from_slice(payload));
        let (view, usage) = measure(|| RequestView::parse(payload));
        let (key, version) = match (&view, &owned) {
            (Ok(v), Ok(o)) => {
                assert_eq!(usage.total, 0, "{what}: validation allocated");
                assert!(same(&v.to_owned(), o), "{what}: view differs");
                check_request_zero_copy(&what, payload, o);
                assert_eq!(v.api_key, o.api_key(), "{what}");
                assert_eq!(v.api_version, o.api_version(), "{what}");
                if !matches!(v.body, RequestBodyView::Raw(_)) {
                    typed += 1;
                }
                // Every accessor, through Debug, reads without panicking.
                assert!(!format!("{v:?}").is_empty());
                (o.api_key(), o.api_version())
            }
            (Err(_), Err(_)) => {
                refused += 1;
                continue;
            }
            (v, o) => panic!("{what}: view {:?} but owned {:?}", v.is_ok(), o.is_ok()),
        };
        requests += 1;
        let resp_path = PathBuf::from(what.replace(".req.bin", ".resp.bin"));
        let Ok(resp) = std::fs::read(&resp_path) else {
            continue;
        };
        let payload = &resp[4..];
        let owned = decode_response_payload(key, version, Bytes::copy_from_slice(payload));
        let (view, usage) = measure(|| ResponseView::parse(payload, key, version));
        match (&view, &owned) {
            (Ok(v), Ok(o)) => {
                // An ApiVersions answer of UNSUPPORTED_VERSION is read twice (KIP-511: as the
                // version asked for, then as v0), and the failed reading builds its error, as
                // in the owned decoder; nothing else may allocate.
                let kip511 = matches!(&o.body, ResponseBody::ApiVersions(b) if b.error_code == 35);
                if !kip511 {
                    assert_eq!(
                        usage.total,
                        0,
                        "{}: validation allocated",
                        resp_path.display()
                    );
                }
                assert!(
                    same(&v.to_owned(), o),
                    "{}: view differs",
                    resp_path.display()
                );
                let resp_what = resp_path.display().to_string();
                check_response_zero_copy(&resp_what, payload, key, version, o);
                assert!(!format!("{v:?}").is_empty());
                responses += 1;
            }
            (Err(_), Err(_)) => refused += 1,
            (v, o) => panic!(
                "{}: view {:?} but owned {:?}",
                resp_path.display(),
                v.is_ok(),
                o.is_ok()
            ),
        }
    }
    println!(
        "{requests} requests ({typed} typed), {responses} responses, {refused} refused by both"
    );
    assert!(
        requests > 1000 && responses > 1000,
        "{requests} / {responses}"
    );
    assert!(typed > 500, "{typed}");
}

/// Encodes `m`, parses the view, compares, and cuts the encoding at every byte.
fn check_value<T: HasView>(m: &T, version: i16) -> Result<(), TestCaseError> {
    let mut buf = BytesMut::new();
    m.encode(&mut buf, version)
        .map_err(|e| TestCaseError::fail(format!("{} v{version}: encode: {e}", T::NAME)))?;
    let bytes = buf.freeze();
    let (view, usage) = measure(|| <T::View<'_> as MessageView>::parse(&bytes, version));
    let view = view.map_err(|e| TestCaseError::fail(format!("{} v{version}: {e}", T::NAME)))?;
    prop_assert_eq!(
        usage.total,
        0,
        "{} v{}: validation allocated",
        T::NAME,
        version
    );
    let back = view.to_message();
    prop_assert!(
        same(&back, m),
        "{} v{}: view differs\n{:?}\n{:?}",
        T::NAME,
        version,
        back,
        m
    );
    // Zero-copy: equal, and allocating what the owned decoder allocates from the same (shared)
    // `Bytes`; from a source that does not hold the bytes, or holds part of them, equal.
    drop(bytes.clone());
    let (_, want) = measure(|| T::from_bytes(bytes.clone(), version));
    let (zc, usage) = measure(|| view.to_message_from(&bytes));
    prop_assert!(
        same(&zc, m),
        "{} v{}: to_message_from differs",
        T::NAME,
        version
    );
    prop_assert_eq!(usage.total, want.total, "{} v{}: copied", T::NAME, version);
    let other = Bytes::from_static(b"other memory");
    prop_assert!(same(&view.to_message_from(&other), m));
    // A source holding only the first half: fields there are sliced, the others (one across
    // the boundary included) copied, without a panic.
    let half = bytes.slice(..bytes.len() / 2);
    prop_assert!(same(&view.to_message_from(&half), m));
    let _ = format!("{view:?}");
    for cut in 0..bytes.len() {
        let prefix = &bytes[..cut];
        let v = <T::View<'_> as MessageView>::parse(prefix, version);
        let o = T::from_bytes(Bytes::copy_from_slice(prefix), version);
        match (v, o) {
            (Err(ve), Err(oe)) => {
                prop_assert_eq!(ve.message(), Some(T::NAME));
                prop_assert_eq!(ve.version(), oe.version());
                prop_assert!(ve.offset() <= cut);
            }
            (Ok(v), Ok(o)) => prop_assert!(same(&v.to_message(), &o)),
            (v, o) => {
                return Err(TestCaseError::fail(format!(
                    "{} v{version}: prefix {cut}: view ok {} owned ok {}",
                    T::NAME,
                    v.is_ok(),
                    o.is_ok()
                )))
            }
        }
    }
    Ok(())
}

struct ViewProperty {
    cases: u32,
    checked: usize,
}

impl ViewVisitor for ViewProperty {
    fn visit<T: HasView + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        for version in T::MIN_VERSION..=T::MAX_VERSION {
            // The default value, then arbitrary ones.
            let mut d = T::default();
            d.conform(version);
            if let Err(e) = check_value(&d, version) {
                panic!("{} v{version} (default): {e}", T::NAME);
            }
            let mut runner = TestRunner::new(Config {
                cases: self.cases,
                failure_persistence: None,
                ..Config::default()
            });
            let strategy = proptest::collection::vec(any::<u8>(), 0..512);
            let result = runner.run(&strategy, |raw| {
                let mut u = arbitrary::Unstructured::new(&raw);
                let Ok(mut m) = T::arbitrary(&mut u) else {
                    return Ok(());
                };
                m.conform(version);
                check_value(&m, version)
            });
            if let Err(e) = result {
                panic!("{} v{version}: {e}", T::NAME);
            }
            self.checked += 1;
        }
    }
}

#[test]
fn every_message_every_version_views_equal_owned() {
    let mut t = ViewProperty {
        cases: 24,
        checked: 0,
    };
    visit_views(&mut t);
    // As in the owned property test: with every family 762 (message, version) pairs.
    let want = if cfg!(feature = "all-apis") { 762 } else { 300 };
    assert!(
        t.checked >= want,
        "only {} (message, version) pairs",
        t.checked
    );
}

struct GarbageAgrees;

impl ViewVisitor for GarbageAgrees {
    fn visit<T: HasView + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        let mut runner = TestRunner::new(Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = (
            T::MIN_VERSION..=T::MAX_VERSION + 1,
            proptest::collection::vec(any::<u8>(), 0..256),
        );
        runner
            .run(&strategy, |(version, raw)| {
                let v = <T::View<'_> as MessageView>::parse(&raw, version);
                let o = T::from_bytes(Bytes::from(raw.clone()), version);
                match (v, o) {
                    (Ok(v), Ok(o)) => prop_assert!(same(&v.to_message(), &o)),
                    (Err(_), Err(_)) => {}
                    (v, o) => {
                        return Err(TestCaseError::fail(format!(
                            "{} v{version}: view ok {} owned ok {}",
                            T::NAME,
                            v.is_ok(),
                            o.is_ok()
                        )))
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", T::NAME));
    }
}

#[test]
fn random_bytes_agree_with_owned_decoding() {
    visit_views(&mut GarbageAgrees);
}

/// Errors carry the message, version, field path and offset.
#[test]
fn errors_name_message_version_path_and_offset() {
    use kafka_codec::views::FindCoordinatorResponseView;
    // FindCoordinator response v4: throttle 0, then Coordinators (compact array of 1), whose
    // first element's Key claims 20 bytes but only 15 follow.
    let mut bytes = vec![0, 0, 0, 0, 2, 21];
    bytes.extend_from_slice(&[b'a'; 15]);
    let e = FindCoordinatorResponseView::parse(&bytes, 4).unwrap_err();
    assert_eq!(e.message(), Some("FindCoordinatorResponse"));
    assert_eq!(e.version(), Some(4));
    let path: Vec<&PathSegment> = e.path().collect();
    assert_eq!(
        path,
        [
            &PathSegment::Field("Coordinators"),
            &PathSegment::Index(0),
            &PathSegment::Field("Key")
        ]
    );
    assert_eq!(e.offset(), 5);
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::InvalidLength {
            length: 20,
            remaining: 15
        }
    ));
    // The owned decoder says the same.
    let o = kafka_codec::messages::FindCoordinatorResponse::from_bytes(
        Bytes::copy_from_slice(&bytes),
        4,
    )
    .unwrap_err();
    assert_eq!(e, o);
    // An unknown version and trailing bytes.
    let e = FindCoordinatorResponseView::parse(&bytes, 99).unwrap_err();
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::UnsupportedVersion { version: 99, .. }
    ));
    let e = FindCoordinatorResponseView::parse(&[0, 0, 0, 0, 1, 0, 9], 4).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::TrailingBytes(1));
    assert_eq!(e.offset(), 6);
}

/// A proxy's reads: Metadata brokers and FindCoordinator hosts, without allocating.
#[test]
fn metadata_hosts_read_in_place_and_rewritten() {
    use kafka_codec::messages::metadata_response::MetadataResponseBroker;
    use kafka_codec::messages::MetadataResponse;
    use kafka_codec::views::MetadataResponseView;
    let mut m = MetadataResponse::default();
    for (id, host) in [(1, "broker-1.internal"), (2, "broker-2.internal")] {
        let mut b = MetadataResponseBroker::default();
        b.node_id = id;
        b.host = host.into();
        b.port = 9092;
        m.brokers.push(b);
    }
    m.cluster_id = Some("c1".into());
    let bytes = m.to_bytes(12).unwrap().freeze();
    let (hosts, usage) = measure(|| {
        let v = MetadataResponseView::parse(&bytes, 12).unwrap();
        let mut n = 0;
        let mut ports = 0;
        for b in v.brokers().iter() {
            n += b.host().len();
            ports += b.port();
        }
        (v.brokers().len(), n, ports, v.cluster_id().map(|c| c.len()))
    });
    assert_eq!(usage.total, 0, "validation and reads allocated");
    assert_eq!(hosts, (2, 34, 2 * 9092, Some(2)));
    // Rewrite: to_owned, edit, encode.
    let v = MetadataResponseView::parse(&bytes, 12).unwrap();
    assert_eq!(
        v.brokers().iter().next().unwrap().host(),
        "broker-1.internal"
    );
    let mut owned = v.to_owned();
    for b in &mut owned.brokers {
        b.host = "proxy.example".into();
        b.port = 19092;
    }
    let again = owned.to_bytes(12).unwrap();
    let v2 = MetadataResponseView::parse(&again, 12).unwrap();
    let hosts: Vec<String> = v2.brokers().iter().map(|b| b.host().to_string()).collect();
    assert_eq!(hosts, ["proxy.example", "proxy.example"]);
    assert_eq!(
        v2.brokers().iter().map(|b| b.node_id()).collect::<Vec<_>>(),
        [1, 2]
    );
}

/// Tagged fields (known and unknown) and nulls in non-nullable fields survive `to_owned`.
#[test]
fn wire_bookkeeping_survives_to_owned() {
    use kafka_codec::messages::FindCoordinatorResponse;
    use kafka_codec::views::FindCoordinatorResponseView;
    // v3 (flexible): throttle, error code, error message null, node id, host null (not
    // nullable: kept as a null), port, then tagged fields: one unknown tag 5 with 2 bytes.
    let bytes = [
        0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0x23, 0x84, 1, 5, 2, 0xab, 0xcd,
    ];
    let owned = FindCoordinatorResponse::from_bytes(Bytes::copy_from_slice(&bytes), 3).unwrap();
    let v = FindCoordinatorResponseView::parse(&bytes, 3).unwrap();
    assert_eq!(v.error_message(), None);
    assert_eq!(v.host(), "");
    assert_eq!(v.port(), 9092);
    assert_eq!(v.node_id(), 7);
    let tags: Vec<(u32, &[u8])> = v.tagged_fields().collect();
    assert_eq!(tags, [(5, &[0xab, 0xcd][..])]);
    let back = v.to_owned();
    assert_eq!(back, owned);
    assert!(!back.wire.is_canonical());
    assert_eq!(&back.to_bytes(3).unwrap()[..], &bytes[..]);
    // The response as a whole, through ResponseView.
    let mut payload = vec![0, 0, 0, 9, 0];
    payload.extend_from_slice(&bytes);
    let r = ResponseView::parse(&payload, kafka_codec::ApiKey::FIND_COORDINATOR, 3).unwrap();
    assert_eq!(r.header.correlation_id(), 9);
    let ResponseBodyView::FindCoordinator(b) = r.body else {
        panic!("{:?}", r.body)
    };
    assert_eq!(b.as_bytes(), &bytes[..]);
}

// ---- Splice: rewriting fields in place ----

/// Host names of several lengths: shorter, longer, empty, and past 127 bytes (where a compact
/// length prefix takes a second byte).
fn new_host(i: usize) -> String {
    match i % 4 {
        0 => "p".to_string(),
        1 => "proxy-broker.example.internal".to_string(),
        2 => String::new(),
        _ => "h".repeat(200),
    }
}

fn sample_metadata() -> kafka_codec::messages::MetadataResponse {
    use kafka_codec::messages::metadata_response::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };
    let mut m = kafka_codec::messages::MetadataResponse::default();
    for (id, host, rack) in [
        (1, "broker-1.internal", Some("r1")),
        (2, "b2", None),
        (3, "broker-three.cluster.local", Some("rack-3")),
        (4, &*"x".repeat(130), None),
    ] {
        let mut b = MetadataResponseBroker::default();
        b.node_id = id;
        b.host = host.into();
        b.port = 9092 + id;
        b.rack = rack.map(Into::into);
        m.brokers.push(b);
    }
    m.cluster_id = Some("cluster".into());
    m.controller_id = 2;
    for t in ["orders", "payments"] {
        let mut topic = MetadataResponseTopic::default();
        topic.name = Some(t.into());
        for p in 0..3 {
            let mut part = MetadataResponsePartition::default();
            part.partition_index = p;
            part.leader_id = 1 + p % 3;
            part.replica_nodes = vec![1, 2, 3];
            part.isr_nodes = vec![1, 2];
            topic.partitions.push(part);
        }
        m.topics.push(topic);
    }
    m
}

/// Every Metadata response version, flexible or not: broker hosts, ports and racks rewritten
/// by a splice give exactly the bytes of `to_owned()` + edit + encode, and the owned decoder
/// reads them back as the edited message.
#[test]
fn splice_rewrites_metadata_brokers_in_every_version() {
    use kafka_codec::messages::MetadataResponse;
    use kafka_codec::views::{MetadataResponseView, Splice};
    for v in MetadataResponse::MIN_VERSION..=MetadataResponse::MAX_VERSION {
        let mut m = sample_metadata();
        m.conform(v);
        let bytes = m.to_bytes(v).unwrap().freeze();
        let view = MetadataResponseView::parse(&bytes, v).unwrap();
        let hosts: Vec<String> = (0..view.brokers().len()).map(new_host).collect();
        let mut splice = Splice::new(&bytes);
        for (i, b) in view.brokers().iter().enumerate() {
            splice.set_str(b.host_span().unwrap(), &hosts[i]).unwrap();
            splice
                .set(b.port_span().unwrap(), 19000 + i as i32)
                .unwrap();
            if let Some(rack) = b.rack_span() {
                let r = if i % 2 == 0 { None } else { Some("rack-z") };
                splice.set_nullable_str(rack, r).unwrap();
            }
        }
        let (out, usage) = measure(|| splice.to_vec().unwrap());
        // One allocation: the output, at its exact size.
        assert_eq!(usage.total, out.len(), "v{v}: more than the output buffer");
        assert_eq!(out.capacity(), out.len(), "v{v}");

        let mut owned = view.to_owned();
        for (i, b) in owned.brokers.iter_mut().enumerate() {
            b.host = hosts[i].as_str().into();
            b.port = 19000 + i as i32;
            if v >= 1 {
                b.rack = if i % 2 == 0 {
                    None
                } else {
                    Some("rack-z".into())
                };
            }
        }
        let expected = owned.to_bytes(v).unwrap();
        assert_eq!(out, &expected[..], "v{v}: splice differs from owned edit");
        let back = MetadataResponse::from_bytes(Bytes::from(out), v).unwrap();
        assert_eq!(back, owned, "v{v}");
    }
}

/// A whole response frame (header included) for FindCoordinator v0-v6: the v0-v3 host and
/// port and the v4+ coordinators' hosts and ports; the output frame's size is rewritten.
#[test]
fn splice_rewrites_find_coordinator_frames() {
    use kafka_codec::messages::find_coordinator_response::Coordinator;
    use kafka_codec::messages::{FindCoordinatorResponse, ResponseHeader};
    use kafka_codec::views::Splice;
    use kafka_codec::ApiKey;
    for v in FindCoordinatorResponse::MIN_VERSION..=FindCoordinatorResponse::MAX_VERSION {
        let mut m = FindCoordinatorResponse::default();
        m.node_id = 3;
        m.host = "coordinator.internal".into();
        m.port = 9093;
        for (i, key) in ["group-a", "group-b", "group-c"].into_iter().enumerate() {
            let mut c = Coordinator::default();
            c.key = key.into();
            c.node_id = i as i32;
            c.host = format!("broker-{i}.internal").as_str().into();
            c.port = 9092;
            m.coordinators.push(c);
        }
        m.conform(v);
        let mut header = ResponseHeader::default();
        header.correlation_id = 77;
        let frame = kafka_codec::frame::encode_response(
            ApiKey::FIND_COORDINATOR,
            v,
            &header,
            &ResponseBody::FindCoordinator(m),
        )
        .unwrap();
        let payload = &frame[4..];
        let r = ResponseView::parse(payload, ApiKey::FIND_COORDINATOR, v).unwrap();
        let ResponseBodyView::FindCoordinator(b) = &r.body else {
            panic!("v{v}: {:?}", r.body)
        };
        let mut splice = Splice::new(payload);
        let mut hosts = Vec::new();
        if v <= 3 {
            hosts.push(new_host(3));
            splice.set_str(b.host_span().unwrap(), &hosts[0]).unwrap();
            splice.set(b.port_span().unwrap(), 1234i32).unwrap();
            assert!(b.coordinators().is_empty());
        } else {
            assert!(b.host_span().is_none() && b.port_span().is_none());
            hosts.extend((0..b.coordinators().len()).map(new_host));
            for (i, c) in b.coordinators().iter().enumerate() {
                splice.set_str(c.host_span().unwrap(), &hosts[i]).unwrap();
                splice.set(c.port_span().unwrap(), 1234i32).unwrap();
            }
        }
        let out = splice.to_frame().unwrap();

        let mut owned = r.to_owned();
        let ResponseBody::FindCoordinator(ob) = &mut owned.body else {
            unreachable!()
        };
        if v <= 3 {
            ob.host = hosts[0].as_str().into();
            ob.port = 1234;
        } else {
            for (i, c) in ob.coordinators.iter_mut().enumerate() {
                c.host = hosts[i].as_str().into();
                c.port = 1234;
            }
        }
        let expected = owned.encode().unwrap();
        assert_eq!(out, &expected[..], "v{v}");
        assert_eq!(
            i32::from_be_bytes(out[..4].try_into().unwrap()) as usize,
            out.len() - 4
        );
        let back = decode_response_payload(
            ApiKey::FIND_COORDINATOR,
            v,
            Bytes::copy_from_slice(&out[4..]),
        )
        .unwrap();
        assert_eq!(back, owned, "v{v}");
    }
}

/// Every captured Metadata and FindCoordinator response: hosts and ports rewritten by a
/// splice of the whole frame equal the owned frame edited and encoded again.
#[test]
fn splice_rewrites_captured_hosts() {
    use kafka_codec::views::Splice;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
    let mut reqs = Vec::new();
    frames(&root, &mut reqs);
    let (mut metadata, mut coordinator) = (0, 0);
    let hosts: Vec<String> = (0..4).map(new_host).collect();
    for req_path in &reqs {
        let what = req_path.display().to_string();
        if !what.contains("-Metadata-") && !what.contains("-FindCoordinator-") {
            continue;
        }
        let req = std::fs::read(req_path).unwrap();
        let Ok(request) = RequestView::parse(&req[4..]) else {
            continue;
        };
        let Ok(resp) = std::fs::read(what.replace(".req.bin", ".resp.bin")) else {
            continue;
        };
        let payload = &resp[4..];
        let Ok(r) = ResponseView::parse(payload, request.api_key, request.api_version) else {
            continue;
        };
        let mut owned = r.to_owned();
        let mut splice = Splice::new(payload);
        match (&r.body, &mut owned.body) {
            (ResponseBodyView::Metadata(b), ResponseBody::Metadata(o)) => {
                for ((i, bv), bo) in b.brokers().iter().enumerate().zip(&mut o.brokers) {
                    let h = &hosts[i % 4];
                    splice.set_str(bv.host_span().unwrap(), h).unwrap();
                    splice
                        .set(bv.port_span().unwrap(), 7000 + i as i32)
                        .unwrap();
                    bo.host = h.as_str().into();
                    bo.port = 7000 + i as i32;
                }
                metadata += 1;
            }
            (ResponseBodyView::FindCoordinator(b), ResponseBody::FindCoordinator(o)) => {
                if let Some(span) = b.host_span() {
                    splice.set_str(span, "coordinator-proxy").unwrap();
                    o.host = "coordinator-proxy".into();
                }
                for ((i, cv), co) in b.coordinators().iter().enumerate().zip(&mut o.coordinators) {
                    let h = &hosts[i % 4];
                    splice.set_str(cv.host_span().unwrap(), h).unwrap();
                    co.host = h.as_str().into();
                }
                coordinator += 1;
            }
            _ => continue,
        }
        let out = splice.to_frame().unwrap();
        assert_eq!(out, &owned.encode().unwrap()[..], "{what}");
    }
    println!("{metadata} Metadata and {coordinator} FindCoordinator responses rewritten");
    assert!(
        metadata > 20 && coordinator > 5,
        "{metadata} / {coordinator}"
    );
}

/// ProduceResponse v10+ carries broker endpoints in a tagged field: a host that changes length
/// there needs the tagged field given to `resize_tag` (its size is rewritten, its varint
/// growing past 127 bytes); without it the splice refuses.
#[test]
fn splice_resizes_enclosing_tagged_fields() {
    use kafka_codec::messages::produce_response::NodeEndpoint;
    use kafka_codec::messages::ProduceResponse;
    use kafka_codec::views::{ProduceResponseView, Splice, SpliceError};
    for v in 10..=ProduceResponse::MAX_VERSION {
        let mut m = ProduceResponse::default();
        for id in 1..=2 {
            let mut e = NodeEndpoint::default();
            e.node_id = id;
            e.host = format!("broker-{id}").as_str().into();
            e.port = 9092;
            m.node_endpoints.push(e);
        }
        m.conform(v);
        let bytes = m.to_bytes(v).unwrap().freeze();
        let view = ProduceResponseView::parse(&bytes, v).unwrap();
        let long = "h".repeat(150);
        let hosts = ["edge", long.as_str()];

        let mut splice = Splice::new(&bytes);
        for (i, e) in view.node_endpoints().iter().enumerate() {
            let span = e.host_span().unwrap();
            assert_eq!(span.tag_depth(), 1);
            splice.set_str(span, hosts[i]).unwrap();
        }
        let e = splice.to_vec().unwrap_err();
        assert!(
            matches!(
                e,
                SpliceError::InsideTaggedField {
                    field: "Host",
                    depth: 1,
                    given: 0,
                    ..
                }
            ),
            "v{v}: {e:?}"
        );
        assert!(e.to_string().contains("Host at byte"), "{e}");
        // A port (fixed width) needs no resize.
        let mut ports = Splice::new(&bytes);
        let first = view.node_endpoints().iter().next().unwrap();
        ports.set(first.port_span().unwrap(), 1i32).unwrap();
        assert!(ports.to_vec().is_ok());

        splice
            .resize_tag(view.tagged_fields().span(0).unwrap())
            .unwrap();
        let out = splice.to_vec().unwrap();
        assert_eq!(out.capacity(), out.len(), "v{v}: output sized exactly");
        let mut owned = view.to_owned();
        for (i, e) in owned.node_endpoints.iter_mut().enumerate() {
            e.host = hosts[i].into();
        }
        assert_eq!(out, &owned.to_bytes(v).unwrap()[..], "v{v}");
        assert_eq!(
            ProduceResponse::from_bytes(Bytes::from(out), v).unwrap(),
            owned
        );
    }
}

/// Edits a splice refuses: overlapping, from other bytes, of the wrong type, null where the
/// field cannot be null, too long. A reused splice writing into a reused buffer allocates
/// nothing.
#[test]
fn splice_refuses_bad_edits_and_reuses_memory() {
    use kafka_codec::messages::MetadataResponse;
    use kafka_codec::views::{MetadataResponseView, Splice, SpliceError};
    let bytes = sample_metadata().to_bytes(12).unwrap().freeze();
    let view = MetadataResponseView::parse(&bytes, 12).unwrap();
    let b = view.brokers().iter().next().unwrap();
    let host = b.host_span().unwrap();
    assert_eq!(host.name(), "Host");
    assert_eq!(&bytes[host.range()][1..], b"broker-1.internal");
    let mut s = Splice::new(&bytes);
    s.set_str(host, "a").unwrap();
    assert_eq!(
        s.set_str(host, "b"),
        Err(SpliceError::Overlap {
            field: "Host",
            at: host.range().start
        })
    );
    assert!(matches!(
        s.set(b.port_span().unwrap(), 1i16),
        Err(SpliceError::WrongType {
            field: "Port",
            expected: "int32",
            given: "int16"
        })
    ));
    assert!(matches!(
        s.set(host, 1i32),
        Err(SpliceError::Overlap { .. } | SpliceError::WrongType { .. })
    ));
    assert!(matches!(
        s.set_str(b.port_span().unwrap(), "x"),
        Err(SpliceError::WrongType { .. })
    ));
    assert!(matches!(
        s.set_nullable_str(b.rack_span().unwrap(), None),
        Ok(())
    ));
    let topic = view.topics().iter().next().unwrap();
    let name = topic.name_span().unwrap();
    let too_long = "c".repeat(40000);
    assert!(matches!(
        s.set_nullable_str(view.cluster_id_span().unwrap(), Some(&too_long)),
        Err(SpliceError::TooLong { len: 40000, .. })
    ));
    // Topic names are nullable from v12 on; hosts never are.
    assert!(s.set_nullable_str(name, None).is_ok());
    let second = view.brokers().iter().nth(1).unwrap();
    assert!(matches!(
        s.set_nullable_str(second.host_span().unwrap(), None),
        Err(SpliceError::NotNullable { field: "Host", .. })
    ));
    // A span of other bytes (a copy) is refused.
    let copy = bytes.to_vec();
    let other = MetadataResponseView::parse(&copy, 12).unwrap();
    let mut s2 = Splice::new(&bytes);
    assert!(matches!(
        s2.set(
            other.brokers().iter().next().unwrap().port_span().unwrap(),
            1i32
        ),
        Err(SpliceError::ForeignSpan { field: "Port" })
    ));
    // Reused: no allocation at all.
    let mut out = Vec::with_capacity(2 * bytes.len());
    let mut s3 = Splice::new(&bytes);
    let (_, usage) = measure(|| {
        for round in 0..3 {
            s3.clear();
            out.clear();
            for br in view.brokers().iter() {
                s3.set_str(br.host_span().unwrap(), "proxy").unwrap();
                s3.set(br.port_span().unwrap(), round).unwrap();
            }
            s3.write_to(&mut out).unwrap();
        }
    });
    assert_eq!(usage.total, 0);
    let back = MetadataResponse::from_bytes(Bytes::from(out), 12).unwrap();
    assert!(back
        .brokers
        .iter()
        .all(|b| b.host == "proxy" && b.port == 2));
    // Past 16 edits the list moves to the heap and still works (edits given in reverse).
    let mut big = sample_metadata();
    for t in 0..20 {
        let mut topic = kafka_codec::messages::metadata_response::MetadataResponseTopic::default();
        topic.name = Some(format!("t{t}").as_str().into());
        big.topics.push(topic);
    }
    let bytes = big.to_bytes(12).unwrap().freeze();
    let view = MetadataResponseView::parse(&bytes, 12).unwrap();
    let mut s4 = Splice::new(&bytes);
    for t in view.topics().iter().collect::<Vec<_>>().into_iter().rev() {
        s4.set_nullable_str(t.name_span().unwrap(), Some("renamed"))
            .unwrap();
    }
    let mut owned = view.to_owned();
    for t in &mut owned.topics {
        t.name = Some("renamed".into());
    }
    assert_eq!(s4.to_vec().unwrap(), &owned.to_bytes(12).unwrap()[..]);
}

/// Element views stay small (offsets and lengths are `u32`): a Metadata partition view, 7
/// fields of which 3 arrays, is 80 bytes on 64-bit targets (7 offsets and 3 counts; it was
/// 112 with `usize` offsets and no counts, 72 with `u32` offsets and no counts).
#[test]
#[cfg(target_pointer_width = "64")]
fn element_views_are_small() {
    use kafka_codec::views::metadata_response::MetadataResponsePartitionView;
    assert_eq!(std::mem::size_of::<MetadataResponsePartitionView<'_>>(), 80);
}

/// The fuzz target `view` (which splices broker hosts in Metadata, FindCoordinator and
/// Produce responses) on the captured responses of those APIs and on Produce v10+ responses
/// carrying endpoints.
#[test]
fn view_fuzz_check_splices_captured_and_synthetic_responses() {
    use kafka_codec::messages::produce_response::NodeEndpoint;
    use kafka_codec::messages::{ProduceResponse, ResponseHeader};
    use kafka_codec::ApiKey;
    let apis = kafka_codec_fuzz_checks::response_apis();
    let input = |key: ApiKey, version: i16, payload: &[u8]| -> Vec<u8> {
        let sel = apis.iter().position(|a| a.0 == key).unwrap();
        let mut d = vec![1, sel as u8, (version - apis[sel].1) as u8];
        d.extend_from_slice(payload);
        d
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
    let mut reqs = Vec::new();
    frames(&root, &mut reqs);
    let mut n = 0;
    for req_path in &reqs {
        let what = req_path.display().to_string();
        if !["-Metadata-", "-FindCoordinator-", "-Produce-"]
            .iter()
            .any(|a| what.contains(a))
        {
            continue;
        }
        let req = std::fs::read(req_path).unwrap();
        let Ok(request) = RequestView::parse(&req[4..]) else {
            continue;
        };
        let Ok(resp) = std::fs::read(what.replace(".req.bin", ".resp.bin")) else {
            continue;
        };
        kafka_codec_fuzz_checks::view(&input(request.api_key, request.api_version, &resp[4..]));
        n += 1;
    }
    assert!(n > 300, "{n}");
    for v in 10..=ProduceResponse::MAX_VERSION {
        let mut m = ProduceResponse::default();
        for id in 0..4 {
            let mut e = NodeEndpoint::default();
            e.node_id = id;
            e.host = "broker.internal".into();
            m.node_endpoints.push(e);
        }
        m.conform(v);
        let frame = kafka_codec::frame::encode_response(
            ApiKey::PRODUCE,
            v,
            &ResponseHeader::default(),
            &ResponseBody::Produce(m),
        )
        .unwrap();
        kafka_codec_fuzz_checks::view(&input(ApiKey::PRODUCE, v, &frame[4..]));
    }
}
