//! `sticky` and `cooperative-sticky`: balanced assignments that keep partitions where they
//! were, following Java's `AbstractStickyAssignor`.
//!
//! Two algorithms, chosen as Java chooses:
//!
//! - **constrained** (every member subscribes to the same topics): each member keeps up to
//!   its quota (`floor` or `ceil` of partitions / members) of what it owned, the rest is dealt
//!   round-robin to members under quota (first within racks when rack-aware);
//! - **general** (subscriptions differ): owned partitions stay, unowned ones go to the least
//!   loaded eligible member, then partitions move from members with two or more than some
//!   other eligible member until balanced, preferring to return a partition to its previous
//!   owner and undoing the moves if they did not improve balance.
//!
//! What a member "owned" comes, for `sticky`, from its user data
//! ([`sticky_user_data`](super::sticky_user_data)); for `cooperative-sticky`, from the
//! subscription's `owned_partitions` and `generation_id` (or a generation in user data).
//! Claims from an older generation lose to newer ones; two claims from the same generation
//! both lose.
//!
//! `cooperative-sticky` then holds back every partition that would move from one member to
//! another: the owner loses it this round and the new owner gets it in the next (KIP-429).

use std::collections::{BTreeMap, BTreeSet};

use super::sticky_user_data::{decode_cooperative, decode_sticky};
use super::{
    check_members, java_cmp, use_rack_aware, AssignError, Assignor, ClusterMetadata,
    GroupAssignment, Member,
};

/// A partition: (topic index, partition id). Topic indexes follow topic name order, so the
/// derived order is Java's `TopicPartitionComparator`.
type Tp = (usize, i32);
/// A member index; indexes follow member id order.
type M = usize;

const DEFAULT_GENERATION: i32 = -1;

/// The `sticky` assignor (Java's `StickyAssignor`, eager protocol).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct StickyAssignor {
    /// Use rack-aware placement even when every partition has replicas on every rack (as
    /// Java's tests can); off by default.
    pub prefer_rack_aware: bool,
    /// Always run the general algorithm, as Java clients before 2.7 did (the fast path for
    /// groups whose members all subscribe to the same topics came with KAFKA-9987) and as
    /// librdkafka's and kafka-python's ports still do. Set it to compute what such a leader
    /// computes; off by default (today's Java).
    pub general_only: bool,
}

/// The `cooperative-sticky` assignor (Java's `CooperativeStickyAssignor`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CooperativeStickyAssignor {
    /// As for [`StickyAssignor::prefer_rack_aware`].
    pub prefer_rack_aware: bool,
    /// As for [`StickyAssignor::general_only`] (librdkafka's `cooperative-sticky` runs the
    /// general algorithm for every group).
    pub general_only: bool,
}

impl StickyAssignor {
    /// The assignor with `prefer_rack_aware` as given.
    pub fn with_prefer_rack_aware(prefer: bool) -> Self {
        StickyAssignor {
            prefer_rack_aware: prefer,
            ..Self::default()
        }
    }

    /// The assignor with `general_only` as given.
    pub fn with_general_only(general_only: bool) -> Self {
        StickyAssignor {
            general_only,
            ..Self::default()
        }
    }
}

impl CooperativeStickyAssignor {
    /// The assignor with `prefer_rack_aware` as given.
    pub fn with_prefer_rack_aware(prefer: bool) -> Self {
        CooperativeStickyAssignor {
            prefer_rack_aware: prefer,
            ..Self::default()
        }
    }

    /// The assignor with `general_only` as given.
    pub fn with_general_only(general_only: bool) -> Self {
        CooperativeStickyAssignor {
            general_only,
            ..Self::default()
        }
    }
}

impl Assignor for StickyAssignor {
    fn name(&self) -> &'static str {
        "sticky"
    }

    fn assign(
        &self,
        members: &[Member],
        metadata: &ClusterMetadata,
    ) -> Result<GroupAssignment, AssignError> {
        let ctx = Ctx::new(members, metadata, Kind::Sticky)?;
        let out = ctx.run(self.prefer_rack_aware, self.general_only)?;
        Ok(ctx.export(&out.assignment))
    }
}

impl Assignor for CooperativeStickyAssignor {
    fn name(&self) -> &'static str {
        "cooperative-sticky"
    }

    fn assign(
        &self,
        members: &[Member],
        metadata: &ClusterMetadata,
    ) -> Result<GroupAssignment, AssignError> {
        let ctx = Ctx::new(members, metadata, Kind::Cooperative)?;
        let mut out = ctx.run(self.prefer_rack_aware, self.general_only)?;
        let transferring = match out.transferring.take() {
            Some(t) => t,
            None => ctx.transferring(&out.assignment),
        };
        for (tp, m) in transferring {
            out.assignment[m].retain(|x| *x != tp);
        }
        Ok(ctx.export(&out.assignment))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sticky,
    Cooperative,
}

/// Previously owned partitions and their generation, as each assignor reads them.
struct MemberData {
    partitions: Vec<Tp>,
    generation: Option<i32>,
}

