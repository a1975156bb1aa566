//! Client-side partition assignors, computed the way Apache Kafka's Java consumer computes
//! them.
//!
//! In the classic group protocol the broker only collects subscriptions: the member it elects
//! leader runs the assignor named by the group's protocol and sends everyone's partitions in
//! its SyncGroup request. Members written in different languages can share a group only if
//! they all compute the same thing, so each assignor here follows the Java client's algorithm
//! step by step, including its tie-breaks:
//!
//! | name | type | notes |
//! | --- | --- | --- |
//! | `range` | [`RangeAssignor`] | per topic, contiguous ranges in member order; rack-aware (KIP-881) |
//! | `roundrobin` | [`RoundRobinAssignor`] | all partitions dealt out in turn |
//! | `sticky` | [`StickyAssignor`] | balanced, keeps previous owners; state in the user data ([`sticky_user_data`]) |
//! | `cooperative-sticky` | [`CooperativeStickyAssignor`] | sticky, and never hands an owned partition straight to another member (KIP-429); rack-aware |
//!
//! Every assignor is a pure function of the members (in the order the JoinGroup response
//! lists them) and the cluster metadata. Results are [`GroupAssignment`]s: ordered maps, so
//! nothing depends on hash order.
//!
//! ```
//! use kafka_codec::consumer_group::assignor::{by_name, ClusterMetadata, Member};
//!
//! let metadata = ClusterMetadata::new().with_topic("orders", 3).with_topic("payments", 2);
//! let members = vec![
//!     Member::new("c1", ["orders", "payments"]),
//!     Member::new("c2", ["orders", "payments"]),
//! ];
//! let assignment = by_name("range").unwrap().assign(&members, &metadata).unwrap();
//! assert_eq!(assignment["c1"]["orders"], vec![0, 1]);
//! assert_eq!(assignment["c2"]["orders"], vec![2]);
//! assert_eq!(assignment["c1"]["payments"], vec![0]);
//! assert_eq!(assignment["c2"]["payments"], vec![1]);
//! ```
//!
//! ## Hash order, and other clients
//!
//! The Java sticky assignors walk the leader's `HashMap` of subscriptions in a few places
//! where the order decides a tie (which of several over-full members keeps one partition
//! more; which of two claims from the same generation is seen first). Those walks here go in
//! the order that map iterates in, computed from `String.hashCode` the way `java.util.HashMap`
//! lays out its buckets, so the tie goes the way Java's does; likewise the general
//! algorithm's choice of "the first" of a `HashSet` of partitions that moved between two
//! members. Everything else is ordered by member id or topic name.
//!
//! librdkafka's `cooperative-sticky` and kafka-python's `sticky` port Java's algorithm from
//! before Kafka 2.7, which had no separate path for groups whose members all subscribe to the
//! same topics; set `general_only` on the sticky assignors to compute what such a leader
//! computes. testdata/assignments/ records real leaders of both and notes where they differ.
//! `range` and `roundrobin` have no ties: every recorded leader agrees with them.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use bytes::Bytes;

pub mod cooperative;
mod range;
mod roundrobin;
mod sticky;
pub mod sticky_user_data;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

pub use range::RangeAssignor;
pub use roundrobin::RoundRobinAssignor;
pub use sticky::{CooperativeStickyAssignor, StickyAssignor};

/// The assignment of a whole group: member id → topic → partitions (ascending).
///
/// Every member given to the assignor has an entry, possibly empty; a topic appears under a
/// member only if the member gets at least one of its partitions.
pub type GroupAssignment = BTreeMap<String, BTreeMap<String, Vec<i32>>>;

/// One partition of one topic.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`-`partition`.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// What a member sent in its JoinGroup metadata (the consumer protocol subscription), as the
/// assignors read it.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Subscription {
    /// Topics the member subscribes to.
    pub topics: Vec<String>,
    /// Assignor-specific bytes (the sticky assignor keeps its previous assignment here).
    pub user_data: Option<Bytes>,
    /// Partitions the member owns now (consumer protocol v1+), in the order it sent them.
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation `owned_partitions` come from (v2+); `None` when absent or negative,
    /// as the Java client reads it.
    pub generation_id: Option<i32>,
    /// The member's `client.rack` (v3+); `None` when absent or empty.
    pub rack_id: Option<String>,
}

