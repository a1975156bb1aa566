//! The small runtime the generated code calls: reading and writing nullable strings, bytes,
//! arrays and structs, tagged-field sections, and version checks. Kept here, hand-written and
//! tested once, so that each generated message stays a flat list of calls.

#![allow(missing_docs)]

pub use bytes::{BufMut, Bytes, BytesMut};

pub use crate::api_key::ApiKey;
pub use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use crate::reader::{Length, Reader};
pub use crate::traits::{ApiMessage, Decode, Encode, Message};
pub use crate::types::{BytesStr, RawTaggedField, Uuid, Wire, WireExtras};
pub use crate::writer::{put_raw_tagged, put_tag_header, raw_tagged_len, tagged_len, Writer};

use crate::reader::checks;
use crate::varint;
use crate::writer;

/// Places a field read's or write's error inside the field `name` (`DecodeError::at`,
/// `EncodeError::at`). One function per result type, where a closure passed to `map_err` at
/// every field was a function of its own to compile at every field.
pub trait InField {
    fn in_field(self, name: &'static str) -> Self;
}

impl<T> InField for Result<T, DecodeError> {
    #[inline(always)]
    fn in_field(self, name: &'static str) -> Self {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(e.at(name)),
        }
    }
}

impl<T> InField for Result<T, EncodeError> {
    #[inline(always)]
    fn in_field(self, name: &'static str) -> Self {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(e.at(name)),
        }
    }
}

/// Reads a typed [`ApiKey`] (a schema field with `type=ApiKey`: an `int16` on the wire).
pub trait ApiKeyWire {
    fn api_key(&mut self) -> Result<ApiKey, DecodeError>;
}

impl ApiKeyWire for Reader {
    #[inline]
    fn api_key(&mut self) -> Result<ApiKey, DecodeError> {
        self.i16().map(ApiKey)
    }
}

/// Writes a typed [`ApiKey`] as its `int16`.
pub trait PutApiKey {
    fn put_api_key(&mut self, key: ApiKey);
}

impl PutApiKey for Writer<'_> {
    #[inline]
    fn put_api_key(&mut self, key: ApiKey) {
        self.put_i16(key.0);
    }
}

/// `M` bytes of a run of fixed-size fields read at once, from offset `at` (a constant of the
/// generated code, always in range).
#[inline(always)]
pub fn chunk<const M: usize, const N: usize>(run: &[u8; N], at: usize) -> [u8; M] {
    let mut out = [0u8; M];
    if let Some(s) = run.get(at..at + M) {
        out.copy_from_slice(s);
    }
    out
}

/// The wire bookkeeping of a decoded struct: no allocation, and no call, when the decode saw
/// nothing to keep (the usual case).
#[inline(always)]
pub fn wire_from(unknown: Vec<RawTaggedField>, tags_present: u64, nulls: u64) -> Wire {
    if unknown.is_empty() && tags_present == 0 && nulls == 0 {
        Wire::default()
    } else {
        Wire::from_parts(unknown, tags_present, nulls)
    }
}

/// A string or null. The short path (see [`Reader::short_str`]) is always inlined: it sits on
/// every decoder's hot path, and a call would return its 40-byte result through memory; the
/// rest is a call.
#[inline(always)]
pub fn read_str(r: &mut Reader, compact: bool) -> Result<Option<BytesStr>, DecodeError> {
    match r.short_str(compact) {
        Some(s) => Ok(s),
        None => read_other_str(r, compact),
    }
}

/// Every string `Reader::short_str` leaves: long, on a strict reader, or an error. Out of line, so
/// that each field's inline read is only the short path.
#[inline(never)]
fn read_other_str(r: &mut Reader, compact: bool) -> Result<Option<BytesStr>, DecodeError> {
    match r.string_length(compact)? {
        Length::Null => Ok(None),
        Length::Len(n) => r.str(n).map(Some),
    }
}

/// Bytes (or records) or null, zero-copy (always inlined, as [`read_str`]).
#[inline(always)]
pub fn read_bytes(r: &mut Reader, compact: bool) -> Result<Option<Bytes>, DecodeError> {
    match r.bytes_length(compact)? {
        Length::Null => Ok(None),
        Length::Len(n) => r.bytes(n).map(Some),
    }
}

