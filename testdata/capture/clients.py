"""Scenario clients for the capture corpus: drives one real Kafka client library through the
consumer life cycle against one broker, and writes what it sent to expected.json.

Run by drive.py as `python clients.py PROFILE BOOTSTRAP OUTDIR [--broker tansu|mock]`, one
process per (broker, client profile), each under a hard timeout. Every value sent is
deterministic; every step is bounded in time and its outcome (ok or the error) is recorded in
expected.json's "steps", so a peer that refuses a step leaves a note instead of a hang.
"""

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import traceback

PROFILE, BOOTSTRAP, OUTDIR = sys.argv[1], sys.argv[2], sys.argv[3]
BROKER = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--broker" else "tansu"

# Record timestamps are fixed, so offsetsForTimes answers are deterministic.
BASE_TS = 1_700_000_000_000
BIG = bytes((i * 31 + 7) & 0xFF for i in range(100_000))

expected = {
    "profile": PROFILE,
    "broker": BROKER,
    "bootstrap_note": "loopback; port differs per run",
    "topics": [],
    "groups": [],
    "produced": [],
    "committed": [],
    "transactions": [],
    "steps": {},
}


def save():
    with open(os.path.join(OUTDIR, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


STEP_TIMEOUT = 60


def step(name, fn, *a, **kw):
    """Runs one scenario step, recording its outcome. A step still running after STEP_TIMEOUT
    seconds (a client stuck closing, say) is abandoned on its thread and recorded as such."""
    t0 = time.time()
    box = {}

    def run():
        try:
            box["r"] = fn(*a, **kw)
            expected["steps"][name] = "ok"
            log(f"step {name}: ok ({time.time() - t0:.1f}s)")
        except Exception as e:  # noqa: BLE001 - every failure is recorded, none is fatal
            expected["steps"][name] = f"error: {type(e).__name__}: {e}"[:300]
            log(f"step {name}: FAILED {e!r}")
            traceback.print_exc()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(STEP_TIMEOUT)
    if t.is_alive():
        expected["steps"][name] = f"error: still running after {STEP_TIMEOUT} s; abandoned"
        log(f"step {name}: abandoned after {STEP_TIMEOUT}s")
    save()
    return box.get("r")


def log(msg):
    print(f"[{PROFILE}@{BROKER}] {msg}", flush=True)


def describe_value(v):
    if v is None:
        return {"null": True}
    if len(v) > 1000:
        return {
            "len": len(v),
            "sha256": hashlib.sha256(v).hexdigest(),
            "pattern": "bytes((i * 31 + 7) & 0xFF for i in range(len))",
        }
    try:
        return {"utf8": v.decode("utf-8")}
    except UnicodeDecodeError:
        return {"hex": v.hex()}


def records(tag, n, *, big=False, headers=True):
    """Deterministic records: keys, a null key, duplicate header keys, an empty value."""
    out = []
    for i in range(n):
        key = None if i == 2 else f"{tag}-k{i}".encode()
        value = b"" if i == 3 else f"{tag}-value-{i}".encode()
        if big and i == n - 1:
            value = BIG
        hdrs = []
        if headers:
            if i % 2 == 0:
                hdrs = [("trace", b"a"), ("trace", b"b")]  # duplicate keys, order matters
            elif i == 1:
                hdrs = [("empty", b""), ("n", b"1")]
        out.append(
            {"key": key, "value": value, "headers": hdrs, "partition": i % 2, "ts": BASE_TS + i * 1000}
        )
    return out


def note_produced(topic, recs, codec, via, acks="all", txn=None):
    for r in recs:
        expected["produced"].append(
            {
                "topic": topic,
                "partition": r["partition"],
                "timestamp": r["ts"],
                "key": describe_value(r["key"]),
                "value": describe_value(r["value"]),
                "headers": [[k, describe_value(v)] for k, v in r["headers"]],
                "compression": codec,
                "via": via,
                "acks": acks,
                "transaction": txn,
            }
        )


def wait_until(pred, timeout, every=0.2):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(every)
    return False


# ---------------------------------------------------------------------------------------------
# confluent-kafka (librdkafka)
# ---------------------------------------------------------------------------------------------


def ck_main(fallback):
    from confluent_kafka import Consumer, Producer, TopicPartition, KafkaException  # noqa: F401
    from confluent_kafka.admin import AdminClient, NewTopic

    base = {"bootstrap.servers": BOOTSTRAP, "enable.metrics.push": False}
    if fallback:
        # librdkafka honours api.version.request=false only with a fallback below 0.10.
        base.update({"api.version.request": False, "broker.version.fallback": "0.9.0"})
    tag = "ckold" if fallback else "ck"
    topic = f"{tag}-orders"
    codecs = ["none"] if fallback else ["none", "gzip", "snappy", "lz4", "zstd"]

    def create_topics():
        admin = AdminClient(dict(base))
        names = [topic] + ([] if fallback else [f"{tag}-txn"])
        fs = admin.create_topics([NewTopic(t, 2, 1) for t in names], operation_timeout=10)
        for t, f in fs.items():
            try:
                f.result(15)
            except KafkaException as e:
                if "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise
            expected["topics"].append({"name": t, "partitions": 2})

    # Tansu closes the connection on Produce v0-2, all the 0.9 fallback can send: consume what
    # confluent-kafka produced on this broker before instead.
    consume_only = fallback and BROKER == "tansu"
    if consume_only:
        topic = "ck-orders"
        expected["topics"].append({"name": topic, "partitions": 2, "note": "produced by confluent-kafka in ../confluent-kafka-*/"})
    elif not fallback:
        step("create_topics", create_topics)
    else:
        # The 0.9 protocol has no CreateTopics: the topic is auto-created by the broker.
        expected["topics"].append({"name": topic, "partitions": None, "note": "auto-created"})

    def produce(codec, recs, acks="all"):
        p = Producer(dict(base, **{"compression.type": codec, "linger.ms": 20, "acks": acks}))
        for r in recs:
            kw = {"timestamp": r["ts"]} if not fallback else {}
            if r["headers"] and not fallback:
                kw["headers"] = r["headers"]
            p.produce(topic, value=r["value"], key=r["key"], partition=r["partition"], **kw)
        left = p.flush(20)
        if left:
            raise RuntimeError(f"{left} records not delivered")
        if fallback:
            for r in recs:
                r["headers"] = []
        note_produced(topic, recs, codec, "confluent-kafka", acks=acks)

    for codec in codecs if not consume_only else []:
        big = codec in ("none", "lz4") and not fallback
        step(f"produce_{codec}", produce, codec, records(f"{tag}-{codec}", 6, big=big))
    if not consume_only:
        step("produce_acks0", produce, "none", records(f"{tag}-acks0", 2, headers=False), "0")
        step("produce_acks1", produce, "none", records(f"{tag}-acks1", 2, headers=False), "1")

    def group(gid, n, strategy, leave_one=True):
        expected["groups"].append({"group": gid, "members": n, "strategy": strategy, "topic": topic})
        assigned = [[] for _ in range(n)]
        consumed = [0] * n
        stop = threading.Event()
        cons = []
        for i in range(n):
            c = Consumer(
                dict(
                    base,
                    **{
                        "group.id": gid,
                        "client.id": f"{gid}-m{i}",
                        "auto.offset.reset": "earliest",
                        "enable.auto.commit": False,
                        "partition.assignment.strategy": strategy,
                        "session.timeout.ms": 10000,
                        "heartbeat.interval.ms": 1000,
                    },
                )
            )

            def on_assign(c, parts, i=i):
                assigned[i] = [p.partition for p in parts]

            c.subscribe([topic], on_assign=on_assign)
            cons.append(c)
        closed = [False] * n

        def run(i):
            c = cons[i]
            k = 0
            while not stop.is_set() and not closed[i]:
                m = c.poll(0.2)
                if m is None or m.error():
                    continue
                consumed[i] += 1
                k += 1
                if k % 3 == 0:
                    # Alternate sync and async commits of the message's next offset.
                    c.commit(message=m, asynchronous=(i % 2 == 1))

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        wait_until(lambda: sum(len(a) for a in assigned) >= 2 and sum(consumed) > 0, 30)
        time.sleep(4)  # let heartbeats flow
        if leave_one and n > 1:
            closed[n - 1] = True
            threads[n - 1].join(5)
            for c in cons[:1]:
                pass
            cons[n - 1].commit(asynchronous=False) if consumed[n - 1] else None
            cons[n - 1].close()  # LeaveGroup: the others rebalance
            wait_until(lambda: sum(len(a) for a in assigned[: n - 1]) >= 2, 30)
            time.sleep(3)
        stop.set()
        for t in threads[: n - 1 if leave_one else n]:
            t.join(5)
        live = cons[: n - 1] if leave_one and n > 1 else cons
        for c in live:
            try:
                c.commit(asynchronous=False)
            except KafkaException as e:
                log(f"final commit: {e}")
        tps = [TopicPartition(topic, p) for p in (0, 1)]
        for tp in live[0].committed(tps, timeout=10):
            expected["committed"].append(
                {"group": gid, "topic": tp.topic, "partition": tp.partition, "offset": tp.offset, "metadata": "", "source": "read back (OffsetFetch)"}
            )
        for c in live:
            c.close()
        log(f"group {gid}: consumed {consumed}, assigned {assigned}")

    step("group_range", group, f"{tag}-grp-range", 3, "range")
    if not fallback:
        step("group_cooperative", group, f"{tag}-grp-coop", 2, "cooperative-sticky")

    def seeks():
        gid = f"{tag}-grp-seek"
        expected["groups"].append({"group": gid, "members": 1, "topic": topic})
        c = Consumer(dict(base, **{"group.id": gid, "auto.offset.reset": "latest", "enable.auto.commit": False}))
        tp0 = TopicPartition(topic, 0)
        lo, hi = c.get_watermark_offsets(tp0, timeout=10, cached=False)  # ListOffsets earliest/latest
        expected["watermarks"] = {"topic": topic, "partition": 0, "low": lo, "high": hi}
        if not fallback:
            found = c.offsets_for_times([TopicPartition(topic, 0, BASE_TS + 2000)], timeout=10)
            expected["offsets_for_times"] = [
                {"topic": topic, "partition": 0, "timestamp": BASE_TS + 2000, "offset": found[0].offset}
            ]
        from confluent_kafka import OFFSET_BEGINNING

        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING), TopicPartition(topic, 1)])  # 1: reset to latest
        got = 0
        end = time.time() + 15
        while time.time() < end and got < 3:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got += 1
        c.commit(offsets=[TopicPartition(topic, 0, 2, metadata="seek-meta")], asynchronous=False)
        expected["committed"].append({"group": gid, "topic": topic, "partition": 0, "offset": 2, "metadata": "seek-meta"})
        c.close()

    step("seek_reset_timestamps", seeks)

    def resume():
        gid = f"{tag}-grp-resume"
        expected["groups"].append({"group": gid, "members": 1, "topic": topic})
        conf = dict(base, **{"group.id": gid, "auto.offset.reset": "earliest", "enable.auto.commit": False})
        c = Consumer(conf)
        c.assign([TopicPartition(topic, 1)])
        first = None
        end = time.time() + 15
        n = 0
        while time.time() < end and n < 2:
            m = c.poll(0.5)
            if m is not None and not m.error():
                n += 1
                first = m
        if first is None:
            raise RuntimeError("nothing consumed")
        c.commit(message=first, asynchronous=False)
        committed = first.offset() + 1
        c.close()
        c = Consumer(conf)  # the "restart": a new client resumes from the committed offset
        c.assign([TopicPartition(topic, 1)])
        m = None
        end = time.time() + 15
        while time.time() < end:
            m = c.poll(0.5)
            if m is not None and not m.error():
                break
        expected["resume"] = {
            "group": gid,
            "partition": 1,
            "committed": committed,
            "first_offset_after_restart": m.offset() if m is not None and not m.error() else None,
        }
        expected["committed"].append({"group": gid, "topic": topic, "partition": 1, "offset": committed, "metadata": ""})
        c.close()

    step("resume_after_restart", resume)

    if not fallback:

        from confluent_kafka import ConsumerGroupTopicPartitions

        admin = AdminClient(dict(base))

        def list_groups():
            lst = admin.list_consumer_groups(request_timeout=10).result()
            expected["listed_groups"] = sorted(g.group_id for g in lst.valid)

        def describe_groups():
            for f in admin.describe_consumer_groups([f"{tag}-grp-range", f"{tag}-grp-seek"], request_timeout=10).values():
                f.result()

        def fetch_offsets():
            for f in admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(f"{tag}-grp-seek")]).values():
                f.result()

        def alter_offsets():
            alter = ConsumerGroupTopicPartitions(f"{tag}-grp-seek", [TopicPartition(topic, 1, 1)])
            for f in admin.alter_consumer_group_offsets([alter]).values():
                f.result()
            expected["committed"].append({"group": f"{tag}-grp-seek", "topic": topic, "partition": 1, "offset": 1, "metadata": ""})

        def delete_groups():
            for f in admin.delete_consumer_groups([f"{tag}-grp-resume"], request_timeout=10).values():
                f.result()
            expected["deleted_groups"] = [f"{tag}-grp-resume"]

        step("admin_list_groups", list_groups)
        step("admin_describe_groups", describe_groups)
        step("admin_fetch_offsets", fetch_offsets)
        step("admin_alter_offsets", alter_offsets)
        step("admin_delete_groups", delete_groups)

        def kip848():
            gid = f"{tag}-grp-848"
            expected["groups"].append({"group": gid, "members": 2, "protocol": "consumer", "topic": topic})
            cons = []
            got = [0, 0]
            for i in range(2):
                c = Consumer(
                    dict(base, **{"group.id": gid, "group.protocol": "consumer", "auto.offset.reset": "earliest", "enable.auto.commit": False})
                )
                c.subscribe([topic])
                cons.append(c)
            end = time.time() + 25
            while time.time() < end and sum(got) < 10:
                for i, c in enumerate(cons):
                    m = c.poll(0.2)
                    if m is not None and not m.error():
                        got[i] += 1
                    elif m is not None and m.error():
                        log(f"848: {m.error()}")
            for c in cons:
                try:
                    c.commit(asynchronous=False)
                except KafkaException as e:
                    log(f"848 commit: {e}")
                c.close()
            if sum(got) == 0:
                raise RuntimeError("consumer protocol: nothing consumed (frames still recorded)")

        def transactions():
            from confluent_kafka import Consumer as C

            t = f"{tag}-txn"
            p = Producer(dict(base, **{"transactional.id": f"{tag}-txid", "transaction.timeout.ms": 10000}))
            p.init_transactions(15)
            for outcome in ("commit", "abort"):
                p.begin_transaction()
                recs = records(f"{tag}-txn-{outcome}", 2)
                for r in recs:
                    p.produce(t, value=r["value"], key=r["key"], partition=r["partition"], headers=r["headers"], timestamp=r["ts"])
                if outcome == "commit":
                    c = C(dict(base, **{"group.id": f"{tag}-grp-txn", "enable.auto.commit": False}))
                    p.send_offsets_to_transaction(
                        [TopicPartition(topic, 0, 1)], c.consumer_group_metadata(), 15
                    )
                    c.close()
                    expected["committed"].append({"group": f"{tag}-grp-txn", "topic": topic, "partition": 0, "offset": 1, "metadata": "", "via": "TxnOffsetCommit"})
                    p.commit_transaction(15)
                else:
                    p.flush(10)
                    p.abort_transaction(15)
                for r in recs:
                    r["topic"] = t
                note_produced(t, recs, "none", "confluent-kafka", txn=outcome)
                expected["transactions"].append({"transactional_id": f"{tag}-txid", "outcome": outcome})

        step("transactions", transactions)
        step("kip848_consumer_protocol", kip848)

    def partitions():
        from confluent_kafka import Producer as P

        md = P(dict(base)).list_topics(timeout=10)
        for t in expected["topics"]:
            if t["name"] in md.topics:
                t["partitions"] = len(md.topics[t["name"]].partitions)

    step("metadata_partitions", partitions)


