//! Scenarios from Apache Kafka's assignor test suites (`RangeAssignorTest`,
//! `RoundRobinAssignorTest`, `AbstractStickyAssignorTest`, `StickyAssignorTest`,
//! `CooperativeStickyAssignorTest`) and the KIPs, with the expected assignments written out
//! and explained. The cluster layouts are rebuilt the way Java's test helpers build them.

use super::sticky_user_data::encode_sticky;
use super::*;

fn tp(t: &str, p: i32) -> TopicPartition {
    TopicPartition::new(t, p)
}

/// "t1-0" → ("t1", 0).
fn parse_tp(s: &str) -> TopicPartition {
    let (t, p) = s.rsplit_once('-').unwrap();
    tp(t, p.parse().unwrap())
}

/// A member's partitions as Java's tests print them: "t-p" strings sorted as strings,
/// joined by ", ".
fn sorted_string(a: &GroupAssignment, member: &str) -> String {
    let mut v: Vec<String> = a[member]
        .iter()
        .flat_map(|(t, ps)| ps.iter().map(move |p| format!("{t}-{p}")))
        .collect();
    v.sort();
    v.join(", ")
}

fn racks(n: usize) -> Vec<Option<&'static str>> {
    ["a", "b", "c", "d", "e", "f"]
        .iter()
        .cycle()
        .take(n)
        .map(|r| Some(*r))
        .collect()
}

fn null_racks(n: usize) -> Vec<Option<&'static str>> {
    vec![None; n]
}

/// Java's `partitionsPerTopic` test helper: brokers `0..n` on `broker_racks`; partition `i`
/// of a topic has replicas on brokers `(i + j + first) % n` for `j < rf`, where `first`
/// counts the partitions of the topics listed before it.
fn layout(topics: &[(&str, i32)], rf: usize, broker_racks: &[Option<&str>]) -> ClusterMetadata {
    let mut md = ClusterMetadata::new();
    let mut next = 0usize;
    for &(t, n) in topics {
        let parts = (0..n)
            .map(|i| {
                PartitionInfo::new(
                    i,
                    (0..rf)
                        .filter_map(|j| broker_racks[(i as usize + j + next) % broker_racks.len()]),
                )
            })
            .collect();
        md = md.with_partitions(t, parts);
        next += n as usize;
    }
    md
}

