//! Targets `roundtrip` and `structured`: every message type, reached generically through the
//! crate's `visit_messages` (which kafka-codec provides with its `arbitrary` feature).

use std::sync::OnceLock;

use bytes::Bytes;
use kafka_codec::__private::support::{Conform, MessageVisitor};
use kafka_codec::Message;

use crate::budget::check_decode_usage;
use crate::message::{assert_reencodes, message_roundtrip, pick_version};
use crate::meter::measure;

struct Count(usize);

impl MessageVisitor for Count {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        self.0 += 1;
    }
}

/// How many top-level message types `visit_messages` visits.
pub fn message_count() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        let mut c = Count(0);
        kafka_codec::__private::generated::visit_messages(&mut c);
        c.0
    })
}

/// Runs `check::<T>` for the `index`-th message type.
struct Pick<'d> {
    index: usize,
    seen: usize,
    version_byte: u8,
    data: &'d [u8],
    structured: bool,
}

impl MessageVisitor for Pick<'_> {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        if self.seen == self.index {
            if self.structured {
                structured_one::<T>(self.version_byte, self.data);
            } else {
                let payload = Bytes::copy_from_slice(self.data);
                message_roundtrip::<T>(&payload, pick_version::<T>(self.version_byte));
            }
        }
        self.seen += 1;
    }
}

fn pick(data: &[u8], structured: bool) {
    let [t, v, rest @ ..] = data else { return };
    let mut p = Pick {
        index: *t as usize % message_count(),
        seen: 0,
        version_byte: *v,
        data: rest,
        structured,
    };
    kafka_codec::__private::generated::visit_messages(&mut p);
}

/// `roundtrip`: `[type][version][payload]` — any message type (request and response bodies,
/// headers, consumer-protocol and `__consumer_offsets` payloads), any version of it or one
/// past the newest. Whatever decodes (within budget) must re-encode to the same bytes and
/// decode again to an equal value.
pub fn roundtrip(data: &[u8]) {
    pick(data, false)
}

/// `structured`: `[type][version][arbitrary bytes]` — an arbitrary value of any message
/// type is conformed to one of its versions, encoded (its length must match
/// `encoded_len`), decoded within budget (relative to the encoding's length) to an equal
/// value, and re-encoded identically.
pub fn structured(data: &[u8]) {
    pick(data, true)
}

fn structured_one<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(
    version_byte: u8,
    data: &[u8],
) {
    let span = T::MAX_VERSION - T::MIN_VERSION + 1;
    let version = T::MIN_VERSION + (version_byte as i16) % span;
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(mut m) = T::arbitrary(&mut u) else {
        return;
    };
    m.conform(version);
    let wire = m.to_bytes(version).unwrap_or_else(|e| {
        panic!(
            "{} v{version}: conformed value does not encode: {e}",
            T::NAME
        )
    });
    assert_eq!(
        wire.len(),
        m.encoded_len(version),
        "{} v{version}: encoded_len",
        T::NAME
    );
    let wire = wire.freeze();
    let (back, usage) = measure(|| T::from_bytes(wire.clone(), version));
    check_decode_usage(T::NAME, wire.len(), usage);
    let back = back.unwrap_or_else(|e| panic!("{} v{version}: does not decode: {e}", T::NAME));
    assert!(
        crate::message::same_value(&back, &m),
        "{} v{version}: decoded value differs\n  sent: {m:?}\n  back: {back:?}",
        T::NAME
    );
    assert_reencodes(&back, version, &wire);
}