struct Ctx<'a> {
    kind: Kind,
    /// Subscribed topics with partitions, in name order.
    topics: Vec<&'a str>,
    /// Partition ids of each topic, ascending.
    parts: Vec<Vec<i32>>,
    /// Replica racks per partition, same shape as `parts`.
    racks: Vec<Vec<&'a BTreeSet<String>>>,
    /// Members in member id order.
    members: Vec<&'a Member>,
    /// The order Java walks its member maps in (see [`java_hash_map_order`]).
    hash_order: Vec<M>,
}

struct Outcome {
    assignment: Vec<Vec<Tp>>,
    /// Partitions handed to a new owner while another still owns them (constrained path
    /// only; `None` means compute them from the subscriptions).
    transferring: Option<BTreeMap<Tp, M>>,
}

impl<'a> Ctx<'a> {
    fn new(
        members: &'a [Member],
        metadata: &'a ClusterMetadata,
        kind: Kind,
    ) -> Result<Self, AssignError> {
        check_members(members)?;
        let mut topics: Vec<&str> = Vec::new();
        let mut parts = Vec::new();
        let mut racks = Vec::new();
        let mut sorted: Vec<(&String, &Vec<super::PartitionInfo>)> = Vec::new();
        for m in members {
            for t in &m.subscription.topics {
                if let Some((name, p)) = metadata.topics.get_key_value(t) {
                    if !p.is_empty() && !sorted.iter().any(|(n, _)| *n == name) {
                        sorted.push((name, p));
                    }
                }
            }
        }
        sorted.sort_by(|a, b| java_cmp(a.0, b.0));
        for (name, p) in sorted {
            let mut p: Vec<&super::PartitionInfo> = p.iter().collect();
            p.sort_by_key(|x| x.partition);
            p.dedup_by_key(|x| x.partition);
            topics.push(name.as_str());
            parts.push(p.iter().map(|x| x.partition).collect());
            racks.push(p.iter().map(|x| &x.replica_racks).collect());
        }
        let mut ms: Vec<&Member> = members.iter().collect();
        ms.sort_by(|a, b| java_cmp(&a.member_id, &b.member_id));
        // Java's HashMap order over the JoinGroup member list, as member indexes.
        let by_join: Vec<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
        let hash_order = java_hash_map_order(&by_join)
            .into_iter()
            .map(|i| {
                ms.iter()
                    .position(|m| m.member_id == by_join[i])
                    .unwrap_or(0)
            })
            .collect();
        Ok(Ctx {
            kind,
            topics,
            parts,
            racks,
            members: ms,
            hash_order,
        })
    }

    fn topic_index(&self, name: &str) -> Option<usize> {
        self.topics.iter().position(|t| *t == name)
    }

    /// The partition if its topic is assignable and it exists.
    fn tp(&self, topic: &str, partition: i32) -> Option<Tp> {
        let t = self.topic_index(topic)?;
        self.parts[t].binary_search(&partition).ok()?;
        Some((t, partition))
    }

    fn subscribes(&self, m: M, topic: usize) -> bool {
        let name = self.topics[topic];
        self.members[m]
            .subscription
            .topics
            .iter()
            .any(|t| t == name)
    }

    /// The subscription's own generation (Java's `Subscription.generationId()`).
    fn subscription_generation(&self, m: M) -> i32 {
        self.members[m]
            .subscription
            .generation_id
            .unwrap_or(DEFAULT_GENERATION)
    }

    /// What member `m` previously owned, and from which generation, as the assignor reads
    /// it (Java's `memberData`); partitions of unknown topics or beyond a topic's partitions
    /// are dropped.
    fn data(&self, m: M) -> MemberData {
        let sub = &self.members[m].subscription;
        match self.kind {
            Kind::Sticky => {
                let d = decode_sticky(sub.user_data.as_deref());
                MemberData {
                    partitions: d
                        .partitions
                        .iter()
                        .filter_map(|tp| self.tp(&tp.topic, tp.partition))
                        .collect(),
                    generation: d.generation,
                }
            }
            Kind::Cooperative => MemberData {
                partitions: sub
                    .owned_partitions
                    .iter()
                    .filter_map(|tp| self.tp(&tp.topic, tp.partition))
                    .collect(),
                generation: match sub.generation_id {
                    Some(g) => Some(g),
                    None => decode_cooperative(sub.user_data.as_deref()),
                },
            },
        }
    }

    fn export(&self, assignment: &[Vec<Tp>]) -> GroupAssignment {
        let mut out = GroupAssignment::new();
        for (m, parts) in assignment.iter().enumerate() {
            let entry = out.entry(self.members[m].member_id.clone()).or_default();
            for &(t, p) in parts {
                entry.entry(self.topics[t].to_owned()).or_default().push(p);
            }
            for v in entry.values_mut() {
                v.sort_unstable();
                v.dedup();
            }
        }
        out
    }