impl Subscription {
    /// A subscription to `topics` with nothing else set.
    pub fn new<I, S>(topics: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Subscription {
            topics: topics.into_iter().map(Into::into).collect(),
            ..Subscription::default()
        }
    }

    /// Sets the user data.
    pub fn with_user_data(mut self, user_data: Option<Bytes>) -> Self {
        self.user_data = user_data;
        self
    }

    /// Sets the owned partitions.
    pub fn with_owned_partitions(mut self, owned: Vec<TopicPartition>) -> Self {
        self.owned_partitions = owned;
        self
    }

    /// Sets the generation; a negative value means none, as in Java.
    pub fn with_generation_id(mut self, generation_id: i32) -> Self {
        self.generation_id = (generation_id >= 0).then_some(generation_id);
        self
    }

    /// Sets the rack; an empty rack means none, as in Java.
    pub fn with_rack_id(mut self, rack_id: Option<&str>) -> Self {
        self.rack_id = rack_id.filter(|r| !r.is_empty()).map(str::to_owned);
        self
    }

    /// Reads a decoded consumer protocol subscription the way the Java client does (negative
    /// generation and empty rack mean none).
    pub fn from_protocol(sub: &crate::messages::ConsumerProtocolSubscription) -> Self {
        let mut owned = Vec::new();
        for tp in &sub.owned_partitions {
            for &p in &tp.partitions {
                owned.push(TopicPartition::new(tp.topic.to_string_lossy(), p));
            }
        }
        Subscription::new(sub.topics.iter().map(|t| t.to_string_lossy()))
            .with_user_data(sub.user_data.clone())
            .with_owned_partitions(owned)
            .with_generation_id(sub.generation_id)
            .with_rack_id(sub.rack_id.as_ref().map(|r| r.to_string_lossy()).as_deref())
    }
}

/// A group member as the leader sees it in the JoinGroup response.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Member {
    /// The member id the coordinator gave it.
    pub member_id: String,
    /// Its `group.instance.id` (static membership), if any. Range and round-robin order
    /// static members first, by instance id.
    pub group_instance_id: Option<String>,
    /// Its subscription.
    pub subscription: Subscription,
}

impl Member {
    /// A dynamic member subscribing to `topics`.
    pub fn new<I, S>(member_id: impl Into<String>, topics: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Member {
            member_id: member_id.into(),
            group_instance_id: None,
            subscription: Subscription::new(topics),
        }
    }

    /// A member with the given subscription.
    pub fn with_subscription(member_id: impl Into<String>, subscription: Subscription) -> Self {
        Member {
            member_id: member_id.into(),
            group_instance_id: None,
            subscription,
        }
    }

    /// Sets the `group.instance.id`.
    pub fn with_group_instance_id(mut self, id: Option<&str>) -> Self {
        self.group_instance_id = id.map(str::to_owned);
        self
    }

    /// Sets the rack.
    pub fn with_rack(mut self, rack: Option<&str>) -> Self {
        self.subscription = self.subscription.with_rack_id(rack);
        self
    }

    /// Sets owned partitions and their generation (consumer protocol v1+ fields).
    pub fn with_owned(mut self, owned: Vec<TopicPartition>, generation_id: i32) -> Self {
        self.subscription = self
            .subscription
            .with_owned_partitions(owned)
            .with_generation_id(generation_id);
        self
    }

    /// Sets the user data.
    pub fn with_user_data(mut self, user_data: Option<Bytes>) -> Self {
        self.subscription.user_data = user_data;
        self
    }

