//! Reading primitives off a received buffer.
//!
//! [`Reader`] walks a [`Bytes`] and hands out zero-copy slices of it. Every length and count is
//! checked against the bytes that remain *before* anything is allocated or sliced, so a hostile
//! prefix produces an error, not an allocation.

use bytes::Bytes;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::types::{BytesStr, Uuid};

/// A cursor over received bytes. Offsets in errors count from the start of the outermost input.
///
/// ```
/// use bytes::Bytes;
/// use kafka_codec::Reader;
///
/// let mut r = Reader::new(Bytes::from_static(&[0, 0, 0, 42, 0x96, 0x01]));
/// assert_eq!(r.i32().unwrap(), 42);
/// assert_eq!(r.unsigned_varint().unwrap(), 150);
/// assert!(r.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct Reader {
    buf: Bytes,
    pos: usize,
    base: usize,
    /// Refuse strings that are not UTF-8 (see [`Reader::with_strict_utf8`]).
    strict_utf8: bool,
}

/// Longest string, in bytes, of any protocol field: 32767, the most an `int16` prefix holds.
/// Kafka's generated Java code applies it to compact (varint-prefixed) strings too, on read
/// and on write, so a longer string is refused both ways here as well.
pub const MAX_STRING_LENGTH: usize = i16::MAX as usize;

#[cold]
fn invalid_length(length: i64, remaining: usize, at: usize) -> DecodeError {
    DecodeError::new(DecodeErrorKind::InvalidLength { length, remaining }, at)
}

#[cold]
fn invalid_utf8(offset: usize) -> DecodeError {
    DecodeError::new(DecodeErrorKind::InvalidUtf8, offset)
}

/// A length or count prefix as read: null (-1) or a non-negative value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    /// The prefix was -1 (null).
    Null,
    /// A non-negative length or count.
    Len(usize),
}

/// The rules every reading of received bytes applies beyond bounds checks: what a varint of
/// two bytes or more may be, what a length or count prefix may say, how long a string may be,
/// how tagged fields are counted, ordered and sized. One copy, applied by [`Reader`] (the owned
/// decoder, over `Bytes`) and by the views' validating cursor (over a borrowed slice), so that
/// both accept and refuse the same bytes with the same errors. They take values read and
/// return the error for an absolute offset `at`: each reader keeps its own byte access, which
/// the compiler optimizes with the reader's own invariants.
pub(crate) mod checks {
    use super::{invalid_length, Length, MAX_STRING_LENGTH};
    use crate::error::{DecodeError, DecodeErrorKind};

    /// An unsigned varint of two to five bytes at the start of `rest` (the one-byte case is
    /// each reader's inline fast path): its value (at most 32 bits, canonical) and size.
    #[inline]
    pub(crate) fn long_uvarint(rest: &[u8]) -> Result<(u32, usize), DecodeErrorKind> {
        // Two bytes (lengths of 128 to 16383 bytes) without the general loop.
        if let Some(&[b0, b1]) = rest.first_chunk::<2>() {
            if b0 >= 0x80 && b1 != 0 && b1 < 0x80 {
                return Ok(((b0 & 0x7f) as u32 | (b1 as u32) << 7, 2));
            }
        }
        let (v, n) = crate::varint::read_u64(rest, 5)?;
        if v > u32::MAX as u64 {
            return Err(DecodeErrorKind::VarintTooLong);
        }
        Ok((v as u32, n))
    }

    /// The length a prefix at `at` holds (`raw`, -1 for null), checked: never below -1, and
    /// `min_element_size` bytes per element fit in the `remaining` bytes, so that the caller
    /// can allocate that many elements.
    #[inline(always)]
    pub(crate) fn length(
        raw: i64,
        min_element_size: usize,
        remaining: usize,
        at: usize,
    ) -> Result<Length, DecodeError> {
        if raw == -1 {
            return Ok(Length::Null);
        }
        if raw < 0 || (raw as u64).saturating_mul(min_element_size.max(1) as u64) > remaining as u64
        {
            return Err(invalid_length(raw, remaining, at));
        }
        Ok(Length::Len(raw as usize))
    }

