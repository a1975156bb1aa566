//! Compression codecs of record batches and legacy wrapper messages, each behind its cargo
//! feature: `gzip` (flate2, pure-Rust backend), `snappy` (snap), `lz4` (lz4_flex), `zstd`
//! (ruzstd).
//!
//! Decompression never produces more than [`RecordOptions::max_decompressed_size`] bytes: the
//! streaming codecs are read through `take(limit + 1)`, so they stop at the limit instead of
//! allocating first and checking later, and snappy's declared lengths are checked before any
//! buffer is allocated.
//!
//! Kafka quirks handled here:
//! - Snappy: the Java client writes the *xerial* framing (`\x82SNAPPY\x00`, two `int32`
//!   version fields, then blocks of `int32` length + raw snappy); other clients write raw
//!   snappy. Both are read; xerial is written, as the Java client does.
//! - LZ4: the frame format with independent 64 KiB blocks (frames with dependent blocks are
//!   refused, as Kafka's Java reader refuses them). Before KIP-57 (KAFKA-3160) Kafka computed
//!   the frame header checksum over the magic number too; magic-0 messages still carry that
//!   broken checksum, so for magic 0 it is written that way, and on read the header checksum of
//!   a magic-0 message is not checked at all (Java skips it there).

#[cfg(any(feature = "gzip", feature = "lz4", feature = "zstd"))]
use std::io::Read;

#[cfg(any(feature = "gzip", feature = "lz4", feature = "zstd"))]
use bytes::BufMut;
use bytes::BytesMut;

use super::error::RecordErrorKind;
use super::{Compression, RecordOptions};

/// Decompresses `input` compressed with `codec`. `magic` is the message format (0, 1 or 2) the
/// payload came from; it only matters for LZ4's magic-0 checksum quirk.
///
/// ```
/// use kafka_codec::records::{compression, Compression, RecordOptions};
/// # #[cfg(feature = "gzip")] {
/// let packed = compression::compress(Compression::Gzip, b"hello hello hello", 2).unwrap();
/// let plain = compression::decompress(Compression::Gzip, &packed, 2, &RecordOptions::default()).unwrap();
/// assert_eq!(plain, b"hello hello hello");
/// # }
/// ```
pub fn decompress(
    codec: Compression,
    input: &[u8],
    magic: i8,
    options: &RecordOptions,
) -> Result<Vec<u8>, RecordErrorKind> {
    let limit = options.max_decompressed_size;
    let _ = (input, magic, limit);
    match codec {
        Compression::None => {
            if input.len() > limit {
                return Err(RecordErrorKind::DecompressedTooLarge { limit });
            }
            Ok(input.to_vec())
        }
        #[cfg(feature = "gzip")]
        Compression::Gzip => gzip_decompress(input, limit),
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy_decompress(input, limit),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4_decompress(input, magic, limit),
        #[cfg(feature = "zstd")]
        Compression::Zstd => zstd_decompress(input, limit),
        #[allow(unreachable_patterns)]
        other => Err(RecordErrorKind::CodecDisabled(other)),
    }
}

/// Compresses `input` with `codec` into a new buffer (see [`compress_into`]).
pub fn compress(codec: Compression, input: &[u8], magic: i8) -> Result<Vec<u8>, RecordErrorKind> {
    let mut out = BytesMut::new();
    compress_into(codec, input, magic, &mut out)?;
    Ok(out.to_vec())
}

/// Compresses `input` with `codec` the way the Java client does (gzip at the default level,
/// xerial-framed snappy, LZ4 frames with independent 64 KiB blocks — with the broken header
/// checksum when `magic` is 0 —, zstd at ruzstd's fastest level), appending the compressed
/// bytes to `out`: the encoders stream straight into the caller's buffer.
#[cfg_attr(not(feature = "lz4"), allow(unused_variables))]
pub fn compress_into(
    codec: Compression,
    input: &[u8],
    magic: i8,
    out: &mut BytesMut,
) -> Result<(), RecordErrorKind> {
    match codec {
        Compression::None => {
            out.extend_from_slice(input);
            Ok(())
        }
        #[cfg(feature = "gzip")]
        Compression::Gzip => {
            use std::io::Write;
            let mut enc =
                flate2::write::GzEncoder::new(out.writer(), flate2::Compression::default());
            enc.write_all(input).map_err(|e| encode_failed(codec, e))?;
            enc.finish().map_err(|e| encode_failed(codec, e))?;
            Ok(())
        }
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy_compress_xerial(input, out),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4_compress(input, magic, out),
        #[cfg(feature = "zstd")]
        Compression::Zstd => {
            ruzstd::encoding::compress(
                input,
                out.writer(),
                ruzstd::encoding::CompressionLevel::Fastest,
            );
            Ok(())
        }
        #[allow(unreachable_patterns)]
        other => Err(RecordErrorKind::CodecDisabled(other)),
    }
}