# ---------------------------------------------------------------------------------------------
# kafka-python
# ---------------------------------------------------------------------------------------------


def kp_main(version):
    import kafka
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic
    from kafka.structs import OffsetAndMetadata

    base = {"bootstrap_servers": BOOTSTRAP, "request_timeout_ms": 10000}
    if version is not None:
        base["api_version"] = version
    vtag = "auto" if version is None else "v" + "_".join(map(str, version))
    tag = f"kp-{vtag}"
    topic = f"{tag}-orders"
    old = version is not None and version < (0, 11)
    # Tansu closes the connection on Produce v0-2 (what kafka-python sends below 0.11).
    can_produce = not (old and BROKER == "tansu")
    if not can_produce:
        topic = "ck-orders"  # produced earlier on this broker by confluent-kafka
        expected["topics"].append({"name": topic, "partitions": 2, "note": "produced by confluent-kafka in ../confluent-kafka-*/"})

    def bootstrap():
        c = KafkaConsumer(**base)
        try:
            c.topics()
        finally:
            c.close()

    # kafka-python can hang for minutes on a broker whose ApiVersions answer it cannot use
    # (the mock's, from 2.4 on): give up on the whole profile then.
    step("bootstrap", bootstrap)
    if expected["steps"]["bootstrap"] != "ok":
        return

    if can_produce:

        def create():
            admin = KafkaAdminClient(**base)
            try:
                admin.create_topics([NewTopic(topic, 2, 1)], timeout_ms=10000)
            except Exception as e:  # noqa: BLE001
                if "TopicAlreadyExists" not in repr(e):
                    raise
            admin.close()
            expected["topics"].append({"name": topic, "partitions": 2})

        if version is None or version >= (0, 10, 1):
            step("create_topics", create)
        else:
            expected["topics"].append({"name": topic, "partitions": 2, "note": "auto-created"})

        codecs = ["none", "gzip"] if old else ["none", "gzip", "snappy", "lz4", "zstd"]
        if version is not None and version < (2, 1):
            codecs = [c for c in codecs if c != "zstd"]  # zstd needs Produce v7 (Kafka 2.1)

        def produce(codec, recs):
            # Idempotence only where kafka-python picks versions itself: pinned to an old
            # version it sent InitProducerId and then no Produce at all to Tansu.
            extra = {} if version is None else {"enable_idempotence": False}
            p = KafkaProducer(**base, **extra, compression_type=None if codec == "none" else codec, linger_ms=20, acks="all")
            futs = []
            for r in recs:
                hdrs = r["headers"] if not old else None
                if old:
                    r["headers"] = []
                futs.append(p.send(topic, value=r["value"], key=r["key"], partition=r["partition"], timestamp_ms=r["ts"], headers=hdrs))
            p.flush(20)
            for f in futs:
                f.get(timeout=10)
            p.close(5)
            note_produced(topic, recs, codec, "kafka-python")

        for codec in codecs:
            step(f"produce_{codec}", produce, codec, records(f"{tag}-{codec}", 5, big=(codec == "none" and version is None)))

    def group(gid, n):
        expected["groups"].append({"group": gid, "members": n, "topic": topic})
        stop = threading.Event()
        cons = [
            KafkaConsumer(
                topic,
                **base,
                group_id=gid,
                client_id=f"{gid}-m{i}",
                auto_offset_reset="earliest",
                enable_auto_commit=False,
                session_timeout_ms=10000,
                heartbeat_interval_ms=1000,
                consumer_timeout_ms=500,
            )
            for i in range(n)
        ]
        consumed = [0] * n
        done = [False] * n

        def run(i):
            c = cons[i]
            k = 0
            while not stop.is_set() and not done[i]:
                batch = c.poll(timeout_ms=300)
                for tp, msgs in batch.items():
                    consumed[i] += len(msgs)
                    k += 1
                    last = msgs[-1]
                    off = {tp: OffsetAndMetadata(last.offset + 1, f"m{i}", -1)}
                    if k % 2:
                        c.commit(off)
                    else:
                        c.commit_async(off)

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        wait_until(lambda: sum(consumed) > 0, 25)
        time.sleep(3)
        done[n - 1] = True
        threads[n - 1].join(5)
        cons[n - 1].close()  # LeaveGroup: a rebalance follows
        time.sleep(5)
        stop.set()
        for t in threads[: n - 1]:
            t.join(5)
        for tp in (TopicPartition(topic, 0), TopicPartition(topic, 1)):
            om = cons[0].committed(tp, metadata=True)
            if om is not None:
                expected["committed"].append(
                    {"group": gid, "topic": topic, "partition": tp.partition, "offset": om.offset, "metadata": om.metadata, "source": "read back (OffsetFetch)"}
                )
        for c in cons[: n - 1]:
            c.close()
        log(f"group {gid}: consumed {consumed}")

    step("group", group, f"{tag}-grp", 3)

    def seeks():
        gid = f"{tag}-grp-seek"
        expected["groups"].append({"group": gid, "members": 1, "topic": topic})
        c = KafkaConsumer(**base, group_id=gid, enable_auto_commit=False, auto_offset_reset="latest")
        tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
        c.assign(tps)
        expected["watermarks"] = {
            "beginning": {str(k.partition): v for k, v in c.beginning_offsets(tps).items()},
            "end": {str(k.partition): v for k, v in c.end_offsets(tps).items()},
        }
        if version is None or version >= (0, 10, 1):
            found = c.offsets_for_times({tps[0]: BASE_TS + 2000})
            expected["offsets_for_times"] = [
                {"topic": topic, "partition": 0, "timestamp": BASE_TS + 2000, "offset": found[tps[0]].offset if found[tps[0]] else None}
            ]
        c.seek_to_beginning(tps[0])
        c.seek_to_end(tps[1])
        c.poll(timeout_ms=2000)
        c.commit({tps[0]: OffsetAndMetadata(2, "seek-meta", -1)})
        expected["committed"].append({"group": gid, "topic": topic, "partition": 0, "offset": 2, "metadata": "seek-meta"})
        c.close()

    step("seek_reset_timestamps", seeks)

    def resume():
        gid = f"{tag}-grp-resume"
        expected["groups"].append({"group": gid, "members": 1, "topic": topic})
        tp = TopicPartition(topic, 1)
        c = KafkaConsumer(**base, group_id=gid, enable_auto_commit=False, auto_offset_reset="earliest")
        c.assign([tp])
        msgs = c.poll(timeout_ms=5000, max_records=2).get(tp, [])
        if not msgs:
            raise RuntimeError("nothing consumed")
        committed = msgs[-1].offset + 1
        c.commit({tp: OffsetAndMetadata(committed, "", -1)})
        c.close()
        c = KafkaConsumer(**base, group_id=gid, enable_auto_commit=False, auto_offset_reset="earliest")
        c.assign([tp])
        after = c.poll(timeout_ms=5000, max_records=1).get(tp, [])
        expected["resume"] = {"group": gid, "partition": 1, "committed": committed, "first_offset_after_restart": after[0].offset if after else None}
        expected["committed"].append({"group": gid, "topic": topic, "partition": 1, "offset": committed, "metadata": ""})
        c.close()

    step("resume_after_restart", resume)

    admin = step("admin_client", KafkaAdminClient, **base)

    def group_id_of(g):
        if isinstance(g, (tuple, list)):
            return str(g[0])
        if isinstance(g, dict):
            return str(g.get("group_id", g.get("group", g)))
        return str(getattr(g, "group_id", g))

    def list_groups():
        expected["listed_groups"] = sorted(group_id_of(g) for g in admin.list_groups())

    def alter_offsets():
        admin.alter_group_offsets(f"{tag}-grp-seek", {TopicPartition(topic, 1): OffsetAndMetadata(1, "altered", -1)})
        expected["committed"].append({"group": f"{tag}-grp-seek", "topic": topic, "partition": 1, "offset": 1, "metadata": "altered"})

    def delete_offsets():
        r = admin.delete_group_offsets(f"{tag}-grp-seek", [TopicPartition(topic, 1)])
        expected["deleted_offsets"] = [{"group": f"{tag}-grp-seek", "topic": topic, "partition": 1, "result": str(r)}]

    def delete_groups():
        admin.delete_groups([f"{tag}-grp-resume"])
        expected["deleted_groups"] = [f"{tag}-grp-resume"]

    if admin is not None:
        step("admin_list_groups", list_groups)
        step("admin_describe_groups", admin.describe_groups, [f"{tag}-grp", f"{tag}-grp-seek"])
        step("admin_fetch_offsets", admin.list_group_offsets, f"{tag}-grp-seek")
        step("admin_alter_offsets", alter_offsets)
        if version is None or version >= (2, 0):
            step("admin_delete_offsets", delete_offsets)
        if version is None or version >= (1, 1):
            step("admin_delete_groups", delete_groups)
        admin.close()

    if version is None and can_produce:

        def transactions():
            t = topic
            p = KafkaProducer(**base, transactional_id=f"{tag}-txid")
            p.init_transactions()
            for outcome in ("commit", "abort"):
                p.begin_transaction()
                recs = records(f"{tag}-txn-{outcome}", 2)
                for r in recs:
                    p.send(t, value=r["value"], key=r["key"], partition=r["partition"], timestamp_ms=r["ts"], headers=r["headers"])
                p.flush(10)
                if outcome == "commit":
                    p.send_offsets_to_transaction({TopicPartition(topic, 0): OffsetAndMetadata(1, "", -1)}, f"{tag}-grp-txn")
                    expected["committed"].append({"group": f"{tag}-grp-txn", "topic": topic, "partition": 0, "offset": 1, "metadata": "", "via": "TxnOffsetCommit"})
                    p.commit_transaction()
                else:
                    p.abort_transaction()
                note_produced(t, recs, "none", "kafka-python", txn=outcome)
                expected["transactions"].append({"transactional_id": f"{tag}-txid", "outcome": outcome})
            p.close(5)

        step("transactions", transactions)
    expected["kafka_python_version"] = kafka.__version__


