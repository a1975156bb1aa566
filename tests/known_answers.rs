//! Known-answer tests from hand-built bytes for the cases a generated round trip cannot prove:
//! null vs empty, compact lengths, tagged fields (present, absent, unknown, sent at their
//! default, out of order, mis-sized), header versions, missing bytes, non-canonical varints,
//! version checks, and error paths with byte offsets.

use bytes::{Bytes, BytesMut};
use kafka_codec::frame::{decode_request, decode_response, encode_request};
use kafka_codec::messages::*;
use kafka_codec::{ApiKey, DecodeErrorKind, EncodeErrorKind, Message, RequestBody, ResponseBody};

fn h(s: &str) -> Bytes {
    let s: String = s.split_whitespace().collect();
    assert!(s.len().is_multiple_of(2), "odd hex");
    Bytes::from(
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>(),
    )
}

/// Decodes, checks `f`, and checks the re-encoding is byte-identical.
fn exact<T: Message>(bytes: &Bytes, version: i16, f: impl FnOnce(&T)) -> T {
    let m = T::from_bytes(bytes.clone(), version).unwrap_or_else(|e| panic!("{e}"));
    f(&m);
    assert_eq!(
        &m.to_bytes(version).unwrap()[..],
        &bytes[..],
        "re-encoding differs"
    );
    assert_eq!(m.encoded_len(version), bytes.len());
    m
}

#[test]
fn null_and_empty_strings_are_distinct() {
    // Heartbeat v3: group "g", generation 1, member "m", group instance id null / empty.
    let null = h("0001 67 00000001 0001 6d ffff");
    let empty = h("0001 67 00000001 0001 6d 0000");
    exact::<HeartbeatRequest>(&null, 3, |m| assert_eq!(m.group_instance_id, None));
    exact::<HeartbeatRequest>(&empty, 3, |m| {
        assert_eq!(m.group_instance_id, Some("".into()))
    });
}

#[test]
fn compact_lengths_in_flexible_versions() {
    // Heartbeat v4: compact strings (length + 1), null as 0, then an empty tagged section.
    let b = h("02 67 00000001 02 6d 00 00");
    exact::<HeartbeatRequest>(&b, 4, |m| {
        assert_eq!(m.group_id, "g");
        assert_eq!(m.group_instance_id, None);
    });
    // Zero-length compact string is 0x01.
    let b = h("01 00000001 01 01 00");
    exact::<HeartbeatRequest>(&b, 4, |m| {
        assert_eq!(m.group_id, "");
        assert_eq!(m.group_instance_id, Some("".into()));
    });
}

#[test]
fn null_in_a_non_nullable_field_is_kept_and_written_back() {
    // SyncGroup v3 response: throttle 0, error 0, Assignment (bytes, never nullable) = null.
    // librdkafka's mock broker sends this.
    let b = h("00000000 0000 ffffffff");
    let m = exact::<SyncGroupResponse>(&b, 3, |m| {
        assert!(m.assignment.is_empty());
        assert!(!m.wire.is_canonical());
    });
    // The same value without the bookkeeping encodes canonically (length 0).
    let mut canonical = m;
    canonical.wire.clear();
    assert_eq!(
        &canonical.to_bytes(3).unwrap()[..],
        &h("00000000 0000 00000000")[..]
    );
}

/// FetchRequest v12 with default fields, whose last byte is the top-level tagged section.
fn fetch_v12_with_tags(section: &str) -> Bytes {
    let base = FetchRequest::default().to_bytes(12).unwrap();
    assert_eq!(base[base.len() - 1], 0);
    let mut b = BytesMut::from(&base[..base.len() - 1]);
    b.extend_from_slice(&h(section));
    b.freeze()
}