#[cfg(any(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]
#[cold]
fn encode_failed(codec: Compression, e: impl std::fmt::Display) -> RecordErrorKind {
    RecordErrorKind::Decompression {
        codec,
        reason: format!("compression failed: {e}"),
    }
}

#[cfg(any(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]
#[cold]
fn failed(codec: Compression, e: impl std::fmt::Display) -> RecordErrorKind {
    RecordErrorKind::Decompression {
        codec,
        reason: e.to_string(),
    }
}

/// gzip as Java's `GZIPInputStream` reads it: concatenated members one after another, and
/// after a member, bytes that do not start another member are ignored (trailing garbage).
#[cfg(feature = "gzip")]
fn gzip_decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordErrorKind> {
    const MEMBER_START: [u8; 3] = [0x1f, 0x8b, 0x08]; // magic, deflate
    let codec = Compression::Gzip;
    let mut rest = input;
    let mut out = Vec::new();
    loop {
        let room = (limit - out.len()) as u64 + 1;
        let mut member = flate2::bufread::GzDecoder::new(rest).take(room);
        member.read_to_end(&mut out).map_err(|e| failed(codec, e))?;
        if out.len() > limit {
            return Err(RecordErrorKind::DecompressedTooLarge { limit });
        }
        let after = member.into_inner().into_inner();
        if after.len() == rest.len() {
            return Err(failed(codec, "no progress"));
        }
        rest = after;
        if !rest.starts_with(&MEMBER_START) {
            return Ok(out);
        }
    }
}

#[cfg(feature = "snappy")]
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];

/// Input bytes per xerial block, as the Java client's `SnappyOutputStream` uses.
#[cfg(feature = "snappy")]
const XERIAL_BLOCK: usize = 32 * 1024;

#[cfg(feature = "snappy")]
fn snappy_decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordErrorKind> {
    let codec = Compression::Snappy;
    if !input.starts_with(&XERIAL_MAGIC) || input.len() < 16 {
        return snappy_raw_append(input, limit, Vec::new());
    }
    // Xerial framing: magic, int32 version, int32 minimum compatible version, then blocks.
    let mut rest = &input[16..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let Some((len, tail)) = rest.split_first_chunk::<4>() else {
            return Err(failed(codec, "truncated xerial block length"));
        };
        let len = i32::from_be_bytes(*len);
        if len < 0 || len as usize > tail.len() {
            return Err(failed(codec, format!("invalid xerial block length {len}")));
        }
        let (block, next) = tail.split_at(len as usize);
        out = snappy_raw_append(block, limit, out)?;
        rest = next;
    }
    Ok(out)
}

/// Decompresses one raw snappy block onto the end of `out`, checking its declared length
/// against what the limit leaves before allocating.
#[cfg(feature = "snappy")]
fn snappy_raw_append(
    block: &[u8],
    limit: usize,
    mut out: Vec<u8>,
) -> Result<Vec<u8>, RecordErrorKind> {
    let codec = Compression::Snappy;
    let n = snap::raw::decompress_len(block).map_err(|e| failed(codec, e))?;
    if n > limit.saturating_sub(out.len()) {
        return Err(RecordErrorKind::DecompressedTooLarge { limit });
    }
    let start = out.len();
    out.resize(start + n, 0);
    let written = snap::raw::Decoder::new()
        .decompress(block, &mut out[start..])
        .map_err(|e| failed(codec, e))?;
    out.truncate(start + written);
    Ok(out)
}