    /// Cooperative, general path: partitions assigned to a member that did not own them
    /// while some member that did own them loses them.
    fn transferring(&self, assignment: &[Vec<Tp>]) -> BTreeMap<Tp, M> {
        let mut added = BTreeMap::new();
        let mut revoked = BTreeSet::new();
        for (m, assigned) in assignment.iter().enumerate() {
            let owned: BTreeSet<Tp> = self.members[m]
                .subscription
                .owned_partitions
                .iter()
                .filter_map(|tp| self.tp(&tp.topic, tp.partition))
                .collect();
            for tp in assigned {
                if !owned.contains(tp) {
                    added.insert(*tp, m);
                }
            }
            for tp in &owned {
                if !assigned.contains(tp) {
                    revoked.insert(*tp);
                }
            }
        }
        added.retain(|tp, _| revoked.contains(tp));
        added
    }

    fn run(&self, prefer_rack_aware: bool, general_only: bool) -> Result<Outcome, AssignError> {
        let n = self.members.len();
        if n == 0 {
            return Ok(Outcome {
                assignment: Vec::new(),
                transferring: Some(BTreeMap::new()),
            });
        }
        let owners = self.resolve_owners();
        let rack = RackInfo::new(self, prefer_rack_aware);
        if owners.all_equal && !general_only {
            let mut b = Constrained::new(self, &rack, owners.owned, owners.multiple);
            b.build()?;
            Ok(Outcome {
                assignment: b.assignment,
                transferring: Some(b.transferring),
            })
        } else {
            let mut g = General::new(self, &rack, owners.owned, owners.max_generation);
            g.build();
            Ok(Outcome {
                assignment: g.current,
                transferring: None,
            })
        }
    }

    /// Java's `allSubscriptionsEqual`: whether every member subscribes to the same topics,
    /// and who keeps each claimed partition (newest generation wins, equal claims void).
    fn resolve_owners(&self) -> Owners {
        let n = self.members.len();
        let mut all_equal = true;
        let mut subscribed: BTreeSet<&str> = BTreeSet::new();
        let mut owner_of: BTreeMap<Tp, M> = BTreeMap::new();
        let mut owned: Vec<Vec<Tp>> = vec![Vec::new(); n];
        let mut multiple = BTreeSet::new();
        let mut max_generation = DEFAULT_GENERATION;
        for &m in &self.hash_order {
            let topics = &self.members[m].subscription.topics;
            if subscribed.is_empty() {
                subscribed.extend(topics.iter().map(String::as_str));
            } else if all_equal
                && !(topics.len() == subscribed.len()
                    && topics.iter().all(|t| subscribed.contains(t.as_str())))
            {
                all_equal = false;
            }
            let data = self.data(m);
            let generation = data.generation.unwrap_or(DEFAULT_GENERATION);
            max_generation = max_generation.max(generation);
            for tp in data.partitions {
                match owner_of.get(&tp).copied() {
                    None => {
                        owned[m].push(tp);
                        owner_of.insert(tp, m);
                    }
                    Some(other) => {
                        let other_generation = self.subscription_generation(other);
                        if generation == other_generation {
                            multiple.insert(tp);
                            remove_first(&mut owned[other], &tp);
                            owner_of.insert(tp, m);
                        } else if generation > other_generation {
                            owned[m].push(tp);
                            remove_first(&mut owned[other], &tp);
                            owner_of.insert(tp, m);
                        }
                    }
                }
            }
        }
        Owners {
            all_equal,
            owned,
            multiple,
            max_generation,
        }
    }
}

/// The order a `java.util.HashMap<String, _>` filled with `keys` (in this order, by `put` on
/// a default-sized map) iterates in: by bucket (`String.hashCode` spread and masked by the
/// table size, which starts at 16 and doubles past three quarters full), and within a bucket
/// in insertion order. Returns indexes into `keys`.
///
/// The Java leader keeps subscriptions in such a map, filled in JoinGroup member order, and
/// where the sticky algorithms walk it the order can decide ties; walking the members the
/// same way reproduces Java's choices. (A bucket of eight or more keys in a table of 64 or
/// more would be turned into a tree by Java and iterate differently; that needs dozens of
/// colliding member ids.)
pub(crate) fn java_hash_map_order(keys: &[&str]) -> Vec<usize> {
    let mut cap = 16usize;
    while keys.len() * 4 > cap * 3 {
        cap *= 2;
    }
    let bucket = |k: &str| {
        let h = java_string_hash(k) as u32;
        ((h ^ (h >> 16)) as usize) & (cap - 1)
    };
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| bucket(keys[i]));
    order
}

struct Owners {
    all_equal: bool,
    owned: Vec<Vec<Tp>>,
    multiple: BTreeSet<Tp>,
    max_generation: i32,
}

fn remove_first(v: &mut Vec<Tp>, tp: &Tp) {
    if let Some(i) = v.iter().position(|x| x == tp) {
        v.remove(i);
    }
}

/// Which racks matter (Java's `RackInfo`).
struct RackInfo<'a> {
    /// Member → rack, only when rack-aware placement is on.
    consumer_racks: BTreeMap<M, &'a str>,
    /// Partition → replica racks, only when rack-aware placement is on.
    partition_racks: BTreeMap<Tp, &'a BTreeSet<String>>,
    /// Partition → number of members on its replicas' racks (whenever any member has a
    /// rack, whether or not placement is rack-aware).
    consumers_per_partition: BTreeMap<Tp, usize>,
}

