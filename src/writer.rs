//! Writing primitives, and the exact sizes they take.
//!
//! Encoding is two passes over a value: `encoded_len` adds up the exact size (the `*_len`
//! functions here), the output buffer grows once by that much, and the generated `write_to`
//! methods then fill it through a [`Writer`]: a cursor over the pre-sized bytes. A write is a
//! store and a length check on a slice, never a capacity check, a reallocation or a call.

use std::mem::MaybeUninit;

use bytes::BytesMut;

use crate::error::{EncodeError, EncodeErrorKind};
use crate::types::{RawTaggedField, Uuid};
use crate::varint;

/// A cursor over a buffer sized beforehand (by `encoded_len`), writing from its start.
///
/// Writes never panic: one that does not fit is skipped and remembered, and the function that
/// made the writer ([`sized`], [`append_sized`]) then reports that the size and the writes
/// disagreed (which would be a bug in this crate, since both come from one description of each
/// message). Only those functions make writers: the bytes behind one are not initialized until
/// it writes them (no zero-fill before an encode).
///
/// ```
/// use kafka_codec::__private::writer::sized;
/// let out = sized(7, |w| {
///     w.put_i16(-1);
///     w.put_uvarint(300);
///     w.put_slice(b"ok");
///     assert_eq!(w.remaining(), 1);
///     w.put_u8(9);
///     Ok(())
/// })
/// .unwrap();
/// assert_eq!(out[..], [0xff, 0xff, 0xac, 0x02, b'o', b'k', 9]);
/// ```
#[derive(Debug)]
pub struct Writer<'a> {
    /// What is left to write. Every byte of the buffer before it has been written (the
    /// invariant `fill` relies on): it only ever shrinks from the front, past bytes just
    /// stored, or to nothing with `short` set.
    rest: &'a mut [MaybeUninit<u8>],
    short: bool,
    /// Where the buffer started: `fill` checks it to know that the writer it gets back is the
    /// one it made.
    origin: *const MaybeUninit<u8>,
}

impl<'a> Writer<'a> {
    /// A writer filling `buf` from its start. Crate-private: see `fill`.
    #[inline]
    fn new(buf: &'a mut [MaybeUninit<u8>]) -> Self {
        Writer {
            origin: buf.as_ptr(),
            rest: buf,
            short: false,
        }
    }

    /// Bytes not written yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Writes `N` bytes in one store.
    #[inline(always)]
    pub fn put<const N: usize>(&mut self, bytes: [u8; N]) {
        match std::mem::take(&mut self.rest).split_first_chunk_mut::<N>() {
            Some((head, tail)) => {
                *head = bytes.map(MaybeUninit::new);
                self.rest = tail;
            }
            None => self.short = true,
        }
    }

    /// Writes a slice.
    // The length is tested before the cursor is taken apart, and the cursor moved before the
    // copy (a `memcpy` call): with `take` first, the empty slice it leaves behind was stored
    // before every copy.
    #[inline]
    pub fn put_slice(&mut self, s: &[u8]) {
        if self.rest.len() >= s.len() {
            let (head, tail) = std::mem::take(&mut self.rest).split_at_mut(s.len());
            self.rest = tail;
            head.write_copy_of_slice(s);
        } else {
            self.short = true;
        }
    }

    /// Writes a `u8` (also an `int8` as its bits).
    #[inline(always)]
    pub fn put_u8(&mut self, v: u8) {
        self.put([v])
    }

    /// Writes every item of `items` as the `N` bytes `to` makes of it, after one bounds check
    /// for them all (arrays of fixed-size numbers).
    #[inline]
    pub fn put_each<T, const N: usize>(&mut self, items: &[T], to: impl Fn(&T) -> [u8; N]) {
        let rest = std::mem::take(&mut self.rest);
        match items
            .len()
            .checked_mul(N)
            .and_then(|n| rest.split_at_mut_checked(n))
        {
            Some((head, tail)) => {
                // `head` is exactly `items.len()` chunks: every byte of it is written.
                for (chunk, x) in head.as_chunks_mut::<N>().0.iter_mut().zip(items) {
                    *chunk = to(x).map(MaybeUninit::new);
                }
                self.rest = tail;
            }
            None => self.short = true,
        }
    }

