//! Writing primitives into a [`BytesMut`], and the exact sizes they take.
//!
//! Generated encoders call these; `encoded_len` uses the `*_len` functions so that a message is
//! written into a buffer allocated once at the right size.

use bytes::{BufMut, BytesMut};

use crate::error::{EncodeError, EncodeErrorKind};
use crate::types::{RawTaggedField, Uuid};
use crate::varint;

/// The shape of a length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthPrefix {
    /// Unsigned varint of length + 1, 0 for null (bytes and arrays in flexible versions).
    Compact,
    /// As [`Compact`](Self::Compact), for a string: at most 32767 bytes, as Java allows.
    CompactString,
    /// `int16`, -1 for null (strings in non-flexible versions).
    Int16,
    /// `int32`, -1 for null (bytes and arrays in non-flexible versions).
    Int32,
}

impl LengthPrefix {
    /// The prefix of a string: compact in flexible versions, `int16` otherwise.
    #[inline]
    pub fn string(compact: bool) -> Self {
        if compact {
            Self::CompactString
        } else {
            Self::Int16
        }
    }

    /// The prefix of bytes and arrays: compact in flexible versions, `int32` otherwise.
    #[inline]
    pub fn bytes_or_array(compact: bool) -> Self {
        if compact {
            Self::Compact
        } else {
            Self::Int32
        }
    }
}

/// Writes a length prefix of the given shape. `None` writes null.
#[inline]
pub fn put_length(
    buf: &mut BytesMut,
    len: Option<usize>,
    prefix: LengthPrefix,
) -> Result<(), EncodeError> {
    match (len, prefix) {
        (None, LengthPrefix::Compact | LengthPrefix::CompactString) => buf.put_u8(0),
        (None, LengthPrefix::Int16) => buf.put_i16(-1),
        (None, LengthPrefix::Int32) => buf.put_i32(-1),
        (Some(n), LengthPrefix::Compact | LengthPrefix::CompactString) => {
            // Java refuses compact strings over 32767 bytes (readers would too).
            if n >= u32::MAX as usize
                || (prefix == LengthPrefix::CompactString && n > crate::reader::MAX_STRING_LENGTH)
            {
                return Err(EncodeError::new(EncodeErrorKind::TooLong(n)));
            }
            varint::put_u32(buf, n as u32 + 1)
        }
        (Some(n), LengthPrefix::Int16) => {
            if n > i16::MAX as usize {
                return Err(EncodeError::new(EncodeErrorKind::TooLong(n)));
            }
            buf.put_i16(n as i16)
        }
        (Some(n), LengthPrefix::Int32) => {
            if n > i32::MAX as usize {
                return Err(EncodeError::new(EncodeErrorKind::TooLong(n)));
            }
            buf.put_i32(n as i32)
        }
    }
    Ok(())
}

/// Bytes a length prefix takes.
#[inline]
pub fn length_len(len: Option<usize>, prefix: LengthPrefix) -> usize {
    match (len, prefix) {
        (None, LengthPrefix::Compact | LengthPrefix::CompactString) => 1,
        (Some(n), LengthPrefix::Compact | LengthPrefix::CompactString) => {
            varint::len_u64(n as u64 + 1)
        }
        (_, LengthPrefix::Int16) => 2,
        (_, LengthPrefix::Int32) => 4,
    }
}

/// Writes a string (or null) with its prefix.
#[inline]
pub fn put_str(buf: &mut BytesMut, s: Option<&str>, compact: bool) -> Result<(), EncodeError> {
    put_length(buf, s.map(str::len), LengthPrefix::string(compact))?;
    if let Some(s) = s {
        buf.put_slice(s.as_bytes());
    }
    Ok(())
}

/// Bytes a string (or null) takes with its prefix.
#[inline]
pub fn str_len(s: Option<&str>, compact: bool) -> usize {
    let n = s.map(str::len);
    length_len(n, LengthPrefix::string(compact)) + n.unwrap_or(0)
}

/// Writes a bytes field (or null) with its prefix.
#[inline]
pub fn put_bytes(buf: &mut BytesMut, b: Option<&[u8]>, compact: bool) -> Result<(), EncodeError> {
    put_length(
        buf,
        b.map(<[u8]>::len),
        LengthPrefix::bytes_or_array(compact),
    )?;
    if let Some(b) = b {
        buf.put_slice(b);
    }
    Ok(())
}

/// Bytes a bytes field (or null) takes with its prefix.
#[inline]
pub fn bytes_len(b: Option<&[u8]>, compact: bool) -> usize {
    let n = b.map(<[u8]>::len);
    length_len(n, LengthPrefix::bytes_or_array(compact)) + n.unwrap_or(0)
}

/// Writes a `uuid`.
#[inline]
pub fn put_uuid(buf: &mut BytesMut, u: &Uuid) {
    buf.put_slice(&u.0)
}

/// Writes a `bool`.
#[inline]
pub fn put_bool(buf: &mut BytesMut, b: bool) {
    buf.put_u8(b as u8)
}

/// Writes an unknown tagged field: tag, size, payload.
#[inline]
pub fn put_raw_tagged(buf: &mut BytesMut, f: &RawTaggedField) {
    varint::put_u32(buf, f.tag);
    varint::put_u64(buf, f.data.len() as u64);
    buf.put_slice(&f.data);
}

/// Bytes an unknown tagged field takes.
#[inline]
pub fn raw_tagged_len(f: &RawTaggedField) -> usize {
    varint::len_u32(f.tag) + varint::len_u64(f.data.len() as u64) + f.data.len()
}

/// Writes the header of a known tagged field: tag and payload size.
#[inline]
pub fn put_tag_header(buf: &mut BytesMut, tag: u32, size: usize) {
    varint::put_u32(buf, tag);
    varint::put_u64(buf, size as u64);
}

/// Bytes a known tagged field takes, header included, for a payload of `size` bytes.
#[inline]
pub fn tagged_len(tag: u32, size: usize) -> usize {
    varint::len_u32(tag) + varint::len_u64(size as u64) + size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_agree_with_writes() {
        for compact in [false, true] {
            for s in [None, Some(""), Some("abc"), Some(&*"x".repeat(200))] {
                let mut b = BytesMut::new();
                put_str(&mut b, s, compact).unwrap();
                assert_eq!(b.len(), str_len(s, compact));
                let mut b = BytesMut::new();
                let bs = s.map(str::as_bytes);
                put_bytes(&mut b, bs, compact).unwrap();
                assert_eq!(b.len(), bytes_len(bs, compact));
            }
        }
    }

    #[test]
    fn overlong_string_is_an_error() {
        let s = "x".repeat(40_000);
        let e = put_str(&mut BytesMut::new(), Some(&s), false).unwrap_err();
        assert_eq!(e.kind(), &EncodeErrorKind::TooLong(40_000));
    }
}
