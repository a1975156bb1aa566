"""Generates testdata/assignments/java/scenarios.txt: random groups, and what Apache Kafka's
Java assignors compute for them (see README.md beside this file).

    python3 gen.py --java "java -cp BUILD:SLF4J org.apache.kafka.clients.consumer.Drive" > scenarios.txt

Each scenario is a block of lines:

    strategy NAME [prefer]
    topic NAME RACKS|RACKS|...            one entry per partition, racks comma-separated
    member ID TOPICS RACK GEN OWNED INSTANCE   "-" for none; OWNED like t-0,t-3
    end
    assign ID PARTITIONS                  Java's answer, one line per member (sorted)
    done

Members are listed in the order the leader's JoinGroup response would list them (the order
Java's HashMap of subscriptions is filled in). Round-two scenarios take the owned partitions
from Java's round-one answer, then drop, add or keep members.
"""

import argparse
import random
import subprocess
import sys

STRATEGIES = ["range", "roundrobin", "sticky", "cooperative-sticky"]
RACKS = ["a", "b", "c"]


def scenario(rng, strategy):
    ntopics = rng.randint(1, 4)
    topics = {}
    with_racks = rng.random() < 0.5
    for i in range(ntopics):
        n = rng.randint(1, 12)
        parts = []
        for _ in range(n):
            if with_racks:
                parts.append(",".join(rng.sample(RACKS, rng.randint(1, 2))))
            else:
                parts.append("")
        topics[f"t{i}"] = parts
    names = list(topics)
    uniform = rng.random() < 0.5
    members = []
    for i in range(rng.randint(1, 9)):
        mid = f"consumer-{rng.randint(0, 99)}-{rng.getrandbits(32):08x}"
        if uniform:
            subs = list(names)
        else:
            subs = rng.sample(names, rng.randint(1, len(names)))
            if rng.random() < 0.1:
                subs.append("ghost")
        rack = rng.choice(RACKS) if with_racks and rng.random() < 0.8 else "-"
        inst = f"instance-{rng.randint(0, 9)}-{i}" if rng.random() < 0.25 else "-"
        members.append([mid, subs, rack, "-", "-", inst])
    prefer = with_racks and rng.random() < 0.2
    return {"strategy": strategy, "prefer": prefer, "topics": topics, "members": members}


def render(s):
    out = [f"strategy {s['strategy']}" + (" prefer" if s["prefer"] else "")]
    for t, parts in s["topics"].items():
        out.append(f"topic {t} {'|'.join(parts)}")
    for mid, subs, rack, gen, owned, inst in s["members"]:
        out.append(f"member {mid} {','.join(subs)} {rack} {gen} {owned} {inst}")
    out.append("end")
    return "\n".join(out) + "\n"


def run_java(java, scenarios):
    text = "".join(render(s) for s in scenarios)
    r = subprocess.run(java, shell=True, input=text, capture_output=True, text=True, check=True)
    answers, cur = [], {}
    for line in r.stdout.splitlines():
        if line.startswith("assign "):
            parts = line.split(" ")
            cur[parts[1]] = parts[2] if len(parts) > 2 else ""
        elif line.startswith("error"):
            cur["__error__"] = line
        elif line == "done":
            answers.append(cur)
            cur = {}
    assert len(answers) == len(scenarios), (len(answers), len(scenarios), r.stderr[-2000:])
    return answers


def next_round(rng, s, answer):
    """Members keep Java's round-one partitions (generation 1); one may leave or join."""
    s2 = {"strategy": s["strategy"], "prefer": s["prefer"], "topics": s["topics"], "members": []}
    for mid, subs, rack, _, _, inst in s["members"]:
        owned = answer.get(mid, "")
        s2["members"].append([mid, subs, rack, "1", owned or "-", inst])
    r = rng.random()
    if r < 0.35 and len(s2["members"]) > 1:
        s2["members"].pop(rng.randrange(len(s2["members"])))
    elif r < 0.7:
        names = list(s["topics"])
        subs = list(names) if rng.random() < 0.5 else rng.sample(names, rng.randint(1, len(names)))
        if all(m[1] == s["members"][0][1] for m in s["members"]):
            subs = list(s["members"][0][1])
        s2["members"].insert(rng.randrange(len(s2["members"]) + 1),
                             [f"consumer-new-{rng.getrandbits(32):08x}", subs, "-", "-", "-", "-"])
    if s["strategy"] == "cooperative-sticky" and rng.random() < 0.3:
        # A stale member: claims from an older generation.
        m = rng.choice(s2["members"])
        if m[3] == "1":
            m[3] = "0"
    return s2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--java", required=True)
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--per-strategy", type=int, default=400)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    first = [scenario(rng, st) for st in STRATEGIES for _ in range(a.per_strategy)]
    answers = run_java(a.java, first)
    second = [next_round(rng, s, ans) for s, ans in zip(first, answers)
              if s["strategy"] in ("sticky", "cooperative-sticky")]
    answers2 = run_java(a.java, second)
    out = sys.stdout
    for s, ans in list(zip(first, answers)) + list(zip(second, answers2)):
        out.write(render(s))
        for mid in sorted(ans):
            out.write(f"assign {mid} {ans[mid]}\n" if mid != "__error__" else ans[mid] + "\n")
        out.write("done\n")


if __name__ == "__main__":
    main()