impl<'a> RackInfo<'a> {
    fn new(ctx: &Ctx<'a>, prefer: bool) -> Self {
        let mut by_rack: BTreeMap<&'a str, Vec<M>> = BTreeMap::new();
        for (m, member) in ctx.members.iter().enumerate() {
            if let Some(r) = member
                .subscription
                .rack_id
                .as_deref()
                .filter(|r| !r.is_empty())
            {
                by_rack.entry(r).or_default().push(m);
            }
        }
        let mut partition_racks = BTreeMap::new();
        let mut all_partition_racks: BTreeSet<&str> = BTreeSet::new();
        if !by_rack.is_empty() {
            for (t, ids) in ctx.parts.iter().enumerate() {
                for (i, &p) in ids.iter().enumerate() {
                    let r = ctx.racks[t][i];
                    partition_racks.insert((t, p), r);
                    all_partition_racks.extend(r.iter().map(String::as_str));
                }
            }
        }
        let consumers_per_partition = partition_racks
            .iter()
            .map(|(tp, racks)| {
                let n = racks
                    .iter()
                    .map(|r| by_rack.get(r.as_str()).map_or(0, Vec::len))
                    .sum();
                (*tp, n)
            })
            .collect();
        let consumer_rack_names: BTreeSet<&str> = by_rack.keys().copied().collect();
        let used = use_rack_aware(
            &consumer_rack_names,
            &all_partition_racks,
            &mut partition_racks.values().copied(),
            prefer,
        );
        if used {
            let consumer_racks = by_rack
                .iter()
                .flat_map(|(r, ms)| ms.iter().map(move |m| (*m, *r)))
                .collect();
            RackInfo {
                consumer_racks,
                partition_racks,
                consumers_per_partition,
            }
        } else {
            RackInfo {
                consumer_racks: BTreeMap::new(),
                partition_racks: BTreeMap::new(),
                consumers_per_partition,
            }
        }
    }

    fn mismatch(&self, m: M, tp: Tp) -> bool {
        match self.consumer_racks.get(&m) {
            None => false,
            Some(r) => !self
                .partition_racks
                .get(&tp)
                .is_some_and(|s| s.contains(*r)),
        }
    }

    fn sort_by_rack_consumers(&self, parts: &mut [Tp]) {
        if !self.consumers_per_partition.is_empty() {
            parts.sort_by_key(|tp| self.consumers_per_partition.get(tp).copied().unwrap_or(0));
        }
    }

    /// The first member from position `first` on (wrapping) whose rack holds a replica.
    fn next_rack_consumer(&self, tp: Tp, list: &[M], first: usize) -> Option<usize> {
        let racks = self.partition_racks.get(&tp)?;
        if racks.is_empty() || list.is_empty() {
            return None;
        }
        (0..list.len())
            .map(|i| (first + i) % list.len())
            .find(|&i| {
                self.consumer_racks
                    .get(&list[i])
                    .is_some_and(|r| racks.contains(*r))
            })
    }
}

/// Java's `ConstrainedAssignmentBuilder`.
struct Constrained<'c, 'a> {
    ctx: &'c Ctx<'a>,
    rack: &'c RackInfo<'a>,
    owned: Vec<Vec<Tp>>,
    multiple: BTreeSet<Tp>,
    maybe_revoked: BTreeMap<Tp, M>,
    under_min: Vec<M>,
    exactly_min: Vec<M>,
    min_quota: usize,
    max_quota: usize,
    expected_over_min: usize,
    current_over_min: usize,
    assignment: Vec<Vec<Tp>>,
    assigned: Vec<Tp>,
    transferring: BTreeMap<Tp, M>,
}

impl<'c, 'a> Constrained<'c, 'a> {
    fn new(
        ctx: &'c Ctx<'a>,
        rack: &'c RackInfo<'a>,
        owned: Vec<Vec<Tp>>,
        multiple: BTreeSet<Tp>,
    ) -> Self {
        let n = owned.len();
        let total: usize = ctx.parts.iter().map(Vec::len).sum();
        Constrained {
            ctx,
            rack,
            multiple,
            maybe_revoked: BTreeMap::new(),
            under_min: Vec::new(),
            exactly_min: Vec::new(),
            min_quota: total / n,
            max_quota: total.div_ceil(n),
            expected_over_min: total % n,
            current_over_min: 0,
            assignment: vec![Vec::new(); n],
            assigned: Vec::new(),
            transferring: BTreeMap::new(),
            owned,
        }
    }

    fn build(&mut self) -> Result<(), AssignError> {
        self.assign_owned();
        let assigned: BTreeSet<Tp> = self.assigned.iter().copied().collect();
        let mut unassigned: Vec<Tp> = Vec::new();
        for (t, ids) in self.ctx.parts.iter().enumerate() {
            for &p in ids {
                if !assigned.contains(&(t, p)) {
                    unassigned.push((t, p));
                }
            }
        }
        self.under_min.sort_unstable();
        self.exactly_min.sort_unstable();
        self.rack.sort_by_rack_consumers(&mut unassigned);
        self.assign_rack_aware_round_robin(&mut unassigned);
        self.assign_round_robin(&unassigned)?;
        self.verify()
    }

