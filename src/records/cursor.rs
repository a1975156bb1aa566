//! A private bounded cursor over a borrowed slice, tuned for the record hot path.

use super::error::{RecordError, RecordErrorKind};

/// Reads big-endian integers and Kafka varints off `buf`; every read is checked against the
/// bytes left. `base` is added to positions in errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) base: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    pub(crate) fn new(buf: &'a [u8], base: usize) -> Self {
        Cursor { buf, pos: 0, base }
    }

    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    // The error constructors take the cursor's values, never the cursor: a cursor whose
    // address reached an out-of-line function would live in memory, and every read would store
    // its position there and load it back (the record walk's loop spent most of its extra
    // instructions over the bare walk on that).
    #[inline(always)]
    fn eof(&self, needed: usize) -> RecordError {
        truncated(needed, self.remaining(), self.offset())
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], RecordError> {
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

    #[inline]
    pub(crate) fn i8(&mut self) -> Result<i8, RecordError> {
        Ok(i8::from_be_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn i32(&mut self) -> Result<i32, RecordError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, RecordError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn i64(&mut self) -> Result<i64, RecordError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// The next `n` bytes, the cursor moved past them; `None` (and the cursor unmoved) when
    /// fewer are left. One range check: an end that wraps is before the start, and refused.
    // A `match` rather than `?`: with `?`, the Fetch walk kept the buffer's address on the stack
    // and loaded it for every varint (174 -> 183 instructions per record, callgrind).
    #[inline(always)]
    fn slice(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.wrapping_add(n);
        match self.buf.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                Some(s)
            }
            None => None,
        }
    }

    /// Takes `n` bytes.
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        match self.slice(n) {
            Some(s) => Ok(s),
            None => Err(self.eof(n)),
        }
    }

    /// Record fields are mostly one- or two-byte varints (lengths up to 16383, deltas); those
    /// are read inline, anything longer (or malformed) by [`uvarint_slow`].
    ///
    /// Varints inside records are read as Kafka's Java client reads them: over-long encodings
    /// (zero high groups) are accepted, since a batch is kept as received and never re-encoded
    /// from its parsed fields; only a continuation bit on the last allowed byte is an error.
    #[inline(always)]
    fn uvarint(&mut self, max: usize) -> Result<u64, RecordError> {
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(b as u64);
            }
            if let Some(&c) = self.buf.get(self.pos + 1) {
                if c < 0x80 {
                    self.pos += 2;
                    return Ok((b & 0x7f) as u64 | (c as u64) << 7);
                }
            }
        }
        let (v, n) = uvarint_slow(self.buf, self.pos, self.base, max)?;
        self.pos += n;
        Ok(v)
    }

    /// A zig-zag varint (32-bit). Bits above 32 in a fifth byte are dropped, as Java's
    /// `ByteUtils.readVarint` drops them.
    #[inline(always)]
    pub(crate) fn varint(&mut self) -> Result<i32, RecordError> {
        let u = self.uvarint(5)? as u32;
        Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    /// A zig-zag varlong (64-bit).
    #[inline(always)]
    pub(crate) fn varlong(&mut self) -> Result<i64, RecordError> {
        let u = self.uvarint(10)?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// A varint length prefix: `Ok(None)` for any negative length (Java's record reader takes
    /// every negative length as null), error for lengths past the end; then the bytes.
    #[inline(always)]
    pub(crate) fn varint_bytes(
        &mut self,
        field: &'static str,
    ) -> Result<Option<&'a [u8]>, RecordError> {
        let at = self.pos;
        let n = self.varint()?;
        if n < 0 {
            return Ok(None);
        }
        match self.slice(n as usize) {
            Some(s) => Ok(Some(s)),
            None => Err(self.invalid_length_at(at, field, n as i64, self.remaining())),
        }
    }

    /// An `int32` length prefix (legacy messages): any negative length is null, as for Java's
    /// legacy record reader.
    #[inline]
    pub(crate) fn i32_bytes(
        &mut self,
        field: &'static str,
    ) -> Result<Option<&'a [u8]>, RecordError> {
        let at = self.pos;
        let n = self.i32()?;
        if n < 0 {
            return Ok(None);
        }
        match self.slice(n as usize) {
            Some(s) => Ok(Some(s)),
            None => Err(self.invalid_length_at(at, field, n as i64, self.remaining())),
        }
    }

    /// An invalid-length error for a prefix that started at position `at` and was followed by
    /// `remaining` bytes.
    #[inline(always)]
    pub(crate) fn invalid_length_at(
        &self,
        at: usize,
        field: &'static str,
        length: i64,
        remaining: usize,
    ) -> RecordError {
        invalid_length(field, length, remaining, self.base + at)
    }
}

