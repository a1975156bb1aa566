//! Rules of Kafka's generated Java message code that the codec follows or deliberately departs
//! from (issue 11); each case is built from the bytes that show it. The README's "Deviations
//! from Kafka's Java client" table states each decision.
// Messages are built field by field from `default()` (docs/design/round2.md: no struct
// literals outside src/, the types become #[non_exhaustive]).
#![allow(clippy::field_reassign_with_default)]

use bytes::Bytes;
use kafka_codec::error::{DecodeErrorKind, EncodeErrorKind};
use kafka_codec::messages::ApiVersionsRequest;
use kafka_codec::Message;

/// ApiVersions v3 (flexible) body with a compact `ClientSoftwareName` of `len` bytes.
fn api_versions_v3(len: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    // unsigned varint len + 1
    let mut v = len as u32 + 1;
    while v >= 0x80 {
        wire.push((v as u8) | 0x80);
        v >>= 7;
    }
    wire.push(v as u8);
    wire.extend(std::iter::repeat_n(b'a', len));
    wire.extend_from_slice(&[2, b'1', 0]); // ClientSoftwareVersion "1", no tagged fields
    wire
}

#[test]
fn compact_strings_over_32767_bytes_are_refused_both_ways() {
    // 32767 bytes: the longest string Java reads and writes.
    let ok = ApiVersionsRequest::from_bytes(Bytes::from(api_versions_v3(32767)), 3).unwrap();
    assert_eq!(ok.client_software_name.len(), 32767);
    assert_eq!(&ok.to_bytes(3).unwrap()[..], &api_versions_v3(32767)[..]);
    // 32768 bytes: Java's reader says "had invalid length"; so do we, at the length's offset.
    let e = ApiVersionsRequest::from_bytes(Bytes::from(api_versions_v3(32768)), 3).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            DecodeErrorKind::InvalidLength { length: 32768, .. }
        ),
        "{e}"
    );
    // And on encode: Java's writer says "is too long to be serialized".
    let mut m = ApiVersionsRequest::default();
    m.client_software_name = "a".repeat(32768).into();
    m.client_software_version = "1".into();
    let e = m.to_bytes(3).unwrap_err();
    assert_eq!(e.kind(), &EncodeErrorKind::TooLong(32768));
}

#[test]
fn api_keys_above_the_known_ones_get_flexible_headers() {
    use kafka_codec::frame::decode_request;
    use kafka_codec::{ApiKey, RequestBody};
    let highest = (0..=i16::MAX)
        .rev()
        .find(|&k| ApiKey(k).name().is_some())
        .unwrap();
    let newer = ApiKey(highest + 1);
    assert_eq!(newer.request_header_version(0), 2);
    assert_eq!(newer.response_header_version(0), 1);
    // A request of that key: header v2 (int16 client id "c", empty tagged fields), then a body
    // kept raw. Read as header v1, the tagged-field byte would land in the body.
    let mut wire = Vec::new();
    wire.extend_from_slice(&newer.0.to_be_bytes());
    wire.extend_from_slice(&[0, 0, 0, 0, 0, 9, 0, 1, b'c', 0, 0xab, 0xcd]);
    let mut frame = (wire.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&wire);
    let f = decode_request(Bytes::from(frame.clone())).unwrap();
    assert_eq!(f.header_version, 2);
    assert_eq!(f.header.correlation_id, 9);
    assert_eq!(f.body, RequestBody::Raw(Bytes::from_static(&[0xab, 0xcd])));
    assert_eq!(&f.encode().unwrap()[..], &frame[..]);
}

/// Negative lengths other than -1: Java reads them as null; the codec refuses them, since the
/// re-encode (which writes -1) could not give back the bytes received.
#[cfg(feature = "metadata")]
#[test]
fn negative_lengths_other_than_minus_one_are_refused() {
    use kafka_codec::messages::MetadataRequest;
    // Metadata v1: Topics is a nullable array; -1 is null (all topics).
    let all =
        MetadataRequest::from_bytes(Bytes::from_static(&[0xff, 0xff, 0xff, 0xff]), 1).unwrap();
    assert!(all.topics.is_none());
    let e =
        MetadataRequest::from_bytes(Bytes::from_static(&[0xff, 0xff, 0xff, 0xfb]), 1).unwrap_err();
    assert!(
        matches!(e.kind(), DecodeErrorKind::InvalidLength { length: -5, .. }),
        "{e}"
    );
    assert_eq!(e.offset(), 0);
}

