//! Target `decode_request`.

use bytes::Bytes;
use kafka_codec::frame::{decode_request_payload, DecodeOptions};
use kafka_codec::RequestBody;

use crate::budget::check_decode_usage;
use crate::meter::measure;
use crate::records::walk_produce_request;

/// `decode_request`: a request payload as `split_frame` returns it (API key, version,
/// correlation id, client id, ..., body). Decoded within budget; a decoded frame must encode
/// to exactly the size prefix plus the input (trailing bytes included), and the whole frame
/// must decode to an equal frame. A strict decode (strings must be UTF-8) agrees with it or
/// refuses with `InvalidUtf8`. Records of Produce requests are walked.
pub fn decode_request(data: &[u8]) {
    let payload = Bytes::copy_from_slice(data);
    let (res, usage) = measure(|| decode_request_payload(payload.clone()));
    check_decode_usage("request", data.len(), usage);
    let strict = DecodeOptions::new()
        .strict_utf8(true)
        .decode_request_payload(payload.clone());
    crate::message::check_strict("request", &res, strict, data.len());
    let frame = match res {
        Ok(f) => f,
        Err(e) => {
            assert!(e.offset() <= data.len(), "error offset past the input: {e}");
            return;
        }
    };
    let wire = frame
        .encode()
        .unwrap_or_else(|e| panic!("decoded request does not encode: {e}"));
    assert_eq!(wire.len(), data.len() + 4);
    assert_eq!(&wire[..4], &(data.len() as i32).to_be_bytes());
    assert!(
        wire[4..] == data[..],
        "request re-encoding differs\n input: {data:02x?}\noutput: {:02x?}",
        &wire[4..]
    );
    let again = kafka_codec::frame::decode_request(wire).expect("re-encoded request decodes");
    assert!(
        crate::message::same_value(&again, &frame),
        "re-encoded request decodes to another frame"
    );
    if let RequestBody::Produce(p) = &frame.body {
        walk_produce_request(p, data.len());
    }
}