/// A varint of up to `max` groups of seven bits, low first, at `buf[pos..]` (bits beyond 64
/// are dropped, as Java's shifts drop them; callers narrow to 32 bits where the field is an
/// `int`): its value and how many bytes it took. `base` places errors in the input.
#[inline(never)]
fn uvarint_slow(
    buf: &[u8],
    pos: usize,
    base: usize,
    max: usize,
) -> Result<(u64, usize), RecordError> {
    let mut v: u64 = 0;
    for i in 0..max {
        let Some(&b) = buf.get(pos + i) else {
            return Err(truncated(i + 1, buf.len().saturating_sub(pos), base + pos));
        };
        let shift = 7 * i as u32;
        if shift < 64 {
            v |= ((b & 0x7f) as u64) << shift;
        }
        if b < 0x80 {
            return Ok((v, i + 1));
        }
    }
    Err(error_at(RecordErrorKind::InvalidVarint, base + pos))
}

#[cold]
#[inline(never)]
fn error_at(kind: RecordErrorKind, offset: usize) -> RecordError {
    RecordError::new(kind, offset)
}

#[cold]
#[inline(never)]
fn truncated(needed: usize, remaining: usize, offset: usize) -> RecordError {
    RecordError::new(RecordErrorKind::Truncated { needed, remaining }, offset)
}

#[cold]
#[inline(never)]
fn invalid_length(
    field: &'static str,
    length: i64,
    remaining: usize,
    offset: usize,
) -> RecordError {
    RecordError::new(
        RecordErrorKind::InvalidLength {
            field,
            length,
            remaining,
        },
        offset,
    )
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn two_byte_fast_path_agrees_with_the_strict_reader() {
        for v in [
            0i32,
            1,
            -1,
            63,
            -64,
            64,
            100,
            -100,
            4095,
            4096,
            -4097,
            8191,
            1 << 20,
            i32::MIN,
        ] {
            let mut buf = Vec::new();
            crate::varint::put_i32(&mut buf, v);
            let mut c = Cursor::new(&buf, 0);
            assert_eq!(c.varint().unwrap(), v);
            assert!(c.is_empty());
        }
        // Over-long encodings read as Java reads them: 0x80 0x00 is 0, 0x81 0x80 0x00 is -1.
        assert_eq!(Cursor::new(&[0x80, 0x00], 0).varint().unwrap(), 0);
        assert_eq!(Cursor::new(&[0x81, 0x80, 0x00], 0).varint().unwrap(), -1);
        assert_eq!(
            Cursor::new(&[0x82, 0x80, 0x80, 0x80, 0x00], 0)
                .varint()
                .unwrap(),
            1
        );
        // A fifth byte's bits above 32 are dropped (0x1f -> 0x0f).
        assert_eq!(
            Cursor::new(&[0xfe, 0xff, 0xff, 0xff, 0x1f], 0)
                .varint()
                .unwrap(),
            i32::MAX
        );
        // A continuation bit on the fifth byte, or a lone continuation, is an error.
        for bad in [&[0xffu8, 0xff, 0xff, 0xff, 0xff, 0x00][..], &[0xff]] {
            assert!(Cursor::new(bad, 0).varint().is_err(), "{bad:?}");
        }
        assert_eq!(
            Cursor::new(&[0x80; 10], 0).varlong().unwrap_err().offset(),
            0
        );
    }
}