    /// Writes an `int8`.
    #[inline(always)]
    pub fn put_i8(&mut self, v: i8) {
        self.put(v.to_be_bytes())
    }

    /// Writes an `int16`.
    #[inline(always)]
    pub fn put_i16(&mut self, v: i16) {
        self.put(v.to_be_bytes())
    }

    /// Writes a `uint16`.
    #[inline(always)]
    pub fn put_u16(&mut self, v: u16) {
        self.put(v.to_be_bytes())
    }

    /// Writes an `int32`.
    #[inline(always)]
    pub fn put_i32(&mut self, v: i32) {
        self.put(v.to_be_bytes())
    }

    /// Writes a `uint32`.
    #[inline(always)]
    pub fn put_u32(&mut self, v: u32) {
        self.put(v.to_be_bytes())
    }

    /// Writes an `int64`.
    #[inline(always)]
    pub fn put_i64(&mut self, v: i64) {
        self.put(v.to_be_bytes())
    }

    /// Writes a `float64` (its bit pattern, NaN payloads included).
    #[inline(always)]
    pub fn put_f64(&mut self, v: f64) {
        self.put(v.to_bits().to_be_bytes())
    }

    /// Writes a `bool` as 0 or 1.
    #[inline(always)]
    pub fn put_bool(&mut self, v: bool) {
        self.put([u8::from(v)])
    }

    /// Writes a `uuid`.
    #[inline(always)]
    pub fn put_uuid(&mut self, u: &Uuid) {
        self.put(u.0)
    }

    /// Writes an unsigned varint: one or two bytes inline (lengths under 16384), longer ones
    /// (up to 8 bytes) in one 8-byte store when the buffer has room for it.
    #[inline]
    pub fn put_uvarint(&mut self, v: u64) {
        if v < 0x80 {
            self.put([v as u8]);
        } else if v < 0x4000 {
            self.put([v as u8 | 0x80, (v >> 7) as u8]);
        } else {
            self.put_long_uvarint(v);
        }
    }

    fn put_long_uvarint(&mut self, v: u64) {
        if let (Some(word), Some((packed, n))) =
            (self.rest.first_chunk_mut::<8>(), varint::packed_u64(v))
        {
            // All 8 bytes are stored; the cursor moves past the `n` (at most 8) of the varint.
            *word = packed.to_le_bytes().map(MaybeUninit::new);
            self.rest = &mut std::mem::take(&mut self.rest)[n..];
            return;
        }
        let mut v = v;
        while v >= 0x80 {
            self.put([(v as u8) | 0x80]);
            v >>= 7;
        }
        self.put([v as u8]);
    }

    /// Writes a zig-zag signed 32-bit varint.
    #[inline]
    pub fn put_varint(&mut self, v: i32) {
        self.put_uvarint(varint::zigzag32(v) as u64)
    }

    /// Writes a zig-zag signed 64-bit varint.
    #[inline]
    pub fn put_varlong(&mut self, v: i64) {
        self.put_uvarint(varint::zigzag64(v))
    }
}

#[cold]
fn size_mismatch(unwritten: usize, short: bool) -> EncodeError {
    EncodeError::new(EncodeErrorKind::SizeMismatch { unwritten, short })
}

#[cold]
fn not_this_writer() -> EncodeError {
    EncodeError::new(EncodeErrorKind::SizeMismatch {
        unwritten: 0,
        short: true,
    })
}

