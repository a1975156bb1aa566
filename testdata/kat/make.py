#!/usr/bin/env python3
"""Writes testdata/kat/apis.jsonl: one known-answer frame per API, version and direction.

An encoder independent of the Rust generator: it reads Apache Kafka's JSON message
definitions (the reference folders, newest first: a version the newest folder describes uses
its layout, older versions the older folder's) and writes the wire bytes itself from the
protocol rules, for a value it chooses: every field present in the version gets a distinct,
non-default value (strings and integers numbered in field order, a null in every other
nullable field, one element in arrays of structs, two in arrays of primitives, every tagged
field set so it is sent). Next to the frame it writes the value as JSON, with field names as
the crate's serde output spells them and only the fields present in that version.

    python3 testdata/kat/make.py ../shared/kafka-spec-latest ../shared/kafka-spec

Versions written per API: the oldest, the newest, and the oldest the newest folder describes
(when older versions come from the older folder). Requests carry a request header (v0 for
ControlledShutdown v0, v2 for flexible versions, else v1); responses a response header (v1
for flexible versions except ApiVersions, else v0).
"""

import json
import os
import re
import struct
import sys


def strip_comments(text):
    out = []
    for line in text.splitlines():
        in_str = esc = False
        cut = len(line)
        for i, c in enumerate(line):
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "/" and line[i + 1 : i + 2] == "/":
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def load(path):
    with open(path) as f:
        return json.loads(strip_comments(f.read()))


def vrange(s):
    """A version range string -> (min, max or None); None for 'none'."""
    if s is None or s == "none":
        return None
    s = s.strip()
    if s.endswith("+"):
        return (int(s[:-1]), None)
    if "-" in s:
        a, b = s.split("-")
        return (int(a), int(b))
    return (int(s), int(s))


def has(r, v):
    return r is not None and v >= r[0] and (r[1] is None or v <= r[1])


def snake(name):
    out = ""
    for i, c in enumerate(name):
        if c.isupper():
            prev = name[i - 1] if i > 0 else ""
            nxt = name[i + 1] if i + 1 < len(name) else ""
            if i > 0 and (prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower())):
                out += "_"
            out += c.lower()
        else:
            out += c
    return out


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


INT = {"int8": ">b", "int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I", "int64": ">q"}