/// Java's `verifyRackAssignment`: members `consumer0..`, each with its topics, rack and
/// (optionally) owned partitions at no generation; checks every member's partitions and,
/// when `mismatches >= 0`, how many assigned partitions have no replica on the member's rack.
#[allow(clippy::too_many_arguments)]
fn verify_rack(
    assignor: &dyn Assignor,
    topics: &[(&str, i32)],
    rf: usize,
    broker_racks: &[Option<&str>],
    consumer_racks: &[Option<&str>],
    consumer_topics: &[&[&str]],
    owned: Option<&[&str]>,
    expected: &[&str],
    mismatches: i32,
) {
    let md = layout(topics, rf, broker_racks);
    let members: Vec<Member> = consumer_racks
        .iter()
        .enumerate()
        .map(|(i, rack)| {
            let owned_parts: Vec<TopicPartition> = owned
                .and_then(|o| o.get(i))
                .map(|s| s.split(", ").map(parse_tp).collect())
                .unwrap_or_default();
            Member::new(format!("consumer{i}"), consumer_topics[i].iter().copied())
                .with_rack(*rack)
                .with_owned(owned_parts, -1)
        })
        .collect();
    let a = assignor.assign(&members, &md).unwrap();
    for (i, want) in expected.iter().enumerate() {
        let got = sorted_string(&a, &format!("consumer{i}"));
        assert_eq!(
            &got,
            want,
            "{} consumer{i} (rf {rf}, brokers {broker_racks:?}, consumers {consumer_racks:?}, owned {owned:?})",
            assignor.name()
        );
    }
    if mismatches >= 0 {
        let mut n = 0;
        for (i, rack) in consumer_racks.iter().enumerate() {
            let Some(rack) = rack else { continue };
            for (t, ps) in &a[&format!("consumer{i}")] {
                for p in ps {
                    let info = md.topics[t].iter().find(|x| x.partition == *p).unwrap();
                    if !info.replica_racks.contains(*rack) {
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(n, mismatches, "{} rack mismatches", assignor.name());
    }
}

const T3: &[(&str, i32)] = &[("t1", 6), ("t2", 7), ("t3", 2)];
const ALL3: &[&str] = &["t1", "t2", "t3"];

/// Java's `verifyNonRackAwareAssignment` (range): every layout in which racks must not
/// change the plain range result.
fn range_not_rack_aware(consumer_topics: &[&[&str]], expected: &[&str], topics: &[(&str, i32)]) {
    let plain = RangeAssignor::default();
    let prefer = RangeAssignor::with_prefer_rack_aware(true);
    let de = [Some("d"), Some("e"), Some("f")];
    let ne = [None, Some("e"), Some("f")];
    let v = |a: &RangeAssignor, rf, b: &[Option<&str>], c: &[Option<&str>], m| {
        verify_rack(a, topics, rf, b, c, consumer_topics, None, expected, m)
    };
    // No broker racks; no consumer racks; racks everywhere with every partition on every
    // rack; more brokers than consumers' racks; consumer racks no broker has.
    v(&plain, 3, &null_racks(3), &racks(3), -1);
    v(&plain, 3, &racks(3), &null_racks(3), -1);
    v(&plain, 3, &racks(3), &racks(3), 0);
    v(&plain, 4, &racks(4), &racks(3), 0);
    v(&plain, 3, &racks(3), &de, -1);
    v(&plain, 3, &racks(3), &ne, -1);
    // Forcing the rack-aware pass changes nothing when every rack has every partition.
    v(&prefer, 3, &racks(3), &racks(3), 0);
}

// ---------------------------------------------------------------------------------------
// range

/// KIP-54 / RangeAssignorTest.testMultipleConsumersMixedTopics: c2 alone subscribes to
/// topic2, so it gets both of its partitions; topic1's three go one each.
#[test]
fn range_mixed_topics() {
    let md = ClusterMetadata::new()
        .with_topic("topic1", 3)
        .with_topic("topic2", 2);
    let members = vec![
        Member::new("consumer1", ["topic1"]),
        Member::new("consumer2", ["topic1", "topic2"]),
        Member::new("consumer3", ["topic1"]),
    ];
    let a = RangeAssignor::default().assign(&members, &md).unwrap();
    assert_eq!(sorted_string(&a, "consumer1"), "topic1-0");
    assert_eq!(
        sorted_string(&a, "consumer2"),
        "topic1-1, topic2-0, topic2-1"
    );
    assert_eq!(sorted_string(&a, "consumer3"), "topic1-2");
}

/// Range with two topics of three partitions and two members: the first member in order
/// takes the first two of each topic ("range" imbalance across topics is by design).
#[test]
fn range_two_consumers_two_topics() {
    let md = ClusterMetadata::new()
        .with_topic("topic1", 3)
        .with_topic("topic2", 3);
    let members = vec![
        Member::new("consumer1", ["topic1", "topic2"]),
        Member::new("consumer2", ["topic1", "topic2"]),
    ];
    let a = RangeAssignor::default().assign(&members, &md).unwrap();
    assert_eq!(
        sorted_string(&a, "consumer1"),
        "topic1-0, topic1-1, topic2-0, topic2-1"
    );
    assert_eq!(sorted_string(&a, "consumer2"), "topic1-2, topic2-2");
}

/// Static members (KIP-345) sort by `group.instance.id` ahead of dynamic members, so a
/// static member keeps its range when its member id changes on restart.
#[test]
fn range_static_members_order_by_instance_id() {
    let md = ClusterMetadata::new().with_topic("t", 3);
    let first = vec![
        Member::new("zzz", ["t"]).with_group_instance_id(Some("instance-a")),
        Member::new("aaa", ["t"]).with_group_instance_id(Some("instance-b")),
        Member::new("mmm", ["t"]),
    ];
    let a = RangeAssignor::default().assign(&first, &md).unwrap();
    assert_eq!(a["zzz"]["t"], vec![0]);
    assert_eq!(a["aaa"]["t"], vec![1]);
    assert_eq!(a["mmm"]["t"], vec![2]);
    // instance-a restarts with a new member id: same partitions.
    let second = vec![
        Member::new("000", ["t"]).with_group_instance_id(Some("instance-a")),
        first[1].clone(),
        first[2].clone(),
    ];
    let b = RangeAssignor::default().assign(&second, &md).unwrap();
    assert_eq!(b["000"]["t"], vec![0]);
    assert_eq!(b["aaa"]["t"], vec![1]);
}

/// Topics without metadata or not subscribed are skipped; members get empty entries.
#[test]
fn range_nonexistent_and_unsubscribed_topics() {
    let md = ClusterMetadata::new().with_topic("other", 3);
    let members = vec![Member::new("c", ["missing"])];
    let a = RangeAssignor::default().assign(&members, &md).unwrap();
    assert_eq!(a.len(), 1);
    assert!(a["c"].is_empty());
    let a = RoundRobinAssignor.assign(&members, &md).unwrap();
    assert!(a["c"].is_empty());
    let a = StickyAssignor::default().assign(&members, &md).unwrap();
    assert!(a["c"].is_empty());
    let a = CooperativeStickyAssignor::default()
        .assign(&members, &md)
        .unwrap();
    assert!(a["c"].is_empty());
}

/// RangeAssignorTest.testRackAwareAssignmentWithUniformSubscription.
#[test]
fn range_rack_aware_uniform_subscription() {
    let ct: &[&[&str]] = &[ALL3, ALL3, ALL3];
    range_not_rack_aware(
        ct,
        &[
            "t1-0, t1-1, t2-0, t2-1, t2-2, t3-0",
            "t1-2, t1-3, t2-3, t2-4, t3-1",
            "t1-4, t1-5, t2-5, t2-6",
        ],
        T3,
    );
    let a = RangeAssignor::default();
    // rf 1: each partition on one rack; ranges are filled from matching partitions first
    // and the counts per topic stay those of plain range (2/2/2, 3/2/2, 1/1/0).
    verify_rack(
        &a,
        T3,
        1,
        &racks(3),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-3, t2-0, t2-3, t2-6",
            "t1-1, t1-4, t2-1, t2-4, t3-0",
            "t1-2, t1-5, t2-2, t2-5, t3-1",
        ],
        0,
    );
    verify_rack(
        &a,
        T3,
        2,
        &racks(3),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-2, t2-0, t2-2, t2-3, t3-1",
            "t1-1, t1-3, t2-1, t2-4, t3-0",
            "t1-4, t1-5, t2-5, t2-6",
        ],
        1,
    );
    // consumer2 is on rack c, which no broker has: it takes what is left.
    verify_rack(
        &a,
        T3,
        3,
        &racks(2),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-1, t2-0, t2-1, t2-2, t3-0",
            "t1-2, t1-3, t2-3, t2-4, t3-1",
            "t1-4, t1-5, t2-5, t2-6",
        ],
        4,
    );
}

/// RangeAssignorTest.testRackAwareAssignmentWithNonEqualSubscription.
#[test]
fn range_rack_aware_non_equal_subscription() {
    let ct: &[&[&str]] = &[ALL3, ALL3, &["t1", "t3"]];
    range_not_rack_aware(
        ct,
        &[
            "t1-0, t1-1, t2-0, t2-1, t2-2, t2-3, t3-0",
            "t1-2, t1-3, t2-4, t2-5, t2-6, t3-1",
            "t1-4, t1-5",
        ],
        T3,
    );
    let a = RangeAssignor::default();
    verify_rack(
        &a,
        T3,
        1,
        &racks(3),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-3, t2-0, t2-2, t2-3, t2-6",
            "t1-1, t1-4, t2-1, t2-4, t2-5, t3-0",
            "t1-2, t1-5, t3-1",
        ],
        2,
    );
    verify_rack(
        &a,
        T3,
        2,
        &racks(3),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-2, t2-0, t2-2, t2-3, t2-5, t3-1",
            "t1-1, t1-3, t2-1, t2-4, t2-6, t3-0",
            "t1-4, t1-5",
        ],
        0,
    );
    verify_rack(
        &a,
        T3,
        3,
        &racks(2),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-1, t2-0, t2-1, t2-2, t2-3, t3-0",
            "t1-2, t1-3, t2-4, t2-5, t2-6, t3-1",
            "t1-4, t1-5",
        ],
        2,
    );
}