    fn assign_owned(&mut self) {
        for &m in &self.ctx.hash_order {
            let mut owned: Vec<Tp> = Vec::new();
            for &tp in &self.owned[m] {
                if self.rack.mismatch(m, tp) {
                    self.maybe_revoked.insert(tp, m);
                } else {
                    owned.push(tp);
                }
            }
            // Java sorts by partition id, then topic.
            owned.sort_by_key(|&(t, p)| (p, t));
            owned.retain(|tp| !self.multiple.contains(tp));
            if owned.len() < self.min_quota {
                self.assignment[m].extend_from_slice(&owned);
                self.assigned.extend_from_slice(&owned);
                self.under_min.push(m);
            } else if owned.len() >= self.max_quota
                && self.current_over_min < self.expected_over_min
            {
                self.current_over_min += 1;
                if self.current_over_min == self.expected_over_min {
                    self.exactly_min.clear();
                }
                let (keep, drop) = owned.split_at(self.max_quota);
                self.assignment[m].extend_from_slice(keep);
                self.assigned.extend_from_slice(keep);
                for tp in drop {
                    self.maybe_revoked.insert(*tp, m);
                }
            } else {
                let (keep, drop) = owned.split_at(self.min_quota);
                self.assignment[m].extend_from_slice(keep);
                self.assigned.extend_from_slice(keep);
                for tp in drop {
                    self.maybe_revoked.insert(*tp, m);
                }
                if self.current_over_min < self.expected_over_min {
                    self.exactly_min.push(m);
                }
            }
        }
    }

    fn assign_rack_aware_round_robin(&mut self, unassigned: &mut Vec<Tp>) {
        if self.rack.consumer_racks.is_empty() {
            return;
        }
        let mut next_unfilled = 0usize;
        let mut i = 0;
        while i < unassigned.len() {
            let tp = unassigned[i];
            let mut consumer = None;
            if let Some(mut next) = self
                .rack
                .next_rack_consumer(tp, &self.under_min, next_unfilled)
            {
                let c = self.under_min[next];
                consumer = Some(c);
                let count = self.assignment[c].len() + 1;
                if count >= self.min_quota {
                    if let Some(pos) = self.under_min.iter().position(|x| *x == c) {
                        self.under_min.remove(pos);
                    }
                    if count < self.max_quota && self.current_over_min < self.expected_over_min {
                        self.exactly_min.push(c);
                    }
                } else {
                    next += 1;
                }
                next_unfilled = if self.under_min.is_empty() {
                    0
                } else {
                    next % self.under_min.len()
                };
            } else if !self.exactly_min.is_empty() {
                if let Some(first) = self.rack.next_rack_consumer(tp, &self.exactly_min, 0) {
                    let c = self.exactly_min[first];
                    consumer = Some(c);
                    if self.assignment[c].len() + 1 == self.max_quota {
                        self.exactly_min.remove(first);
                        self.current_over_min += 1;
                        if self.current_over_min == self.expected_over_min {
                            self.exactly_min.clear();
                        }
                    }
                }
            }
            match consumer {
                Some(c) => {
                    self.assign_new(tp, c);
                    unassigned.remove(i);
                }
                None => i += 1,
            }
        }
    }

    fn assign_round_robin(&mut self, unassigned: &[Tp]) -> Result<(), AssignError> {
        // A cursor over `under_min` behaving like Java's list iterator: `pos` is the index of
        // the next element, `last` the index `remove` would drop.
        let mut pos = 0usize;
        for &tp in unassigned {
            let mut from_iter = false;
            let consumer = if pos < self.under_min.len() {
                pos += 1;
                from_iter = true;
                self.under_min[pos - 1]
            } else if self.under_min.is_empty() && self.exactly_min.is_empty() {
                return Err(AssignError::Internal(
                    "no more unfilled members to assign partitions to".into(),
                ));
            } else if self.under_min.is_empty() {
                self.exactly_min.remove(0)
            } else {
                pos = 1;
                from_iter = true;
                self.under_min[0]
            };
            let count = self.assign_new(tp, consumer);
            if count == self.min_quota {
                if from_iter {
                    self.under_min.remove(pos - 1);
                    pos -= 1;
                }
                self.exactly_min.push(consumer);
            } else if count == self.max_quota {
                self.current_over_min += 1;
            }
        }
        Ok(())
    }

    fn assign_new(&mut self, tp: Tp, m: M) -> usize {
        self.assignment[m].push(tp);
        if self.maybe_revoked.get(&tp).is_some_and(|o| *o != m) || self.multiple.contains(&tp) {
            self.transferring.insert(tp, m);
        }
        self.assignment[m].len()
    }

    fn verify(&self) -> Result<(), AssignError> {
        if self.under_min.is_empty() {
            return Ok(());
        }
        if self.current_over_min != self.expected_over_min {
            return Err(AssignError::Internal(
                "fewer members above the minimum quota than expected, and no partitions left"
                    .into(),
            ));
        }
        for &m in &self.under_min {
            if self.assignment[m].len() != self.min_quota {
                return Err(AssignError::Internal(format!(
                    "member {} did not reach its minimum quota",
                    self.ctx.members[m].member_id
                )));
            }
        }
        Ok(())
    }
}