/// A nullable struct's marker other than -1 and 1: Java takes < 0 as null and >= 0 as present;
/// the codec refuses it (a re-encode writes -1 or 1 and could not give back the byte received).
#[cfg(feature = "group")]
#[test]
fn nullable_struct_markers_other_than_minus_one_and_one_are_refused() {
    use kafka_codec::messages::ConsumerGroupHeartbeatResponse;
    // v0: throttle, error code, null error message, null member id, epoch 1, interval 0,
    // Assignment marker, (no assignment), tagged fields.
    let body = |marker: u8| {
        Bytes::from(vec![
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, marker, 0,
        ])
    };
    let ok = ConsumerGroupHeartbeatResponse::from_bytes(body(0xff), 0).unwrap();
    assert!(ok.assignment.is_none());
    assert_eq!(&ok.to_bytes(0).unwrap()[..], &body(0xff)[..]);
    for marker in [0u8, 0xfe, 0x7f] {
        let e = ConsumerGroupHeartbeatResponse::from_bytes(body(marker), 0).unwrap_err();
        assert!(
            matches!(e.kind(), DecodeErrorKind::InvalidValue(_)),
            "{marker}: {e}"
        );
        assert_eq!(e.offset(), 16, "{marker}");
    }
}

/// Invalid UTF-8 in a string: Java decodes it leniently (replacement characters); the codec
/// keeps the bytes as received and writes them back unchanged, and refuses them, naming the
/// field and the offset of the first invalid byte, only when asked to be strict. See the
/// README's deviations table (and tests/utf8.rs for whole frames).
#[test]
fn invalid_utf8_in_a_string_is_kept_or_refused_when_strict() {
    use kafka_codec::frame::DecodeOptions;
    let mut wire = api_versions_v3(3);
    wire[2] = 0xff; // "a\xffa"
    let wire = Bytes::from(wire);
    let m = ApiVersionsRequest::from_bytes(wire.clone(), 3).unwrap();
    assert_eq!(&m.client_software_name.as_bytes()[..], b"a\xffa");
    assert!(m.client_software_name.to_str().is_err());
    assert_eq!(m.client_software_name.to_string(), "a\u{fffd}a");
    assert_eq!(m.to_bytes(3).unwrap(), wire);

    let e = DecodeOptions::new()
        .strict_utf8(true)
        .decode_message::<ApiVersionsRequest>(wire, 3)
        .unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
    assert_eq!(e.offset(), 2);
    assert!(e.to_string().contains("ClientSoftwareName"), "{e}");
}

/// A known tag sent in a version where its field is not tagged (Fetch v12 with tag 1,
/// ReplicaState, tagged from v15): Java refuses ("Tag 1 is not valid for version 12"); the codec
/// keeps it as an unknown tagged field and writes it back unchanged.
#[cfg(feature = "fetch")]
#[test]
fn known_tag_in_a_version_without_it_is_kept_raw() {
    use kafka_codec::messages::FetchRequest;
    let plain = FetchRequest::default().to_bytes(12).unwrap().to_vec();
    assert_eq!(plain.last(), Some(&0)); // empty top-level tagged section
    let mut wire = plain.clone();
    wire.pop();
    wire.extend_from_slice(&[1, 1, 2, 0xaa, 0xbb]); // one field: tag 1, 2 bytes
    let m = FetchRequest::from_bytes(Bytes::from(wire.clone()), 12).unwrap();
    assert_eq!(m.replica_state, Default::default());
    assert_eq!(&m.to_bytes(12).unwrap()[..], &wire[..]);
    // Encoded at a version without tagged fields, the unknown field has no place: refused, as
    // Java refuses it ("Tagged fields were set, but version 11 of this message does not
    // support them"), rather than dropped.
    let e = m.to_bytes(11).unwrap_err();
    assert_eq!(e.kind(), &EncodeErrorKind::TaggedFieldsNotInVersion);
    // Without them the same value encodes at v11.
    let mut clean = m.clone();
    clean.wire.clear();
    assert_eq!(
        &clean.to_bytes(11).unwrap()[..],
        &FetchRequest::default().to_bytes(11).unwrap()[..]
    );
}