/// An array or null; the count is checked against `min_element_size` bytes per element before
/// the vector is allocated.
#[inline]
pub fn read_array<T>(
    r: &mut Reader,
    compact: bool,
    min_element_size: usize,
    mut element: impl FnMut(&mut Reader) -> Result<T, DecodeError>,
) -> Result<Option<Vec<T>>, DecodeError> {
    match r.array_length(compact, min_element_size)? {
        Length::Null => Ok(None),
        Length::Len(n) => {
            let mut v = Vec::with_capacity(n);
            for i in 0..n {
                v.push(element(r).map_err(|e| e.at_index(i))?);
            }
            Ok(Some(v))
        }
    }
}

/// An array (or null) of fixed-size numbers, `N` bytes each: the count is checked against the
/// bytes left, then every element is read from one slice, with no further bounds check and one
/// allocation of the exact size.
#[inline]
pub fn read_fixed_array<T, const N: usize>(
    r: &mut Reader,
    compact: bool,
    from: impl Fn([u8; N]) -> T,
) -> Result<Option<Vec<T>>, DecodeError> {
    match r.array_length(compact, N)? {
        Length::Null => Ok(None),
        Length::Len(n) => {
            // `array_length` checked that `n * N` bytes remain.
            let (chunks, _) = r.slice(n * N)?.as_chunks::<N>();
            Ok(Some(chunks.iter().map(|c| from(*c)).collect()))
        }
    }
}

/// A nullable struct: an `int8` marker, -1 for null or 1 for present, then the struct.
#[inline]
pub fn read_nullable_struct<T>(
    r: &mut Reader,
    version: i16,
    decode: impl FnOnce(&mut Reader, i16) -> Result<T, DecodeError>,
) -> Result<Option<T>, DecodeError> {
    let at = r.offset();
    match r.i8()? {
        -1 => Ok(None),
        1 => decode(r, version).map(Some),
        _ => Err(DecodeError::new(
            DecodeErrorKind::InvalidValue("nullable struct marker must be -1 or 1"),
            at,
        )),
    }
}

/// The error for a null element inside an array of strings or bytes.
#[cold]
pub fn null_element(r: &Reader) -> DecodeError {
    r.error(DecodeErrorKind::UnexpectedNull)
}

/// Kafka has no arrays of arrays; the generator never emits a call to this.
#[cold]
pub fn unreachable_nested<T>() -> Result<T, DecodeError> {
    Err(DecodeError::new(
        DecodeErrorKind::InvalidValue("nested arrays"),
        0,
    ))
}

/// The count of a tagged-field section, checked against the bytes left (each field takes at
/// least two).
#[inline]
pub fn read_tag_count(r: &mut Reader) -> Result<u32, DecodeError> {
    let at = r.offset();
    let n = r.unsigned_varint()?;
    checks::tag_count(n, r.remaining(), at)
}

/// One tagged field's tag and a reader bounded to its payload. Tags must ascend strictly.
#[inline]
pub fn read_tag(r: &mut Reader, last: &mut Option<u32>) -> Result<(u32, Reader), DecodeError> {
    let at = r.offset();
    let tag = r.unsigned_varint()?;
    checks::tag_order(tag, last, at)?;
    let size_at = r.offset();
    let size = r.unsigned_varint()? as usize;
    checks::tag_size(size, r.remaining(), size_at)?;
    Ok((tag, r.sub_reader(size)?))
}

/// Checks that a known tagged field's value used its whole payload.
#[inline]
pub fn tag_end(sub: &Reader, tag: u32) -> Result<(), DecodeError> {
    if sub.is_empty() {
        Ok(())
    } else {
        Err(sub.error(DecodeErrorKind::TaggedFieldSize {
            tag,
            declared: sub.consumed() + sub.remaining(),
            used: sub.consumed(),
        }))
    }
}

#[cold]
pub fn unsupported_version(r: &Reader, version: i16, min: i16, max: i16) -> DecodeError {
    r.error(DecodeErrorKind::UnsupportedVersion { version, min, max })
}