class Enc:
    def __init__(self, spec):
        self.structs = {s["name"]: s["fields"] for s in spec.get("commonStructs", [])}
        self.n = 0
        self.nullable_seen = 0

    def next(self):
        self.n += 1
        return self.n

    def struct_fields(self, f):
        if "fields" in f:
            return f["fields"]
        return self.structs[f["type"].lstrip("[]")]

    def fields(self, fields, v, flex):
        """Encodes a field list (and its tagged section): (bytes, json dict)."""
        out = bytearray()
        val = {}
        tagged = []
        for f in fields:
            fv = vrange(f.get("versions")) or vrange(f.get("taggedVersions"))
            if not has(fv, v):
                continue
            is_tagged = flex and has(vrange(f.get("taggedVersions")), v)
            b, j = self.field(f, v, flex, is_tagged)
            val[snake(f["name"])] = j
            if is_tagged:
                tagged.append((int(f["tag"]), b))
            else:
                out += b
        if flex:
            tagged.sort()
            out += uvarint(len(tagged))
            for t, b in tagged:
                out += uvarint(t) + uvarint(len(b)) + b
        return bytes(out), val

    def field(self, f, v, flex, is_tagged):
        ty = f["type"]
        nullable = has(vrange(f.get("nullableVersions")), v)
        compact = flex and f.get("flexibleVersions") != "none"
        default = f.get("default")
        use_null = False
        if nullable:
            self.nullable_seen += 1
            # Tagged fields are always sent with a non-default value; others alternate.
            use_null = (not is_tagged) and self.nullable_seen % 2 == 0
        if ty.startswith("[]"):
            inner = ty[2:]
            if use_null:
                return (uvarint(0) if compact else struct.pack(">i", -1)), None
            prim = inner in INT or inner in ("bool", "float64", "string", "bytes", "uuid", "records")
            count = 2 if prim else 1
            body = bytearray()
            items = []
            for _ in range(count):
                if prim:
                    b, j = self.prim(inner, f, compact, False)
                else:
                    b, j = self.fields(self.struct_fields(f), v, flex)
                body += b
                items.append(j)
            head = uvarint(count + 1) if compact else struct.pack(">i", count)
            return head + bytes(body), items
        if ty in INT or ty in ("bool", "float64", "string", "bytes", "uuid", "records"):
            if use_null:
                if ty in ("string",):
                    return (uvarint(0) if compact else struct.pack(">h", -1)), None
                return (uvarint(0) if compact else struct.pack(">i", -1)), None
            return self.prim(ty, f, compact, default)
        # A struct field.
        if use_null:
            return struct.pack(">b", -1), None
        b, j = self.fields(self.struct_fields(f), v, flex)
        if nullable:
            b = struct.pack(">b", 1) + b
        return b, j

    def prim(self, ty, f, compact, default):
        n = self.next()
        if ty == "bool":
            val = not (str(default).lower() == "true")
            return struct.pack(">B", 1 if val else 0), val
        if ty in INT:
            span = {"int8": 100, "int16": 30000, "uint16": 60000, "int32": 2_000_000_000,
                    "uint32": 4_000_000_000, "int64": 9_000_000_000_000_000_000}[ty]
            val = (n * 7) % span + 1
            if ty == "int64":
                val = n * 1_000_000_007  # beyond 32 bits
            return struct.pack(INT[ty], val), val
        if ty == "float64":
            val = n + 0.5
            return struct.pack(">d", val), val
        if ty == "uuid":
            raw = bytes((n * 16 + i) % 256 for i in range(16))
            h = raw.hex()
            return raw, f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        if ty == "string":
            s = f"{snake(f['name'])[:6]}-{n}"
            raw = s.encode()
            head = uvarint(len(raw) + 1) if compact else struct.pack(">h", len(raw))
            return head + raw, s
        # bytes / records: opaque to the codec's message layer.
        raw = bytes([n % 256, 0xAB, 0xCD])
        head = uvarint(len(raw) + 1) if compact else struct.pack(">i", len(raw))
        return head + raw, raw.hex()


def main():
    latest, old = sys.argv[1], sys.argv[2]
    out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apis.jsonl")
    by_key = {}  # (dir, kind, key) -> spec
    for d in (latest, old):
        for name in sorted(os.listdir(os.path.join(d, "message"))):
            if not name.endswith(".json"):
                continue
            s = load(os.path.join(d, "message", name))
            if s.get("type") in ("request", "response"):
                by_key[(d, s["type"], s["apiKey"])] = s
    lines = []
    keys = sorted({k for (_, _, k) in by_key})
    for key in keys:
        new_req = by_key.get((latest, "request", key))
        old_req = by_key.get((old, "request", key))
        new_r = vrange(new_req["validVersions"]) if new_req else None
        old_r = vrange(old_req["validVersions"]) if old_req else None
        lo = min(r[0] for r in (new_r, old_r) if r)
        hi = max(r[1] for r in (new_r, old_r) if r)
        versions = sorted({lo, hi} | ({new_r[0]} if new_r else set()))
        for v in versions:
            src = latest if has(new_r, v) else old
            for kind in ("request", "response"):
                spec = by_key[(src, kind, key)]
                flex = has(vrange(spec.get("flexibleVersions")), v)
                enc = Enc(spec)
                body, value = enc.fields(spec["fields"], v, flex)
                corr = 1000 + key * 100 + v
                if kind == "request":
                    hv = 0 if (key == 7 and v == 0) else (2 if flex else 1)
                    head = struct.pack(">hhi", key, v, corr)
                    if hv >= 1:
                        cid = b"kat"
                        head += struct.pack(">h", len(cid)) + cid
                    if hv >= 2:
                        head += uvarint(0)
                else:
                    hv = 1 if (flex and key != 18) else 0
                    head = struct.pack(">i", corr)
                    if hv >= 1:
                        head += uvarint(0)
                payload = head + body
                frame = struct.pack(">i", len(payload)) + payload
                lines.append(json.dumps({
                    "api_key": key, "version": v, "kind": kind, "name": spec["name"],
                    "header_version": hv, "correlation_id": corr,
                    "frame": frame.hex(), "value": value,
                }, sort_keys=True))
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} frames to {out_path}")


if __name__ == "__main__":
    main()
