//! The small runtime the generated code calls: reading and writing nullable strings, bytes,
//! arrays and structs, tagged-field sections, and version checks. Kept here, hand-written and
//! tested once, so that each generated message stays a flat list of calls.

#![allow(missing_docs)]

pub use bytes::{BufMut, Bytes, BytesMut};

pub use crate::api_key::ApiKey;
pub use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use crate::reader::{Length, Reader};
pub use crate::traits::{ApiMessage, Decode, Encode, Message};
pub use crate::types::{BytesStr, RawTaggedField, Uuid, WireExtras};
pub use crate::writer::{put_raw_tagged, put_tag_header, raw_tagged_len, tagged_len};

use crate::varint;
use crate::writer;

/// A string or null.
#[inline]
pub fn read_str(r: &mut Reader, compact: bool) -> Result<Option<BytesStr>, DecodeError> {
    match r.string_length(compact)? {
        Length::Null => Ok(None),
        Length::Len(n) => r.str(n).map(Some),
    }
}

/// Bytes (or records) or null, zero-copy.
#[inline]
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
    if n as u64 * 2 > r.remaining() as u64 {
        return Err(DecodeError::new(
            DecodeErrorKind::InvalidLength {
                length: n as i64,
                remaining: r.remaining(),
            },
            at,
        ));
    }
    Ok(n)
}

/// One tagged field's tag and a reader bounded to its payload. Tags must ascend strictly.
#[inline]
pub fn read_tag(r: &mut Reader, last: &mut Option<u32>) -> Result<(u32, Reader), DecodeError> {
    let at = r.offset();
    let tag = r.unsigned_varint()?;
    if let Some(prev) = *last {
        if tag <= prev {
            return Err(DecodeError::new(
                DecodeErrorKind::TaggedFieldOutOfOrder {
                    previous: prev,
                    tag,
                },
                at,
            ));
        }
    }
    *last = Some(tag);
    let size_at = r.offset();
    let size = r.unsigned_varint()? as usize;
    if size > r.remaining() {
        return Err(DecodeError::new(
            DecodeErrorKind::InvalidLength {
                length: size as i64,
                remaining: r.remaining(),
            },
            size_at,
        ));
    }
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

#[cold]
fn null_not_allowed() -> EncodeError {
    EncodeError::new(EncodeErrorKind::NullNotAllowed)
}

/// Writes a string, or null when allowed. Takes the string's bytes: a `BytesStr` was checked to be
/// UTF-8 when it was made, and `as_str` (safe code only) would validate it again on every call.
#[inline]
pub fn put_opt_str(
    buf: &mut BytesMut,
    s: Option<&[u8]>,
    allow_null: bool,
    compact: bool,
) -> Result<(), EncodeError> {
    if s.is_none() && !allow_null {
        return Err(null_not_allowed());
    }
    writer::put_length(
        buf,
        s.map(<[u8]>::len),
        writer::LengthPrefix::string(compact),
    )?;
    if let Some(s) = s {
        buf.put_slice(s);
    }
    Ok(())
}

#[inline]
pub fn opt_str_len(s: Option<&[u8]>, compact: bool) -> usize {
    let n = s.map(<[u8]>::len);
    writer::length_len(n, writer::LengthPrefix::string(compact)) + n.unwrap_or(0)
}

/// Writes bytes, or null when allowed.
#[inline]
pub fn put_opt_bytes(
    buf: &mut BytesMut,
    b: Option<&[u8]>,
    allow_null: bool,
    compact: bool,
) -> Result<(), EncodeError> {
    if b.is_none() && !allow_null {
        return Err(null_not_allowed());
    }
    writer::put_bytes(buf, b, compact)
}

#[inline]
pub fn opt_bytes_len(b: Option<&[u8]>, compact: bool) -> usize {
    writer::bytes_len(b, compact)
}

/// Writes an array, or null when allowed.
#[inline]
pub fn put_opt_array<T>(
    buf: &mut BytesMut,
    a: Option<&[T]>,
    allow_null: bool,
    compact: bool,
    mut element: impl FnMut(&mut BytesMut, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    if a.is_none() && !allow_null {
        return Err(null_not_allowed());
    }
    writer::put_length(
        buf,
        a.map(<[T]>::len),
        writer::LengthPrefix::bytes_or_array(compact),
    )?;
    if let Some(a) = a {
        for (i, x) in a.iter().enumerate() {
            element(buf, x).map_err(|e| e.at_index(i))?;
        }
    }
    Ok(())
}

#[inline]
pub fn opt_array_len<T>(a: Option<&[T]>, compact: bool, element: impl Fn(&T) -> usize) -> usize {
    writer::length_len(
        a.map(<[T]>::len),
        writer::LengthPrefix::bytes_or_array(compact),
    ) + a.map_or(0, |a| a.iter().map(element).sum())
}

/// Writes a nullable struct with its marker byte.
#[inline]
pub fn put_nullable_struct<T: Encode>(
    buf: &mut BytesMut,
    s: Option<&T>,
    version: i16,
    allow_null: bool,
) -> Result<(), EncodeError> {
    match s {
        None if !allow_null => Err(null_not_allowed()),
        None => {
            buf.put_i8(-1);
            Ok(())
        }
        Some(s) => {
            buf.put_i8(1);
            s.encode(buf, version)
        }
    }
}

#[inline]
pub fn nullable_struct_len<T: Encode>(s: Option<&T>, version: i16) -> usize {
    1 + s.map_or(0, |s| s.encoded_len(version))
}

#[inline]
pub fn put_tag_count(buf: &mut BytesMut, n: usize) {
    varint::put_u64(buf, n as u64)
}

#[inline]
pub fn tag_count_len(n: usize) -> usize {
    varint::len_u64(n as u64)
}

/// Writes the unknown tagged fields whose tags come before `tag`, keeping tag order.
#[inline]
pub fn put_unknown_before<'a>(
    buf: &mut BytesMut,
    unknown: &mut std::iter::Peekable<std::slice::Iter<'a, RawTaggedField>>,
    tag: u32,
) {
    while let Some(u) = unknown.next_if(|u| u.tag < tag) {
        put_raw_tagged(buf, u);
    }
}

/// Truncates a string to what an `int16` length can carry (at a character boundary).
pub fn conform_str(s: &mut BytesStr) {
    if s.len() > i16::MAX as usize {
        let mut end = i16::MAX as usize;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        *s = BytesStr::from(&s[..end]);
    }
}

/// Makes wire bookkeeping canonical for a version: no presence or null bits, and unknown tagged
/// fields only in flexible versions, sorted, unique, and not colliding with known tags.
pub fn conform_wire(w: &mut WireExtras, flexible: bool, known: impl Fn(u32) -> bool) {
    w.tags_present = 0;
    w.nulls_in_non_nullable = 0;
    if !flexible {
        w.unknown_tagged_fields.clear();
        return;
    }
    w.unknown_tagged_fields.retain(|f| !known(f.tag));
    w.unknown_tagged_fields.sort_by_key(|f| f.tag);
    w.unknown_tagged_fields.dedup_by_key(|f| f.tag);
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