# ---------------------------------------------------------------------------------------------
# Beyond the consumer path: admin operations, an idempotent producer, telemetry, SASL
# ---------------------------------------------------------------------------------------------

# Topic configs set at creation and altered later: values every broker accepts.
ADMIN_CONFIGS = {"retention.ms": "3600000", "cleanup.policy": "delete"}


# Errors a client raises without sending anything (the broker did not advertise the API).
NOT_SENT = ("_UNSUPPORTED_FEATURE", "IncompatibleBrokerVersion")
PENDING = threading.local()


def expect(key, value):
    """Records what a step asks the broker for, in expected.json under `key`."""
    expected.setdefault(key, []).append(value)
    getattr(PENDING, "items", []).append((key, value))


def admin_step(name, fn, *a, **kw):
    """A step whose expectations are withdrawn if the client refused it before sending a
    request (the broker does not advertise the API): expected.json then lists it under
    `not_sent`, and the tests do not look for its frames."""

    def run():
        PENDING.items = []
        try:
            return fn(*a, **kw)
        except Exception as e:
            if any(m in str(e) or m in type(e).__name__ for m in NOT_SENT):
                for key, value in PENDING.items:
                    expected[key].remove(value)
                expected.setdefault("not_sent", []).append(name)
            raise

    return step(name, run)