/// RangeAssignorTest.testRackAwareAssignmentWithUniformPartitions: topics with the same
/// subscribers and partition count stay co-partitioned (same index, same member) even at
/// the cost of rack alignment.
#[test]
fn range_rack_aware_uniform_partitions() {
    let topics: &[(&str, i32)] = &[("t1", 5), ("t2", 5), ("t3", 5)];
    let ct: &[&[&str]] = &[ALL3, ALL3, ALL3];
    let plain = [
        "t1-0, t1-1, t2-0, t2-1, t3-0, t3-1",
        "t1-2, t1-3, t2-2, t2-3, t3-2, t3-3",
        "t1-4, t2-4, t3-4",
    ];
    range_not_rack_aware(ct, &plain, topics);
    let a = RangeAssignor::default();
    verify_rack(&a, topics, 1, &racks(3), &racks(3), ct, None, &plain, 10);
    verify_rack(&a, topics, 2, &racks(3), &racks(3), ct, None, &plain, 5);
    verify_rack(&a, topics, 3, &racks(2), &racks(3), ct, None, &plain, 3);
}

/// RangeAssignorTest.testRackAwareAssignmentWithUniformPartitionsNonEqualSubscription.
#[test]
fn range_rack_aware_uniform_partitions_non_equal_subscription() {
    let topics: &[(&str, i32)] = &[("t1", 5), ("t2", 5), ("t3", 5)];
    let ct: &[&[&str]] = &[ALL3, ALL3, &["t1", "t3"]];
    range_not_rack_aware(
        ct,
        &[
            "t1-0, t1-1, t2-0, t2-1, t2-2, t3-0, t3-1",
            "t1-2, t1-3, t2-3, t2-4, t3-2, t3-3",
            "t1-4, t3-4",
        ],
        topics,
    );
    let a = RangeAssignor::default();
    verify_rack(
        &a,
        topics,
        1,
        &racks(3),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-1, t2-0, t2-1, t2-4, t3-0, t3-1",
            "t1-2, t1-3, t2-2, t2-3, t3-2, t3-3",
            "t1-4, t3-4",
        ],
        9,
    );
    verify_rack(
        &a,
        topics,
        2,
        &racks(3),
        &racks(3),
        ct,
        None,
        &[
            "t1-2, t2-0, t2-1, t2-3, t3-2",
            "t1-0, t1-3, t2-2, t2-4, t3-0, t3-3",
            "t1-1, t1-4, t3-1, t3-4",
        ],
        0,
    );
    verify_rack(
        &a,
        topics,
        3,
        &racks(2),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-1, t2-0, t2-1, t2-2, t3-0, t3-1",
            "t1-2, t1-3, t2-3, t2-4, t3-2, t3-3",
            "t1-4, t3-4",
        ],
        2,
    );
}

/// RangeAssignorTest.testRackAwareAssignmentWithCoPartitioning.
#[test]
fn range_rack_aware_co_partitioning() {
    let topics: &[(&str, i32)] = &[("t1", 6), ("t2", 6), ("t3", 2), ("t4", 2)];
    let cr = [Some("a"), Some("b"), Some("b"), Some("a")];
    let a = RangeAssignor::default();
    let ct: &[&[&str]] = &[&["t1", "t2"], &["t1", "t2"], &["t3", "t4"], &["t3", "t4"]];
    let plain = [
        "t1-0, t1-1, t1-2, t2-0, t2-1, t2-2",
        "t1-3, t1-4, t1-5, t2-3, t2-4, t2-5",
        "t3-0, t4-0",
        "t3-1, t4-1",
    ];
    verify_rack(&a, topics, 3, &racks(2), &cr, ct, None, &plain, -1);
    verify_rack(&a, topics, 2, &racks(2), &cr, ct, None, &plain, 0);
    verify_rack(
        &a,
        topics,
        1,
        &racks(2),
        &cr,
        ct,
        None,
        &[
            "t1-0, t1-2, t1-4, t2-0, t2-2, t2-4",
            "t1-1, t1-3, t1-5, t2-1, t2-3, t2-5",
            "t3-1, t4-1",
            "t3-0, t4-0",
        ],
        0,
    );
    let all: &[&str] = &["t1", "t2", "t3", "t4"];
    let ct: &[&[&str]] = &[all, all, all, all];
    let plain = [
        "t1-0, t1-1, t2-0, t2-1, t3-0, t4-0",
        "t1-2, t1-3, t2-2, t2-3, t3-1, t4-1",
        "t1-4, t2-4",
        "t1-5, t2-5",
    ];
    verify_rack(&a, topics, 3, &racks(2), &cr, ct, None, &plain, -1);
    verify_rack(&a, topics, 2, &racks(2), &cr, ct, None, &plain, 0);
    verify_rack(
        &a,
        topics,
        1,
        &racks(2),
        &cr,
        ct,
        None,
        &[
            "t1-0, t1-2, t2-0, t2-2, t3-0, t4-0",
            "t1-1, t1-3, t2-1, t2-3, t3-1, t4-1",
            "t1-5, t2-5",
            "t1-4, t2-4",
        ],
        0,
    );
    verify_rack(
        &a,
        topics,
        1,
        &racks(3),
        &cr,
        ct,
        None,
        &[
            "t1-0, t1-3, t2-0, t2-3, t3-0, t4-0",
            "t1-1, t1-4, t2-1, t2-4, t3-1, t4-1",
            "t1-2, t2-2",
            "t1-5, t2-5",
        ],
        6,
    );
}