#[cfg(feature = "snappy")]
fn snappy_compress_xerial(input: &[u8], out: &mut BytesMut) -> Result<(), RecordErrorKind> {
    let codec = Compression::Snappy;
    out.reserve(16 + snap::raw::max_compress_len(input.len().min(XERIAL_BLOCK)));
    out.extend_from_slice(&XERIAL_MAGIC);
    out.extend_from_slice(&1i32.to_be_bytes());
    out.extend_from_slice(&1i32.to_be_bytes());
    let mut enc = snap::raw::Encoder::new();
    for chunk in input.chunks(XERIAL_BLOCK) {
        // Each block: its compressed length, then the block, compressed in place.
        let len_at = out.len();
        let room = snap::raw::max_compress_len(chunk.len());
        out.resize(len_at + 4 + room, 0);
        let packed = enc
            .compress(chunk, &mut out[len_at + 4..])
            .map_err(|e| encode_failed(codec, e))?;
        let len = i32::try_from(packed).map_err(|e| encode_failed(codec, e))?;
        out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
        out.truncate(len_at + 4 + packed);
    }
    Ok(())
}

/// Compresses `input` as one raw snappy block (no framing), as some non-Java clients write.
#[cfg(feature = "snappy")]
pub fn snappy_compress_raw(input: &[u8]) -> Result<Vec<u8>, RecordErrorKind> {
    snap::raw::Encoder::new()
        .compress_vec(input)
        .map_err(|e| encode_failed(Compression::Snappy, e))
}

#[cfg(feature = "lz4")]
const LZ4_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];

/// Length of an LZ4 frame descriptor (FLG through the optional fields, before the header
/// checksum), or `None` if `frame` does not start with a complete LZ4 frame header.
#[cfg(feature = "lz4")]
fn lz4_descriptor_len(frame: &[u8]) -> Option<usize> {
    if !frame.starts_with(&LZ4_MAGIC) {
        return None;
    }
    let flg = *frame.get(4)?;
    let mut n = 2;
    if flg & 0x08 != 0 {
        n += 8; // content size
    }
    if flg & 0x01 != 0 {
        n += 4; // dictionary id
    }
    if frame.len() < 4 + n + 1 {
        return None;
    }
    Some(n)
}

#[cfg(feature = "lz4")]
fn lz4_decompress(input: &[u8], magic: i8, limit: usize) -> Result<Vec<u8>, RecordErrorKind> {
    use lz4_flex::frame::FrameDecoder;
    let codec = Compression::Lz4;
    // A payload may hold several frames back to back; each is decoded in turn, so trailing
    // bytes are never silently ignored.
    let mut rest = input;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let before = rest.len();
        let room = (limit - out.len()) as u64 + 1;
        if rest.starts_with(&LZ4_MAGIC) && rest.get(4).is_some_and(|flg| flg & 0x20 == 0) {
            // Java's reader refuses these ("Dependent block stream is unsupported"), and
            // Kafka's producers never write them.
            return Err(failed(
                codec,
                "dependent blocks (block independence flag clear)",
            ));
        }
        // Magic 0: the header checksum is not checked, as Java's reader skips it there (Kafka
        // before KIP-57 computed it over the magic number too, and other writers got it wrong
        // in other ways).
        let wrong_hc = if magic == 0 {
            lz4_descriptor_len(rest).and_then(|n| {
                let hc_at = 4 + n;
                let correct = (xxh32(&rest[4..hc_at], 0) >> 8) as u8;
                (rest[hc_at] != correct).then_some((hc_at, correct))
            })
        } else {
            None
        };
        if let Some((hc_at, correct)) = wrong_hc {
            // Feed the decoder a corrected header.
            let mut head = [0u8; 4 + 14 + 1];
            head[..hc_at].copy_from_slice(&rest[..hc_at]);
            head[hc_at] = correct;
            let mut tail = &rest[hc_at + 1..];
            FrameDecoder::new((&head[..=hc_at]).chain(&mut tail))
                .take(room)
                .read_to_end(&mut out)
                .map_err(|e| failed(codec, e))?;
            rest = tail;
        } else {
            FrameDecoder::new(&mut rest)
                .take(room)
                .read_to_end(&mut out)
                .map_err(|e| failed(codec, e))?;
        }
        if out.len() > limit {
            return Err(RecordErrorKind::DecompressedTooLarge { limit });
        }
        if rest.len() == before {
            return Err(failed(codec, "no progress"));
        }
    }
    Ok(out)
}