    /// The members of a JoinGroup response, in the order it lists them, with each member's
    /// metadata decoded as a version-prefixed consumer protocol subscription.
    pub fn from_join_group(
        resp: &crate::messages::JoinGroupResponse,
    ) -> Result<Vec<Member>, crate::DecodeError> {
        use crate::consumer::Versioned;
        use crate::messages::ConsumerProtocolSubscription;
        let mut out = Vec::with_capacity(resp.members.len());
        for m in &resp.members {
            let sub = Versioned::<ConsumerProtocolSubscription>::decode(m.metadata.clone())?;
            out.push(Member {
                member_id: m.member_id.to_string_lossy().into_owned(),
                group_instance_id: m
                    .group_instance_id
                    .as_ref()
                    .map(|s| s.to_string_lossy().into_owned()),
                subscription: Subscription::from_protocol(&sub.message),
            });
        }
        Ok(out)
    }
}

/// One partition as the assignors see it: its index and the racks of its replicas.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartitionInfo {
    /// Partition index.
    pub partition: i32,
    /// Racks of the brokers holding a replica (brokers without a rack are left out).
    pub replica_racks: BTreeSet<String>,
}

impl PartitionInfo {
    /// Partition `partition` with replicas on `racks`.
    pub fn new<I, S>(partition: i32, racks: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PartitionInfo {
            partition,
            replica_racks: racks.into_iter().map(Into::into).collect(),
        }
    }
}

/// The cluster as the leader's metadata shows it: topic → partitions.
///
/// A subscribed topic missing here, or with no partitions, is skipped by every assignor, as in
/// Java.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterMetadata {
    /// Partitions of each topic, by topic name.
    pub topics: BTreeMap<String, Vec<PartitionInfo>>,
}

impl ClusterMetadata {
    /// No topics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `topic` with partitions `0..count`, replicas without racks.
    pub fn with_topic(mut self, topic: impl Into<String>, count: i32) -> Self {
        let parts = (0..count.max(0))
            .map(|p| PartitionInfo::new(p, std::iter::empty::<String>()))
            .collect();
        self.topics.insert(topic.into(), parts);
        self
    }

    /// Adds `topic` with the given partitions.
    pub fn with_partitions(mut self, topic: impl Into<String>, parts: Vec<PartitionInfo>) -> Self {
        self.topics.insert(topic.into(), parts);
        self
    }

    /// The topics and partitions of a Metadata response, each replica's rack looked up in its
    /// broker list. Topics with an error or without a name are left out.
    #[cfg(feature = "metadata")]
    pub fn from_metadata_response(resp: &crate::messages::MetadataResponse) -> Self {
        let racks: BTreeMap<i32, Cow<'_, str>> = resp
            .brokers
            .iter()
            .filter_map(|b| b.rack.as_ref().map(|r| (b.node_id, r.to_string_lossy())))
            .collect();
        let mut out = ClusterMetadata::new();
        for t in &resp.topics {
            let Some(name) = t.name.as_ref() else {
                continue;
            };
            if t.error_code != 0 {
                continue;
            }
            let mut parts: Vec<PartitionInfo> = t
                .partitions
                .iter()
                .map(|p| {
                    PartitionInfo::new(
                        p.partition_index,
                        p.replica_nodes
                            .iter()
                            .filter_map(|n| racks.get(n).map(|r| &**r)),
                    )
                })
                .collect();
            parts.sort_by_key(|p| p.partition);
            out.topics
                .insert(name.to_string_lossy().into_owned(), parts);
        }
        out
    }

    /// The partitions of the subscribed topics that have metadata, as Java's
    /// `AbstractPartitionAssignor` collects them: topics without partitions are dropped and
    /// partitions sorted by index.
    pub(crate) fn subscribed(&self, members: &[Member]) -> BTreeMap<String, Vec<PartitionInfo>> {
        let mut out = BTreeMap::new();
        for m in members {
            for t in &m.subscription.topics {
                if out.contains_key(t) {
                    continue;
                }
                if let Some(parts) = self.topics.get(t) {
                    if !parts.is_empty() {
                        let mut parts = parts.clone();
                        parts.sort_by_key(|p| p.partition);
                        parts.dedup_by_key(|p| p.partition);
                        out.insert(t.clone(), parts);
                    }
                }
            }
        }
        out
    }
}

