//! Strings whose bytes are not UTF-8 (issue 11): decoded by default and kept as received, so a
//! re-encode gives back the same bytes; refused, naming the field path and the offset of the
//! first invalid byte, by a strict decode. Every frame here is written out byte by byte.
#![cfg(feature = "group")]

use bytes::Bytes;
use kafka_codec::frame::{decode_request, decode_request_payload, DecodeOptions};
use kafka_codec::messages::HeartbeatRequest;
use kafka_codec::{BytesStr, DecodeErrorKind, Message, PathSegment, RequestBody};

/// A Heartbeat v4 request frame (request header v2) with the given client id and group id
/// bytes; member id "m", no group instance id.
fn heartbeat_v4(client_id: &[u8], group_id: &[u8]) -> Vec<u8> {
    let mut w = vec![0, 12, 0, 4, 0, 0, 0, 7]; // key 12, version 4, correlation id 7
    w.extend_from_slice(&(client_id.len() as i16).to_be_bytes()); // int16 even in header v2
    w.extend_from_slice(client_id);
    w.push(0); // header tagged fields
    w.push(group_id.len() as u8 + 1); // compact string
    w.extend_from_slice(group_id);
    w.extend_from_slice(&[0, 0, 0, 1]); // generation id
    w.extend_from_slice(&[2, b'm']); // member id
    w.push(0); // group instance id: null
    w.push(0); // body tagged fields
    let mut frame = (w.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&w);
    frame
}

const BAD_CLIENT: &[u8] = b"c\xffx"; // 0xff never appears in UTF-8
const BAD_GROUP: &[u8] = b"g\xc3("; // 0xc3 starts a 2-byte sequence; '(' does not continue it

// Offsets in the frame: size 0-3, key 4-5, version 6-7, correlation id 8-11, client id length
// 12-13 and bytes from 14, so 0xff is at 15; header tags 17, group id length 18, 'g' 19, 0xc3 20.
const CLIENT_BAD_AT: usize = 15;
const GROUP_BAD_AT: usize = 20;

#[test]
fn the_frame_is_what_the_offsets_say() {
    let f = heartbeat_v4(BAD_CLIENT, BAD_GROUP);
    assert_eq!(f[CLIENT_BAD_AT], 0xff);
    assert_eq!(f[GROUP_BAD_AT], 0xc3);
    assert_eq!(
        f.len(),
        4 + i32::from_be_bytes([f[0], f[1], f[2], f[3]]) as usize
    );
}

#[test]
fn invalid_strings_decode_by_default_and_re_encode_byte_for_byte() {
    let wire = Bytes::from(heartbeat_v4(BAD_CLIENT, BAD_GROUP));
    let f = decode_request(wire.clone()).unwrap();

    let client_id = f.header.client_id.as_ref().unwrap();
    assert_eq!(&client_id.as_bytes()[..], BAD_CLIENT);
    assert!(!client_id.is_utf8());
    let e = client_id.to_str().unwrap_err();
    assert_eq!(e.valid_up_to(), 1);
    assert_eq!(client_id.to_string_lossy(), "c\u{fffd}x");

    let RequestBody::Heartbeat(hb) = &f.body else {
        panic!("not a Heartbeat: {:?}", f.body)
    };
    assert_eq!(&hb.group_id.as_bytes()[..], BAD_GROUP);
    assert_eq!(hb.group_id.to_str().unwrap_err().valid_up_to(), 1);
    assert_eq!(hb.member_id.to_str(), Ok("m"));

    // The bytes received are the bytes written back: the frame and each message alone.
    assert_eq!(f.encode().unwrap(), wire);
    let body = wire.slice(18..);
    assert_eq!(HeartbeatRequest::from_bytes(body.clone(), 4).unwrap(), *hb);
    assert_eq!(hb.to_bytes(4).unwrap(), body);

    // And the payload path (a proxy's split_frame output) does the same.
    let p = decode_request_payload(wire.slice(4..)).unwrap();
    assert_eq!(p, f);
}

#[test]
fn strict_decoding_refuses_the_header_string_with_its_offset() {
    let wire = Bytes::from(heartbeat_v4(BAD_CLIENT, b"g"));
    let e = DecodeOptions::new()
        .strict_utf8(true)
        .decode_request(wire.clone())
        .unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
    assert_eq!(e.offset(), CLIENT_BAD_AT);
    assert_eq!(e.message(), Some("RequestHeader"));
    assert_eq!(
        e.path().cloned().collect::<Vec<_>>(),
        vec![PathSegment::Field("ClientId")]
    );
    let text = e.to_string();
    assert!(text.contains("ClientId") && text.contains("15"), "{text}");

    // Strictness is asked for; without it the same bytes decode.
    assert!(DecodeOptions::new().decode_request(wire).is_ok());
}

