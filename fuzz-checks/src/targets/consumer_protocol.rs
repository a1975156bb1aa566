//! Target `consumer_protocol`.

use bytes::Bytes;
use kafka_codec::consumer::{ConsumerOffsetsKey, ConsumerOffsetsValue, Versioned};
use kafka_codec::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_codec::Message;

use crate::budget::check_decode_usage;
use crate::meter::measure;

fn versioned_roundtrip<T: Message>(bytes: &Bytes) -> Option<Versioned<T>> {
    let (res, usage) = measure(|| Versioned::<T>::decode(bytes.clone()));
    check_decode_usage(T::NAME, bytes.len(), usage);
    let v = res.ok()?;
    let wire = v.encode().expect("decoded payload encodes");
    assert!(
        wire == bytes,
        "{} payload re-encoding differs\n input: {:02x?}\noutput: {:02x?}",
        T::NAME,
        &bytes[..],
        &wire[..]
    );
    assert!(Versioned::<T>::decode(wire).expect("decodes again") == v);
    Some(v)
}

/// `consumer_protocol`: `[selector][bytes]`. Selector 0: a consumer-protocol Subscription
/// (int16 version, payload), 1: an Assignment, otherwise a `__consumer_offsets` record: the
/// next byte is the key length, the key follows, and the rest is the value (a tombstone when
/// selector bit 7 is set). Everything that decodes must re-encode exactly; a group metadata
/// value's members have their subscription and assignment decoded too, as a coordinator
/// tool would.
pub fn consumer_protocol(data: &[u8]) {
    let [sel, rest @ ..] = data else { return };
    match sel % 3 {
        0 => {
            versioned_roundtrip::<ConsumerProtocolSubscription>(&Bytes::copy_from_slice(rest));
        }
        1 => {
            versioned_roundtrip::<ConsumerProtocolAssignment>(&Bytes::copy_from_slice(rest));
        }
        _ => {
            let [klen, rest @ ..] = rest else { return };
            let k = (*klen as usize).min(rest.len());
            let key_bytes = Bytes::copy_from_slice(&rest[..k]);
            let value_bytes = Bytes::copy_from_slice(&rest[k..]);
            let (key, usage) = measure(|| ConsumerOffsetsKey::decode(key_bytes.clone()));
            check_decode_usage("__consumer_offsets key", k, usage);
            let Ok(key) = key else { return };
            assert!(
                key.encode().expect("key encodes") == key_bytes,
                "key re-encoding"
            );
            if sel & 0x80 != 0 {
                return; // tombstone: no value to decode
            }
            let (value, usage) = measure(|| key.decode_value(value_bytes.clone()));
            check_decode_usage("__consumer_offsets value", value_bytes.len(), usage);
            let Ok(value) = value else { return };
            assert!(
                value.encode().expect("value encodes") == value_bytes,
                "value re-encoding"
            );
            if let ConsumerOffsetsValue::GroupMetadata(g) = value {
                for m in &g.message.members {
                    versioned_roundtrip::<ConsumerProtocolSubscription>(&m.subscription);
                    versioned_roundtrip::<ConsumerProtocolAssignment>(&m.assignment);
                }
            }
        }
    }
}