#[test]
fn tagged_fields_known_unknown_and_at_default() {
    // Absent.
    exact::<FetchRequest>(&fetch_v12_with_tags("00"), 12, |m| {
        assert_eq!(m.cluster_id, None)
    });
    // Known tag 0 (ClusterId "c"), then tag 1, which v12 does not know (ReplicaState is v15+):
    // kept raw and written back in its place.
    exact::<FetchRequest>(
        &fetch_v12_with_tags("02 00 02 02 63 01 03 aabbcc"),
        12,
        |m| {
            assert_eq!(m.cluster_id, Some("c".into()));
            assert_eq!(m.wire.unknown_tagged_fields().len(), 1);
            assert_eq!(m.wire.unknown_tagged_fields()[0].tag, 1);
            assert_eq!(
                &m.wire.unknown_tagged_fields()[0].data[..],
                &[0xaa, 0xbb, 0xcc]
            );
        },
    );
    // Known tag sent explicitly with its default (null): a canonical encoder would omit it, so
    // the decode remembers it was there.
    let m = exact::<FetchRequest>(&fetch_v12_with_tags("01 00 01 00"), 12, |m| {
        assert_eq!(m.cluster_id, None);
        assert_eq!(m.wire.tags_present(), 1);
    });
    let mut canonical = m;
    canonical.wire.clear();
    assert_eq!(canonical.to_bytes(12).unwrap(), fetch_v12_with_tags("00"));
    // The same tag at v15+ is ReplicaState, a known struct.
    let v15 = FetchRequest::default().with_replica_state(
        fetch_request::ReplicaState::default()
            .with_replica_id(3)
            .with_replica_epoch(9),
    );
    let bytes = v15.to_bytes(15).unwrap().freeze();
    exact::<FetchRequest>(&bytes, 15, |m| assert_eq!(m.replica_state.replica_id, 3));
}

#[test]
fn malformed_tagged_sections_are_errors() {
    let e = FetchRequest::from_bytes(fetch_v12_with_tags("02 01 01 00 00 01 00"), 12).unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::TaggedFieldOutOfOrder {
            previous: 1,
            tag: 0
        }
    );
    let e = FetchRequest::from_bytes(fetch_v12_with_tags("01 00 03 02 63 ff"), 12).unwrap_err();
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::TaggedFieldSize {
            tag: 0,
            declared: 3,
            used: 2
        }
    ));
    assert_eq!(e.path_string(), "ClusterId");
    // A count that cannot fit in the bytes left.
    let e = FetchRequest::from_bytes(fetch_v12_with_tags("7f"), 12).unwrap_err();
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::InvalidLength { length: 127, .. }
    ));
}

#[test]
fn request_header_versions() {
    // Heartbeat v0 → header v1: int16 client id, no tagged fields.
    let v0 = h("00000016 000c 0000 00000007 0002 6331  0001 67 00000001 0001 6d");
    let f = decode_request(v0.clone()).unwrap();
    assert_eq!(f.header_version, 1);
    assert_eq!(f.header.client_id, Some("c1".into()));
    assert_eq!(f.encode().unwrap(), v0);
    // Heartbeat v4 → header v2: the same int16 client id (never compact), then tagged fields.
    let v4 = h("00000015 000c 0004 00000007 ffff 00  02 67 00000001 02 6d 00 00");
    let f = decode_request(v4.clone()).unwrap();
    assert_eq!(f.header_version, 2);
    assert_eq!(f.header.client_id, None);
    assert!(matches!(f.body, RequestBody::Heartbeat(_)));
    assert_eq!(f.encode().unwrap(), v4);
    // ControlledShutdown v0 → header v0: no client id at all. Its body (broker id 1) is typed
    // with the `broker-internal` family, raw without it.
    let cs = h("0000000c 0007 0000 00000003 00000001");
    let f = decode_request(cs.clone()).unwrap();
    assert_eq!(f.header_version, 0);
    // Typed when the broker-internal family (which has ControlledShutdown) is compiled in.
    #[cfg(feature = "broker-internal")]
    match &f.body {
        RequestBody::ControlledShutdown(b) => assert_eq!(b.broker_id, 1),
        other => panic!("{other:?}"),
    }
    #[cfg(not(feature = "broker-internal"))]
    assert_eq!(f.body, RequestBody::Raw(h("00000001")));
    assert_eq!(f.encode().unwrap(), cs);
}

#[test]
fn response_header_versions_and_api_versions_exception() {
    // Heartbeat v4 response: header v1 (correlation id + tagged fields).
    let b = h("0000000c 00000007 00 00000000 0000 00");
    let f = decode_response(ApiKey::HEARTBEAT, 4, b.clone()).unwrap();
    assert_eq!(f.header_version, 1);
    assert_eq!(f.encode().unwrap(), b);
    // ApiVersions v3 response: flexible body but header v0, always.
    let b = h("0000000c 00000007 0000 01 00000000 00");
    let f = decode_response(ApiKey::API_VERSIONS, 3, b.clone()).unwrap();
    assert_eq!(f.header_version, 0);
    assert!(matches!(f.body, ResponseBody::ApiVersions(_)));
    assert_eq!(f.encode().unwrap(), b);
}