#[test]
fn strict_decoding_refuses_the_body_string_with_api_version_and_offset() {
    let wire = Bytes::from(heartbeat_v4(b"ok", BAD_GROUP));
    // The client id is one byte shorter than BAD_CLIENT: the group id's 0xc3 moves back one.
    let at = GROUP_BAD_AT - 1;
    assert_eq!(wire[at], 0xc3);
    let strict = DecodeOptions::new().strict_utf8(true);
    // Frame offsets count from the frame's start, payload offsets from the payload's.
    for (e, offset) in [
        (strict.decode_request(wire.clone()).unwrap_err(), at),
        (
            strict.decode_request_payload(wire.slice(4..)).unwrap_err(),
            at - 4,
        ),
    ] {
        assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
        assert_eq!(e.message(), Some("HeartbeatRequest"));
        assert_eq!(e.version(), Some(4));
        assert_eq!(
            e.path().cloned().collect::<Vec<_>>(),
            vec![PathSegment::Field("GroupId")]
        );
        assert_eq!(e.offset(), offset, "{e}");
    }
    // The body alone, as a message (length byte, 'g', then 0xc3).
    let body = wire.slice(17..);
    let e = strict
        .decode_message::<HeartbeatRequest>(body.clone(), 4)
        .unwrap_err();
    assert_eq!(e.offset(), 2);
    assert!(e.to_string().contains("GroupId"), "{e}");
    // Valid strings pass the strict decode unchanged.
    let good = Bytes::from(heartbeat_v4(b"ok", b"orders"));
    assert_eq!(
        strict.decode_request(good.clone()).unwrap(),
        decode_request(good).unwrap()
    );
}

/// A nested string: the path names the array element, and the offset is absolute.
#[cfg(feature = "offset")]
#[test]
fn strict_decoding_names_a_nested_field_path() {
    use kafka_codec::messages::offset_commit_request::{
        OffsetCommitRequestPartition, OffsetCommitRequestTopic,
    };
    use kafka_codec::messages::OffsetCommitRequest;

    let mut p = OffsetCommitRequestPartition::default();
    p.partition_index = 0;
    p.committed_offset = 5;
    p.committed_metadata = Some(BytesStr::from_bytes(Bytes::from_static(b"meta\x80")));
    let mut t0 = OffsetCommitRequestTopic::default();
    t0.name = "orders".into();
    let mut t1 = OffsetCommitRequestTopic::default();
    t1.name = "payments".into();
    t1.partitions = vec![p];
    let mut req = OffsetCommitRequest::default();
    req.group_id = "g".into();
    req.topics = vec![t0, t1];
    let wire = req.to_bytes(9).unwrap().freeze();
    let bad_at = wire
        .windows(5)
        .position(|w| w == b"meta\x80")
        .map(|i| i + 4)
        .unwrap();

    let back = OffsetCommitRequest::from_bytes(wire.clone(), 9).unwrap();
    assert_eq!(back, req);
    assert_eq!(back.to_bytes(9).unwrap(), wire);

    let e = DecodeOptions::new()
        .strict_utf8(true)
        .decode_message::<OffsetCommitRequest>(wire, 9)
        .unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
    assert_eq!(e.offset(), bad_at);
    assert_eq!(
        e.path().cloned().collect::<Vec<_>>(),
        vec![
            PathSegment::Field("Topics"),
            PathSegment::Index(1),
            PathSegment::Field("Partitions"),
            PathSegment::Index(0),
            PathSegment::Field("CommittedMetadata"),
        ]
    );
}