def ck_admin_main():
    """confluent-kafka's AdminClient through every admin call it has, an idempotent producer,
    and client telemetry (KIP-714) left on, as librdkafka 2.x ships it."""
    from confluent_kafka import Producer, TopicPartition, KafkaException  # noqa: F401
    from confluent_kafka.admin import (
        AclBinding,
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        AdminClient,
        AlterConfigOpType,
        ConfigEntry,
        ConfigResource,
        NewPartitions,
        NewTopic,
        OffsetSpec,
        ResourcePatternType,
        ResourceType,
    )

    # enable.metrics.push stays at its default (on): GetTelemetrySubscriptions / PushTelemetry.
    base = {"bootstrap.servers": BOOTSTRAP}
    expected["telemetry"] = {"enable.metrics.push": True}
    admin = AdminClient(dict(base))
    tag = "cka"
    main_t, small_t, doomed_t = f"{tag}-main", f"{tag}-small", f"{tag}-doomed"
    broker_id = ["1"]  # replaced by the id DescribeCluster reports

    def wait_all(fs, what):
        errors = []
        for k, f in fs.items():
            try:
                f.result(15)
            except Exception as e:  # noqa: BLE001
                errors.append(f"{k}: {e}")
        if errors:
            raise RuntimeError(f"{what}: " + "; ".join(errors)[:250])

    def create_topics():
        specs = [(main_t, 3, ADMIN_CONFIGS), (small_t, 1, {}), (doomed_t, 1, {})]
        for name, n, cfg in specs:
            expect("created_topics", {"name": name, "partitions": n, "replication_factor": 1, "configs": cfg})
            expected["topics"].append({"name": name, "partitions": n})
        wait_all(admin.create_topics([NewTopic(n, p, 1, config=dict(c)) for n, p, c in specs], operation_timeout=10), "create_topics")

    def describe_topics():
        from confluent_kafka import TopicCollection

        wait_all(admin.describe_topics(TopicCollection([main_t, small_t]), request_timeout=10), "describe_topics")

    def describe_cluster():
        d = admin.describe_cluster(request_timeout=10).result(15)
        expected["cluster"] = {"cluster_id": d.cluster_id, "brokers": len(d.nodes)}
        broker_id[0] = str(d.nodes[0].id)

    def describe_configs():
        expect("described_configs", {"type": "topic", "name": main_t})
        expect("described_configs", {"type": "broker", "name": broker_id[0]})
        res = [ConfigResource(ResourceType.TOPIC, main_t), ConfigResource(ResourceType.BROKER, broker_id[0])]
        wait_all(admin.describe_configs(res, request_timeout=10), "describe_configs")

    def alter_configs():
        cfg = {"retention.ms": "7200000"}
        expect("altered_configs", {"type": "topic", "name": small_t, "configs": cfg, "incremental": False})
        wait_all(admin.alter_configs([ConfigResource(ResourceType.TOPIC, small_t, set_config=cfg)], request_timeout=10), "alter_configs")

    def incremental_alter_configs():
        cfg = {"retention.ms": "5400000"}
        expect("altered_configs", {"type": "topic", "name": main_t, "configs": cfg, "incremental": True})
        entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in cfg.items()]
        wait_all(admin.incremental_alter_configs([ConfigResource(ResourceType.TOPIC, main_t, incremental_configs=entries)]), "incremental_alter_configs")

    def create_partitions():
        expect("created_partitions", {"topic": small_t, "count": 2})
        wait_all(admin.create_partitions([NewPartitions(small_t, 2)], operation_timeout=10), "create_partitions")

    def idempotent_produce():
        p = Producer(dict(base, **{"enable.idempotence": True, "linger.ms": 20, "acks": "all"}))
        recs = records(f"{tag}-idem", 4)
        for r in recs:
            p.produce(main_t, value=r["value"], key=r["key"], partition=r["partition"], headers=r["headers"], timestamp=r["ts"])
        left = p.flush(20)
        if left:
            raise RuntimeError(f"{left} records not delivered")
        for r in recs:
            r["topic"] = main_t
        note_produced(main_t, recs, "none", "confluent-kafka (enable.idempotence)")
        expect("idempotent_producers", {"transactional_id": None, "topic": main_t, "records": len(recs)})

    def list_offsets():
        tp = TopicPartition(main_t, 0)
        r = admin.list_offsets({tp: OffsetSpec.latest()}, request_timeout=10)
        expected["latest_offsets"] = [{"topic": main_t, "partition": 0, "offset": r[tp].result(15).offset}]

    def delete_records():
        expect("deleted_records", {"topic": main_t, "partition": 0, "offset": 1})
        wait_all(admin.delete_records([TopicPartition(main_t, 0, 1)], request_timeout=10), "delete_records")

    acl = AclBinding(ResourceType.TOPIC, main_t, ResourcePatternType.LITERAL, "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW)

    def create_acls():
        expect("created_acls", {"resource_type": 2, "name": main_t, "pattern_type": 3, "principal": "User:alice", "host": "*", "operation": 3, "permission": 3})
        wait_all(admin.create_acls([acl], request_timeout=10), "create_acls")

    acl_filter = AclBindingFilter(ResourceType.TOPIC, main_t, ResourcePatternType.ANY, None, None, AclOperation.ANY, AclPermissionType.ANY)

    def describe_acls():
        admin.describe_acls(acl_filter, request_timeout=10).result(15)

    def delete_acls():
        wait_all(admin.delete_acls([acl_filter], request_timeout=10), "delete_acls")

    def scram_credentials():
        admin.describe_user_scram_credentials(["alice"], request_timeout=10)["alice"].result(15)

    def delete_topics():
        expected["deleted_topics"] = [doomed_t]
        wait_all(admin.delete_topics([doomed_t], operation_timeout=10), "delete_topics")

    if BROKER == "mock":
        # The mock names broker 0 as the controller but has only broker 1 (admin calls wait
        # for the controller until they time out) and does not advertise DescribeConfigs: only
        # the producer, ListOffsets and telemetry steps reach it.
        expected["topics"].append({"name": main_t, "partitions": "auto-created by the mock"})
        expected["mock_note"] = "admin calls skipped: the mock names a controller (0) it does not have"
        admin_step("idempotent_produce", idempotent_produce)
        admin_step("list_offsets", list_offsets)
        p = Producer(dict(base, **{"linger.ms": 5}))
        step("telemetry_idle", lambda: (p.poll(0), time.sleep(8), p.flush(5)))
        return
    admin_step("create_topics", create_topics)
    admin_step("describe_topics", describe_topics)
    admin_step("describe_cluster", describe_cluster)
    admin_step("describe_configs", describe_configs)
    admin_step("alter_configs", alter_configs)
    admin_step("incremental_alter_configs", incremental_alter_configs)
    admin_step("create_partitions", create_partitions)
    admin_step("idempotent_produce", idempotent_produce)
    admin_step("list_offsets", list_offsets)
    admin_step("delete_records", delete_records)
    admin_step("describe_user_scram_credentials", scram_credentials)
    admin_step("delete_topics", delete_topics)
    # Telemetry: librdkafka asks for its subscription when it connects and pushes on the
    # interval the broker gives; stay connected a little so a push can happen.
    p = Producer(dict(base, **{"linger.ms": 5}))
    admin_step("telemetry_idle", lambda: (p.poll(0), time.sleep(8), p.flush(5)))
    # Last: librdkafka 2.16 aborts the process on Tansu 0.6's CreateAcls answer (README).
    admin_step("create_acls", create_acls)
    admin_step("describe_acls", describe_acls)
    admin_step("delete_acls", delete_acls)


def kp_admin_main():
    """kafka-python's KafkaAdminClient through its admin calls, plus its idempotent producer."""
    from kafka import KafkaAdminClient, KafkaProducer, TopicPartition  # noqa: F401
    from kafka.admin import (
        ACL,
        ACLFilter,
        ACLOperation,
        ACLPermissionType,
        ConfigResource,
        ConfigResourceType,
        NewPartitions,
        NewTopic,
        ResourcePattern,
        ResourcePatternFilter,
        ResourceType,
    )
    from kafka.admin import ACLResourcePatternType

    base = {"bootstrap_servers": BOOTSTRAP, "request_timeout_ms": 10000}
    tag = "kpa"
    main_t, small_t, doomed_t = f"{tag}-main", f"{tag}-small", f"{tag}-doomed"
    admin = step("admin_client", KafkaAdminClient, **base)
    if admin is None:
        return
    broker_id = ["1"]  # replaced by the id DescribeCluster reports

    def create_topics():
        specs = [(main_t, 3, ADMIN_CONFIGS), (small_t, 1, {}), (doomed_t, 1, {})]
        for name, n, cfg in specs:
            expect("created_topics", {"name": name, "partitions": n, "replication_factor": 1, "configs": cfg})
            expected["topics"].append({"name": name, "partitions": n})
        admin.create_topics([NewTopic(n, p, 1, topic_configs=dict(c)) for n, p, c in specs], timeout_ms=10000)

    def describe_configs():
        expect("described_configs", {"type": "topic", "name": main_t})
        expect("described_configs", {"type": "broker", "name": broker_id[0]})
        admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, main_t), ConfigResource(ConfigResourceType.BROKER, broker_id[0])])

    def alter_configs():
        cfg = {"retention.ms": "7200000"}
        # incremental=None (the default): kafka-python sends IncrementalAlterConfigs where the
        # broker offers it, AlterConfigs otherwise.
        expect("altered_configs", {"type": "topic", "name": small_t, "configs": cfg, "incremental": None})
        # raise_on_unknown=False: kafka-python otherwise refuses names it does not know itself.
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, small_t, configs=cfg)], raise_on_unknown=False)

    def create_partitions():
        expect("created_partitions", {"topic": small_t, "count": 2})
        admin.create_partitions({small_t: NewPartitions(2)}, timeout_ms=10000)

    def idempotent_produce():
        p = KafkaProducer(**base, enable_idempotence=True, acks="all", linger_ms=20)
        recs = records(f"{tag}-idem", 4)
        futs = [
            p.send(main_t, value=r["value"], key=r["key"], partition=r["partition"], timestamp_ms=r["ts"], headers=r["headers"])
            for r in recs
        ]
        p.flush(20)
        for f in futs:
            f.get(timeout=10)
        p.close(5)
        note_produced(main_t, recs, "none", "kafka-python (enable_idempotence)")
        expect("idempotent_producers", {"transactional_id": None, "topic": main_t, "records": len(recs)})

    def delete_records():
        expect("deleted_records", {"topic": main_t, "partition": 0, "offset": 1})
        admin.delete_records({TopicPartition(main_t, 0): 1}, timeout_ms=10000)

    def describe_cluster():
        d = admin.describe_cluster()
        expected["cluster"] = {"cluster_id": d.get("cluster_id"), "brokers": len(d.get("brokers", []))}
        b = d["brokers"][0]
        broker_id[0] = str(b.get("broker_id", b.get("node_id")))

    acl = ACL("User:alice", "*", ACLOperation.READ, ACLPermissionType.ALLOW, ResourcePattern(ResourceType.TOPIC, main_t, ACLResourcePatternType.LITERAL))
    acl_filter = ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, ResourcePatternFilter(ResourceType.TOPIC, main_t, ACLResourcePatternType.ANY))

    def create_acls():
        expect("created_acls", {"resource_type": 2, "name": main_t, "pattern_type": 3, "principal": "User:alice", "host": "*", "operation": 3, "permission": 3})
        r = admin.create_acls([acl])
        if r.get("failed"):
            raise RuntimeError(f"create_acls: {r['failed']}"[:250])

    def delete_topics():
        expected["deleted_topics"] = [doomed_t]
        admin.delete_topics([doomed_t], timeout_ms=10000)

    admin_step("create_topics", create_topics)
    admin_step("describe_topics", admin.describe_topics, [main_t, small_t])
    admin_step("describe_cluster", describe_cluster)
    admin_step("describe_configs", describe_configs)
    admin_step("alter_configs", alter_configs)
    admin_step("create_partitions", create_partitions)
    admin_step("idempotent_produce", idempotent_produce)
    admin_step("delete_records", delete_records)
    admin_step("create_acls", create_acls)
    admin_step("describe_acls", admin.describe_acls, acl_filter)
    admin_step("delete_acls", admin.delete_acls, [acl_filter])

    def scram_upsert():
        from kafka.admin import ScramMechanism, UserScramCredentialUpsertion

        expect("scram_upserts", {"user": "alice", "mechanism": 2, "iterations": 8192})
        admin.alter_user_scram_credentials([UserScramCredentialUpsertion("alice", ScramMechanism.SCRAM_SHA_512, "alice-secret", iterations=8192)])

    admin_step("alter_user_scram_credentials", scram_upsert)
    admin_step("describe_user_scram_credentials", admin.describe_user_scram_credentials, ["alice"])
    admin_step("describe_topic_partitions", admin.describe_topic_partitions, [main_t])
    admin_step("describe_log_dirs", admin.describe_log_dirs)
    admin_step("describe_features", admin.describe_features)
    admin_step("list_transactions", admin.list_transactions)
    admin_step("describe_producers", admin.describe_producers, [TopicPartition(main_t, 0)])
    admin_step("delete_topics", delete_topics)
    admin.close()