/// RangeAssignorTest.testCoPartitionedAssignmentWithSameSubscription (t7..t9 do not exist).
#[test]
fn range_co_partitioned_same_subscription() {
    let topics: &[(&str, i32)] = &[
        ("t1", 6),
        ("t2", 6),
        ("t3", 2),
        ("t4", 2),
        ("t5", 4),
        ("t6", 4),
    ];
    let list: &[&str] = &["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"];
    let ct: &[&[&str]] = &[list, list, list];
    let plain = [
        "t1-0, t1-1, t2-0, t2-1, t3-0, t4-0, t5-0, t5-1, t6-0, t6-1",
        "t1-2, t1-3, t2-2, t2-3, t3-1, t4-1, t5-2, t6-2",
        "t1-4, t1-5, t2-4, t2-5, t5-3, t6-3",
    ];
    let a = RangeAssignor::default();
    verify_rack(
        &a,
        topics,
        3,
        &null_racks(3),
        &racks(3),
        ct,
        None,
        &plain,
        -1,
    );
    let p = RangeAssignor::with_prefer_rack_aware(true);
    verify_rack(&p, topics, 3, &racks(3), &racks(3), ct, None, &plain, 0);
    verify_rack(
        &p,
        topics,
        2,
        &racks(3),
        &racks(3),
        ct,
        None,
        &[
            "t1-0, t1-2, t2-0, t2-2, t3-0, t4-0, t5-1, t6-1",
            "t1-1, t1-3, t2-1, t2-3, t3-1, t4-1, t5-2, t6-2",
            "t1-4, t1-5, t2-4, t2-5, t5-0, t5-3, t6-0, t6-3",
        ],
        0,
    );
}

// ---------------------------------------------------------------------------------------
// roundrobin

/// RoundRobinAssignorTest.testMultipleConsumersMixedTopics: t2-0 is offered to consumer1
/// (not subscribed), skips to consumer2; t2-1 skips consumer3 and consumer1 back to
/// consumer2.
#[test]
fn roundrobin_mixed_topics() {
    let md = ClusterMetadata::new()
        .with_topic("topic1", 3)
        .with_topic("topic2", 2);
    let members = vec![
        Member::new("consumer1", ["topic1"]),
        Member::new("consumer2", ["topic1", "topic2"]),
        Member::new("consumer3", ["topic1"]),
    ];
    let a = RoundRobinAssignor.assign(&members, &md).unwrap();
    assert_eq!(sorted_string(&a, "consumer1"), "topic1-0");
    assert_eq!(
        sorted_string(&a, "consumer2"),
        "topic1-1, topic2-0, topic2-1"
    );
    assert_eq!(sorted_string(&a, "consumer3"), "topic1-2");
}

/// RoundRobinAssignorTest.testTwoDynamicConsumersTwoTopicsSixPartitions: six partitions
/// dealt alternately in topic order.
#[test]
fn roundrobin_two_consumers_two_topics() {
    let md = ClusterMetadata::new()
        .with_topic("topic1", 3)
        .with_topic("topic2", 3);
    let members = vec![
        Member::new("consumer2", ["topic1", "topic2"]),
        Member::new("consumer1", ["topic1", "topic2"]),
    ];
    let a = RoundRobinAssignor.assign(&members, &md).unwrap();
    assert_eq!(
        sorted_string(&a, "consumer1"),
        "topic1-0, topic1-2, topic2-1"
    );
    assert_eq!(
        sorted_string(&a, "consumer2"),
        "topic1-1, topic2-0, topic2-2"
    );
}

/// RoundRobinAssignorTest.testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions:
/// the static member comes first whatever its member id.
#[test]
fn roundrobin_static_member_first() {
    let md = ClusterMetadata::new()
        .with_topic("topic1", 3)
        .with_topic("topic2", 3);
    let members = vec![
        Member::new("consumer-a", ["topic1", "topic2"]),
        Member::new("consumer-b", ["topic1", "topic2"]).with_group_instance_id(Some("instance1")),
    ];
    let a = RoundRobinAssignor.assign(&members, &md).unwrap();
    assert_eq!(
        sorted_string(&a, "consumer-b"),
        "topic1-0, topic1-2, topic2-1"
    );
    assert_eq!(
        sorted_string(&a, "consumer-a"),
        "topic1-1, topic2-0, topic2-2"
    );
}

// ---------------------------------------------------------------------------------------
// sticky and cooperative-sticky

/// A member whose previous partitions and generation are known to both sticky assignors:
/// in `sticky`'s user data and in the v2 fields (as Java's `buildSubscriptionV2Above`).
fn owning(id: &str, topics: &[&str], owned: &[TopicPartition], generation: i32) -> Member {
    Member::new(id, topics.iter().copied())
        .with_owned(owned.to_vec(), generation)
        .with_user_data(Some(encode_sticky(owned, Some(generation))))
}

fn both() -> [Box<dyn Assignor>; 2] {
    [
        Box::new(StickyAssignor::default()),
        Box::new(CooperativeStickyAssignor::default()),
    ]
}