#[test]
fn the_string_type_is_honest_about_invalid_bytes() {
    let bad = BytesStr::from_bytes(Bytes::from_static(b"a\"\xff'\xc3"));
    assert!(!bad.is_utf8());
    assert_eq!(bad.len(), 5);
    assert_eq!(bad.to_str().unwrap_err().valid_up_to(), 2);
    // Display: lossy, one U+FFFD per invalid sequence, as Java's decoder reads it.
    assert_eq!(bad.to_string(), "a\"\u{fffd}'\u{fffd}");
    assert_eq!(bad.to_string(), String::from_utf8_lossy(b"a\"\xff'\xc3"));
    // Debug: escaped, so that the bytes can be read back off a log line.
    assert_eq!(format!("{bad:?}"), r#""a\"\xFF'\xC3""#);
    // Valid strings print exactly as `str` does.
    let good = BytesStr::from("tab\there 'q' \"d\"");
    assert_eq!(format!("{good:?}"), format!("{:?}", "tab\there 'q' \"d\""));
    assert_eq!(good.to_string(), "tab\there 'q' \"d\"");
    // Comparison is by bytes: an invalid string equals no `&str`, not even its lossy text.
    assert_ne!(bad, "a\"\u{fffd}'\u{fffd}");
    assert_eq!(good, "tab\there 'q' \"d\"");
    assert_eq!(
        BytesStr::from_utf8(Bytes::from_static(b"\xff"))
            .unwrap_err()
            .valid_up_to(),
        0
    );
    assert_eq!(
        BytesStr::from_utf8(Bytes::from_static(b"ok")).unwrap(),
        "ok"
    );
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any client id bytes: the default decode keeps them and re-encodes the frame
        /// unchanged; the strict decode agrees with `std::str::from_utf8` on which to refuse,
        /// and points at the first invalid byte.
        #[test]
        fn any_client_id_bytes(client_id in proptest::collection::vec(any::<u8>(), 0..40)) {
            let wire = Bytes::from(heartbeat_v4(&client_id, b"g"));
            let f = decode_request(wire.clone()).unwrap();
            prop_assert_eq!(&f.header.client_id.as_ref().unwrap().as_bytes()[..], &client_id[..]);
            prop_assert_eq!(f.encode().unwrap(), wire.clone());
            let strict = DecodeOptions::new().strict_utf8(true).decode_request(wire);
            match std::str::from_utf8(&client_id) {
                Ok(_) => prop_assert_eq!(strict.unwrap(), f),
                Err(e) => {
                    let err = strict.unwrap_err();
                    prop_assert_eq!(err.kind(), &DecodeErrorKind::InvalidUtf8);
                    prop_assert_eq!(err.offset(), 14 + e.valid_up_to());
                }
            }
        }
    }
}

/// Serde (feature `serde`): a UTF-8 string is a JSON string; one that is not is
/// `{"hex": ..., "lossy": ...}`, which deserializes back to exactly its bytes.
#[cfg(feature = "serde")]
#[test]
fn serde_keeps_invalid_bytes_as_hex() {
    let wire = Bytes::from(heartbeat_v4(BAD_CLIENT, b"orders"));
    let f = decode_request(wire.clone()).unwrap();
    let j = serde_json::to_value(&f).unwrap();
    assert_eq!(
        j["header"]["client_id"],
        serde_json::json!({"hex": "63ff78", "lossy": "c\u{fffd}x"})
    );
    assert_eq!(j["body"]["Heartbeat"]["group_id"], "orders");
    let back: kafka_codec::frame::RequestFrame = serde_json::from_value(j).unwrap();
    assert_eq!(back, f);
    assert_eq!(back.encode().unwrap(), wire);

    // The hex form alone is enough; the lossy text is for reading and is ignored.
    let s: BytesStr = serde_json::from_str(r#"{"hex": "61ff"}"#).unwrap();
    assert_eq!(&s.as_bytes()[..], b"a\xff");
    let s: BytesStr = serde_json::from_str(r#"{"lossy": "x", "hex": "6162"}"#).unwrap();
    assert_eq!(s, "ab");
    assert!(serde_json::from_str::<BytesStr>(r#"{"lossy": "x"}"#).is_err());
    assert!(serde_json::from_str::<BytesStr>(r#"{"hex": "6"}"#).is_err());
    assert!(serde_json::from_str::<BytesStr>("12").is_err());
}

/// The tokio broker codec keeps such strings by default and refuses them when asked.
#[cfg(feature = "tokio")]
#[test]
fn broker_codec_keeps_or_refuses_invalid_strings() {
    use bytes::BytesMut;
    use kafka_codec::tokio::{BrokerCodec, CodecError};
    use tokio_util::codec::Decoder;

    let wire = heartbeat_v4(BAD_CLIENT, BAD_GROUP);
    let mut lenient = BrokerCodec::new();
    let f = lenient
        .decode(&mut BytesMut::from(&wire[..]))
        .unwrap()
        .unwrap();
    assert_eq!(&f.encode().unwrap()[..], &wire[..]);

    let mut strict = BrokerCodec::new().with_decode_options(DecodeOptions::new().strict_utf8(true));
    match strict.decode(&mut BytesMut::from(&wire[..])) {
        // The codec reads payloads: offsets count from after the size prefix.
        Err(CodecError::Decode(e)) => {
            assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
            assert_eq!(e.offset(), CLIENT_BAD_AT - 4);
        }
        other => panic!("{other:?}"),
    }
}
