#!/usr/bin/env python3
"""Turns the output of `cargo bench` (stdout and stderr together) into BENCHMARKS.md tables.

    cargo bench 2>&1 | tee bench.log && python3 benches/table.py bench.log

Reads criterion's `<group>/<bench> time: [low mid high]` lines (the middle estimate is used),
the `allocs <group>/<bench>: ...` lines of benches/common/alloc.rs and the record counts the
benches print. Ratios are kafka-protocol time / kafka-codec time from the same run.
"""
import re
import sys

UNIT = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}

text = open(sys.argv[1], encoding="utf-8").read()
times = {}
for m in re.finditer(r"(?m)^(\S+/\S+)\s+time:\s+\[\S+ \S+ ([\d.]+) (\S+) \S+ \S+\]", text):
    times[m.group(1)] = float(m.group(2)) * UNIT[m.group(3)]
allocs = {}
for m in re.finditer(r"(?m)^allocs (\S+): (\d+) allocs, (\d+) bytes", text):
    allocs[m.group(1)] = int(m.group(2))
records = {}
for m in re.finditer(r"(?m)^(fetch_\S+?)(?:/walk)?: (\d+) bytes, (\d+) records", text):
    records[m.group(1)] = int(m.group(3))
for m in re.finditer(r"(?m)^(build_\S+): (\d+) records", text):
    records[m.group(1)] = int(m.group(2))


def fmt(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def per(ns, n):
    return "–" if ns is None or not n else f"{ns / n:.1f}"


def ratio(a, b):
    return "–" if a is None or b is None else f"{a / b:.1f}×"


def al(key, n=None):
    a = allocs.get(key)
    if a is None:
        return "–"
    return f"{a}" if not n else f"{a} ({a / n:.2f}/rec)"


out = []
walk = sorted({k.split("/")[0] for k in times if k.endswith("/walk/kafka-protocol")},
              key=lambda g: (("_" in g[9:] and g.count("_") > 2), g))
out.append("### Fetch: decode + walk every record (ns per record; ratio = kafka-protocol ÷ kafka-codec)\n")
out.append("| workload | records | kafka-codec +CRC | kafka-codec no CRC | kafka-protocol | ratio +CRC | ratio no CRC "
           "| floor +CRC | floor no CRC | kafka-codec ÷ floor (+CRC / no CRC) | allocs kafka-codec | allocs kafka-protocol |")
out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for g in walk:
    n = records.get(g)
    k = lambda b: times.get(f"{g}/walk/{b}")
    kc, kcn, kp, fc, fn = k("kafka-codec+crc"), k("kafka-codec-nocrc"), k("kafka-protocol"), k("floor+crc"), k("floor-nocrc")
    out.append(f"| {g} | {n} | {per(kc, n)} ({fmt(kc)}) | {per(kcn, n)} | {per(kp, n)} ({fmt(kp)}) | {ratio(kp, kc)} | {ratio(kp, kcn)} "
               f"| {per(fc, n)} | {per(fn, n)} | {ratio(kc, fc)} / {ratio(kcn, fn)} "
               f"| {al(f'{g}/walk/kafka-codec+crc', n)} | {al(f'{g}/walk/kafka-protocol', n)} |")

out.append("\n### Fetch: decode the message alone (records left as zero-copy slices)\n")
out.append("| workload | kafka-codec | kafka-protocol | ratio | allocs kafka-codec | allocs kafka-protocol |")
out.append("|---|---:|---:|---:|---:|---:|")
for g in sorted({k.split("/")[0] for k in times if "/decode/" in k and k.startswith("fetch")}):
    kc, kp = times.get(f"{g}/decode/kafka-codec"), times.get(f"{g}/decode/kafka-protocol")
    out.append(f"| {g} | {fmt(kc)} | {fmt(kp)} | {ratio(kp, kc)} | {al(f'{g}/decode/kafka-codec')} | {al(f'{g}/decode/kafka-protocol')} |")

out.append("\n### Small messages: decode and encode (encode = size, allocate once, write)\n")
out.append("| message | decode kafka-codec | decode kafka-protocol | ratio | allocs (kc / kp) "
           "| encode kafka-codec | encode kafka-protocol | ratio | allocs (kc / kp) |")
out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
msgs = []
for k in times:
    g = k.split("/")[0]
    if re.match(r"^[A-Z]\w+_v\d+$", g) and g not in msgs:
        msgs.append(g)
for g in msgs:
    d = [times.get(f"{g}/decode/kafka-codec"), times.get(f"{g}/decode/kafka-protocol")]
    e = [times.get(f"{g}/encode/kafka-codec"), times.get(f"{g}/encode/kafka-protocol")]
    out.append(f"| {g} | {fmt(d[0])} | {fmt(d[1])} | {ratio(d[1], d[0])} | "
               f"{al(f'{g}/decode/kafka-codec')} / {al(f'{g}/decode/kafka-protocol')} | "
               f"{fmt(e[0])} | {fmt(e[1])} | {ratio(e[1], e[0])} | "
               f"{al(f'{g}/encode/kafka-codec')} / {al(f'{g}/encode/kafka-protocol')} |")

out.append("\n### Record batch building (one partition: ~1 MiB uncompressed in ~16 KiB batches)\n")
out.append("| workload | records | kafka-codec | kafka-protocol | ratio | allocs kafka-codec | allocs kafka-protocol |")
out.append("|---|---:|---:|---:|---:|---:|---:|")
for g in sorted({k.split("/")[0] for k in times if k.startswith("build_")}):
    n = records.get(g)
    kc, kp = times.get(f"{g}/kafka-codec"), times.get(f"{g}/kafka-protocol")
    out.append(f"| {g} | {n} | {fmt(kc)} ({per(kc, n)} ns/rec) | {fmt(kp)} ({per(kp, n)} ns/rec) | {ratio(kp, kc)} "
               f"| {al(f'{g}/kafka-codec', n)} | {al(f'{g}/kafka-protocol', n)} |")

print("\n".join(out))
