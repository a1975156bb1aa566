//! Property tests: validity, balance, stickiness and the cooperative rule, over random
//! groups (topics, partition counts, subscriptions, racks, previous owners).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::cooperative::{flatten, validate_assignment};
use super::sticky_user_data::encode_sticky;
use super::*;

const RACKS: [&str; 3] = ["a", "b", "c"];

#[derive(Clone, Debug)]
struct Group {
    metadata: ClusterMetadata,
    members: Vec<Member>,
}

fn topic_name(i: usize) -> String {
    format!("topic{i}")
}

/// 1-4 topics of 1-8 partitions, replicas on 1-2 of three racks; 1-6 members each
/// subscribing to a non-empty subset (or all, when `uniform`), maybe with a rack.
fn group(uniform: bool) -> impl Strategy<Value = Group> {
    (1usize..=4, any::<bool>())
        .prop_flat_map(move |(ntopics, with_racks)| {
            let topics = proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::subsequence(RACKS.to_vec(), 1..=2),
                    1..=8,
                ),
                ntopics,
            );
            let members = proptest::collection::vec(
                (
                    proptest::sample::subsequence((0..ntopics).collect::<Vec<_>>(), 1..=ntopics),
                    proptest::option::of(proptest::sample::select(RACKS.to_vec())),
                ),
                1..=6,
            );
            (topics, members, Just(with_racks))
        })
        .prop_map(move |(topics, members, with_racks)| {
            let mut metadata = ClusterMetadata::new();
            for (t, parts) in topics.iter().enumerate() {
                let infos = parts
                    .iter()
                    .enumerate()
                    .map(|(p, racks)| {
                        let racks: Vec<&str> = if with_racks { racks.clone() } else { vec![] };
                        PartitionInfo::new(p as i32, racks)
                    })
                    .collect();
                metadata = metadata.with_partitions(topic_name(t), infos);
            }
            let all: Vec<usize> = (0..topics.len()).collect();
            let members = members
                .into_iter()
                .enumerate()
                .map(|(i, (subs, rack))| {
                    let subs = if uniform { all.clone() } else { subs };
                    Member::new(format!("m{i}"), subs.into_iter().map(topic_name))
                        .with_rack(if with_racks { rack } else { None })
                })
                .collect();
            Group { metadata, members }
        })
}

fn all_assignors() -> Vec<Box<dyn Assignor>> {
    ["range", "roundrobin", "sticky", "cooperative-sticky"]
        .into_iter()
        .map(|n| by_name(n).unwrap())
        .collect()
}

/// Every partition goes to at most one member, only to a subscriber; returns partition →
/// member.
fn check_valid(g: &Group, a: &GroupAssignment) -> BTreeMap<(String, i32), String> {
    let mut owner = BTreeMap::new();
    for m in &g.members {
        for (t, ps) in &a[&m.member_id] {
            assert!(
                m.subscription.topics.contains(t),
                "{} got {t} unsubscribed",
                m.member_id
            );
            for p in ps {
                assert!(g.metadata.topics[t].iter().any(|x| x.partition == *p));
                let prev = owner.insert((t.clone(), *p), m.member_id.clone());
                assert!(prev.is_none(), "{t}-{p} assigned twice");
            }
        }
    }
    owner
}

fn count(a: &GroupAssignment, m: &str) -> usize {
    a[m].values().map(Vec::len).sum()
}