/// Appends `len` bytes to `buf`, written by `write` through a [`Writer`] over exactly them: the
/// buffer grows (at most one allocation) before anything is written, and is not zero-filled.
/// On an error `buf` is left as it was.
#[inline]
pub fn append_sized(
    buf: &mut BytesMut,
    len: usize,
    write: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    if buf.capacity() == 0 {
        // A new buffer: allocated at exactly the size, without growth bookkeeping.
        *buf = BytesMut::with_capacity(len);
    } else {
        buf.reserve(len);
    }
    fill(buf, len, write)
}

/// A new buffer of exactly `len` bytes, written by `write` through a [`Writer`].
#[inline]
pub fn sized(
    len: usize,
    write: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<BytesMut, EncodeError> {
    // Not `BytesMut::zeroed`: glibc's `calloc` skips its per-thread cache, and costs more than
    // the allocation. Nor zero-filled at all: `fill` writes into the spare capacity.
    let mut buf = BytesMut::with_capacity(len);
    fill(&mut buf, len, write)?;
    Ok(buf)
}

/// Writes `len` bytes after the end of `buf` (which has room for them) through a [`Writer`]
/// over its uninitialized spare capacity, then makes them part of `buf` if, and only if, the
/// writer wrote every one of them. On an error `buf` is left as it was.
#[inline]
#[allow(unsafe_code)]
fn fill(
    buf: &mut BytesMut,
    len: usize,
    write: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = buf.len();
    let Some(spare) = buf.spare_capacity_mut().get_mut(..len) else {
        return Err(size_mismatch(len, true));
    };
    let origin = spare.as_ptr();
    let mut w = Writer::new(spare);
    write(&mut w)?;
    if w.origin != origin {
        // `write` put another writer in the place of this one. Nothing outside this module
        // can make a writer, so this does not happen; if it did, nothing is known written.
        return Err(not_this_writer());
    }
    if w.short || !w.rest.is_empty() {
        return Err(size_mismatch(w.rest.len(), w.short));
    }
    // SAFETY: the `len` bytes after `start` are initialized. `w` is the writer made above over
    // exactly them (same origin; only `Writer::new`, private to this module, makes writers, and
    // only here). A writer only moves its cursor past bytes it has stored (see `Writer::rest`),
    // or sets `short`; `short` is false and the cursor is at the end, so it stored all `len`.
    // `spare_capacity_mut` gave at least `len` bytes, so `start + len` is within the capacity.
    // Measured (BENCHMARKS.md, third round): the zero-fill this saves was ~4% of a Heartbeat
    // encode. CI runs the tests that reach this under Miri (`.ci/run`, "Miri").
    unsafe { buf.set_len(start + len) };
    Ok(())
}

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

#[cold]
fn too_long(n: usize) -> EncodeError {
    EncodeError::new(EncodeErrorKind::TooLong(n))
}

/// Writes a length prefix of the given shape. `None` writes null. Always inlined, and kept
/// small: the shape is usually known where it is called, and a length under 127 (nearly all
/// of them; any `int16` or `int32` length in range) is a compare and a store. Longer compact
/// lengths take `put_long_compact_length`; a length over its limit is an error.
#[inline(always)]
pub fn put_length(
    w: &mut Writer<'_>,
    len: Option<usize>,
    prefix: LengthPrefix,
) -> Result<(), EncodeError> {
    match (len, prefix) {
        (None, LengthPrefix::Compact | LengthPrefix::CompactString) => w.put_u8(0),
        (None, LengthPrefix::Int16) => w.put_i16(-1),
        (None, LengthPrefix::Int32) => w.put_i32(-1),
        (Some(n), _) if n < 0x7f => put_short_length(w, n, prefix),
        (Some(n), LengthPrefix::Int16) if n <= i16::MAX as usize => w.put_i16(n as i16),
        (Some(n), LengthPrefix::Int32) if n <= i32::MAX as usize => w.put_i32(n as i32),
        (Some(n), LengthPrefix::Compact | LengthPrefix::CompactString) => {
            return put_long_compact_length(w, n, prefix)
        }
        (Some(n), LengthPrefix::Int16 | LengthPrefix::Int32) => return Err(too_long(n)),
    }
    Ok(())
}

/// A length under 127 in any shape: one store, nothing to check.
#[inline(always)]
fn put_short_length(w: &mut Writer<'_>, n: usize, prefix: LengthPrefix) {
    match prefix {
        LengthPrefix::Compact | LengthPrefix::CompactString => w.put_u8(n as u8 + 1),
        LengthPrefix::Int16 => w.put_i16(n as i16),
        LengthPrefix::Int32 => w.put_i32(n as i32),
    }
}

/// A compact length of 127 or more (a varint of two bytes or more), out of line; over the
/// limit of its prefix, an error.
#[inline(never)]
fn put_long_compact_length(
    w: &mut Writer<'_>,
    n: usize,
    prefix: LengthPrefix,
) -> Result<(), EncodeError> {
    let limit = if prefix == LengthPrefix::CompactString {
        // Java refuses compact strings over 32767 bytes (readers would too).
        crate::reader::MAX_STRING_LENGTH
    } else {
        u32::MAX as usize - 1
    };
    if n > limit {
        return Err(too_long(n));
    }
    w.put_uvarint(n as u64 + 1);
    Ok(())
}

/// Bytes a length prefix takes.
#[inline]
pub fn length_len(len: Option<usize>, prefix: LengthPrefix) -> usize {
    match (len, prefix) {
        (None, LengthPrefix::Compact | LengthPrefix::CompactString) => 1,
        (Some(n), LengthPrefix::Compact | LengthPrefix::CompactString) => {
            if n < 0x7f {
                1
            } else {
                varint::len_u64(n as u64 + 1)
            }
        }
        (_, LengthPrefix::Int16) => 2,
        (_, LengthPrefix::Int32) => 4,
    }
}

/// Writes a string's bytes (or null) with its prefix. Always inlined: a string under 127
/// bytes is a one- or two-byte prefix and a copy, each path returning on its own (merged with
/// the general path, the result was tested again at every string); longer ones take a call.
#[inline(always)]
pub fn put_str(w: &mut Writer<'_>, s: Option<&[u8]>, compact: bool) -> Result<(), EncodeError> {
    let prefix = LengthPrefix::string(compact);
    match s {
        Some(b) if b.len() < 0x7f => {
            put_short_length(w, b.len(), prefix);
            w.put_slice(b);
            Ok(())
        }
        None => put_length(w, None, prefix),
        Some(b) => put_long_str(w, b, prefix),
    }
}

/// A string of 127 bytes or more: the general prefix (and its limit), then the bytes.
#[inline(never)]
fn put_long_str(w: &mut Writer<'_>, b: &[u8], prefix: LengthPrefix) -> Result<(), EncodeError> {
    put_length(w, Some(b.len()), prefix)?;
    w.put_slice(b);
    Ok(())
}

/// Bytes a string of `s` bytes (or null) takes with its prefix.
#[inline]
pub fn str_len(s: Option<&[u8]>, compact: bool) -> usize {
    let n = s.map(<[u8]>::len);
    length_len(n, LengthPrefix::string(compact)) + n.unwrap_or(0)
}

/// Writes a bytes field (or null) with its prefix.
#[inline(always)]
pub fn put_bytes(w: &mut Writer<'_>, b: Option<&[u8]>, compact: bool) -> Result<(), EncodeError> {
    put_length(w, b.map(<[u8]>::len), LengthPrefix::bytes_or_array(compact))?;
    if let Some(b) = b {
        w.put_slice(b);
    }
    Ok(())
}

/// Bytes a bytes field (or null) takes with its prefix.
#[inline]
pub fn bytes_len(b: Option<&[u8]>, compact: bool) -> usize {
    let n = b.map(<[u8]>::len);
    length_len(n, LengthPrefix::bytes_or_array(compact)) + n.unwrap_or(0)
}

/// Writes an unknown tagged field: tag, size, payload.
#[inline]
pub fn put_raw_tagged(w: &mut Writer<'_>, f: &RawTaggedField) {
    w.put_uvarint(f.tag as u64);
    w.put_uvarint(f.data.len() as u64);
    w.put_slice(&f.data);
}

/// Bytes an unknown tagged field takes.
#[inline]
pub fn raw_tagged_len(f: &RawTaggedField) -> usize {
    varint::len_u32(f.tag) + varint::len_u64(f.data.len() as u64) + f.data.len()
}

/// Writes the header of a known tagged field: tag and payload size.
#[inline]
pub fn put_tag_header(w: &mut Writer<'_>, tag: u32, size: usize) {
    w.put_uvarint(tag as u64);
    w.put_uvarint(size as u64);
}

/// Bytes a known tagged field takes, header included, for a payload of `size` bytes.
#[inline]
pub fn tagged_len(tag: u32, size: usize) -> usize {
    varint::len_u32(tag) + varint::len_u64(size as u64) + size
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `write` into a buffer of exactly `len` bytes.
    fn written(
        len: usize,
        write: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut b = BytesMut::new();
        append_sized(&mut b, len, write)?;
        Ok(b.to_vec())
    }

    #[test]
    fn lengths_agree_with_writes() {
        for compact in [false, true] {
            for s in [None, Some(""), Some("abc"), Some(&*"x".repeat(200))] {
                let s = s.map(str::as_bytes);
                let out = written(str_len(s, compact), |w| put_str(w, s, compact)).unwrap();
                let prefix = length_len(s.map(<[u8]>::len), LengthPrefix::string(compact));
                assert_eq!(&out[prefix..], s.unwrap_or(b""));
                let bs = s;
                let out = written(bytes_len(bs, compact), |w| put_bytes(w, bs, compact)).unwrap();
                assert_eq!(
                    &out[out.len() - bs.map_or(0, <[u8]>::len)..],
                    bs.unwrap_or(b"")
                );
            }
        }
    }

    #[test]
    fn varints_match_the_reference_writer() {
        let mut values = vec![
            0u64,
            1,
            127,
            128,
            300,
            16383,
            16384,
            u32::MAX as u64,
            u64::MAX,
        ];
        for shift in 0..64 {
            values.push(1u64 << shift);
            values.push((1u64 << shift) - 1);
        }
        for v in values {
            let mut expected = Vec::new();
            varint::put_u64(&mut expected, v);
            // Exactly sized (the byte-by-byte tail) and with room to spare (the one store).
            let exact = written(expected.len(), |w| {
                w.put_uvarint(v);
                Ok(())
            })
            .unwrap();
            assert_eq!(exact, expected, "{v:#x}");
            let roomy = written(expected.len() + 9, |w| {
                w.put_uvarint(v);
                w.put_slice(&[0xee; 9]);
                Ok(())
            })
            .unwrap();
            assert_eq!(&roomy[..expected.len()], &expected[..], "{v:#x}");
            assert_eq!(&roomy[expected.len()..], &[0xee; 9], "{v:#x}");
        }
    }

    #[test]
    fn arrays_of_numbers_are_written_at_once() {
        let items = [1i32, -1, 0x0102_0304];
        let out = written(12, |w| {
            w.put_each(&items, |x| x.to_be_bytes());
            Ok(())
        })
        .unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
        // One byte short: nothing of the array is written, and the writer says so.
        let e = written(11, |w| {
            w.put_each(&items, |x| x.to_be_bytes());
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(
            e.kind(),
            EncodeErrorKind::SizeMismatch { short: true, .. }
        ));
    }

    #[test]
    fn short_strings_and_slices_after_a_short_write_are_refused() {
        // A slice that does not fit is skipped; the error says so even if the rest is filled.
        let e = written(4, |w| {
            w.put_slice(b"toolong");
            w.put_i32(7);
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(
            e.kind(),
            EncodeErrorKind::SizeMismatch { short: true, .. }
        ));
    }

    #[test]
    fn fixed_writes_are_big_endian() {
        let out = written(30, |w| {
            w.put_i8(-2);
            w.put_i16(0x0102);
            w.put_u16(0xfffe);
            w.put_i32(-1);
            w.put_u32(7);
            w.put_i64(0x0102_0304_0506_0708);
            w.put_f64(1.5);
            w.put_bool(true);
            Ok(())
        })
        .unwrap();
        let mut expected = vec![0xfe, 1, 2, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 7];
        expected.extend([1, 2, 3, 4, 5, 6, 7, 8]);
        expected.extend(1.5f64.to_be_bytes());
        expected.push(1);
        assert_eq!(out, expected);
    }

    #[test]
    fn size_disagreements_are_errors_not_panics() {
        let mut b = BytesMut::from(&b"kept"[..]);
        // Writes more than sized: refused, and the buffer is left as it was.
        let e = append_sized(&mut b, 3, |w| {
            w.put_i32(1);
            w.put_slice(b"abc");
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(
            e.kind(),
            EncodeErrorKind::SizeMismatch { short: true, .. }
        ));
        assert_eq!(&b[..], b"kept");
        // Writes less than sized.
        let e = append_sized(&mut b, 3, |w| {
            w.put_u8(1);
            Ok(())
        })
        .unwrap_err();
        assert_eq!(
            e.kind(),
            &EncodeErrorKind::SizeMismatch {
                unwritten: 2,
                short: false
            }
        );
        assert_eq!(&b[..], b"kept");
        append_sized(&mut b, 2, |w| {
            w.put_i16(0x2121);
            Ok(())
        })
        .unwrap();
        assert_eq!(&b[..], b"kept!!");
    }

    #[test]
    fn only_the_writer_made_over_the_buffer_can_fill_it() {
        // A writer swapped in for the one `fill` made, already at its end, wrote nothing into
        // the buffer: refused, and the buffer keeps its length.
        let mut b = BytesMut::from(&b"kept"[..]);
        let e = append_sized(&mut b, 3, |w| {
            *w = Writer::new(&mut []);
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(e.kind(), EncodeErrorKind::SizeMismatch { .. }));
        assert_eq!(&b[..], b"kept");
        assert!(sized(2, |w| {
            *w = Writer::new(&mut []);
            Ok(())
        })
        .is_err());
        // Every byte written: the length is exactly what was sized, and reads back.
        let out = sized(5, |w| {
            w.put_slice(b"ab");
            w.put_uvarint(300);
            w.put_u8(7);
            Ok(())
        })
        .unwrap();
        assert_eq!(&out[..], [b'a', b'b', 0xac, 0x02, 7]);
        // An error from the writing closure leaves the buffer as it was, after a partial write.
        let mut b = BytesMut::from(&b"kept"[..]);
        let e = append_sized(&mut b, 4, |w| {
            w.put_i16(1);
            Err(EncodeError::new(EncodeErrorKind::FieldNotInVersion))
        })
        .unwrap_err();
        assert_eq!(e.kind(), &EncodeErrorKind::FieldNotInVersion);
        assert_eq!(&b[..], b"kept");
    }

    #[test]
    fn overlong_string_is_an_error() {
        let s = "x".repeat(40_000);
        let s = Some(s.as_bytes());
        let e = written(str_len(s, false), |w| put_str(w, s, false)).unwrap_err();
        assert_eq!(e.kind(), &EncodeErrorKind::TooLong(40_000));
        let e = written(str_len(s, true), |w| put_str(w, s, true)).unwrap_err();
        assert_eq!(e.kind(), &EncodeErrorKind::TooLong(40_000));
    }
}
