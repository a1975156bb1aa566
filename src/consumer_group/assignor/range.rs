//! `range`: each topic on its own, its partitions cut into contiguous ranges handed to the
//! topic's subscribers in member order, the first `partitions % members` getting one more.
//!
//! With racks (KIP-881), a first pass gives each member partitions with a replica on its rack
//! (for topics with the same subscribers and partition count, the same partition index of
//! every such topic goes to the same member), and the plain range pass fills in the rest.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    add_partition, check_members, empty_assignment, member_info_cmp, use_rack_aware, AssignError,
    Assignor, ClusterMetadata, GroupAssignment, Member, PartitionInfo,
};

/// The `range` assignor (Java's `RangeAssignor`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RangeAssignor {
    /// Use the rack-aware pass even when every partition has replicas on every rack. Java
    /// sets this only in its tests; it exists here so those scenarios can be reproduced.
    pub prefer_rack_aware: bool,
}

impl RangeAssignor {
    /// The assignor with `prefer_rack_aware` set as given.
    pub fn with_prefer_rack_aware(prefer: bool) -> Self {
        RangeAssignor {
            prefer_rack_aware: prefer,
        }
    }
}

/// A topic's subscribers in order, with their racks.
type Subscribers<'a> = Vec<(&'a str, Option<&'a str>)>;

/// One topic's progress.
struct TopicState<'a> {
    topic: &'a str,
    /// Subscribers in `MemberInfo` order, with their racks.
    consumers: Vec<(&'a str, Option<&'a str>)>,
    needs_rack_aware: bool,
    /// Racks per partition index; empty when no subscriber has a rack.
    partition_racks: BTreeMap<i32, &'a BTreeSet<String>>,
    partitions: Vec<i32>,
    unassigned: Vec<i32>,
    assigned_count: BTreeMap<&'a str, usize>,
    per_consumer: usize,
    remaining_with_extra: usize,
}

impl<'a> TopicState<'a> {
    fn new(
        topic: &'a str,
        parts: &'a [PartitionInfo],
        members: Vec<&'a Member>,
        prefer: bool,
    ) -> Self {
        let consumers: Vec<(&str, Option<&str>)> = members
            .iter()
            .map(|m| (m.member_id.as_str(), m.subscription.rack_id.as_deref()))
            .collect();
        let n = consumers.len();
        let consumer_racks: BTreeSet<&str> = consumers.iter().filter_map(|c| c.1).collect();
        let mut partition_racks = BTreeMap::new();
        let mut all_partition_racks = BTreeSet::new();
        if !consumer_racks.is_empty() {
            for p in parts {
                partition_racks.insert(p.partition, &p.replica_racks);
                all_partition_racks.extend(p.replica_racks.iter().map(String::as_str));
            }
        }
        let needs_rack_aware = use_rack_aware(
            &consumer_racks,
            &all_partition_racks,
            &mut partition_racks.values().copied(),
            prefer,
        );
        let partitions: Vec<i32> = parts.iter().map(|p| p.partition).collect();
        TopicState {
            topic,
            assigned_count: consumers.iter().map(|c| (c.0, 0)).collect(),
            consumers,
            needs_rack_aware,
            partition_racks,
            unassigned: partitions.clone(),
            per_consumer: parts.len().checked_div(n).unwrap_or(0),
            remaining_with_extra: parts.len().checked_rem(n).unwrap_or(0),
            partitions,
        }
    }