    /// A string length read at `at`: a compact length above [`MAX_STRING_LENGTH`] is refused,
    /// as Kafka's generated Java code refuses it (an `int16` cannot exceed it).
    #[inline(always)]
    pub(crate) fn string_length(
        len: Length,
        remaining: usize,
        at: usize,
    ) -> Result<Length, DecodeError> {
        match len {
            Length::Len(n) if n > MAX_STRING_LENGTH => Err(invalid_length(n as i64, remaining, at)),
            _ => Ok(len),
        }
    }

    /// The count of a tagged-field section read at `at`, checked against the bytes left (each
    /// field takes at least two).
    #[inline(always)]
    pub(crate) fn tag_count(n: u32, remaining: usize, at: usize) -> Result<u32, DecodeError> {
        if n as u64 * 2 > remaining as u64 {
            return Err(invalid_length(n as i64, remaining, at));
        }
        Ok(n)
    }

    /// A tag read at `at`: tags must ascend strictly (`last` is the section's previous tag).
    #[inline(always)]
    pub(crate) fn tag_order(
        tag: u32,
        last: &mut Option<u32>,
        at: usize,
    ) -> Result<(), DecodeError> {
        if let Some(previous) = *last {
            if tag <= previous {
                return Err(DecodeError::new(
                    DecodeErrorKind::TaggedFieldOutOfOrder { previous, tag },
                    at,
                ));
            }
        }
        *last = Some(tag);
        Ok(())
    }

    /// A tagged field's payload size read at `at`: the payload must fit in the bytes left.
    #[inline(always)]
    pub(crate) fn tag_size(size: usize, remaining: usize, at: usize) -> Result<(), DecodeError> {
        if size > remaining {
            return Err(invalid_length(size as i64, remaining, at));
        }
        Ok(())
    }
}

impl Reader {
    /// A reader over the whole of `buf`, with offsets counted from its start.
    pub fn new(buf: Bytes) -> Self {
        Reader::with_base(buf, 0)
    }

    /// A reader over `buf` whose first byte is at absolute offset `base` of some larger input.
    pub fn with_base(buf: Bytes, base: usize) -> Self {
        Reader {
            buf,
            pos: 0,
            base,
            strict_utf8: false,
        }
    }

    /// The same reader, refusing (`true`) or keeping (`false`, the default) strings whose bytes
    /// are not UTF-8. Kept strings are held as received (see [`BytesStr`]); a refused one is a
    /// [`DecodeErrorKind::InvalidUtf8`] at the offset of its first invalid byte. Readers made
    /// by [`sub_reader`](Self::sub_reader) inherit the setting.
    pub fn with_strict_utf8(mut self, strict: bool) -> Self {
        self.strict_utf8 = strict;
        self
    }

    /// Whether strings that are not UTF-8 are refused.
    pub fn strict_utf8(&self) -> bool {
        self.strict_utf8
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Bytes read so far.
    #[inline]
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// Whether every byte has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// The bytes left, without consuming them.
    pub fn peek_rest(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// An error of `kind` at the current offset.
    #[cold]
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.offset())
    }

    #[cold]
    fn eof(&self, needed: usize) -> DecodeError {
        self.error(DecodeErrorKind::UnexpectedEof {
            needed,
            remaining: self.remaining(),
        })
    }