def aiokafka_main():
    """aiokafka (asyncio, its own protocol code): admin calls, an idempotent producer and a
    transactional producer that commits consumed offsets (TxnOffsetCommit) and aborts."""
    import asyncio

    from aiokafka import AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
    from aiokafka.structs import TopicPartition

    tag = "aio"
    main_t, doomed_t = f"{tag}-main", f"{tag}-doomed"

    def run(coro_fn):
        def go():
            return asyncio.run(asyncio.wait_for(coro_fn(), STEP_TIMEOUT - 5))

        return go

    async def admin_call(fn):
        admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=10000)
        await admin.start()
        try:
            return await fn(admin)
        finally:
            await admin.close()

    async def create_topics():
        specs = [(main_t, 2, ADMIN_CONFIGS), (doomed_t, 1, {})]
        for name, n, cfg in specs:
            expect("created_topics", {"name": name, "partitions": n, "replication_factor": 1, "configs": cfg})
            expected["topics"].append({"name": name, "partitions": n})
        await admin_call(lambda a: a.create_topics([NewTopic(n, p, 1, topic_configs=dict(c)) for n, p, c in specs], timeout_ms=10000))

    async def describe_configs():
        expect("described_configs", {"type": "topic", "name": main_t})
        await admin_call(lambda a: a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, main_t)]))

    async def alter_configs():
        cfg = {"retention.ms": "7200000"}
        expect("altered_configs", {"type": "topic", "name": main_t, "configs": cfg, "incremental": False})
        await admin_call(lambda a: a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, main_t, configs=cfg)]))

    async def idempotent():
        p = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True, acks="all")
        await p.start()
        recs = records(f"{tag}-idem", 4)
        try:
            for r in recs:
                await p.send_and_wait(main_t, value=r["value"], key=r["key"], partition=r["partition"], timestamp_ms=r["ts"], headers=r["headers"])
        finally:
            await p.stop()
        note_produced(main_t, recs, "none", "aiokafka (enable_idempotence)")
        expect("idempotent_producers", {"transactional_id": None, "topic": main_t, "records": len(recs)})

    async def transactions():
        txid = f"{tag}-txid"
        p = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=txid)
        await p.start()
        try:
            for outcome in ("commit", "abort"):
                recs = records(f"{tag}-txn-{outcome}", 2)
                try:
                    async with p.transaction():  # an exception inside aborts it
                        for r in recs:
                            await p.send_and_wait(main_t, value=r["value"], key=r["key"], partition=r["partition"], timestamp_ms=r["ts"], headers=r["headers"])
                        if outcome == "commit":
                            group = f"{tag}-grp-txn"
                            await p.send_offsets_to_transaction({TopicPartition(main_t, 0): 1}, group)
                            expected["committed"].append({"group": group, "topic": main_t, "partition": 0, "offset": 1, "metadata": "", "via": "TxnOffsetCommit"})
                        else:
                            raise _Abort()
                except _Abort:
                    pass
                note_produced(main_t, recs, "none", "aiokafka", txn=outcome)
                expected["transactions"].append({"transactional_id": txid, "outcome": outcome})
        finally:
            await p.stop()

    class _Abort(Exception):
        """Raised inside a transaction to abort it."""

    async def delete_records():
        expect("deleted_records", {"topic": main_t, "partition": 0, "offset": 1})
        await admin_call(lambda a: a.delete_records({TopicPartition(main_t, 0): RecordsToDelete(1)}, timeout_ms=10000))

    async def delete_topics():
        expected["deleted_topics"] = [doomed_t]
        await admin_call(lambda a: a.delete_topics([doomed_t], timeout_ms=10000))

    if BROKER == "mock":
        # aiokafka's topic calls go to the controller, a broker the mock does not have.
        expected["topics"].append({"name": main_t, "partitions": "auto-created by the mock"})
    else:
        admin_step("create_topics", run(create_topics))
    admin_step("describe_cluster", run(lambda: admin_call(lambda a: a.describe_cluster())))
    admin_step("describe_configs", run(describe_configs))
    admin_step("alter_configs", run(alter_configs))
    admin_step("idempotent_produce", run(idempotent))
    admin_step("transactions", run(transactions))
    admin_step("list_consumer_groups", run(lambda: admin_call(lambda a: a.list_consumer_groups())))
    admin_step("delete_records", run(delete_records))
    if BROKER != "mock":
        admin_step("delete_topics", run(delete_topics))