#[cfg(feature = "lz4")]
fn lz4_compress(input: &[u8], magic: i8, out: &mut BytesMut) -> Result<(), RecordErrorKind> {
    use std::io::Write;
    let codec = Compression::Lz4;
    let info = lz4_flex::frame::FrameInfo::new()
        .block_size(lz4_flex::frame::BlockSize::Max64KB)
        .block_mode(lz4_flex::frame::BlockMode::Independent);
    let start = out.len();
    let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, out.writer());
    enc.write_all(input).map_err(|e| encode_failed(codec, e))?;
    enc.finish().map_err(|e| encode_failed(codec, e))?;
    if magic == 0 {
        let frame = &mut out[start..];
        if let Some(n) = lz4_descriptor_len(frame) {
            // Magic-0 readers (Kafka < 0.10) expect the checksum over the magic number too.
            frame[4 + n] = (xxh32(&frame[..4 + n], 0) >> 8) as u8;
        }
    }
    Ok(())
}

/// xxHash32, for the LZ4 frame header checksum.
#[cfg(feature = "lz4")]
pub(crate) fn xxh32(input: &[u8], seed: u32) -> u32 {
    const P1: u32 = 2_654_435_761;
    const P2: u32 = 2_246_822_519;
    const P3: u32 = 3_266_489_917;
    const P4: u32 = 668_265_263;
    const P5: u32 = 374_761_393;
    fn lane(b: &[u8]) -> u32 {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
    fn round(acc: u32, v: u32) -> u32 {
        acc.wrapping_add(v.wrapping_mul(P2))
            .rotate_left(13)
            .wrapping_mul(P1)
    }
    let mut rest = input;
    let mut h = if input.len() >= 16 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        while rest.len() >= 16 {
            for (i, acc) in v.iter_mut().enumerate() {
                *acc = round(*acc, lane(&rest[4 * i..]));
            }
            rest = &rest[16..];
        }
        v[0].rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18))
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(input.len() as u32);
    while rest.len() >= 4 {
        h = h
            .wrapping_add(lane(rest).wrapping_mul(P3))
            .rotate_left(17)
            .wrapping_mul(P4);
        rest = &rest[4..];
    }
    for &b in rest {
        h = h
            .wrapping_add((b as u32).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
    }
    h ^= h >> 15;
    h = h.wrapping_mul(P2);
    h ^= h >> 13;
    h = h.wrapping_mul(P3);
    h ^ (h >> 16)
}

/// Largest zstd window accepted: 2^27 bytes (128 MiB), the default limit of libzstd's decoder
/// (and so of zstd-jni, which Kafka's Java client uses). A Java producer at
/// `compression.zstd.level` 20 to 22 declares this window on every frame, however small.
#[cfg(feature = "zstd")]
pub const ZSTD_MAX_WINDOW: u64 = 1 << 27;

/// First magic number of zstd's skippable frames; the low four bits are free (0x184D2A50 to
/// 0x184D2A5F).
#[cfg(feature = "zstd")]
const ZSTD_SKIPPABLE_MAGIC: u32 = 0x184D_2A50;

