//! Rules of Kafka's generated Java message code that the codec follows or deliberately departs
//! from (issue 11); each case is built from the bytes that show it. The README's "Deviations
//! from Kafka's Java client" table states each decision.

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
