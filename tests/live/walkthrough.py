#!/usr/bin/env python3
"""Live walkthrough: examples/consumer.rs against a real broker, with a real client producing.

    python3 tests/live/walkthrough.py --consumer target/debug/examples/consumer --broker mock
    python3 tests/live/walkthrough.py --consumer ... --broker tansu --tansu /path/to/tansu

1. starts the broker (librdkafka's mock cluster, inside this process; or Tansu on loopback),
2. creates a 3-partition topic and produces records with confluent-kafka (keys, a null key,
   headers with a duplicate key, an empty value), waiting for every delivery report,
3. runs the example consumer, which joins a group and consumes to the log end,
4. checks every produced record was consumed exactly once and the committed offsets equal the
   log end offsets (lag 0), then runs it again and checks it resumes with nothing to consume.
Exits non-zero with a message on any mismatch. Every wait is bounded.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time


# API key = highest version to use against librdkafka's mock (see main()).
MOCK_CAPS = ["11=5", "14=3", "13=2"]


def wait_port(port, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"port {port} did not open")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def produce(bootstrap, topic, n, create):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    if create:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        futures = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        for f in futures.values():
            try:
                f.result(timeout=15)
            except Exception as e:  # already exists is fine on a re-run
                if "already exists" not in str(e).lower():
                    raise
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": False})
    # The mock creates topics on first use; find how many partitions it made.
    parts = 0
    for _ in range(50):
        md = p.list_topics(topic, timeout=5)
        t = md.topics.get(topic)
        if t is not None and t.error is None and t.partitions:
            parts = len(t.partitions)
            break
        time.sleep(0.2)
    if parts == 0:
        raise SystemExit(f"topic {topic} did not appear")
    parts = min(parts, 3)
    expected = []
    errors = []

    def report(err, msg):
        if err is not None:
            errors.append(str(err))

    for i in range(n):
        key = None if i % 7 == 3 else f"key-{i}".encode()
        value = b"" if i % 11 == 5 else f"value-{i}".encode()
        headers = [("trace", b"a"), ("trace", f"b{i}".encode())] if i % 2 == 0 else []
        p.produce(topic, key=key, value=value, headers=headers, partition=i % parts, on_delivery=report)
        expected.append((i % parts, key, value))
    left = p.flush(30)
    if left or errors:
        raise SystemExit(f"produce failed: {left} undelivered, errors {errors[:3]}")
    return expected


def run_consumer(consumer, bootstrap, topic, group, caps):
    cmd = [consumer, "--bootstrap", bootstrap, "--topic", topic, "--group", group, "--timeout-secs", "60"]
    for c in caps:
        cmd += ["--max-version", c]
    r = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=90,
    )
    if os.environ.get("CONSUMER_TRACE"):
        sys.stderr.write(r.stderr)
    if r.returncode != 0:
        raise SystemExit(f"consumer failed ({r.returncode}):\n{r.stderr}\n{r.stdout[-2000:]}")
    records, summary = [], None
    for line in r.stdout.splitlines():
        obj = json.loads(line)
        if "summary" in obj:
            summary = obj["summary"]
        else:
            records.append(obj)
    if summary is None:
        raise SystemExit("consumer printed no summary")
    return records, summary


def check(expected, records, summary):
    def enc(b):
        return "<null>" if b is None else b.decode()

    want = sorted((p, enc(k), enc(v)) for p, k, v in expected)
    got = sorted(
        (r["partition"], "<null>" if r["key"] is None else r["key"], "<null>" if r["value"] is None else r["value"])
        for r in records
    )
    if want != got:
        raise SystemExit(f"consumed records differ: want {len(want)}, got {len(got)}")
    offsets = [(r["partition"], r["offset"]) for r in records]
    if len(set(offsets)) != len(offsets):
        raise SystemExit("a record was consumed twice")
    dup = [r for r in records if len(r["headers"]) == 2]
    if dup and dup[0]["headers"][0][0] != "trace" or any(h[0][0] != h[1][0] for h in (r["headers"] for r in dup)):
        raise SystemExit("duplicate header keys were not kept in order")
    for p in summary["partitions"]:
        if p["committed"] != p["high_watermark"] or p["lag"] != 0:
            raise SystemExit(
                f"partition {p['partition']}: committed {p['committed']} != log end {p['high_watermark']}"
            )
        if p["log_end"] != p["high_watermark"]:
            print(f"  note: partition {p['partition']}: ListOffsets(latest) = {p['log_end']}, "
                  f"high watermark = {p['high_watermark']}")


def walkthrough(consumer, bootstrap, n, create, caps=()):
    topic, group = "walkthrough-orders", "walkthrough-group"
    expected = produce(bootstrap, topic, n, create)
    records, summary = run_consumer(consumer, bootstrap, topic, group, caps)
    check(expected, records, summary)
    print(f"  consumed {len(records)} records exactly once; committed = log end on every partition")
    again, summary2 = run_consumer(consumer, bootstrap, topic, group, caps)
    if again:
        raise SystemExit(f"after a restart the consumer re-read {len(again)} records")
    if [p["committed"] for p in summary2["partitions"]] != [p["committed"] for p in summary["partitions"]]:
        raise SystemExit("committed offsets moved on a run that consumed nothing")
    print("  resumed from the committed offsets with nothing left to consume")


def our_batches_accepted(producer, bootstrap):
    """Our batch builder → Produce (one batch per call, each codec) → a real client reads it."""
    from confluent_kafka import Consumer, TopicPartition

    topic = "walkthrough-built"
    if producer is None:
        return
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
        try:
            f.result(timeout=15)
        except Exception:
            pass  # the mock creates topics on first use and may not answer CreateTopics
    codecs = ["none", "gzip", "snappy", "lz4", "zstd"]
    per = 5
    for c in codecs:
        r = None
        for _ in range(20):  # the topic may take a moment to appear in metadata
            r = subprocess.run(
                [producer, "--bootstrap", bootstrap, "--topic", topic, "--partition", "0",
                 "--count", str(per), "--compression", c, "--prefix", c],
                capture_output=True, text=True, timeout=60,
            )
            if r.returncode == 0 or "topic not in metadata" not in r.stderr and "partition not in" not in r.stderr:
                break
            time.sleep(0.5)
        if r.returncode != 0:
            raise SystemExit(f"producer ({c}) failed: {r.stderr}")
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "walkthrough-verify", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    end = time.time() + 30
    while len(got) < per * len(codecs) and time.time() < end:
        m = c.poll(1.0)
        if m is None or m.error():
            continue
        got.append((m.key().decode(), m.value().decode(), [(k, v.decode()) for k, v in (m.headers() or [])]))
    c.close()
    want = [
        (f"{codec}-key-{i}", f"{codec}-value-{i}", [("seq", str(i)), ("codec", codec)])
        for codec in codecs
        for i in range(per)
    ]
    if got != want:
        raise SystemExit(f"confluent-kafka read back {len(got)} records, not what we produced: {got[:3]}")
    print(f"  {len(want)} records in {len(codecs)} batches built by kafka-codec ({', '.join(codecs)}) "
          "accepted by the broker and read back by confluent-kafka")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--consumer", required=True)
    ap.add_argument("--broker", choices=["mock", "tansu"], required=True)
    ap.add_argument("--tansu", help="path to the tansu binary")
    ap.add_argument("--records", type=int, default=60)
    ap.add_argument("--producer", help="path to examples/producer (checks our batches are accepted)")
    a = ap.parse_args()
    if a.broker == "mock":
        from confluent_kafka import Producer

        # The mock cluster lives inside this client instance; keep it alive for the whole run.
        host = Producer({"bootstrap.servers": "", "test.mock.num.brokers": 1})
        md = host.list_topics(timeout=10)
        b = next(iter(md.brokers.values()))
        bootstrap = f"{b.host}:{b.port}"
        print(f"librdkafka mock cluster at {bootstrap}")
        # The mock advertises versions it does not handle: it closes the connection on
        # JoinGroup v6, misreads SyncGroup v4 (a buffer underflow in its own log) and omits
        # `Members` from LeaveGroup v3+ responses (which we report as the error it is).
        # librdkafka's own client never sends those versions, so cap them as it does.
        walkthrough(a.consumer, bootstrap, a.records, create=False, caps=MOCK_CAPS)
        our_batches_accepted(a.producer, bootstrap)
    else:
        port = free_port()
        log = open(os.environ.get("TANSU_LOG", os.devnull), "w")
        proc = subprocess.Popen(
            [a.tansu, "broker", "--listener-url", f"tcp://127.0.0.1:{port}",
             "--advertised-listener-url", f"tcp://127.0.0.1:{port}", "--storage-engine", "memory://tansu/"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_port(port)
            print(f"tansu broker at 127.0.0.1:{port}")
            walkthrough(a.consumer, f"127.0.0.1:{port}", a.records, create=True)
            our_batches_accepted(a.producer, f"127.0.0.1:{port}")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"walkthrough against {a.broker}: ok")


if __name__ == "__main__":
    main()
