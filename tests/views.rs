//! Borrowed views (feature `views`) against the owned decoder: on every captured frame, on
//! every (message, version) the property tests generate, on every truncation of those, and on
//! hand-made bytes whose errors are known. Validation and field reads must not allocate.

use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use kafka_codec::__private::support::Conform;
use kafka_codec::frame::{decode_request_payload, decode_response_payload};
use kafka_codec::views::{
    visit_views, HasView, MessageView, RequestBodyView, RequestView, ResponseBodyView,
    ResponseView, ViewVisitor,
};
use kafka_codec::{DecodeErrorKind, Message, PathSegment, ResponseBody};
use kafka_codec_fuzz_checks::measure;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Equal, or equal once printed (a float64 NaN is not equal to itself).
fn same<T: PartialEq + std::fmt::Debug>(a: &T, b: &T) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
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
