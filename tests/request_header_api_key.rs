//! The request header's API key is a typed `ApiKey` on both sides of the wire: known and
//! unknown keys (negative ones included) decode to the same value and re-encode byte for byte.

use bytes::Bytes;
use kafka_codec::messages::RequestHeader;
use kafka_codec::{ApiKey, Message};

#[test]
fn api_key_field_is_typed_and_round_trips() {
    for key in [ApiKey::FETCH, ApiKey::HEARTBEAT, ApiKey(9999), ApiKey(-7)] {
        for version in 0..=2 {
            let header = RequestHeader::default()
                .with_request_api_key(key)
                .with_request_api_version(4)
                .with_correlation_id(42);
            let bytes = header.to_bytes(version).unwrap();
            // The key is the header's first field, a big-endian int16.
            assert_eq!(bytes[..2], key.0.to_be_bytes(), "{key:?} v{version}");
            let back = RequestHeader::from_bytes(Bytes::copy_from_slice(&bytes), version).unwrap();
            assert_eq!(back.request_api_key, key, "{key:?} v{version}");
            assert_eq!(back.api_key(), key);
            assert_eq!(back.to_bytes(version).unwrap(), bytes, "{key:?} v{version}");
        }
    }
}

#[test]
fn for_api_sets_the_typed_key() {
    let h = RequestHeader::for_api(ApiKey::METADATA, 12, 7);
    assert_eq!(h.request_api_key, ApiKey::METADATA);
    assert_eq!(h.request_api_key.name(), Some("Metadata"));
}