#[cold]
pub fn unsupported_encode_version(version: i16, min: i16, max: i16) -> EncodeError {
    EncodeError::new(EncodeErrorKind::UnsupportedVersion { version, min, max })
}

#[cold]
pub fn not_in_version() -> EncodeError {
    EncodeError::new(EncodeErrorKind::FieldNotInVersion)
}

/// Unknown tagged fields on a value encoded at a version without tagged fields.
#[cold]
pub fn tagged_fields_not_in_version() -> EncodeError {
    EncodeError::new(EncodeErrorKind::TaggedFieldsNotInVersion)
}

#[cold]
fn null_not_allowed() -> EncodeError {
    EncodeError::new(EncodeErrorKind::NullNotAllowed)
}

/// Writes a string with its length prefix (always inlined: see [`writer::put_str`]). The
/// string's bytes as they are: UTF-8 or not, what was decoded is written back.
#[inline(always)]
pub fn put_str(w: &mut Writer<'_>, s: &BytesStr, compact: bool) -> Result<(), EncodeError> {
    writer::put_str(w, Some(&s.as_bytes()[..]), compact)
}

/// Writes a string, or null when `allow_null` (otherwise a null is an error). Always inlined,
/// as [`put_str`].
#[inline(always)]
pub fn put_opt_str(
    w: &mut Writer<'_>,
    s: Option<&BytesStr>,
    allow_null: bool,
    compact: bool,
) -> Result<(), EncodeError> {
    if s.is_none() && !allow_null {
        return Err(null_not_allowed());
    }
    writer::put_str(w, s.map(|s| &s.as_bytes()[..]), compact)
}

/// Bytes a string takes with its prefix. Its length is read off the bytes: going through
/// `str` would check the UTF-8 again on every call.
#[inline]
pub fn str_len(s: &BytesStr, compact: bool) -> usize {
    writer::str_len(Some(&s.as_bytes()[..]), compact)
}

#[inline]
pub fn opt_str_len(s: Option<&BytesStr>, compact: bool) -> usize {
    writer::str_len(s.map(|s| &s.as_bytes()[..]), compact)
}

/// Writes bytes (or records) with their length prefix. Always inlined (a prefix and a copy).
#[inline(always)]
pub fn put_bytes(w: &mut Writer<'_>, b: &Bytes, compact: bool) -> Result<(), EncodeError> {
    writer::put_bytes(w, Some(b), compact)
}

/// Writes bytes, or null when `allow_null`. Always inlined, as [`put_bytes`].
#[inline(always)]
pub fn put_opt_bytes(
    w: &mut Writer<'_>,
    b: Option<&Bytes>,
    allow_null: bool,
    compact: bool,
) -> Result<(), EncodeError> {
    if b.is_none() && !allow_null {
        return Err(null_not_allowed());
    }
    writer::put_bytes(w, b.map(|b| &b[..]), compact)
}

#[inline]
pub fn bytes_len(b: &Bytes, compact: bool) -> usize {
    writer::bytes_len(Some(b), compact)
}

#[inline]
pub fn opt_bytes_len(b: Option<&Bytes>, compact: bool) -> usize {
    writer::bytes_len(b.map(|b| &b[..]), compact)
}

/// Writes an array: its count, then each element.
#[inline]
pub fn put_array<T>(
    w: &mut Writer<'_>,
    a: &[T],
    compact: bool,
    mut element: impl FnMut(&mut Writer<'_>, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    writer::put_length(
        w,
        Some(a.len()),
        writer::LengthPrefix::bytes_or_array(compact),
    )?;
    for (i, x) in a.iter().enumerate() {
        element(w, x).map_err(|e| e.at_index(i))?;
    }
    Ok(())
}

/// Writes an array of fixed-size numbers: its count, then every element as the `N` bytes `to`
/// makes of it, with one bounds check for them all.
#[inline]
pub fn put_fixed_array<T, const N: usize>(
    w: &mut Writer<'_>,
    a: &[T],
    compact: bool,
    to: impl Fn(&T) -> [u8; N],
) -> Result<(), EncodeError> {
    writer::put_length(
        w,
        Some(a.len()),
        writer::LengthPrefix::bytes_or_array(compact),
    )?;
    w.put_each(a, to);
    Ok(())
}