/// Java's sticky rack scenarios run each expectation twice: with no previous owners, and
/// with the expected assignment itself as the owners (it must then stay put).
#[allow(clippy::too_many_arguments)]
fn verify_sticky_twice(
    a: &dyn Assignor,
    topics: &[(&str, i32)],
    rf: usize,
    b: &[Option<&str>],
    c: &[Option<&str>],
    ct: &[&[&str]],
    expected: &[&str],
    m: i32,
) {
    verify_rack(a, topics, rf, b, c, ct, None, expected, m);
    verify_rack(a, topics, rf, b, c, ct, Some(expected), expected, m);
}

/// AbstractStickyAssignorTest.testRackAwareAssignmentWithUniformSubscription: the
/// constrained algorithm deals partitions round-robin in topic order (t1-0 → c0, t1-1 → c1,
/// ...), which with `racks(3)` and rf 1 is already rack-aligned.
#[test]
fn sticky_rack_aware_uniform_subscription() {
    let ct: &[&[&str]] = &[ALL3, ALL3, ALL3];
    let expected = [
        "t1-0, t1-3, t2-0, t2-3, t2-6",
        "t1-1, t1-4, t2-1, t2-4, t3-0",
        "t1-2, t1-5, t2-2, t2-5, t3-1",
    ];
    let de = [Some("d"), Some("e"), Some("f")];
    let ne = [None, Some("e"), Some("f")];
    // The combinations Java runs, with `preferRackAwareLogic` as Java sets it for each.
    for prefer in [false, true] {
        let assignors: [Box<dyn Assignor>; 2] = [
            Box::new(StickyAssignor::with_prefer_rack_aware(prefer)),
            Box::new(CooperativeStickyAssignor::with_prefer_rack_aware(prefer)),
        ];
        for a in &assignors {
            let a = a.as_ref();
            verify_sticky_twice(a, T3, 3, &racks(3), &racks(3), ct, &expected, 0);
            verify_sticky_twice(a, T3, 4, &racks(4), &racks(3), ct, &expected, 0);
        }
    }
    for a in &both() {
        let a = a.as_ref();
        verify_sticky_twice(a, T3, 3, &null_racks(3), &racks(3), ct, &expected, -1);
        verify_sticky_twice(a, T3, 3, &racks(3), &null_racks(3), ct, &expected, -1);
        verify_sticky_twice(a, T3, 3, &racks(3), &de, ct, &expected, -1);
        verify_sticky_twice(a, T3, 3, &racks(3), &ne, ct, &expected, -1);
        verify_sticky_twice(a, T3, 1, &racks(3), &racks(3), ct, &expected, 0);
        verify_sticky_twice(a, T3, 2, &racks(3), &racks(3), ct, &expected, 0);
        // consumer2's rack c has no replicas; it still gets its share, all off-rack.
        verify_sticky_twice(a, T3, 3, &racks(2), &racks(3), ct, &expected, 5);
    }
    // Owned partitions on the wrong racks: sticky (no owned data) gives the aligned
    // assignment; cooperative-sticky keeps only what is aligned and within quota this round
    // and holds back every partition someone else still owns.
    let owned = [
        "t1-0, t1-1, t1-2, t1-3, t1-4",
        "t1-5, t2-0, t2-1, t2-2, t2-3",
        "t2-4, t2-5, t2-6, t3-0, t3-1",
    ];
    let s = StickyAssignor::default();
    verify_rack(
        &s,
        T3,
        1,
        &racks(3),
        &racks(3),
        ct,
        Some(&owned),
        &expected,
        0,
    );
    let c = CooperativeStickyAssignor::default();
    verify_rack(
        &c,
        T3,
        1,
        &racks(3),
        &racks(3),
        ct,
        Some(&owned),
        &["t1-0, t1-3", "t2-1", "t2-5, t3-1"],
        0,
    );
    let c = CooperativeStickyAssignor::with_prefer_rack_aware(true);
    verify_rack(
        &c,
        T3,
        3,
        &racks(3),
        &racks(3),
        ct,
        Some(&expected),
        &expected,
        0,
    );
}

