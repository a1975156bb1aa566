//! Variable-length integers: Kafka's unsigned LEB128 varints and the zig-zag signed forms used
//! by flexible versions and record batches.
//!
//! Reading is strict: more than 5 bytes (32-bit) or 10 bytes (64-bit), or a redundant trailing
//! zero group (`0x80 0x00`), is refused, because re-encoding such input could not reproduce it.

use bytes::BufMut;

use crate::error::DecodeErrorKind;

/// Reads an unsigned varint of at most `max_bytes` bytes from the start of `buf`.
/// Returns the value and the number of bytes it took.
///
/// ```
/// use kafka_codec::__private::varint::read_u64;
/// assert_eq!(read_u64(&[0x96, 0x01], 5).unwrap(), (150, 2));
/// assert!(read_u64(&[0x80, 0x00], 5).is_err()); // over-long encoding of 0
/// ```
#[inline]
pub fn read_u64(buf: &[u8], max_bytes: usize) -> Result<(u64, usize), DecodeErrorKind> {
    let mut value: u64 = 0;
    for (i, &b) in buf.iter().enumerate().take(max_bytes) {
        let shift = 7 * i as u32;
        let group = (b & 0x7f) as u64;
        if shift == 63 && group > 1 {
            return Err(DecodeErrorKind::VarintTooLong);
        }
        value |= group << shift;
        if b & 0x80 == 0 {
            if b == 0 && i > 0 {
                return Err(DecodeErrorKind::NonCanonicalVarint);
            }
            return Ok((value, i + 1));
        }
    }
    if buf.len() < max_bytes {
        Err(DecodeErrorKind::UnexpectedEof {
            needed: buf.len() + 1,
            remaining: buf.len(),
        })
    } else {
        Err(DecodeErrorKind::VarintTooLong)
    }
}

/// Zig-zag encodes a signed 32-bit value.
#[inline]
pub fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// Zig-zag encodes a signed 64-bit value.
#[inline]
pub fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Bytes an unsigned varint of `v` takes.
#[inline]
pub fn len_u64(v: u64) -> usize {
    // 1 + floor(bits / 7), where bits is the position of the highest set bit.
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Bytes an unsigned 32-bit varint of `v` takes.
#[inline]
pub fn len_u32(v: u32) -> usize {
    len_u64(v as u64)
}

/// Bytes a zig-zag signed 32-bit varint takes.
#[inline]
pub fn len_i32(v: i32) -> usize {
    len_u64(zigzag32(v) as u64)
}

/// Bytes a zig-zag signed 64-bit varint takes.
#[inline]
pub fn len_i64(v: i64) -> usize {
    len_u64(zigzag64(v))
}

/// Writes an unsigned varint.
#[inline]
pub fn put_u64<B: BufMut>(buf: &mut B, mut v: u64) {
    while v >= 0x80 {
        buf.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    buf.put_u8(v as u8);
}

/// Writes an unsigned 32-bit varint.
#[inline]
pub fn put_u32<B: BufMut>(buf: &mut B, v: u32) {
    if v < 0x80 {
        buf.put_u8(v as u8);
    } else {
        put_u64(buf, v as u64)
    }
}

/// Writes a zig-zag signed 32-bit varint.
#[inline]
pub fn put_i32<B: BufMut>(buf: &mut B, v: i32) {
    put_u32(buf, zigzag32(v))
}

/// Writes a zig-zag signed 64-bit varint.
#[inline]
pub fn put_i64<B: BufMut>(buf: &mut B, v: i64) {
    put_u64(buf, zigzag64(v))
}

/// An unsigned varint of at most 8 bytes as one little-endian word (the varint's bytes in
/// its low bytes) and its length, so a writer can store it at once; `None` for values of
/// more than 56 bits, which take 9 or 10 bytes.
#[inline(always)]
pub fn packed_u64(v: u64) -> Option<(u64, usize)> {
    let n = len_u64(v);
    if n > 8 {
        return None;
    }
    // Move each 7-bit group to the low 7 bits of its own byte.
    let mut spread = 0u64;
    let mut group = 0;
    while group < 8 {
        spread |= (v & (0x7f << (7 * group))) << group;
        group += 1;
    }
    // Continuation bits on every byte but the last.
    let continuation = 0x8080_8080_8080_8080u64 & ((1u64 << (8 * (n - 1))) - 1);
    Some((spread | continuation, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_match_writes() {
        for v in [0u64, 1, 127, 128, 16383, 16384, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            put_u64(&mut b, v);
            assert_eq!(b.len(), len_u64(v), "{v}");
            assert_eq!(read_u64(&b, 10).unwrap(), (v, b.len()));
        }
    }

    #[test]
    fn packed_words_hold_the_varint_bytes() {
        let mut values = vec![0u64, 1, 127, 128, 300, 16383, 16384, (1 << 56) - 1];
        values.extend([1 << 56, u32::MAX as u64, u64::MAX, 0x0123_4567_89ab_cdef]);
        for shift in 0..64 {
            values.push(1u64 << shift);
            values.push((1u64 << shift) - 1);
        }
        let mut packed = 0;
        for v in values {
            let mut bytes = Vec::new();
            put_u64(&mut bytes, v);
            match packed_u64(v) {
                Some((word, n)) => {
                    packed += 1;
                    assert_eq!(n, bytes.len(), "{v:#x}");
                    assert_eq!(&word.to_le_bytes()[..n], &bytes[..], "{v:#x}");
                    assert!(n == 8 || word >> (8 * n) == 0, "{v:#x}: bytes past the end");
                }
                None => assert!(bytes.len() > 8, "{v:#x} fits in 8 bytes"),
            }
        }
        assert!(packed > 100);
    }

    #[test]
    fn strictness() {
        assert_eq!(read_u64(&[0xff; 6], 5), Err(DecodeErrorKind::VarintTooLong));
        assert_eq!(
            read_u64(&[0x81, 0x80, 0x00], 5),
            Err(DecodeErrorKind::NonCanonicalVarint)
        );
        assert!(matches!(
            read_u64(&[0x81], 5),
            Err(DecodeErrorKind::UnexpectedEof { .. })
        ));
        // 10th byte of a 64-bit varint may only hold the top bit.
        let mut over = [0xffu8; 10];
        over[9] = 0x02;
        assert_eq!(read_u64(&over, 10), Err(DecodeErrorKind::VarintTooLong));
    }

    #[test]
    fn zigzag_round_trips() {
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            let z = zigzag64(v);
            assert_eq!(((z >> 1) as i64) ^ -((z & 1) as i64), v);
        }
    }
}