/// Writes an array of fixed-size numbers, or null when `allow_null`.
#[inline]
pub fn put_opt_fixed_array<T, const N: usize>(
    w: &mut Writer<'_>,
    a: Option<&[T]>,
    allow_null: bool,
    compact: bool,
    to: impl Fn(&T) -> [u8; N],
) -> Result<(), EncodeError> {
    match a {
        Some(a) => put_fixed_array(w, a, compact, to),
        None if allow_null => {
            writer::put_length(w, None, writer::LengthPrefix::bytes_or_array(compact))
        }
        None => Err(null_not_allowed()),
    }
}

/// Writes an array, or null when `allow_null`.
#[inline]
pub fn put_opt_array<T>(
    w: &mut Writer<'_>,
    a: Option<&[T]>,
    allow_null: bool,
    compact: bool,
    element: impl FnMut(&mut Writer<'_>, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    match a {
        Some(a) => put_array(w, a, compact, element),
        None if allow_null => {
            writer::put_length(w, None, writer::LengthPrefix::bytes_or_array(compact))
        }
        None => Err(null_not_allowed()),
    }
}

#[inline]
pub fn array_len<T>(a: &[T], compact: bool, element: impl Fn(&T) -> usize) -> usize {
    writer::length_len(Some(a.len()), writer::LengthPrefix::bytes_or_array(compact))
        + a.iter().map(element).sum::<usize>()
}

#[inline]
pub fn opt_array_len<T>(a: Option<&[T]>, compact: bool, element: impl Fn(&T) -> usize) -> usize {
    match a {
        Some(a) => array_len(a, compact, element),
        None => writer::length_len(None, writer::LengthPrefix::bytes_or_array(compact)),
    }
}

/// Values that can be empty: strings, bytes, arrays.
pub trait IsEmpty {
    fn is_empty_value(&self) -> bool;
}

impl IsEmpty for BytesStr {
    #[inline]
    fn is_empty_value(&self) -> bool {
        // The bytes, not `str::is_empty`, which would check the UTF-8 again.
        self.as_bytes().is_empty()
    }
}