/// Members keep what `prev` gave them, at generation `generation`, in both the v1+ fields
/// and sticky's user data.
fn with_owned(members: &[Member], prev: &GroupAssignment, generation: i32) -> Vec<Member> {
    members
        .iter()
        .map(|m| {
            let owned = flatten(prev.get(&m.member_id));
            m.clone()
                .with_user_data(Some(encode_sticky(&owned, Some(generation))))
                .with_owned(owned, generation)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every subscribed partition is assigned exactly once (cooperative-sticky may hold one
    /// back only while another member still owns it).
    #[test]
    fn every_partition_assigned_once(g in group(false), owned_round in any::<bool>()) {
        let subscribed: BTreeSet<(String, i32)> = g.members.iter()
            .flat_map(|m| m.subscription.topics.iter())
            .flat_map(|t| g.metadata.topics[t].iter().map(move |p| (t.clone(), p.partition)))
            .collect();
        prop_assert!(!subscribed.is_empty());
        for a in all_assignors() {
            let first = a.assign(&g.members, &g.metadata).unwrap();
            let owner = check_valid(&g, &first);
            let got: BTreeSet<_> = owner.keys().cloned().collect();
            prop_assert_eq!(&got, &subscribed, "{}", a.name());
            if owned_round {
                // A second round from the first one's result. Only cooperative-sticky may
                // leave partitions out, and only ones a member still owns (with racks, a
                // partition on the wrong rack is taken from its owner first).
                let members = with_owned(&g.members, &first, 1);
                let g2 = Group { metadata: g.metadata.clone(), members };
                let second = a.assign(&g2.members, &g2.metadata).unwrap();
                let owner = check_valid(&g2, &second);
                let got: BTreeSet<_> = owner.keys().cloned().collect();
                if a.name() == "cooperative-sticky" {
                    let owned: BTreeSet<(String, i32)> = g2.members.iter()
                        .flat_map(|m| m.subscription.owned_partitions.iter())
                        .map(|tp| (tp.topic.clone(), tp.partition))
                        .collect();
                    for missing in subscribed.difference(&got) {
                        prop_assert!(owned.contains(missing), "{missing:?} dropped");
                    }
                } else {
                    prop_assert_eq!(&got, &subscribed, "{} second round", a.name());
                }
            }
        }
    }

    /// With the same subscriptions everywhere: roundrobin and the sticky assignors spread
    /// partitions within one of each other; range does so per topic.
    #[test]
    fn balanced_within_one(g in group(true)) {
        for a in all_assignors() {
            let r = a.assign(&g.members, &g.metadata).unwrap();
            if a.name() == "range" {
                for t in g.metadata.topics.keys() {
                    let counts: Vec<usize> = g.members.iter()
                        .map(|m| r[&m.member_id].get(t).map_or(0, Vec::len)).collect();
                    let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
                    prop_assert!(hi - lo <= 1, "range {t}: {counts:?}");
                }
            } else {
                let counts: Vec<usize> = g.members.iter().map(|m| count(&r, &m.member_id)).collect();
                let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
                prop_assert!(hi - lo <= 1, "{}: {counts:?}", a.name());
            }
        }
    }

    /// Stickiness: fed its own result as the previous assignment, a sticky assignor changes
    /// nothing; when a member leaves, every other member keeps all it had; when one joins,
    /// every member keeps as much as its new quota allows. (Without racks: with racks a
    /// partition given off-rack for balance is moved when a better place appears.)
    #[test]
    fn sticky_is_never_less_sticky(g in group(true)) {
        let mut g = g;
        for m in &mut g.members {
            m.subscription.rack_id = None;
        }
        let total: usize = g.metadata.topics.values().map(Vec::len).sum();
        for a in [by_name("sticky").unwrap(), by_name("cooperative-sticky").unwrap()] {
            let first = a.assign(&g.members, &g.metadata).unwrap();
            let again = a.assign(&with_owned(&g.members, &first, 1), &g.metadata).unwrap();
            prop_assert_eq!(&again, &first, "{} not a fixpoint", a.name());

            if g.members.len() > 1 {
                let survivors: Vec<Member> = with_owned(&g.members, &first, 1)
                    .into_iter().skip(1).collect();
                let after = a.assign(&survivors, &g.metadata).unwrap();
                for m in &survivors {
                    let before: BTreeSet<_> = flatten(first.get(&m.member_id)).into_iter().collect();
                    let now: BTreeSet<_> = flatten(after.get(&m.member_id)).into_iter().collect();
                    prop_assert!(before.is_subset(&now), "{} {} lost partitions", a.name(), m.member_id);
                }
            }

            let mut joined = with_owned(&g.members, &first, 1);
            let topics = g.members[0].subscription.topics.clone();
            joined.push(Member::new("zz-new", topics));
            let after = a.assign(&joined, &g.metadata).unwrap();
            let min_quota = total / joined.len();
            for m in &g.members {
                let before: BTreeSet<_> = flatten(first.get(&m.member_id)).into_iter().collect();
                let now: BTreeSet<_> = flatten(after.get(&m.member_id)).into_iter().collect();
                let kept = before.intersection(&now).count();
                prop_assert!(kept >= before.len().min(min_quota), "{} {} kept {kept} of {}", a.name(), m.member_id, before.len());
            }
        }
    }

    /// Cooperative: whatever members claim to own (overlapping claims, stale generations),
    /// no partition is assigned to one member while another that owns it loses it.
    #[test]
    fn cooperative_never_moves_directly(
        g in group(false),
        claims in proptest::collection::vec((0usize..6, 0usize..4, 0i32..8, 0i32..3), 0..24),
    ) {
        let mut members = g.members.clone();
        let mut owned: Vec<Vec<TopicPartition>> = vec![Vec::new(); members.len()];
        let mut generations = vec![-1; members.len()];
        for (m, t, p, generation) in claims {
            let m = m % members.len();
            let t = topic_name(t);
            if g.metadata.topics.get(&t).is_some_and(|ps| (p as usize) < ps.len()) {
                let tp = TopicPartition::new(t, p);
                if !owned[m].contains(&tp) {
                    owned[m].push(tp);
                }
                generations[m] = generations[m].max(generation);
            }
        }
        for (i, m) in members.iter_mut().enumerate() {
            *m = m.clone().with_owned(owned[i].clone(), generations[i]);
        }
        let g = Group { metadata: g.metadata, members };
        let r = CooperativeStickyAssignor::default().assign(&g.members, &g.metadata).unwrap();
        check_valid(&g, &r);
        prop_assert_eq!(validate_assignment(&g.members, &r), Ok(()));
    }
}
