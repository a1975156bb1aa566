//! Target `decode_fetch`.

use bytes::Bytes;
use kafka_codec::messages::{FetchRequest, FetchResponse};

use crate::message::{message_roundtrip, pick_version};
use crate::records::walk_fetch_response;

/// `decode_fetch`: `[selector][version][body]`. Selector bit 0 picks FetchRequest (0) or
/// FetchResponse (1); the version byte picks any version of it, or one past the newest. The
/// body must decode within budget, re-encode exactly, and — for a response — every record of
/// every batch of every partition is walked (read_uncommitted with CRCs, read_committed with
/// the response's aborted transactions, and again without CRC checks so that fuzzed batches
/// reach the record parser).
pub fn decode_fetch(data: &[u8]) {
    let [sel, v, body @ ..] = data else { return };
    let body = Bytes::copy_from_slice(body);
    if sel & 1 == 0 {
        message_roundtrip::<FetchRequest>(&body, pick_version::<FetchRequest>(*v));
    } else if let Some(m) =
        message_roundtrip::<FetchResponse>(&body, pick_version::<FetchResponse>(*v))
    {
        walk_fetch_response(&m, body.len());
    }
}
