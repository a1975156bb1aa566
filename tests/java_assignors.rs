//! Differential check against Apache Kafka's own Java assignors: every scenario in
//! testdata/assignments/java/scenarios.txt (random groups: racks, uneven subscriptions,
//! static members, missing topics, and second rounds with owned partitions, generations and
//! members leaving or joining) was run through Java's `RangeAssignor`, `RoundRobinAssignor`,
//! `StickyAssignor` and `CooperativeStickyAssignor` (see the README beside it); ours must
//! give the same assignment, member for member, partition for partition.

#![cfg(feature = "consumer-group")]

use std::collections::BTreeMap;

use kafka_codec::consumer_group::assignor::sticky_user_data::encode_sticky;
use kafka_codec::consumer_group::assignor::{
    Assignor, ClusterMetadata, CooperativeStickyAssignor, Member, PartitionInfo, RangeAssignor,
    RoundRobinAssignor, StickyAssignor, TopicPartition,
};

struct Scenario {
    line: usize,
    strategy: String,
    prefer: bool,
    metadata: ClusterMetadata,
    members: Vec<Member>,
    expected: BTreeMap<String, String>,
}

fn parse(text: &str) -> Vec<Scenario> {
    let mut out = Vec::new();
    let mut cur: Option<Scenario> = None;
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "strategy" => {
                cur = Some(Scenario {
                    line: i + 1,
                    strategy: f[1].to_owned(),
                    prefer: f.get(2) == Some(&"prefer"),
                    metadata: ClusterMetadata::new(),
                    members: Vec::new(),
                    expected: BTreeMap::new(),
                })
            }
            "topic" => {
                let s = cur.as_mut().unwrap();
                let parts = f[2]
                    .split('|')
                    .enumerate()
                    .map(|(p, racks)| {
                        PartitionInfo::new(p as i32, racks.split(',').filter(|r| !r.is_empty()))
                    })
                    .collect();
                s.metadata = std::mem::take(&mut s.metadata).with_partitions(f[1], parts);
            }
            "member" => {
                let s = cur.as_mut().unwrap();
                let opt = |x: &str| (x != "-").then(|| x.to_owned());
                let owned: Vec<TopicPartition> = match f[5] {
                    "-" => Vec::new(),
                    list => list
                        .split(',')
                        .map(|tp| {
                            let (t, p) = tp.rsplit_once('-').unwrap();
                            TopicPartition::new(t, p.parse().unwrap())
                        })
                        .collect(),
                };
                let generation: Option<i32> = opt(f[4]).map(|g| g.parse().unwrap());
                let mut m = Member::new(f[1], f[2].split(','))
                    .with_rack(opt(f[3]).as_deref())
                    .with_group_instance_id(opt(f[6]).as_deref())
                    .with_owned(owned.clone(), generation.unwrap_or(-1));
                if s.strategy == "sticky" && generation.is_some() {
                    m = m.with_user_data(Some(encode_sticky(&owned, generation)));
                }
                s.members.push(m);
            }
            "assign" => {
                let s = cur.as_mut().unwrap();
                s.expected
                    .insert(f[1].to_owned(), f.get(2).unwrap_or(&"").to_string());
            }
            "done" => out.push(cur.take().unwrap()),
            "end" => {}
            other => panic!("line {}: unexpected {other:?}", i + 1),
        }
    }
    out
}

fn assignor(s: &Scenario) -> Box<dyn Assignor> {
    match s.strategy.as_str() {
        "range" => Box::new(RangeAssignor::with_prefer_rack_aware(s.prefer)),
        "roundrobin" => Box::new(RoundRobinAssignor),
        "sticky" => Box::new(StickyAssignor::with_prefer_rack_aware(s.prefer)),
        "cooperative-sticky" => {
            Box::new(CooperativeStickyAssignor::with_prefer_rack_aware(s.prefer))
        }
        other => panic!("unknown strategy {other}"),
    }
}

#[test]
fn same_assignment_as_java_for_every_scenario() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/assignments/java/scenarios.txt"
    ))
    .unwrap();
    let scenarios = parse(&text);
    assert!(
        scenarios.len() >= 2000,
        "only {} scenarios",
        scenarios.len()
    );
    let mut failures = Vec::new();
    let mut per_strategy: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &scenarios {
        *per_strategy.entry(s.strategy.as_str()).or_default() += 1;
        let ours = assignor(s).assign(&s.members, &s.metadata).unwrap();
        let ours: BTreeMap<String, String> = ours
            .iter()
            .map(|(m, topics)| {
                let mut v: Vec<String> = topics
                    .iter()
                    .flat_map(|(t, ps)| ps.iter().map(move |p| format!("{t}-{p}")))
                    .collect();
                v.sort();
                (m.clone(), v.join(","))
            })
            .collect();
        if ours != s.expected {
            failures.push(format!(
                "scenario at line {} ({}):\n  java: {:?}\n  ours: {:?}",
                s.line, s.strategy, s.expected, ours
            ));
        }
    }
    assert_eq!(per_strategy.len(), 4, "{per_strategy:?}");
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
}
