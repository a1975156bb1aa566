//! Target `decode_response`.

use std::sync::OnceLock;

use bytes::Bytes;
use kafka_codec::frame::decode_response_payload;
use kafka_codec::{ApiKey, ResponseBody};

use crate::budget::check_decode_usage;
use crate::meter::measure;
use crate::records::walk_fetch_response;

/// The APIs whose responses this build decodes, with their version ranges (the `decode_response`
/// selector indexes this list).
pub fn response_apis() -> &'static [(ApiKey, i16, i16)] {
    static APIS: OnceLock<Vec<(ApiKey, i16, i16)>> = OnceLock::new();
    APIS.get_or_init(|| {
        kafka_codec::__private::generated::api_keys::API_INFO
            .iter()
            .filter(|i| {
                (i.min_version..=i.max_version)
                    .any(|v| ResponseBody::is_supported(ApiKey(i.key), v))
            })
            .map(|i| (ApiKey(i.key), i.min_version, i.max_version))
            .collect()
    })
}

/// `decode_response`: `[api selector][version][payload]`. The selector picks one of the APIs
/// this build decodes (values past them give an unknown key, decoded as raw); the version byte
/// picks any version of it or one past the newest. The payload (response header and body) is
/// decoded within budget and must re-encode exactly, ApiVersions' KIP-511 fallback included.
/// Fetch responses have their records walked.
pub fn decode_response(data: &[u8]) {
    let [sel, v, rest @ ..] = data else { return };
    let apis = response_apis();
    let (key, version) = match apis.get(*sel as usize) {
        Some(&(key, min, max)) => (key, min + (*v as i16) % (max - min + 2)),
        None => (ApiKey(1000 + *sel as i16), *v as i16),
    };
    let payload = Bytes::copy_from_slice(rest);
    let (res, usage) = measure(|| decode_response_payload(key, version, payload.clone()));
    check_decode_usage("response", rest.len(), usage);
    let frame = match res {
        Ok(f) => f,
        Err(e) => {
            assert!(e.offset() <= rest.len(), "error offset past the input: {e}");
            return;
        }
    };
    let wire = frame
        .encode()
        .unwrap_or_else(|e| panic!("decoded {key:?} v{version} response does not encode: {e}"));
    assert!(
        wire[4..] == rest[..],
        "{key:?} v{version} response re-encoding differs\n input: {rest:02x?}\noutput: {:02x?}",
        &wire[4..]
    );
    let again = kafka_codec::frame::decode_response(key, version, wire)
        .expect("re-encoded response decodes");
    assert!(
        crate::message::same_value(&again, &frame),
        "re-encoded response decodes to another frame"
    );
    if let ResponseBody::Fetch(f) = &frame.body {
        walk_fetch_response(f, rest.len());
    }
}