/// AbstractStickyAssignorTest.testRackAwareAssignmentWithNonEqualSubscription (general
/// algorithm: consumer2 does not subscribe to t2).
#[test]
fn sticky_rack_aware_non_equal_subscription() {
    let ct: &[&[&str]] = &[ALL3, ALL3, &["t1", "t3"]];
    let plain = [
        "t1-5, t2-0, t2-2, t2-4, t2-6",
        "t1-3, t2-1, t2-3, t2-5, t3-0",
        "t1-0, t1-1, t1-2, t1-4, t3-1",
    ];
    let de = [Some("d"), Some("e"), Some("f")];
    let ne = [None, Some("e"), Some("f")];
    for prefer in [false, true] {
        let assignors: [Box<dyn Assignor>; 2] = [
            Box::new(StickyAssignor::with_prefer_rack_aware(prefer)),
            Box::new(CooperativeStickyAssignor::with_prefer_rack_aware(prefer)),
        ];
        for a in &assignors {
            let a = a.as_ref();
            verify_sticky_twice(a, T3, 3, &racks(3), &racks(3), ct, &plain, 0);
            verify_sticky_twice(a, T3, 4, &racks(4), &racks(3), ct, &plain, 0);
        }
    }
    for a in &both() {
        let a = a.as_ref();
        verify_sticky_twice(a, T3, 3, &null_racks(3), &racks(3), ct, &plain, -1);
        verify_sticky_twice(a, T3, 3, &racks(3), &null_racks(3), ct, &plain, -1);
        verify_sticky_twice(a, T3, 3, &racks(3), &de, ct, &plain, -1);
        verify_sticky_twice(a, T3, 3, &racks(3), &ne, ct, &plain, -1);
        // rf 1: rack alignment is best effort; four partitions end up off-rack.
        verify_sticky_twice(
            a,
            T3,
            1,
            &racks(3),
            &racks(3),
            ct,
            &[
                "t1-3, t2-0, t2-2, t2-3, t2-6",
                "t1-4, t2-1, t2-4, t2-5, t3-0",
                "t1-0, t1-1, t1-2, t1-5, t3-1",
            ],
            4,
        );
        verify_sticky_twice(
            a,
            T3,
            2,
            &racks(3),
            &racks(3),
            ct,
            &[
                "t1-3, t2-0, t2-2, t2-5, t2-6",
                "t1-0, t2-1, t2-3, t2-4, t3-0",
                "t1-1, t1-2, t1-4, t1-5, t3-1",
            ],
            0,
        );
        verify_sticky_twice(a, T3, 3, &racks(2), &racks(3), ct, &plain, 5);
    }
    // Misaligned owners, cooperative: two rounds (intermediate, then final).
    let owned = [
        "t1-0, t1-1, t1-2, t1-3, t1-4",
        "t1-5, t2-0, t2-1, t2-2, t2-3",
        "t2-4, t2-5, t2-6, t3-0, t3-1",
    ];
    let c = CooperativeStickyAssignor::default();
    let intermediate = ["t1-3", "t2-1", "t3-1"];
    verify_rack(
        &c,
        T3,
        1,
        &racks(3),
        &racks(3),
        ct,
        Some(&owned),
        &intermediate,
        0,
    );
    verify_rack(
        &c,
        T3,
        1,
        &racks(3),
        &racks(3),
        ct,
        Some(&intermediate),
        &[
            "t1-3, t2-0, t2-2, t2-3, t2-6",
            "t1-4, t2-1, t2-4, t2-5, t3-0",
            "t1-0, t1-1, t1-2, t1-5, t3-1",
        ],
        4,
    );
    // All racks match: cooperative keeps what each owns where possible.
    let intermediate = ["t1-2, t1-3, t1-4", "t2-0, t2-1, t2-2, t2-3", "t3-0, t3-1"];
    let fin = [
        "t1-2, t1-3, t1-4, t2-4, t2-5",
        "t2-0, t2-1, t2-2, t2-3, t2-6",
        "t1-0, t1-1, t1-5, t3-0, t3-1",
    ];
    for prefer in [false, true] {
        let c = CooperativeStickyAssignor::with_prefer_rack_aware(prefer);
        verify_rack(
            &c,
            T3,
            3,
            &racks(3),
            &racks(3),
            ct,
            Some(&owned),
            &intermediate,
            0,
        );
        verify_rack(
            &c,
            T3,
            3,
            &racks(3),
            &racks(3),
            ct,
            Some(&intermediate),
            &fin,
            0,
        );
    }
}

/// CooperativeStickyAssignorTest: topic-0 is claimed by consumer1 and consumer2 in the same
/// generation, so neither keeps it, and since it may still be consumed by one of them it is
/// held back from consumer3 this round. (Eager sticky gives it to consumer3 at once.)
#[test]
fn doubly_claimed_partition_is_invalidated() {
    for (n, c1, c2, c3_coop) in [
        (3, "topic-1", "topic-2", ""),
        (4, "topic-1, topic-3", "topic-2", ""),
    ] {
        let md = ClusterMetadata::new().with_topic("topic", n);
        let members = vec![
            owning(
                "consumer1",
                &["topic"],
                &[tp("topic", 0), tp("topic", 1)],
                1,
            ),
            owning(
                "consumer2",
                &["topic"],
                &[tp("topic", 0), tp("topic", 2)],
                1,
            ),
            owning("consumer3", &["topic"], &[], 1),
        ];
        let a = CooperativeStickyAssignor::default()
            .assign(&members, &md)
            .unwrap();
        assert_eq!(sorted_string(&a, "consumer1"), c1);
        assert_eq!(sorted_string(&a, "consumer2"), c2);
        assert_eq!(sorted_string(&a, "consumer3"), c3_coop);
        if n == 3 {
            // AbstractStickyAssignorTest.testPartitionsTransferringOwnershipInclude...:
            // eager sticky hands topic-0 to consumer3.
            let a = StickyAssignor::default().assign(&members, &md).unwrap();
            assert_eq!(sorted_string(&a, "consumer1"), "topic-1");
            assert_eq!(sorted_string(&a, "consumer2"), "topic-2");
            assert_eq!(sorted_string(&a, "consumer3"), "topic-0");
        }
    }
}

/// AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration
/// and ...WithNoGeneration: the claim from generation 10 wins over 9 (or none).
#[test]
fn stale_generation_loses_claims() {
    let md = ClusterMetadata::new()
        .with_topic("topic", 3)
        .with_topic("topic2", 3);
    let owned = [tp("topic", 0), tp("topic", 2), tp("topic2", 1)];
    for stale in [9, -1] {
        for a in &both() {
            let members = vec![
                owning("consumer1", &["topic", "topic2"], &owned, 10),
                owning("consumer2", &["topic", "topic2"], &owned, stale),
            ];
            let r = a.assign(&members, &md).unwrap();
            assert_eq!(sorted_string(&r, "consumer1"), "topic-0, topic-2, topic2-1");
            assert_eq!(
                sorted_string(&r, "consumer2"),
                "topic-1, topic2-0, topic2-2"
            );
        }
    }
}