    fn rack_of(&self, consumer: &str) -> Option<&'a str> {
        self.consumers
            .iter()
            .find(|c| c.0 == consumer)
            .and_then(|c| c.1)
    }

    /// A member without a rack matches every partition.
    fn racks_match(&self, consumer: &str, partition: i32) -> bool {
        match self.rack_of(consumer) {
            None => true,
            Some(rack) => self
                .partition_racks
                .get(&partition)
                .is_some_and(|r| r.contains(rack)),
        }
    }

    fn max_assignable(&self, consumer: &str) -> usize {
        let cap = self.per_consumer + usize::from(self.remaining_with_extra > 0);
        cap.saturating_sub(self.assigned_count.get(consumer).copied().unwrap_or(0))
    }

    fn assign(&mut self, out: &mut GroupAssignment, consumer: &'a str, parts: &[i32]) {
        for &p in parts {
            add_partition(out, consumer, self.topic, p);
        }
        let n = self.assigned_count.entry(consumer).or_insert(0);
        *n += parts.len();
        if *n > self.per_consumer {
            self.remaining_with_extra = self.remaining_with_extra.saturating_sub(1);
        }
        self.unassigned.retain(|p| !parts.contains(p));
    }

    fn assign_ranges(&mut self, out: &mut GroupAssignment, rack_match_only: bool) {
        let consumers: Vec<&'a str> = self.consumers.iter().map(|c| c.0).collect();
        for consumer in consumers {
            if self.unassigned.is_empty() {
                break;
            }
            let limit = self.max_assignable(consumer);
            let parts: Vec<i32> = self
                .unassigned
                .iter()
                .copied()
                .filter(|&p| !rack_match_only || self.racks_match(consumer, p))
                .take(limit)
                .collect();
            if !parts.is_empty() {
                self.assign(out, consumer, &parts);
            }
        }
    }
}

/// Topics with the same subscribers and partition count: each partition index goes to the
/// first member (in order) that matches the racks of that index in every topic and still has
/// room in every topic.
fn assign_co_partitioned(states: &mut [&mut TopicState<'_>], out: &mut GroupAssignment) {
    let Some(first) = states.first() else { return };
    let mut remaining: Vec<&str> = first.consumers.iter().map(|c| c.0).collect();
    let num_partitions = first.partition_racks.len();
    for i in 0..num_partitions {
        let chosen = remaining.iter().copied().find(|c| {
            states.iter().all(|t| {
                t.partitions
                    .get(i)
                    .is_some_and(|&p| t.racks_match(c, p) && t.max_assignable(c) > 0)
            })
        });
        let Some(consumer) = chosen else { continue };
        for t in states.iter_mut() {
            if let Some(&p) = t.partitions.get(i) {
                t.assign(out, consumer, &[p]);
            }
        }
        if states.iter().all(|t| t.max_assignable(consumer) == 0) {
            remaining.retain(|c| *c != consumer);
            if remaining.is_empty() {
                break;
            }
        }
    }
}

impl Assignor for RangeAssignor {
    fn name(&self) -> &'static str {
        "range"
    }

    fn assign(
        &self,
        members: &[Member],
        metadata: &ClusterMetadata,
    ) -> Result<GroupAssignment, AssignError> {
        check_members(members)?;
        let topics = metadata.subscribed(members);
        let mut states: Vec<TopicState<'_>> = topics
            .iter()
            .map(|(topic, parts)| {
                let mut subs: Vec<&Member> = members
                    .iter()
                    .filter(|m| m.subscription.topics.iter().any(|t| t == topic))
                    .collect();
                subs.sort_by(|a, b| member_info_cmp(a, b));
                TopicState::new(topic, parts, subs, self.prefer_rack_aware)
            })
            .collect();
        let mut out = empty_assignment(members);

        if states.iter().any(|t| t.needs_rack_aware) {
            // Group the topics by (subscribers with racks, partition count); each group is
            // independent of the others, so the order groups are visited in does not matter.
            let mut groups: BTreeMap<(Subscribers<'_>, usize), Vec<usize>> = BTreeMap::new();
            for (i, t) in states.iter().enumerate() {
                groups
                    .entry((t.consumers.clone(), t.partition_racks.len()))
                    .or_default()
                    .push(i);
            }
            for idx in groups.values() {
                if idx.len() > 1 {
                    let mut group: Vec<&mut TopicState<'_>> = states
                        .iter_mut()
                        .enumerate()
                        .filter(|(i, _)| idx.contains(i))
                        .map(|(_, t)| t)
                        .collect();
                    assign_co_partitioned(&mut group, &mut out);
                } else if let Some(t) = states.get_mut(idx[0]) {
                    if t.needs_rack_aware {
                        t.assign_ranges(&mut out, true);
                    }
                }
            }
        }
        for t in &mut states {
            t.assign_ranges(&mut out, false);
        }
        Ok(out)
    }
}
