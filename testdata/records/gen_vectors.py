#!/usr/bin/env python3
"""Generates the known-answer vectors of tests/records_kat.rs, independently of the crate.

Everything here is written from the documented wire formats (Kafka's record batch and legacy
message layouts), with CRC-32C and xxHash32 implemented from their definitions, CRC-32 from
zlib, gzip from Python's gzip module, and zstd / lz4 payloads from the reference command-line
tools (`zstd`, `lz4`). Snappy blocks are written by hand (literal-only blocks).

Run: python3 testdata/records/gen_vectors.py
It prints Rust `const` lines, which are pasted at the top of tests/records_kat.rs.
"""
import gzip, struct, subprocess, zlib

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

M32 = 0xFFFFFFFF
P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
def rotl(x, r): return ((x << r) | (x >> (32 - r))) & M32
def xxh32(data, seed=0):
    n = len(data); i = 0
    if n >= 16:
        v = [(seed + P1 + P2) & M32, (seed + P2) & M32, seed, (seed - P1) & M32]
        while i + 16 <= n:
            for j in range(4):
                lane = struct.unpack_from('<I', data, i + 4 * j)[0]
                v[j] = (rotl((v[j] + lane * P2) & M32, 13) * P1) & M32
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M32
    else:
        h = (seed + P5) & M32
    h = (h + n) & M32
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from('<I', data, i)[0] * P3) & M32, 17) * P4) & M32; i += 4
    while i < n:
        h = (rotl((h + data[i] * P5) & M32, 11) * P1) & M32; i += 1
    h ^= h >> 15; h = (h * P2) & M32; h ^= h >> 13; h = (h * P3) & M32; h ^= h >> 16
    return h

def uvarint(v):
    out = b''
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80]); v >>= 7
    return out + bytes([v])
def zz(v): return uvarint((v << 1) ^ (v >> 63))
def vbytes(b): return zz(-1) if b is None else zz(len(b)) + b

def record(ts_delta, off_delta, key, value, headers):
    body = b'\x00' + zz(ts_delta) + zz(off_delta) + vbytes(key) + vbytes(value) + zz(len(headers))
    for k, v in headers:
        body += vbytes(k) + vbytes(v)
    return zz(len(body)) + body

RECORDS = (record(0, 0, b'k', b'v1', [(b'h', None)]) +
           record(2, 1, None, b'v2', [(b'h', b'a'), (b'h', b'b')]))

def batch(base_offset, attrs, payload, count=2, lod=1, base_ts=1000, max_ts=1002,
          pid=-1, epoch=-1, seq=-1, ple=0):
    after_crc = struct.pack('>hiqqqhii', attrs, lod, base_ts, max_ts, pid, epoch, seq, count) + payload
    body = struct.pack('>ibI', ple, 2, crc32c(after_crc)) + after_crc
    return struct.pack('>qi', base_offset, len(body)) + body

def snappy_literal(data):
    # Raw snappy: varint uncompressed length, then one literal element (tag 60 + 1-byte length
    # when longer than 60 bytes).
    n = len(data) - 1
    tag = bytes([n << 2]) if n < 60 else bytes([60 << 2, n])
    return uvarint(len(data)) + tag + data

def xerial(blocks):
    out = b'\x82SNAPPY\x00' + struct.pack('>ii', 1, 1)
    for b in blocks:
        out += struct.pack('>i', len(b)) + b
    return out

def tool(args, data):
    return subprocess.run(args, input=data, stdout=subprocess.PIPE, check=True).stdout

def lz4_fix_hc(frame, broken):
    flg = frame[4]
    n = 2 + (8 if flg & 0x08 else 0) + (4 if flg & 0x01 else 0)
    hc = (xxh32(frame[:4 + n] if broken else frame[4:4 + n]) >> 8) & 0xff
    return frame[:4 + n] + bytes([hc]) + frame[5 + n:]

def legacy(offset, magic, attrs, ts, key, value):
    body = struct.pack('>bb', magic, attrs)
    if magic == 1:
        body += struct.pack('>q', ts)
    for b in (key, value):
        body += struct.pack('>i', -1) if b is None else struct.pack('>i', len(b)) + b
    body = struct.pack('>I', zlib.crc32(body)) + body
    return struct.pack('>qi', offset, len(body)) + body

def emit(name, data):
    print(f'const {name}: &str = "{data.hex()}";')

emit('V2_PLAIN', batch(5, 0, RECORDS))
emit('V2_GZIP', batch(5, 1, gzip.compress(RECORDS, mtime=0)))
emit('V2_SNAPPY_RAW', batch(5, 2, snappy_literal(RECORDS)))
half = len(RECORDS) // 2
emit('V2_SNAPPY_XERIAL', batch(5, 2, xerial([snappy_literal(RECORDS[:half]), snappy_literal(RECORDS[half:])])))
emit('V2_LZ4', batch(5, 3, tool(['lz4', '-c', '-B4', '-BI', '--no-frame-crc'], RECORDS)))
emit('V2_ZSTD', batch(5, 4, tool(['zstd', '-c', '-q'], RECORDS)))
# KAFKA-5443: a compacted batch keeps lastOffsetDelta 7 though its last record has delta 1.
emit('V2_COMPACTED', batch(5, 0, RECORDS, lod=7, pid=42, epoch=3, seq=9, ple=12))

emit('V0_PLAIN', legacy(3, 0, 0, 0, b'key', b'value') + legacy(4, 0, 0, 0, None, b'v'))
emit('V1_PLAIN', legacy(3, 1, 0, 1234, b'key', b'value') + legacy(4, 1, 0, 1235, b'k', None))
inner1 = legacy(0, 1, 0, 100, b'a', b'1') + legacy(1, 1, 0, 101, None, b'2') + legacy(2, 1, 0, 102, b'c', b'3')
emit('V1_GZIP_WRAPPER', legacy(22, 1, 1, 102, None, gzip.compress(inner1, mtime=0)))
emit('V1_LZ4_WRAPPER', legacy(22, 1, 3, 102, None, tool(['lz4', '-c', '-B4', '-BI', '--no-frame-crc'], inner1)))
emit('V1_SNAPPY_WRAPPER_LOG_APPEND', legacy(22, 1, 2 | 8, 999, None, xerial([snappy_literal(inner1)])))
inner0 = legacy(20, 0, 0, 0, b'a', b'1') + legacy(21, 0, 0, 0, None, b'2') + legacy(22, 0, 0, 0, b'c', b'3')
lz4_0 = tool(['lz4', '-c', '-B4', '-BI', '--no-frame-crc'], inner0)
emit('V0_LZ4_WRAPPER_BROKEN_HC', legacy(22, 0, 3, 0, None, lz4_fix_hc(lz4_0, broken=True)))
emit('V0_SNAPPY_WRAPPER', legacy(22, 0, 2, 0, None, snappy_literal(inner0)))
emit('V0_GZIP_WRAPPER', legacy(22, 0, 1, 0, None, gzip.compress(inner0, mtime=0)))
print(f'const XXH32_KAFKA_HC: u8 = {(xxh32(lz4_0[:6]) >> 8) & 0xff};')