/// Java's `PartitionMovements`: which partitions moved between which members, so a move
/// back along an earlier move picks the partition that came that way.
#[derive(Default)]
struct Movements {
    moves: BTreeMap<Tp, (M, M)>,
    by_topic: BTreeMap<usize, BTreeMap<(M, M), JavaHashSet>>,
    /// `String.hashCode` of each topic name, for [`JavaHashSet`].
    topic_hash: Vec<i32>,
}

/// The partitions that moved between one pair of members, kept so that "the first one" is
/// the one a `java.util.HashSet<TopicPartition>` holding them would iterate first: lowest
/// bucket (of `TopicPartition.hashCode`, in a table that started at 16 and doubled whenever
/// more than three quarters full), then earliest inserted.
#[derive(Default)]
struct JavaHashSet {
    /// (partition, insertion number, its hash).
    items: Vec<(Tp, u64, u32)>,
    next: u64,
    /// The table size: Java's never shrinks.
    cap: usize,
}

impl JavaHashSet {
    fn insert(&mut self, tp: Tp, hash: u32) {
        if self.items.iter().any(|x| x.0 == tp) {
            return;
        }
        self.items.push((tp, self.next, hash));
        self.next += 1;
        self.cap = self.cap.max(16);
        while self.items.len() * 4 > self.cap * 3 {
            self.cap *= 2;
        }
    }

    fn remove(&mut self, tp: &Tp) {
        self.items.retain(|x| x.0 != *tp);
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn first(&self) -> Option<Tp> {
        let mask = self.cap.max(16) - 1;
        self.items
            .iter()
            .min_by_key(|(_, seq, h)| ((((*h) ^ (*h >> 16)) as usize) & mask, *seq))
            .map(|x| x.0)
    }
}

/// Java's `String.hashCode`.
fn java_string_hash(s: &str) -> i32 {
    let mut h: i32 = 0;
    for u in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(u));
    }
    h
}

impl Movements {
    fn new(topics: &[&str]) -> Self {
        Movements {
            topic_hash: topics.iter().map(|t| java_string_hash(t)).collect(),
            ..Self::default()
        }
    }

    /// Java's `TopicPartition.hashCode`.
    fn hash(&self, tp: Tp) -> u32 {
        let h = 31i32
            .wrapping_add(tp.1)
            .wrapping_mul(31)
            .wrapping_add(self.topic_hash[tp.0]);
        h as u32
    }

    fn remove(&mut self, tp: Tp) -> Option<(M, M)> {
        let pair = self.moves.remove(&tp)?;
        if let Some(topic) = self.by_topic.get_mut(&tp.0) {
            if let Some(set) = topic.get_mut(&pair) {
                set.remove(&tp);
                if set.is_empty() {
                    topic.remove(&pair);
                }
            }
            if topic.is_empty() {
                self.by_topic.remove(&tp.0);
            }
        }
        Some(pair)
    }

    fn add(&mut self, tp: Tp, pair: (M, M)) {
        self.moves.insert(tp, pair);
        let h = self.hash(tp);
        self.by_topic
            .entry(tp.0)
            .or_default()
            .entry(pair)
            .or_default()
            .insert(tp, h);
    }

    fn record(&mut self, tp: Tp, old: M, new: M) {
        if self.moves.contains_key(&tp) {
            if let Some(existing) = self.remove(tp) {
                if existing.0 != new {
                    self.add(tp, (existing.0, new));
                }
            }
        } else {
            self.add(tp, (old, new));
        }
    }

    fn actual_partition_to_move(&self, tp: Tp, mut old: M, new: M) -> Tp {
        let Some(topic) = self.by_topic.get(&tp.0) else {
            return tp;
        };
        if let Some(pair) = self.moves.get(&tp) {
            old = pair.0;
        }
        match topic.get(&(new, old)).and_then(JavaHashSet::first) {
            Some(other) => other,
            None => tp,
        }
    }
}

/// Java's `GeneralAssignmentBuilder`.
struct General<'c, 'a> {
    ctx: &'c Ctx<'a>,
    rack: &'c RackInfo<'a>,
    max_generation: i32,
    topic_consumers: Vec<Vec<M>>,
    consumer_topics: Vec<Vec<usize>>,
    current: Vec<Vec<Tp>>,
    /// Members taking part in balancing (Java removes the others from its map).
    active: Vec<bool>,
    owner: BTreeMap<Tp, M>,
    sorted_all: Vec<Tp>,
    /// (assigned count, member): Java's `sortedCurrentSubscriptions`.
    sorted: BTreeSet<(usize, M)>,
    revocation_required: bool,
    movements: Movements,
}