impl IsEmpty for Bytes {
    #[inline]
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

impl<T> IsEmpty for Vec<T> {
    #[inline]
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

/// `None` (written as null) when the decoder saw null in this non-nullable field and the value
/// is still empty; the value otherwise.
#[inline]
pub fn unless_null<T: IsEmpty>(value: &T, was_null: bool) -> Option<&T> {
    if was_null && value.is_empty_value() {
        None
    } else {
        Some(value)
    }
}

/// Writes a struct in a version where it is nullable: the marker byte, then the struct.
#[inline]
pub fn put_nullable_struct<T: Encode>(
    w: &mut Writer<'_>,
    s: Option<&T>,
    version: i16,
) -> Result<(), EncodeError> {
    match s {
        None => {
            w.put_i8(-1);
            Ok(())
        }
        Some(s) => {
            w.put_i8(1);
            s.write_to(w, version)
        }
    }
}

#[inline]
pub fn nullable_struct_len<T: Encode>(s: Option<&T>, version: i16) -> usize {
    1 + s.map_or(0, |s| s.encoded_len(version))
}

/// Writes a struct held in an `Option` in a version where it is not nullable (no marker).
#[inline]
pub fn put_required_struct<T: Encode>(
    w: &mut Writer<'_>,
    s: Option<&T>,
    version: i16,
) -> Result<(), EncodeError> {
    match s {
        None => Err(null_not_allowed()),
        Some(s) => s.write_to(w, version),
    }
}

#[inline]
pub fn required_struct_len<T: Encode>(s: Option<&T>, version: i16) -> usize {
    s.map_or(0, |s| s.encoded_len(version))
}

/// Reads a tagged-field section of a struct with no known tagged fields. The usual empty
/// section (one zero byte) is read inline; anything else in a call.
#[inline]
pub fn read_unknown_tags(r: &mut Reader) -> Result<Vec<RawTaggedField>, DecodeError> {
    if r.eat(0) {
        return Ok(Vec::new());
    }
    read_some_unknown_tags(r)
}

#[inline(never)]
fn read_some_unknown_tags(r: &mut Reader) -> Result<Vec<RawTaggedField>, DecodeError> {
    let count = read_tag_count(r)?;
    let mut out = Vec::new();
    let mut last = None;
    for _ in 0..count {
        let (tag, mut sub) = read_tag(r, &mut last)?;
        out.push(RawTaggedField {
            tag,
            data: sub.rest(),
        });
    }
    Ok(out)
}

/// Writes a tagged-field section holding only unknown fields: the usual empty section (one
/// zero byte) inline, anything else in a call.
#[inline]
pub fn put_unknown_tags(w: &mut Writer<'_>, unknown: &[RawTaggedField]) {
    if unknown.is_empty() {
        w.put_u8(0);
    } else {
        put_some_unknown_tags(w, unknown);
    }
}

#[inline(never)]
fn put_some_unknown_tags(w: &mut Writer<'_>, unknown: &[RawTaggedField]) {
    put_tag_count(w, unknown.len());
    for u in unknown {
        put_raw_tagged(w, u);
    }
}

#[inline]
pub fn unknown_tags_len(unknown: &[RawTaggedField]) -> usize {
    tag_count_len(unknown.len()) + unknown.iter().map(raw_tagged_len).sum::<usize>()
}

#[inline]
pub fn put_tag_count(w: &mut Writer<'_>, n: usize) {
    w.put_uvarint(n as u64)
}

#[inline]
pub fn tag_count_len(n: usize) -> usize {
    varint::len_u64(n as u64)
}

/// Writes the unknown tagged fields whose tags come before `tag`, keeping tag order.
#[inline]
pub fn put_unknown_before<'a>(
    w: &mut Writer<'_>,
    unknown: &mut std::iter::Peekable<std::slice::Iter<'a, RawTaggedField>>,
    tag: u32,
) {
    while let Some(u) = unknown.next_if(|u| u.tag < tag) {
        put_raw_tagged(w, u);
    }
}

/// Truncates a string to what an `int16` length can carry (at a character boundary when it is
/// UTF-8).
pub fn conform_str(s: &mut BytesStr) {
    let max = i16::MAX as usize;
    if s.len() > max {
        let end = match s.to_str() {
            Ok(t) => (0..=max)
                .rev()
                .find(|&i| t.is_char_boundary(i))
                .unwrap_or(0),
            Err(_) => max,
        };
        *s = BytesStr::from_bytes(s.as_bytes().slice(..end));
    }
}

/// Makes wire bookkeeping canonical for a version: no presence or null bits, and unknown tagged
/// fields only in flexible versions, sorted, unique, and not colliding with known tags.
pub fn conform_wire(w: &mut Wire, flexible: bool, known: impl Fn(u32) -> bool) {
    let mut unknown = w.unknown_tagged_fields().to_vec();
    if flexible {
        unknown.retain(|f| !known(f.tag));
        unknown.sort_by_key(|f| f.tag);
        unknown.dedup_by_key(|f| f.tag);
    } else {
        unknown.clear();
    }
    *w = Wire::from_parts(unknown, 0, 0);
}

#[cfg(feature = "serde")]
pub use crate::serde_support::{hex_bytes, opt_hex_bytes};

#[cfg(any(test, feature = "arbitrary"))]
pub fn arbitrary_bytes(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Bytes> {
    let v: Vec<u8> = arbitrary::Arbitrary::arbitrary(u)?;
    Ok(Bytes::from(v))
}

#[cfg(any(test, feature = "arbitrary"))]
pub fn arbitrary_opt_bytes(
    u: &mut arbitrary::Unstructured<'_>,
) -> arbitrary::Result<Option<Bytes>> {
    let v: Option<Vec<u8>> = arbitrary::Arbitrary::arbitrary(u)?;
    Ok(v.map(Bytes::from))
}

/// Turns any value into one a given version can carry exactly (property tests and fuzzing).
#[cfg(any(test, feature = "arbitrary"))]
pub trait Conform {
    /// Resets fields the version lacks to their defaults, makes nulls the version forbids
    /// empty, and makes wire bookkeeping canonical.
    fn conform(&mut self, version: i16);
}

/// Something to run for every message type (see `generated::visit_messages`).
#[cfg(any(test, feature = "arbitrary"))]
pub trait MessageVisitor {
    /// Called once per top-level message type.
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_write_as_the_reference_writer_on_both_sides_of_the_short_path() {
        for n in [0, 1, 126, 127, 128, 200, 16383, 16384, 32767, 32768] {
            let text = "x".repeat(n);
            let s = BytesStr::from(text.as_str());
            for compact in [false, true] {
                let mut fast = BytesMut::new();
                let fast = writer::append_sized(&mut fast, str_len(&s, compact), |w| {
                    put_opt_str(w, Some(&s), false, compact)
                })
                .map(|()| fast.to_vec());
                // The reference: the general varint writer and Java's limit, spelled out.
                let slow = if n > 32767 {
                    Err(EncodeErrorKind::TooLong(n))
                } else {
                    let mut slow = Vec::new();
                    if compact {
                        varint::put_u64(&mut slow, n as u64 + 1);
                    } else {
                        slow.extend((n as i16).to_be_bytes());
                    }
                    slow.extend(text.as_bytes());
                    Ok(slow)
                };
                match (fast, slow) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{n} bytes, compact {compact}"),
                    (Err(a), Err(b)) => assert_eq!(a.kind(), &b, "{n} bytes"),
                    (a, b) => panic!("{n} bytes, compact {compact}: {a:?} / {b:?}"),
                }
                assert_eq!(
                    opt_str_len(Some(&s), compact),
                    str_len(&s, compact),
                    "{n} bytes"
                );
            }
        }
    }

    #[test]
    fn strings_read_inline_as_the_general_path_reads_them() {
        // Prefixes on both sides of every branch of `Reader::short_str`: null, empty, short,
        // 126/127 (the one-byte compact limit), long, negative, truncated, then 0-3 bytes.
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for prefix in [
            vec![0],
            vec![1],
            vec![4],
            vec![127],
            vec![128],
            vec![0x80, 0x01],
            vec![0xff, 0xff],
            vec![0xff, 0xfe],
            vec![0x00, 0x00],
            vec![0x00, 0x03],
            vec![0x00, 0x7f],
            vec![0x7f, 0xff],
            vec![],
        ] {
            for body in [&b""[..], b"a", b"ab\xff", b"abcd"] {
                let mut v = prefix.clone();
                v.extend_from_slice(body);
                inputs.push(v);
            }
        }
        let mut long = vec![0x00, 0x7f];
        long.extend(std::iter::repeat_n(b'x', 127));
        inputs.push(long.clone());
        long[0] = 128;
        long[1] = 1;
        inputs.push(long);
        for input in inputs {
            for compact in [false, true] {
                for strict in [false, true] {
                    let at = |bytes: &Vec<u8>| {
                        Reader::with_base(Bytes::from(bytes.clone()), 10).with_strict_utf8(strict)
                    };
                    let (mut a, mut b) = (at(&input), at(&input));
                    let fast = read_str(&mut a, compact);
                    let slow = read_other_str(&mut b, compact);
                    assert_eq!(fast, slow, "{input:?} compact {compact} strict {strict}");
                    assert_eq!(a.offset(), b.offset(), "{input:?} compact {compact}");
                }
            }
        }
    }

    #[test]
    fn fixed_arrays_read_like_element_by_element() {
        let bytes =
            Bytes::from_static(&[0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
        let mut r = Reader::new(bytes.clone());
        let fast = read_fixed_array(&mut r, false, i32::from_be_bytes).unwrap();
        let mut one = Reader::new(bytes);
        let slow = read_array(&mut one, false, 4, Reader::i32).unwrap();
        assert_eq!(fast, Some(vec![1, -2, 256]));
        assert_eq!(fast, slow);
        assert!(r.is_empty());
        // Null, and a count the bytes cannot hold (refused before allocating).
        let mut r = Reader::new(Bytes::from_static(&[0]));
        assert_eq!(
            read_fixed_array(&mut r, true, i64::from_be_bytes).unwrap(),
            None
        );
        let mut r = Reader::new(Bytes::from_static(&[5, 0, 0, 0]));
        assert!(read_fixed_array(&mut r, true, u16::from_be_bytes).is_err());
    }
}
