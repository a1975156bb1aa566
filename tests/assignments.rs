//! Agreement with real group leaders: for every leader exchange recorded in
//! testdata/assignments/ (see the README there), our assignor of the group's protocol, given
//! the leader's JoinGroup member list and Metadata, computes exactly the assignment the
//! leader sent in its SyncGroup request.
//!
//! librdkafka's and kafka-python's sticky assignors are ports of Java's from before 2.7: they
//! run the general algorithm even when every member subscribes to the same topics, so their
//! cases are computed with `general_only` set. Where a peer's port departs from Java's
//! algorithm itself, the case is listed in `testdata/assignments/deviations.tsv` and must
//! keep differing (so the list cannot go stale).

#![cfg(all(feature = "consumer-group", feature = "metadata"))]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_codec::consumer::Versioned;
use kafka_codec::consumer_group::assignor::{
    by_name, Assignor, ClusterMetadata, CooperativeStickyAssignor, GroupAssignment, Member,
    StickyAssignor,
};
use kafka_codec::frame::{decode_request, decode_response};
use kafka_codec::messages::ConsumerProtocolAssignment;
use kafka_codec::{RequestBody, ResponseBody};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/assignments")
}

fn read(p: &Path) -> Bytes {
    Bytes::from(std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

fn response(dir: &Path, stem: &str) -> ResponseBody {
    let req = decode_request(read(&dir.join(format!("{stem}.req.bin")))).unwrap();
    decode_response(
        req.api_key(),
        req.api_version(),
        read(&dir.join(format!("{stem}.resp.bin"))),
    )
    .unwrap_or_else(|e| panic!("{}/{stem}: {e}", dir.display()))
    .body
}

/// One recorded generation: (protocol, what the leader sent, what we compute).
fn case(dir: &Path) -> (String, GroupAssignment, GroupAssignment) {
    let join = match response(dir, "join") {
        ResponseBody::JoinGroup(j) => j,
        _ => panic!("{}: join is not JoinGroup", dir.display()),
    };
    let metadata = match response(dir, "metadata") {
        ResponseBody::Metadata(m) => ClusterMetadata::from_metadata_response(&m),
        _ => panic!("{}: metadata is not Metadata", dir.display()),
    };
    let sync = match decode_request(read(&dir.join("sync.req.bin")))
        .unwrap()
        .body
    {
        RequestBody::SyncGroup(s) => s,
        _ => panic!("{}: sync is not SyncGroup", dir.display()),
    };
    let protocol = join.protocol_name.as_ref().unwrap().to_string();
    let members = Member::from_join_group(&join).unwrap();

    let mut leader = GroupAssignment::new();
    for a in &sync.assignments {
        let decoded = Versioned::<ConsumerProtocolAssignment>::decode(a.assignment.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let entry = leader.entry(a.member_id.to_string()).or_default();
        for tp in &decoded.message.assigned_partitions {
            if tp.partitions.is_empty() {
                continue;
            }
            let mut ps = tp.partitions.clone();
            ps.sort_unstable();
            entry.insert(tp.topic.to_string(), ps);
        }
    }
    // A leader may leave members with nothing out of SyncGroup; ours lists everyone.
    for m in &members {
        leader.entry(m.member_id.clone()).or_default();
    }
    let scenario = dir.parent().unwrap().file_name().unwrap().to_string_lossy();
    let legacy = scenario.starts_with("confluent-kafka") || scenario.starts_with("kafka-python");
    let assignor: Box<dyn Assignor> = match protocol.as_str() {
        "sticky" => Box::new(StickyAssignor::with_general_only(legacy)),
        "cooperative-sticky" => Box::new(CooperativeStickyAssignor::with_general_only(legacy)),
        other => by_name(other).unwrap(),
    };
    let ours = assignor
        .assign(&members, &metadata)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    (protocol, leader, ours)
}

/// `scenario/gen-N` → why the recorded leader is known to differ.
fn deviations() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("deviations.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap_or((l, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for scenario in std::fs::read_dir(root()).unwrap() {
        let scenario = scenario.unwrap().path();
        if !scenario.is_dir() {
            continue;
        }
        for g in std::fs::read_dir(&scenario).unwrap() {
            let g = g.unwrap().path();
            if g.join("sync.req.bin").exists() {
                out.push(g);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn our_assignors_match_every_recorded_leader() {
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "expected the recorded corpus, found {} cases",
        cases.len()
    );
    let deviations = deviations();
    let mut per_protocol: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut agreed = 0;
    for dir in &cases {
        let (protocol, leader, ours) = case(dir);
        let name = dir.strip_prefix(root()).unwrap().display().to_string();
        let expected_to_differ = deviations.contains_key(&name);
        if leader == ours {
            agreed += 1;
            *per_protocol.entry(protocol.clone()).or_default() += 1;
            if expected_to_differ {
                failures.push(format!("{name}: listed in deviations.tsv but agrees now"));
            }
        } else if !expected_to_differ {
            failures.push(format!(
                "{name} ({protocol}):\n  leader: {leader:?}\n  ours:   {ours:?}"
            ));
        }
    }
    for name in deviations.keys() {
        if !cases.iter().any(|c| c.ends_with(name)) {
            failures.push(format!("{name}: listed in deviations.tsv but not recorded"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        agreed * 2 > cases.len(),
        "only {agreed} of {} agree",
        cases.len()
    );
    for p in ["range", "roundrobin", "sticky", "cooperative-sticky"] {
        assert!(
            per_protocol.get(p).copied().unwrap_or(0) > 0,
            "no recorded case for {p}: {per_protocol:?}"
        );
    }
}