impl<'c, 'a> General<'c, 'a> {
    fn new(
        ctx: &'c Ctx<'a>,
        rack: &'c RackInfo<'a>,
        owned: Vec<Vec<Tp>>,
        max_generation: i32,
    ) -> Self {
        let n = ctx.members.len();
        let mut topic_consumers = vec![Vec::new(); ctx.topics.len()];
        let mut consumer_topics = vec![Vec::new(); n];
        for (m, mine) in consumer_topics.iter_mut().enumerate() {
            for t in &ctx.members[m].subscription.topics {
                if let Some(ti) = ctx.topic_index(t) {
                    if !mine.contains(&ti) {
                        mine.push(ti);
                        topic_consumers[ti].push(m);
                    }
                }
            }
        }
        let mut owner = BTreeMap::new();
        for (m, parts) in owned.iter().enumerate() {
            for tp in parts {
                owner.insert(*tp, m);
            }
        }
        let mut topic_order: Vec<usize> = (0..ctx.topics.len()).collect();
        topic_order.sort_by_key(|&t| (topic_consumers[t].len(), t));
        let sorted_all = topic_order
            .iter()
            .flat_map(|&t| ctx.parts[t].iter().map(move |&p| (t, p)))
            .collect();
        General {
            ctx,
            rack,
            max_generation,
            topic_consumers,
            consumer_topics,
            current: owned,
            active: vec![true; n],
            owner,
            sorted_all,
            sorted: BTreeSet::new(),
            revocation_required: false,
            movements: Movements::new(&ctx.topics),
        }
    }

    fn size(&self, m: M) -> usize {
        self.current[m].len()
    }

    fn build(&mut self) {
        let prev = self.previous_assignment();
        let assigned = self.assign_owned();
        let assigned: BTreeSet<Tp> = assigned.into_iter().collect();
        let unassigned: Vec<Tp> = self
            .sorted_all
            .iter()
            .copied()
            .filter(|tp| !assigned.contains(tp))
            .collect();
        for m in 0..self.current.len() {
            self.sorted.insert((self.size(m), m));
        }
        self.balance(&prev, unassigned);
    }

    /// Java's `prepopulateCurrentAssignments`: for partitions claimed in an older generation,
    /// the member that held them most recently.
    fn previous_assignment(&self) -> BTreeMap<Tp, (M, i32)> {
        let mut prev: BTreeMap<Tp, (M, i32)> = BTreeMap::new();
        for &m in &self.ctx.hash_order {
            let data = self.ctx.data(m);
            let generation = match data.generation {
                Some(g) if g < self.max_generation => g,
                None if self.max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
                _ => continue,
            };
            for tp in data.partitions {
                match prev.get(&tp) {
                    Some(&(_, g)) if generation <= g => {}
                    _ => {
                        prev.insert(tp, (m, generation));
                    }
                }
            }
        }
        prev
    }

    fn assign_owned(&mut self) -> Vec<Tp> {
        let mut assigned = Vec::new();
        for m in 0..self.current.len() {
            let parts = std::mem::take(&mut self.current[m]);
            let mut keep = Vec::with_capacity(parts.len());
            for tp in parts {
                if !self.ctx.subscribes(m, tp.0) || self.rack.mismatch(m, tp) {
                    self.revocation_required = true;
                } else {
                    assigned.push(tp);
                    keep.push(tp);
                }
            }
            self.current[m] = keep;
        }
        assigned
    }

    fn set_size_changing(&mut self, m: M, f: impl FnOnce(&mut Vec<Tp>)) {
        let was = self.sorted.remove(&(self.current[m].len(), m));
        f(&mut self.current[m]);
        if was {
            self.sorted.insert((self.current[m].len(), m));
        }
    }

    fn max_assignment_size(&self, m: M) -> usize {
        self.consumer_topics[m]
            .iter()
            .map(|&t| self.ctx.parts[t].len())
            .sum()
    }