/// AbstractStickyAssignorTest.testEnsurePartitionsAssignedToHighestGeneration.
#[test]
fn highest_generation_keeps_partitions() {
    let md = ClusterMetadata::new()
        .with_topic("topic", 3)
        .with_topic("topic2", 3)
        .with_topic("topic3", 3);
    let all = ["topic", "topic2", "topic3"];
    for a in &both() {
        let members = vec![
            owning(
                "consumer1",
                &all,
                &[tp("topic", 0), tp("topic2", 0), tp("topic3", 0)],
                10,
            ),
            owning(
                "consumer2",
                &all,
                &[tp("topic", 1), tp("topic2", 1), tp("topic3", 1)],
                9,
            ),
            owning(
                "consumer3",
                &all,
                &[tp("topic2", 1), tp("topic3", 0), tp("topic3", 2)],
                8,
            ),
        ];
        let r = a.assign(&members, &md).unwrap();
        assert_eq!(
            sorted_string(&r, "consumer1"),
            "topic-0, topic2-0, topic3-0"
        );
        assert_eq!(
            sorted_string(&r, "consumer2"),
            "topic-1, topic2-1, topic3-1"
        );
        assert_eq!(
            sorted_string(&r, "consumer3"),
            "topic-2, topic2-2, topic3-2"
        );
    }
}

/// AbstractStickyAssignorTest.testNoReassignmentOnCurrentMembers: a new member (no
/// generation) gets exactly the three partitions nobody owns.
#[test]
fn new_member_gets_only_unowned() {
    let md = ClusterMetadata::new()
        .with_topic("topic", 3)
        .with_topic("topic1", 3)
        .with_topic("topic2", 3)
        .with_topic("topic3", 3);
    let all = ["topic", "topic2", "topic3", "topic1"];
    for a in &both() {
        let members = vec![
            owning("consumer1", &all, &[], -1),
            owning(
                "consumer2",
                &all,
                &[tp("topic", 0), tp("topic2", 0), tp("topic1", 0)],
                9,
            ),
            owning(
                "consumer3",
                &all,
                &[tp("topic3", 2), tp("topic2", 2), tp("topic1", 1)],
                8,
            ),
            owning(
                "consumer4",
                &all,
                &[tp("topic3", 1), tp("topic", 1), tp("topic", 2)],
                7,
            ),
        ];
        let r = a.assign(&members, &md).unwrap();
        assert_eq!(
            sorted_string(&r, "consumer1"),
            "topic1-2, topic2-1, topic3-0",
            "{}",
            a.name()
        );
        for m in ["consumer2", "consumer3", "consumer4"] {
            assert_eq!(r[m].values().map(Vec::len).sum::<usize>(), 3);
        }
    }
}

/// AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration.
#[test]
fn multiple_generations() {
    let md = ClusterMetadata::new()
        .with_topic("topic", 3)
        .with_topic("topic2", 3);
    for a in &both() {
        let members = vec![
            owning(
                "consumer1",
                &["topic", "topic2"],
                &[tp("topic", 0), tp("topic2", 1), tp("topic", 1)],
                10,
            ),
            owning(
                "consumer2",
                &["topic", "topic2"],
                &[tp("topic", 0), tp("topic2", 1), tp("topic2", 2)],
                8,
            ),
        ];
        let r = a.assign(&members, &md).unwrap();
        assert_eq!(sorted_string(&r, "consumer1"), "topic-0, topic-1, topic2-1");
        assert_eq!(
            sorted_string(&r, "consumer2"),
            "topic-2, topic2-0, topic2-2"
        );
    }
}

/// KIP-54's motivating example for stickiness: three members with two topics of two
/// partitions... after consumer2 leaves, the survivors keep everything they had and split
/// only consumer2's partitions (round robin would reshuffle).
#[test]
fn sticky_member_leaves_keeps_survivors() {
    let md = ClusterMetadata::new()
        .with_topic("t0", 2)
        .with_topic("t1", 2)
        .with_topic("t2", 2);
    let all = ["t0", "t1", "t2"];
    let members = vec![
        Member::new("c0", all),
        Member::new("c1", all),
        Member::new("c2", all),
    ];
    for a in &both() {
        let first = a.assign(&members, &md).unwrap();
        // Round robin in topic order: c0 t0-0 t1-1, c1 t0-1 t2-0, c2 t1-0 t2-1.
        assert_eq!(sorted_string(&first, "c0"), "t0-0, t1-1");
        assert_eq!(sorted_string(&first, "c1"), "t0-1, t2-0");
        assert_eq!(sorted_string(&first, "c2"), "t1-0, t2-1");
        let owned = |m: &str| cooperative::flatten(first.get(m));
        let survivors = vec![
            owning("c0", &all, &owned("c0"), 1),
            owning("c2", &all, &owned("c2"), 1),
        ];
        let second = a.assign(&survivors, &md).unwrap();
        // Each keeps its two and takes one of c1's (t0-1 and t2-0), dealt in order.
        assert_eq!(sorted_string(&second, "c0"), "t0-0, t0-1, t1-1");
        assert_eq!(sorted_string(&second, "c2"), "t1-0, t2-0, t2-1");
    }
}

/// Topic deleted (AbstractStickyAssignorTest.testAssignmentUpdatedForDeletedTopic): owned
/// partitions of a topic without metadata are dropped.
#[test]
fn deleted_topic_is_dropped() {
    let md = ClusterMetadata::new()
        .with_topic("topic01", 1)
        .with_topic("topic03", 100);
    let members = vec![owning(
        "consumer",
        &["topic01", "topic02", "topic03"],
        &[tp("topic02", 0)],
        1,
    )];
    for a in &both() {
        let r = a.assign(&members, &md).unwrap();
        assert_eq!(r["consumer"]["topic01"], vec![0]);
        assert_eq!(r["consumer"]["topic03"].len(), 100);
        assert!(!r["consumer"].contains_key("topic02"));
    }
}

#[test]
fn duplicate_member_ids_are_rejected() {
    let md = ClusterMetadata::new().with_topic("t", 1);
    let members = vec![Member::new("c", ["t"]), Member::new("c", ["t"])];
    for name in ["range", "roundrobin", "sticky", "cooperative-sticky"] {
        assert_eq!(
            by_name(name).unwrap().assign(&members, &md),
            Err(AssignError::DuplicateMember("c".into()))
        );
    }
    assert!(by_name("nope").is_err());
}

