//! Whole-message checks: decode within budget, re-encode exactly, decode again equal.

use bytes::Bytes;
use kafka_codec::frame::DecodeOptions;
use kafka_codec::{DecodeError, DecodeErrorKind, Message};

use crate::budget::check_decode_usage;
use crate::meter::measure;

/// The version byte `b` picks among the versions of `T` and one past the newest (which must
/// be refused cleanly).
pub(crate) fn pick_version<T: Message>(b: u8) -> i16 {
    let span = T::MAX_VERSION - T::MIN_VERSION + 2;
    T::MIN_VERSION + (b as i16) % span
}

/// Decodes `payload` as a whole `T` at `version` under the allocation budget; if it decodes,
/// checks that it re-encodes to exactly `payload` and decodes again to an equal value, and that
/// a strict decode agrees ([`check_strict`]).
pub fn message_roundtrip<T: Message>(payload: &Bytes, version: i16) -> Option<T> {
    let (res, usage) = measure(|| T::from_bytes(payload.clone(), version));
    check_decode_usage(T::NAME, payload.len(), usage);
    let strict = DecodeOptions::new()
        .strict_utf8(true)
        .decode_message::<T>(payload.clone(), version);
    check_strict(T::NAME, &res, strict, payload.len());
    let m = match res {
        Ok(m) => m,
        Err(e) => {
            assert!(
                e.offset() <= payload.len(),
                "{} v{version}: error offset {} past the input ({} bytes): {e}",
                T::NAME,
                e.offset(),
                payload.len()
            );
            let _ = e.to_string();
            return None;
        }
    };
    assert_reencodes(&m, version, payload);
    Some(m)
}

#[track_caller]
pub(crate) fn assert_reencodes<T: Message>(m: &T, version: i16, wire: &[u8]) {
    assert_eq!(
        m.encoded_len(version),
        wire.len(),
        "{} v{version}: encoded_len differs from the decoded length",
        T::NAME
    );
    let again = m
        .to_bytes(version)
        .unwrap_or_else(|e| panic!("{} v{version}: decoded value does not encode: {e}", T::NAME));
    assert!(
        again[..] == wire[..],
        "{} v{version}: re-encoding differs\n input: {wire:02x?}\noutput: {:02x?}",
        T::NAME,
        &again[..]
    );
    let back = T::from_bytes(again.freeze(), version)
        .unwrap_or_else(|e| panic!("{} v{version}: re-encoding does not decode: {e}", T::NAME));
    assert!(
        same_value(&back, m),
        "{} v{version}: decoding the re-encoding gives another value",
        T::NAME
    );
}

/// A strict decode (strings must be UTF-8) of the same input agrees with the default one, which
/// keeps such strings: the same value or the same error, except that the strict one may refuse
/// with `InvalidUtf8` at an offset inside the input. It never accepts what the default refuses.
pub fn check_strict<T: PartialEq + std::fmt::Debug>(
    what: &str,
    lenient: &Result<T, DecodeError>,
    strict: Result<T, DecodeError>,
    input_len: usize,
) {
    match (lenient, strict) {
        (Ok(a), Ok(b)) => assert!(
            same_value(a, &b),
            "{what}: strict decode gives another value"
        ),
        (_, Err(e)) if e.kind() == &DecodeErrorKind::InvalidUtf8 => assert!(
            e.offset() < input_len,
            "{what}: invalid UTF-8 reported past the input ({input_len} bytes): {e}"
        ),
        (Err(a), Err(b)) => assert_eq!(a, &b, "{what}: strict decode fails otherwise"),
        (Ok(_), Err(e)) => panic!("{what}: strict decode refuses with another error: {e}"),
        (Err(e), Ok(_)) => panic!("{what}: strict decode accepts what the default refuses: {e}"),
    }
}

/// Whether two decoded values are the same: `PartialEq` first, then their `Debug` forms (a
/// float64 field, in AlterClientQuotas or DescribeClientQuotas, may hold NaN, never equal to
/// itself although it decodes from and re-encodes to the very same bytes). The library's
/// test-support helper, which the generated view checks use too.
pub use kafka_codec::views::fields::same as same_value;