/// Why an assignor could not produce an assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssignError {
    /// Two members share a member id.
    DuplicateMember(String),
    /// No assignor of that protocol name is known.
    UnknownStrategy(String),
    /// The algorithm reached a state Java treats as a bug (`IllegalStateException`).
    Internal(String),
}

impl fmt::Display for AssignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssignError::DuplicateMember(m) => write!(f, "member id {m:?} appears twice"),
            AssignError::UnknownStrategy(s) => write!(
                f,
                "unknown assignment strategy {s:?} (known: range, roundrobin, sticky, cooperative-sticky)"
            ),
            AssignError::Internal(s) => write!(f, "assignor invariant broken: {s}"),
        }
    }
}

impl std::error::Error for AssignError {}

/// A partition assignor: the leader's computation of who consumes what.
pub trait Assignor {
    /// The protocol name members advertise in JoinGroup (`range`, `roundrobin`, ...).
    fn name(&self) -> &'static str;

    /// Assigns the partitions of the subscribed topics in `metadata` to `members` (in the
    /// order the JoinGroup response lists them).
    fn assign(
        &self,
        members: &[Member],
        metadata: &ClusterMetadata,
    ) -> Result<GroupAssignment, AssignError>;
}

/// The assignor with protocol name `name`: `range`, `roundrobin`, `sticky` or
/// `cooperative-sticky`.
pub fn by_name(name: &str) -> Result<Box<dyn Assignor>, AssignError> {
    match name {
        "range" => Ok(Box::new(RangeAssignor::default())),
        "roundrobin" => Ok(Box::new(RoundRobinAssignor)),
        "sticky" => Ok(Box::new(StickyAssignor::default())),
        "cooperative-sticky" => Ok(Box::new(CooperativeStickyAssignor::default())),
        other => Err(AssignError::UnknownStrategy(other.to_owned())),
    }
}

/// Java's `String.compareTo`: UTF-16 code unit order (differs from `str`'s byte order only
/// between supplementary characters and U+E000..U+FFFF).
pub(crate) fn java_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Java's `MemberInfo` order: members with a `group.instance.id` first, by it, then the rest
/// by member id.
pub(crate) fn member_info_cmp(a: &Member, b: &Member) -> Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => java_cmp(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => java_cmp(&a.member_id, &b.member_id),
    }
}

/// Rejects duplicate member ids.
pub(crate) fn check_members(members: &[Member]) -> Result<(), AssignError> {
    let mut seen = BTreeSet::new();
    for m in members {
        if !seen.insert(m.member_id.as_str()) {
            return Err(AssignError::DuplicateMember(m.member_id.clone()));
        }
    }
    Ok(())
}

/// An empty entry for every member.
pub(crate) fn empty_assignment(members: &[Member]) -> GroupAssignment {
    members
        .iter()
        .map(|m| (m.member_id.clone(), BTreeMap::new()))
        .collect()
}

/// Adds `topic`-`partition` to `member`'s entry, keeping partitions ascending.
pub(crate) fn add_partition(out: &mut GroupAssignment, member: &str, topic: &str, partition: i32) {
    let parts = out
        .entry(member.to_owned())
        .or_default()
        .entry(topic.to_owned())
        .or_default();
    match parts.binary_search(&partition) {
        Ok(_) => {}
        Err(i) => parts.insert(i, partition),
    }
}

/// Java's `useRackAwareAssignment`: racks are used when some consumer has a rack that some
/// replica is on, and the partitions do not all have replicas on the same set of racks
/// (unless `prefer` is set, as Java's tests do).
pub(crate) fn use_rack_aware(
    consumer_racks: &BTreeSet<&str>,
    partition_racks: &BTreeSet<&str>,
    racks_per_partition: &mut dyn Iterator<Item = &BTreeSet<String>>,
    prefer: bool,
) -> bool {
    if consumer_racks.is_empty() || consumer_racks.is_disjoint(partition_racks) {
        false
    } else if prefer {
        true
    } else {
        let mut same = true;
        for r in racks_per_partition {
            if r.len() != partition_racks.len()
                || !r.iter().all(|x| partition_racks.contains(x.as_str()))
            {
                same = false;
                break;
            }
        }
        !same
    }
}