#[test]
fn missing_bytes_are_always_an_error() {
    // LeaveGroup v3 response without its Members array (librdkafka's mock sends this).
    let e = LeaveGroupResponse::from_bytes(h("00000000 0000"), 3).unwrap_err();
    assert!(matches!(e.kind(), DecodeErrorKind::UnexpectedEof { .. }));
    assert_eq!(e.path_string(), "Members");
    assert_eq!(e.message(), Some("LeaveGroupResponse"));
    assert_eq!(e.version(), Some(3));
    assert_eq!(e.offset(), 6);
}

#[test]
fn errors_name_the_field_path_and_byte_offset() {
    // OffsetCommit v2: group, generation, member, retention, one topic with one partition whose
    // metadata claims 5 bytes but carries 1.
    let b = h("0001 67 00000001 0001 6d ffffffffffffffff 00000001 0001 74 00000001 00000000 000000000000002a 0005 61");
    let e = OffsetCommitRequest::from_bytes(b, 2).unwrap_err();
    assert_eq!(e.path_string(), "Topics[0].Partitions[0].CommittedMetadata");
    assert_eq!(e.offset(), 41);
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::InvalidLength {
            length: 5,
            remaining: 1
        }
    ));
    assert_eq!(
        e.to_string(),
        "OffsetCommitRequest v2 field Topics[0].Partitions[0].CommittedMetadata at byte 41: length 5 is invalid with 1 bytes left"
    );
}

#[test]
fn hostile_counts_are_refused_before_allocating() {
    // Metadata v0 request: a topic count of 2^31-1 with 4 bytes behind it.
    let e = MetadataRequest::from_bytes(h("7fffffff 00000000"), 0).unwrap_err();
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::InvalidLength {
            length: 2147483647,
            ..
        }
    ));
    // Non-canonical varint (over-long encoding of 1) in a compact length.
    let e = HeartbeatRequest::from_bytes(h("8100 00000001 02 6d 00 00"), 4).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::NonCanonicalVarint);
    // Varint past 5 bytes.
    let e = HeartbeatRequest::from_bytes(h("ffffffffff01 00"), 4).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::VarintTooLong);
}

#[test]
fn versions_and_fields_are_checked_on_encode() {
    let mut req = FetchRequest::default();
    assert!(matches!(
        req.to_bytes(19).unwrap_err().kind(),
        EncodeErrorKind::UnsupportedVersion {
            version: 19,
            min: 0,
            max: 18
        }
    ));
    assert!(matches!(
        FetchRequest::from_bytes(Bytes::new(), -1)
            .unwrap_err()
            .kind(),
        DecodeErrorKind::UnsupportedVersion { version: -1, .. }
    ));
    // LastFetchedEpoch (v12+) is not ignorable: a real value cannot silently vanish in v11.
    req.topics.push(
        fetch_request::FetchTopic::default()
            .with_topic("t".into())
            .with_partitions(vec![
                fetch_request::FetchPartition::default().with_last_fetched_epoch(5)
            ]),
    );
    let e = req.to_bytes(11).unwrap_err();
    assert_eq!(e.kind(), &EncodeErrorKind::FieldNotInVersion);
    assert_eq!(e.path_string(), "Topics[0].Partitions[0].LastFetchedEpoch");
    assert!(req.to_bytes(12).is_ok());
    // RackId (v11+) is ignorable: dropped from v10 without complaint.
    req.topics[0].partitions[0].last_fetched_epoch = -1;
    req.rack_id = "rack-a".into();
    assert!(req.to_bytes(10).is_ok());
    // Null where the version does not allow it.
    let hb = HeartbeatRequest::default();
    assert!(hb.to_bytes(2).is_ok());
    let e = SyncGroupRequest::default()
        .with_group_instance_id(Some("x".into()))
        .to_bytes(2)
        .unwrap_err();
    assert_eq!(e.kind(), &EncodeErrorKind::FieldNotInVersion);
}

#[test]
fn encode_request_allocates_once_at_the_right_size() {
    let header = RequestHeader::default()
        .with_request_api_key(ApiKey::OFFSET_FETCH)
        .with_request_api_version(8)
        .with_correlation_id(1)
        .with_client_id(Some("c".into()));
    let body = RequestBody::OffsetFetch(OffsetFetchRequest::default().with_groups(
        vec![offset_fetch_request::OffsetFetchRequestGroup::default()
.with_group_id("g".into())
.with_topics(None)],
    ));
    let frame = encode_request(&header, &body).unwrap();
    // (That the frame is allocated once at its size is checked in frame.rs's unit tests.)
    let back = decode_request(frame).unwrap();
    assert_eq!(back.body, body);
}