    #[inline]
    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        match self.buf.get(self.pos..self.pos + N) {
            Some(s) => {
                let mut a = [0u8; N];
                a.copy_from_slice(s);
                self.pos += N;
                Ok(a)
            }
            None => Err(self.eof(N)),
        }
    }

    /// Reads the next `N` bytes, a run of fixed-size fields, with one bounds check. `fields`
    /// names them with their sizes, in order, so that a short input fails as reading them one
    /// by one would: at the first field that does not fit, at its offset, naming it.
    #[inline]
    pub fn run<const N: usize>(
        &mut self,
        fields: &[(&'static str, usize)],
    ) -> Result<[u8; N], DecodeError> {
        match self.buf.get(self.pos..).and_then(<[u8]>::first_chunk::<N>) {
            Some(a) => {
                let a = *a;
                self.pos += N;
                Ok(a)
            }
            None => Err(self.run_error(fields)),
        }
    }

    #[cold]
    fn run_error(&self, fields: &[(&'static str, usize)]) -> DecodeError {
        let mut at = 0;
        for &(name, size) in fields {
            let remaining = self.remaining().saturating_sub(at);
            if remaining < size {
                return DecodeError::new(
                    DecodeErrorKind::UnexpectedEof {
                        needed: size,
                        remaining,
                    },
                    self.offset() + at,
                )
                .at(name);
            }
            at += size;
        }
        self.eof(at)
    }

    /// Reads an `int8`.
    #[inline]
    pub fn i8(&mut self) -> Result<i8, DecodeError> {
        Ok(i8::from_be_bytes(self.take()?))
    }

    /// Reads an `int16`.
    #[inline]
    pub fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.take()?))
    }

    /// Reads a `uint16`.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.take()?))
    }

    /// Reads an `int32`.
    #[inline]
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.take()?))
    }

    /// Reads a `uint32`.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.take()?))
    }

    /// Reads an `int64`.
    #[inline]
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.take()?))
    }

    /// Reads a `float64` (bit pattern preserved, NaN payloads included).
    #[inline]
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(u64::from_be_bytes(self.take()?)))
    }

    /// Reads a `bool`: exactly 0 or 1, since any other byte would not survive a round trip.
    #[inline]
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        let at = self.offset();
        match self.take::<1>()?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(DecodeError::new(DecodeErrorKind::InvalidBool(b), at)),
        }
    }

    /// Reads a `uuid`.
    #[inline]
    pub fn uuid(&mut self) -> Result<Uuid, DecodeError> {
        Ok(Uuid(self.take()?))
    }

    /// Reads an unsigned varint of at most 32 bits (at most 5 bytes, canonical). A one-byte
    /// varint (nearly every length, count and tag count) is read inline; longer ones in a call.
    #[inline]
    pub fn unsigned_varint(&mut self) -> Result<u32, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(b as u32)
            }
            _ => self.long_unsigned_varint(),
        }
    }

    #[inline(never)]
    fn long_unsigned_varint(&mut self) -> Result<u32, DecodeError> {
        let (v, n) = checks::long_uvarint(&self.buf[self.pos..]).map_err(|k| self.error(k))?;
        self.pos += n;
        Ok(v)
    }

    /// Consumes the next byte if it is `byte`; says whether it did.
    #[inline]
    pub fn eat(&mut self, byte: u8) -> bool {
        if self.buf.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Reads a zig-zag signed varint of 32 bits.
    #[inline]
    pub fn varint(&mut self) -> Result<i32, DecodeError> {
        let u = self.unsigned_varint()?;
        Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    /// Reads an unsigned varint of at most 64 bits (at most 10 bytes, canonical).
    #[inline]
    pub fn unsigned_varlong(&mut self) -> Result<u64, DecodeError> {
        let (v, n) =
            crate::varint::read_u64(&self.buf[self.pos..], 10).map_err(|k| self.error(k))?;
        self.pos += n;
        Ok(v)
    }

    /// Reads a zig-zag signed varint of 64 bits.
    #[inline]
    pub fn varlong(&mut self) -> Result<i64, DecodeError> {
        let u = self.unsigned_varlong()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// Reads a length or count prefix: `int16` (strings), `int32` (bytes, arrays) or, in flexible
    /// versions, a compact unsigned varint holding length + 1. Checks `length * min_element_size`
    /// against the bytes that remain, so that the caller can allocate `length` elements safely.
    #[inline(always)]
    fn length(&mut self, prefix: Prefix, min_element_size: usize) -> Result<Length, DecodeError> {
        let at = self.offset();
        let raw: i64 = match prefix {
            Prefix::I16 => self.i16()? as i64,
            Prefix::I32 => self.i32()? as i64,
            Prefix::Compact => self.unsigned_varint()? as i64 - 1,
        };
        checks::length(raw, min_element_size, self.remaining(), at)
    }

    /// Reads a string length (`int16`, or compact in flexible versions). A compact length
    /// above [`MAX_STRING_LENGTH`] is refused, as Kafka's generated Java code refuses it.
    /// Always inlined: it sits inside every generated string read.
    #[inline(always)]
    pub fn string_length(&mut self, compact: bool) -> Result<Length, DecodeError> {
        let at = self.offset();
        let len = self.length(
            if compact {
                Prefix::Compact
            } else {
                Prefix::I16
            },
            1,
        )?;
        checks::string_length(len, self.remaining(), at)
    }

    /// A string (or null) whose prefix is short and whose bytes are all there, read inline:
    /// null, a compact length under 127 (one byte) or an `int16` length, on a reader that keeps
    /// strings as they are. `None`, with nothing consumed, for anything else (a longer compact
    /// length, a strict reader, an error), which the caller reads the general way.
    #[inline(always)]
    pub fn short_str(&mut self, compact: bool) -> Option<Option<BytesStr>> {
        if self.strict_utf8 {
            return None;
        }
        let rest = self.buf.get(self.pos..)?;
        let (n, prefix) = if compact {
            match *rest.first()? {
                0 => {
                    self.pos += 1;
                    return Some(None);
                }
                b @ 1..0x80 => (b as usize - 1, 1),
                _ => return None,
            }
        } else {
            match i16::from_be_bytes(*rest.first_chunk::<2>()?) {
                -1 => {
                    self.pos += 2;
                    return Some(None);
                }
                n @ 0.. => (n as usize, 2),
                _ => return None,
            }
        };
        // At most 32767 either way: within `MAX_STRING_LENGTH`.
        if n > rest.len() - prefix {
            return None;
        }
        let start = self.pos + prefix;
        self.pos = start + n;
        Some(Some(BytesStr::from_bytes(self.buf.slice(start..start + n))))
    }

    /// Reads a bytes length (`int32`, or compact in flexible versions).
    #[inline]
    pub fn bytes_length(&mut self, compact: bool) -> Result<Length, DecodeError> {
        self.length(
            if compact {
                Prefix::Compact
            } else {
                Prefix::I32
            },
            1,
        )
    }

    /// Reads an array count (`int32`, or compact in flexible versions), checked against
    /// `min_element_size` bytes per element.
    #[inline]
    pub fn array_length(
        &mut self,
        compact: bool,
        min_element_size: usize,
    ) -> Result<Length, DecodeError> {
        self.length(
            if compact {
                Prefix::Compact
            } else {
                Prefix::I32
            },
            min_element_size,
        )
    }

    /// Takes the next `n` bytes as a zero-copy slice. Always inlined: every string and bytes
    /// field of a decoder takes one, and under thin LTO it stayed a call.
    #[inline(always)]
    pub fn bytes(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        if n > self.remaining() {
            return Err(self.eof(n));
        }
        let b = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(b)
    }

    /// Takes the next `n` bytes as a borrowed slice.
    #[inline]
    pub fn slice(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.eof(n));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Takes the next `n` bytes as a string (zero-copy). They are checked to be UTF-8 only when
    /// the reader is [strict](Self::with_strict_utf8); otherwise they are kept as they are.
    /// Always inlined, as [`bytes`](Self::bytes); the UTF-8 check is a call.
    #[inline(always)]
    pub fn str(&mut self, n: usize) -> Result<BytesStr, DecodeError> {
        let at = self.offset();
        let b = self.bytes(n)?;
        if self.strict_utf8 {
            checked_str(b, at)
        } else {
            Ok(BytesStr::from_bytes(b))
        }
    }

    /// A reader over the next `n` bytes, which it consumes: the sub-reader cannot read past them.
    #[inline]
    pub fn sub_reader(&mut self, n: usize) -> Result<Reader, DecodeError> {
        let base = self.offset();
        let b = self.bytes(n)?;
        Ok(Reader::with_base(b, base).with_strict_utf8(self.strict_utf8))
    }

    /// Takes every byte left.
    pub fn rest(&mut self) -> Bytes {
        let b = self.buf.slice(self.pos..);
        self.pos = self.buf.len();
        b
    }
}

/// `b` as a string when it is UTF-8; `at` is its offset, for the error.
#[inline(never)]
fn checked_str(b: Bytes, at: usize) -> Result<BytesStr, DecodeError> {
    BytesStr::from_utf8(b).map_err(|e| invalid_utf8(at + e.valid_up_to()))
}

#[derive(Clone, Copy)]
enum Prefix {
    I16,
    I32,
    Compact,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(b: &'static [u8]) -> Reader {
        Reader::new(Bytes::from_static(b))
    }

    #[test]
    fn short_input_is_eof_not_panic() {
        let e = r(&[0, 1, 2]).i32().unwrap_err();
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::UnexpectedEof {
                needed: 4,
                remaining: 3
            }
        );
    }

    #[test]
    fn hostile_array_count_is_refused_before_allocation() {
        let mut rd = r(&[0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        let e = rd.array_length(false, 4).unwrap_err();
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::InvalidLength {
                length: 2147483647,
                ..
            }
        ));
        assert_eq!(e.offset(), 0);
        // One element of four bytes is honest.
        let mut rd = r(&[0, 0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(rd.array_length(false, 4).unwrap(), Length::Len(1));
    }

    #[test]
    fn compact_lengths() {
        assert_eq!(r(&[0]).string_length(true).unwrap(), Length::Null);
        assert_eq!(r(&[1]).string_length(true).unwrap(), Length::Len(0));
        assert_eq!(r(&[0xff, 0xff]).string_length(false).unwrap(), Length::Null);
        assert!(r(&[0xff, 0xfe]).string_length(false).is_err());
    }

    #[test]
    fn runs_fail_like_single_reads() {
        let fields = [("A", 4), ("B", 8), ("C", 2)];
        let mut rd = r(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 9]);
        let run: [u8; 14] = rd.run(&fields).unwrap();
        assert_eq!(run[3], 1);
        assert_eq!(rd.offset(), 14);
        for len in 0..14 {
            let bytes = Bytes::from(vec![7u8; len]);
            let e = Reader::with_base(bytes.clone(), 100)
                .run::<14>(&fields)
                .unwrap_err();
            // The same error as reading A, B, C one after the other.
            let mut one = Reader::with_base(bytes, 100);
            let expected = one
                .i32()
                .map_err(|e| e.at("A"))
                .and_then(|_| one.i64().map_err(|e| e.at("B")))
                .and_then(|_| one.i16().map_err(|e| e.at("C")))
                .unwrap_err();
            assert_eq!(e, expected, "{len} bytes");
        }
    }

    #[test]
    fn eat_takes_only_the_given_byte() {
        let mut rd = r(&[0, 5]);
        assert!(rd.eat(0));
        assert!(!rd.eat(0));
        assert_eq!(rd.offset(), 1);
        assert!(rd.eat(5));
        assert!(!rd.eat(5));
    }

    #[test]
    fn bools_are_strict() {
        assert!(r(&[1]).bool().unwrap());
        assert_eq!(
            r(&[2]).bool().unwrap_err().kind(),
            &DecodeErrorKind::InvalidBool(2)
        );
    }

    #[test]
    fn zigzag() {
        assert_eq!(r(&[0x01]).varint().unwrap(), -1);
        assert_eq!(r(&[0x02]).varint().unwrap(), 1);
        assert_eq!(
            r(&[0xff, 0xff, 0xff, 0xff, 0x0f]).varint().unwrap(),
            i32::MIN
        );
        assert_eq!(r(&[0x03]).varlong().unwrap(), -2);
    }

    #[test]
    fn invalid_utf8_is_kept_or_refused_when_strict() {
        let s = r(&[b'a', 0xff, 0xfe]).str(3).unwrap();
        assert_eq!(&s.as_bytes()[..], &[b'a', 0xff, 0xfe]);
        assert!(!s.is_utf8());
        let mut strict = r(&[0, b'a', 0xff, 0xfe]).with_strict_utf8(true);
        strict.i8().unwrap();
        let e = strict.str(3).unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
        assert_eq!(e.offset(), 2); // the first byte that is not UTF-8
        let mut strict = r(&[0, 0, b'a', 0xff]).with_strict_utf8(true);
        let mut sub = strict.sub_reader(4).unwrap();
        sub.u16().unwrap();
        assert_eq!(sub.str(2).unwrap_err().offset(), 3);
        assert_eq!(r(b"ok").with_strict_utf8(true).str(2).unwrap(), "ok");
    }

    #[test]
    fn sub_reader_is_bounded_and_keeps_offsets() {
        let mut rd = r(&[9, 1, 2, 3, 4]);
        rd.i8().unwrap();
        let mut sub = rd.sub_reader(2).unwrap();
        assert_eq!(sub.i8().unwrap(), 1);
        assert_eq!(sub.offset(), 2);
        assert!(sub.i16().is_err());
        assert_eq!(rd.i16().unwrap(), 0x0304);
    }
}