def ck_sasl_main():
    """confluent-kafka logging in with SASL (SCRAM-SHA-512, then PLAIN) to a broker that
    requires authentication. No credential is stored on the broker (Tansu keeps users in its
    storage, and adding one needs an authenticated connection), so each login is refused: the
    frames are the handshake and the client's first authentication message."""
    from confluent_kafka.admin import AdminClient

    for mech in ("SCRAM-SHA-512", "PLAIN"):
        expect("sasl", {"mechanism": mech, "username": "alice"})
        conf = {
            "bootstrap.servers": BOOTSTRAP,
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": mech,
            "sasl.username": "alice",
            "sasl.password": "alice-secret",
            "enable.metrics.push": False,
            "reconnect.backoff.ms": 1000,
        }
        step(f"login_{mech}", lambda c=conf: AdminClient(c).list_topics(timeout=6))


# ---------------------------------------------------------------------------------------------
# kcat (Debian; librdkafka 2.0.2)
# ---------------------------------------------------------------------------------------------


def kcat_main():
    topic = "kcat-orders"
    expected["topics"].append({"name": topic, "partitions": "auto-created by the mock"})

    def run(args, stdin=None):
        r = subprocess.run(["kcat", "-b", BOOTSTRAP] + args, input=stdin, capture_output=True, timeout=40)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.decode(errors="replace")[-300:])
        return r.stdout

    step("metadata", run, ["-L"])

    def produce():
        recs = records("kcat", 4, headers=False)
        for r in recs:
            r["partition"] = 0
            args = ["-P", "-t", topic, "-p", "0", "-K", "\t", "-H", "trace=a", "-H", "trace=b", "-z", "gzip"]
            key = (r["key"] or b"").decode()
            run(args, stdin=f"{key}\t{r['value'].decode()}\n".encode())
            r["headers"] = [("trace", b"a"), ("trace", b"b")]
            r["ts"] = None
            if r["key"] is None:
                r["key"] = b""  # kcat's -K sends an empty key, not null
        note_produced(topic, recs, "gzip", "kcat")

    step("produce", produce)
    step("consume", run, ["-C", "-t", topic, "-o", "beginning", "-e", "-f", "%k=%s\n"])

    def group():
        gid = "kcat-grp"
        expected["groups"].append({"group": gid, "members": 1, "topic": topic})
        p = subprocess.Popen(
            ["kcat", "-b", BOOTSTRAP, "-G", gid, "-o", "beginning", "-X", "enable.auto.commit=true", "-X", "auto.commit.interval.ms=500", topic],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(12)
        p.terminate()  # kcat leaves the group on SIGTERM
        p.wait(10)

    step("group", group)


def main():
    global STEP_TIMEOUT
    if PROFILE.endswith("-admin") or PROFILE == "aiokafka":
        STEP_TIMEOUT = 30  # many short calls, each with its own 10-15 s request timeout
    os.makedirs(OUTDIR, exist_ok=True)
    save()  # so a profile killed by its timeout still leaves what it had recorded
    log(f"bootstrap {BOOTSTRAP}")
    if PROFILE == "confluent-kafka":
        ck_main(False)
    elif PROFILE == "confluent-kafka-fallback-0.9.0":
        ck_main(True)
    elif PROFILE.startswith("kafka-python") and PROFILE != "kafka-python-admin":
        v = PROFILE.split("api-")[-1] if "api-" in PROFILE else None
        ck = None if v in (None, "auto") else tuple(int(x) for x in v.split("."))
        kp_main(ck)
    elif PROFILE == "confluent-kafka-admin":
        ck_admin_main()
    elif PROFILE == "kafka-python-admin":
        kp_admin_main()
    elif PROFILE == "aiokafka":
        aiokafka_main()
    elif PROFILE == "confluent-kafka-sasl":
        ck_sasl_main()
    elif PROFILE == "kcat":
        kcat_main()
    else:
        raise SystemExit(f"unknown profile {PROFILE}")
    save()
    # Abandoned steps may still hold clients whose destructors would block the exit.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
