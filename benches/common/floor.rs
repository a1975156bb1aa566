//! The floor: a bare borrowed walk over v2 record batches — varints and slices only, no error
//! detail, no record type — touching every record's key and value length. Written from the
//! batch layout in the Kafka protocol guide; it is the lower bound a real decoder is compared to.

#[inline(always)]
fn varint_u64(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

#[inline(always)]
fn varint(buf: &[u8], pos: &mut usize) -> Option<i64> {
    let u = varint_u64(buf, pos)?;
    Some((u >> 1) as i64 ^ -((u & 1) as i64))
}

/// A length-prefixed (varint, -1 = null) byte string; its length, 0 for null.
#[inline(always)]
fn varint_slice(buf: &[u8], pos: &mut usize) -> Option<usize> {
    let n = varint(buf, pos)?;
    if n < 0 {
        return Some(0);
    }
    let end = pos.checked_add(n as usize)?;
    buf.get(*pos..end)?;
    *pos = end;
    Some(n as usize)
}

/// Walks every batch of a records field (uncompressed v2 batches only), returning the sum of key
/// and value lengths, or `None` on malformed bytes or a CRC mismatch when `crc` is set.
pub fn walk(records: &[u8], crc: bool) -> Option<u64> {
    let mut acc = 0u64;
    let mut at = 0usize;
    while at < records.len() {
        let head = records.get(at..at + 61)?;
        let len = i32::from_be_bytes(head[8..12].try_into().ok()?);
        let end = (at + 12).checked_add(usize::try_from(len).ok()?)?;
        let batch = records.get(at..end)?;
        if batch[16] != 2 || batch[22] & 0x07 != 0 {
            return None;
        }
        if crc {
            let want = u32::from_be_bytes(batch[17..21].try_into().ok()?);
            if crc32c::crc32c(&batch[21..]) != want {
                return None;
            }
        }
        let count = i32::from_be_bytes(batch[57..61].try_into().ok()?);
        let body = &batch[61..];
        let mut pos = 0usize;
        for _ in 0..count {
            let n = varint(body, &mut pos)?;
            let rec_end = pos.checked_add(usize::try_from(n).ok()?)?;
            let rec = body.get(..rec_end)?;
            pos += 1; // attributes
            varint_u64(rec, &mut pos)?; // timestampDelta
            varint_u64(rec, &mut pos)?; // offsetDelta
            acc += varint_slice(rec, &mut pos)? as u64;
            acc += varint_slice(rec, &mut pos)? as u64;
            let headers = varint(rec, &mut pos)?;
            for _ in 0..headers {
                varint_slice(rec, &mut pos)?;
                varint_slice(rec, &mut pos)?;
            }
            if pos != rec_end {
                return None;
            }
        }
        if pos != body.len() {
            return None;
        }
        at = end;
    }
    Some(acc)
}