/// Reads the zstd frame header to refuse, before any decoder allocates, a frame whose declared
/// content size exceeds the limit or whose window is larger than [`ZSTD_MAX_WINDOW`].
///
/// The window alone is not held against the output limit: a decoder only keeps as much history
/// as it has produced, and production stops at the limit, so memory stays bounded by the limit
/// even when a frame declares a 128 MiB window for a few bytes of content.
#[cfg(feature = "zstd")]
fn zstd_precheck(frame: &[u8], limit: usize) -> Result<(), RecordErrorKind> {
    const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
    if !frame.starts_with(&ZSTD_MAGIC) || frame.len() < 6 {
        return Ok(()); // let the decoder name the problem
    }
    let fhd = frame[4];
    let single_segment = fhd & 0x20 != 0;
    let fcs_flag = fhd >> 6;
    let dict_len = [0usize, 1, 2, 4][(fhd & 3) as usize];
    let mut at = 5;
    let mut window: u64 = 0;
    if !single_segment {
        let wd = frame[5];
        let log = 10 + (wd >> 3) as u32;
        let base = 1u64 << log;
        window = base + (base / 8) * (wd & 7) as u64;
        at += 1;
    }
    at += dict_len;
    let fcs_len = match fcs_flag {
        0 if single_segment => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    if fcs_len > 0 {
        if let Some(b) = frame.get(at..at + fcs_len) {
            let mut v = [0u8; 8];
            v[..fcs_len].copy_from_slice(b);
            let mut size = u64::from_le_bytes(v);
            if fcs_len == 2 {
                size += 256;
            }
            if size > limit as u64 {
                return Err(RecordErrorKind::DecompressedTooLarge { limit });
            }
            if single_segment {
                window = size;
            }
        }
    }
    if window > ZSTD_MAX_WINDOW {
        return Err(failed(
            Compression::Zstd,
            format!("frame window of {window} bytes exceeds the {ZSTD_MAX_WINDOW}-byte maximum"),
        ));
    }
    Ok(())
}

/// If `rest` starts with a zstd skippable frame, the bytes after it (`Err` when its declared
/// length runs past the input); `None` if it does not start with one.
#[cfg(feature = "zstd")]
fn zstd_skip(rest: &[u8]) -> Option<Result<&[u8], RecordErrorKind>> {
    let magic = u32::from_le_bytes(*rest.first_chunk::<4>()?);
    if magic & 0xFFFF_FFF0 != ZSTD_SKIPPABLE_MAGIC {
        return None;
    }
    let len = match rest.get(4..8) {
        Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
        None => return Some(Err(failed(Compression::Zstd, "truncated skippable frame"))),
    };
    Some(
        rest.get(8..)
            .and_then(|r| r.get(len..))
            .ok_or_else(|| failed(Compression::Zstd, "truncated skippable frame")),
    )
}

#[cfg(feature = "zstd")]
fn zstd_decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordErrorKind> {
    let codec = Compression::Zstd;
    // A payload may hold several frames back to back (streaming writers flush per frame);
    // skippable frames between them carry no content and are passed over, as libzstd does.
    let mut rest = input;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = zstd_skip(rest) {
            rest = after?;
            continue;
        }
        zstd_precheck(rest, limit)?;
        let room = limit - out.len();
        let rest_before = rest.len();
        let dec =
            ruzstd::decoding::StreamingDecoder::new(&mut rest).map_err(|e| failed(codec, e))?;
        dec.take(room as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| failed(codec, e))?;
        if out.len() > limit {
            return Err(RecordErrorKind::DecompressedTooLarge { limit });
        }
        if rest.len() == rest_before {
            return Err(failed(codec, "no progress"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "lz4")]
    #[test]
    fn xxh32_known_answers() {
        // Reference values of xxHash32 with seed 0.
        assert_eq!(xxh32(b"", 0), 0x02cc_5d05);
        assert_eq!(xxh32(b"a", 0), 0x550d_7456);
        assert_eq!(xxh32(b"abc", 0), 0x32d1_53ff);
        assert_eq!(
            xxh32(b"Nobody inspects the spammish repetition", 0),
            0xe229_3b2f
        );
    }

    #[test]
    fn disabled_codecs_are_a_named_error() {
        let opts = RecordOptions::default();
        for c in [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            if !c.is_enabled() {
                assert_eq!(
                    decompress(c, b"x", 2, &opts),
                    Err(RecordErrorKind::CodecDisabled(c))
                );
                assert_eq!(compress(c, b"x", 2), Err(RecordErrorKind::CodecDisabled(c)));
            }
        }
    }

    #[cfg(all(feature = "gzip", feature = "zstd", feature = "lz4"))]
    #[test]
    fn concatenated_frames_and_members_decode_whole() {
        let opts = RecordOptions::default();
        for c in [Compression::Gzip, Compression::Zstd, Compression::Lz4] {
            let mut two = compress(c, b"first half, ", 2).unwrap();
            two.extend_from_slice(&compress(c, b"second half", 2).unwrap());
            assert_eq!(
                decompress(c, &two, 2, &opts).unwrap(),
                b"first half, second half",
                "{c:?}"
            );
        }
    }
}