#[test]
fn java_string_order() {
    use std::cmp::Ordering;
    // U+FF61 sorts after U+10000 in UTF-8 byte order? No: UTF-8 puts U+10000 (F0..) after
    // U+FF61 (EF..), while UTF-16 puts U+10000 (D800 DC00) before U+FF61.
    assert_eq!("\u{ff61}".cmp("\u{10000}"), Ordering::Less);
    assert_eq!(java_cmp("\u{ff61}", "\u{10000}"), Ordering::Greater);
    assert_eq!(java_cmp("a", "b"), Ordering::Less);
}

/// The iteration order of a Java `HashMap` filled with these keys, as printed by
/// `String.join(",", map.keySet())` on OpenJDK 17.
#[test]
fn java_hash_map_order_matches_openjdk() {
    use super::sticky::java_hash_map_order;
    let cases: [(&[&str], &str); 3] = [
        (&["consumer1", "consumer2", "consumer3"], "consumer3,consumer2,consumer1"),
        (
            &[
                "consumer0", "consumer1", "consumer2", "consumer3", "consumer4", "consumer5",
                "consumer6", "consumer7", "consumer8", "consumer9", "consumer10", "consumer11",
                "consumer12", "consumer13",
            ],
            "consumer12,consumer11,consumer10,consumer9,consumer8,consumer7,consumer6,consumer13,consumer5,consumer4,consumer3,consumer2,consumer1,consumer0",
        ),
        (
            &["c-b9f1", "c-a0e2", "c-ff00", "zeta", "alpha", "\u{e9}t\u{e9}"],
            "c-a0e2,zeta,c-ff00,alpha,c-b9f1,\u{e9}t\u{e9}",
        ),
    ];
    for (keys, want) in cases {
        let got: Vec<&str> = java_hash_map_order(keys)
            .into_iter()
            .map(|i| keys[i])
            .collect();
        assert_eq!(got.join(","), want);
    }
}

/// Members and metadata read from wire messages the way the Java leader reads them: v3
/// subscription fields (owned partitions, generation, rack; empty rack and negative
/// generation mean none), replica racks looked up in the broker list.
#[test]
#[cfg(feature = "metadata")]
// Built field by field from `Default`, the style docs/design/round2.md asks for.
#[allow(clippy::field_reassign_with_default)]
fn members_and_metadata_from_wire_messages() {
    use crate::consumer::Versioned;
    use crate::messages::{
        consumer_protocol_subscription, join_group_response, metadata_response,
        ConsumerProtocolSubscription, JoinGroupResponse, MetadataResponse,
    };

    let mut sub = ConsumerProtocolSubscription::default();
    sub.topics = vec!["orders".into()];
    let mut owned = consumer_protocol_subscription::TopicPartition::default();
    owned.topic = "orders".into();
    owned.partitions = vec![1, 0];
    sub.owned_partitions = vec![owned];
    sub.generation_id = 4;
    sub.rack_id = Some("rack-a".into());
    let mut other = ConsumerProtocolSubscription::default();
    other.topics = vec!["orders".into()];
    other.rack_id = Some("".into());
    let mut join = JoinGroupResponse::default();
    for (id, s, inst) in [("m1", sub, Some("i1")), ("m0", other, None)] {
        let mut m = join_group_response::JoinGroupResponseMember::default();
        m.member_id = id.into();
        m.group_instance_id = inst.map(Into::into);
        m.metadata = Versioned::new(3, s).unwrap().encode().unwrap();
        join.members.push(m);
    }
    let members = Member::from_join_group(&join).unwrap();
    assert_eq!(members[0].member_id, "m1");
    assert_eq!(members[0].group_instance_id.as_deref(), Some("i1"));
    let s = &members[0].subscription;
    assert_eq!(s.owned_partitions, vec![tp("orders", 1), tp("orders", 0)]);
    assert_eq!(s.generation_id, Some(4));
    assert_eq!(s.rack_id.as_deref(), Some("rack-a"));
    assert_eq!(members[1].subscription.generation_id, None);
    assert_eq!(members[1].subscription.rack_id, None);

    let mut md = MetadataResponse::default();
    for (node, rack) in [(1, Some("rack-a")), (2, None), (3, Some("rack-b"))] {
        let mut b = metadata_response::MetadataResponseBroker::default();
        b.node_id = node;
        b.rack = rack.map(Into::into);
        md.brokers.push(b);
    }
    let mut t = metadata_response::MetadataResponseTopic::default();
    t.name = Some("orders".into());
    for (p, replicas) in [(1, vec![2, 3]), (0, vec![1, 2, 9])] {
        let mut part = metadata_response::MetadataResponsePartition::default();
        part.partition_index = p;
        part.replica_nodes = replicas;
        t.partitions.push(part);
    }
    md.topics.push(t);
    let mut bad = metadata_response::MetadataResponseTopic::default();
    bad.name = Some("denied".into());
    bad.error_code = 29;
    md.topics.push(bad);
    let cluster = ClusterMetadata::from_metadata_response(&md);
    assert_eq!(cluster.topics.len(), 1);
    let parts = &cluster.topics["orders"];
    assert_eq!(parts[0], PartitionInfo::new(0, ["rack-a"]));
    assert_eq!(parts[1], PartitionInfo::new(1, ["rack-b"]));

    // m1 (rack-a) gets partition 0 (on rack-a) under rack-aware range; m0 has no rack.
    let a = RangeAssignor::default().assign(&members, &cluster).unwrap();
    assert_eq!(a["m1"]["orders"], vec![0]);
    assert_eq!(a["m0"]["orders"], vec![1]);
}