    fn is_balanced(&self) -> bool {
        let (Some(first), Some(last)) = (self.sorted.first(), self.sorted.last()) else {
            return true;
        };
        if first.0 + 1 >= last.0 {
            return true;
        }
        let mut all: BTreeMap<Tp, M> = BTreeMap::new();
        for (m, parts) in self.current.iter().enumerate() {
            if self.active[m] {
                for tp in parts {
                    all.insert(*tp, m);
                }
            }
        }
        for &(count, m) in &self.sorted {
            if count == self.max_assignment_size(m) {
                continue;
            }
            for &t in &self.consumer_topics[m] {
                for &p in &self.ctx.parts[t] {
                    let tp = (t, p);
                    if self.current[m].contains(&tp) {
                        continue;
                    }
                    if let Some(&other) = all.get(&tp) {
                        if count + 1 < self.size(other) {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }

    fn balance_score(assignment: &[(M, usize)]) -> usize {
        let mut score = 0;
        for (i, a) in assignment.iter().enumerate() {
            for b in &assignment[i + 1..] {
                score += a.1.abs_diff(b.1);
            }
        }
        score
    }

    fn sizes(&self) -> Vec<(M, usize)> {
        (0..self.current.len())
            .filter(|&m| self.active[m])
            .map(|m| (m, self.size(m)))
            .collect()
    }

    fn maybe_assign_partition(&mut self, tp: Tp, use_racks: bool) -> bool {
        let candidate = self.sorted.iter().map(|&(_, m)| m).find(|&m| {
            self.consumer_topics[m].contains(&tp.0) && (!use_racks || !self.rack.mismatch(m, tp))
        });
        match candidate {
            Some(m) => {
                self.set_size_changing(m, |v| v.push(tp));
                self.owner.insert(tp, m);
                true
            }
            None => false,
        }
    }

    fn balance(&mut self, prev: &BTreeMap<Tp, (M, i32)>, mut unassigned: Vec<Tp>) {
        let initializing = self
            .sorted
            .last()
            .is_none_or(|&(_, m)| self.current[m].is_empty());
        let mut to_assign = unassigned.clone();
        if !self.rack.consumer_racks.is_empty() {
            let mut rest = Vec::new();
            for tp in to_assign {
                if self.topic_consumers[tp.0].is_empty() || !self.maybe_assign_partition(tp, true) {
                    rest.push(tp);
                }
            }
            to_assign = rest;
        }
        for tp in to_assign {
            if !self.topic_consumers[tp.0].is_empty() {
                self.maybe_assign_partition(tp, false);
            }
        }

        let fixed_topics: BTreeSet<usize> = (0..self.ctx.topics.len())
            .filter(|&t| self.topic_consumers[t].len() < 2)
            .collect();
        self.sorted_all.retain(|tp| !fixed_topics.contains(&tp.0));
        unassigned.retain(|tp| !fixed_topics.contains(&tp.0));

        let mut fixed_members = Vec::new();
        for m in 0..self.current.len() {
            let can = self.size(m) < self.max_assignment_size(m)
                || self.current[m]
                    .iter()
                    .any(|tp| self.topic_consumers[tp.0].len() >= 2);
            if !can {
                self.sorted.remove(&(self.size(m), m));
                self.active[m] = false;
                fixed_members.push(m);
            }
        }

        let pre_balance = self.current.clone();
        let pre_owner = self.owner.clone();
        let pre_score = Self::balance_score(&self.sizes());
        if !self.revocation_required {
            self.perform_reassignments(&unassigned, prev);
        }
        let sorted_all = self.sorted_all.clone();
        let performed = self.perform_reassignments(&sorted_all, prev);
        if !initializing && performed && Self::balance_score(&self.sizes()) >= pre_score {
            self.current = pre_balance;
            self.owner = pre_owner;
        }
        for m in fixed_members {
            self.active[m] = true;
        }
    }

    fn perform_reassignments(&mut self, partitions: &[Tp], prev: &BTreeMap<Tp, (M, i32)>) -> bool {
        let mut performed = false;
        loop {
            let mut modified = false;
            for &tp in partitions {
                if self.is_balanced() {
                    break;
                }
                let Some(&consumer) = self.owner.get(&tp) else {
                    continue;
                };
                if let Some(&(prev_owner, _)) = prev.get(&tp) {
                    // Java also sends a partition back to a previous owner that no longer
                    // subscribes to its topic (or no longer takes part); that can only come
                    // from a member that did not revoke it before rejoining, and would hand
                    // out an unsubscribed topic, so here such an owner is passed over.
                    if self.active[prev_owner]
                        && self.consumer_topics[prev_owner].contains(&tp.0)
                        && self.size(consumer) > self.size(prev_owner) + 1
                    {
                        self.reassign_to(tp, prev_owner);
                        performed = true;
                        modified = true;
                        continue;
                    }
                }
                let mut found_rack_consumer = false;
                if let Some(rack) = self.rack.consumer_racks.get(&consumer) {
                    if let Some(racks) = self.rack.partition_racks.get(&tp) {
                        if !racks.is_empty() && racks.contains(*rack) {
                            let others = self.topic_consumers[tp.0].clone();
                            for other in others {
                                let same_rack = self
                                    .rack
                                    .consumer_racks
                                    .get(&other)
                                    .is_some_and(|r| racks.contains(*r));
                                if !same_rack {
                                    continue;
                                }
                                if self.size(consumer) > self.size(other) + 1 {
                                    self.reassign(tp);
                                    performed = true;
                                    modified = true;
                                    found_rack_consumer = true;
                                    break;
                                }
                            }
                        }
                    }
                }
                if !found_rack_consumer {
                    let others = self.topic_consumers[tp.0].clone();
                    for other in others {
                        if self.size(consumer) > self.size(other) + 1 {
                            self.reassign(tp);
                            performed = true;
                            modified = true;
                            break;
                        }
                    }
                }
            }
            if !modified {
                return performed;
            }
        }
    }

    /// Moves `tp` to the least loaded member subscribed to its topic.
    fn reassign(&mut self, tp: Tp) {
        let target = self
            .sorted
            .iter()
            .map(|&(_, m)| m)
            .find(|&m| self.consumer_topics[m].contains(&tp.0));
        if let Some(m) = target {
            self.reassign_to(tp, m);
        }
    }

    fn reassign_to(&mut self, tp: Tp, new: M) {
        let Some(&old) = self.owner.get(&tp) else {
            return;
        };
        let actual = self.movements.actual_partition_to_move(tp, old, new);
        let Some(&from) = self.owner.get(&actual) else {
            return;
        };
        self.movements.record(actual, from, new);
        self.set_size_changing(from, |v| {
            if let Some(i) = v.iter().position(|x| *x == actual) {
                v.remove(i);
            }
        });
        self.set_size_changing(new, |v| v.push(actual));
        self.owner.insert(actual, new);
    }
}
