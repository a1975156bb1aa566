//! The cooperative rebalancing rules of KIP-429, as functions a client drives.
//!
//! Under the eager protocol a member gives up everything before it rejoins. Under the
//! cooperative protocol it keeps consuming what it owns, sends those partitions
//! (`owned_partitions`, with the generation they are from) in its subscription, and the
//! leader's assignment never hands a partition that someone still owns straight to another
//! member. A partition changes hands in two rounds:
//!
//! 1. the leader leaves it out of everyone's assignment; its owner sees it missing
//!    ([`AssignmentChange::revoked`]), stops consuming it, commits, and rejoins at once
//!    ([`AssignmentChange::needs_rejoin`]);
//! 2. in the next round nobody owns it, so the leader gives it to its new member.
//!
//! [`CooperativeMember`] keeps one member's side of this; [`validate_assignment`] is the check
//! the Java leader applies to any assignor other than `cooperative-sticky` when the group
//! runs the cooperative protocol.

use std::collections::{BTreeMap, BTreeSet};

use super::{GroupAssignment, Member, Subscription, TopicPartition};

/// The rebalance protocol a group runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebalanceProtocol {
    /// Revoke everything before rejoining.
    Eager,
    /// Keep what you own; give up only what the new assignment leaves out (KIP-429).
    Cooperative,
}

impl RebalanceProtocol {
    /// The protocol a group of assignors can run: cooperative only if every one of the
    /// strategies named supports it (of the built-in ones, only `cooperative-sticky` does).
    pub fn for_strategies<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut any = false;
        for n in names {
            any = true;
            if n != "cooperative-sticky" {
                return RebalanceProtocol::Eager;
            }
        }
        if any {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        }
    }
}

/// How a member's partitions change when it receives an assignment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssignmentChange {
    /// Owned before, not assigned now: stop consuming (and commit) these.
    pub revoked: Vec<TopicPartition>,
    /// Assigned now, not owned before: start consuming these.
    pub added: Vec<TopicPartition>,
    /// Owned before and assigned again: keep consuming without interruption.
    pub retained: Vec<TopicPartition>,
}

impl AssignmentChange {
    /// The difference between what the member owned and what it is now assigned.
    pub fn between(owned: &[TopicPartition], assigned: &[TopicPartition]) -> Self {
        let owned: BTreeSet<&TopicPartition> = owned.iter().collect();
        let assigned: BTreeSet<&TopicPartition> = assigned.iter().collect();
        AssignmentChange {
            revoked: owned.difference(&assigned).map(|t| (*t).clone()).collect(),
            added: assigned.difference(&owned).map(|t| (*t).clone()).collect(),
            retained: owned
                .intersection(&assigned)
                .map(|t| (*t).clone())
                .collect(),
        }
    }

    /// Whether the member must rejoin right away so the partitions it gave up can be
    /// assigned to others (cooperative protocol: whenever it revoked something).
    pub fn needs_rejoin(&self) -> bool {
        !self.revoked.is_empty()
    }
}

/// One member's side of the cooperative protocol: what it owns and from which generation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CooperativeMember {
    owned: BTreeSet<TopicPartition>,
    generation: Option<i32>,
}

impl CooperativeMember {
    /// A member that owns nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The partitions owned now, ascending.
    pub fn owned(&self) -> Vec<TopicPartition> {
        self.owned.iter().cloned().collect()
    }

    /// The generation of the last assignment received.
    pub fn generation(&self) -> Option<i32> {
        self.generation
    }

    /// Partitions to give up before sending JoinGroup: under the eager protocol everything;
    /// under the cooperative protocol only partitions of topics no longer subscribed to.
    /// They are removed from what the member owns.
    pub fn revoke_before_join(
        &mut self,
        protocol: RebalanceProtocol,
        topics: &[String],
    ) -> Vec<TopicPartition> {
        let gone: Vec<TopicPartition> = match protocol {
            RebalanceProtocol::Eager => self.owned.iter().cloned().collect(),
            RebalanceProtocol::Cooperative => self
                .owned
                .iter()
                .filter(|tp| !topics.contains(&tp.topic))
                .cloned()
                .collect(),
        };
        for tp in &gone {
            self.owned.remove(tp);
        }
        gone
    }

    /// The subscription to send in JoinGroup: the topics, what the member owns, and the
    /// generation it owns them from.
    pub fn subscription(&self, topics: &[String]) -> Subscription {
        let mut s = Subscription::new(topics.iter().cloned()).with_owned_partitions(self.owned());
        s.generation_id = self.generation;
        s
    }

    /// Takes the assignment from SyncGroup at `generation`: returns what to stop and start
    /// consuming; afterwards the member owns exactly `assigned`.
    pub fn on_assignment(
        &mut self,
        generation: i32,
        assigned: &[TopicPartition],
    ) -> AssignmentChange {
        let owned: Vec<TopicPartition> = self.owned();
        let change = AssignmentChange::between(&owned, assigned);
        self.owned = assigned.iter().cloned().collect();
        self.generation = Some(generation);
        change
    }
}

/// The partitions of `assignment` each member must revoke: owned (per its subscription) but
/// no longer assigned to it. Members with nothing to revoke are left out.
pub fn partitions_to_revoke(
    members: &[Member],
    assignment: &GroupAssignment,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut out = BTreeMap::new();
    for m in members {
        let assigned = flatten(assignment.get(&m.member_id));
        let change = AssignmentChange::between(&m.subscription.owned_partitions, &assigned);
        if !change.revoked.is_empty() {
            out.insert(m.member_id.clone(), change.revoked);
        }
    }
    out
}

/// Java's leader-side check for the cooperative protocol: no partition may be assigned to a
/// member while another member that owns it loses it in the same round. Returns the
/// offending partitions, ascending.
pub fn validate_assignment(
    members: &[Member],
    assignment: &GroupAssignment,
) -> Result<(), Vec<TopicPartition>> {
    let mut added = BTreeSet::new();
    let mut revoked = BTreeSet::new();
    for m in members {
        let assigned = flatten(assignment.get(&m.member_id));
        let change = AssignmentChange::between(&m.subscription.owned_partitions, &assigned);
        added.extend(change.added);
        revoked.extend(change.revoked);
    }
    let bad: Vec<TopicPartition> = added.intersection(&revoked).cloned().collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad)
    }
}

/// A member's entry of a [`GroupAssignment`] as a list of partitions.
pub fn flatten(entry: Option<&BTreeMap<String, Vec<i32>>>) -> Vec<TopicPartition> {
    let mut out = Vec::new();
    if let Some(topics) = entry {
        for (t, ps) in topics {
            for p in ps {
                out.push(TopicPartition::new(t.clone(), *p));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer_group::assignor::{Assignor, ClusterMetadata, CooperativeStickyAssignor};

    fn tp(t: &str, p: i32) -> TopicPartition {
        TopicPartition::new(t, p)
    }

    #[test]
    fn protocol_is_cooperative_only_when_all_strategies_support_it() {
        use RebalanceProtocol::*;
        assert_eq!(
            RebalanceProtocol::for_strategies(["cooperative-sticky"]),
            Cooperative
        );
        assert_eq!(
            RebalanceProtocol::for_strategies(["cooperative-sticky", "range"]),
            Eager
        );
        assert_eq!(RebalanceProtocol::for_strategies([]), Eager);
    }

    #[test]
    fn revoke_before_join_depends_on_protocol() {
        let mut m = CooperativeMember::new();
        m.on_assignment(1, &[tp("a", 0), tp("b", 0)]);
        let mut eager = m.clone();
        assert_eq!(
            eager.revoke_before_join(RebalanceProtocol::Eager, &["a".into(), "b".into()]),
            vec![tp("a", 0), tp("b", 0)]
        );
        assert!(eager.owned().is_empty());
        // Cooperative: only the topic dropped from the subscription goes.
        assert_eq!(
            m.revoke_before_join(RebalanceProtocol::Cooperative, &["a".into()]),
            vec![tp("b", 0)]
        );
        assert_eq!(m.owned(), vec![tp("a", 0)]);
        let s = m.subscription(&["a".into()]);
        assert_eq!(s.owned_partitions, vec![tp("a", 0)]);
        assert_eq!(s.generation_id, Some(1));
    }

    /// KIP-429's example flow: c1 owns all of t (4 partitions), c2 joins. Round one revokes
    /// two partitions from c1 without giving them to c2; c1 rejoins; round two gives them to
    /// c2. No partition is ever owned by two members.
    #[test]
    fn two_round_flow_moves_partitions_through_nobody() {
        let md = ClusterMetadata::new().with_topic("t", 4);
        let topics = vec!["t".to_string()];
        let a = CooperativeStickyAssignor::default();
        let mut c1 = CooperativeMember::new();
        let mut c2 = CooperativeMember::new();
        c1.on_assignment(1, &[tp("t", 0), tp("t", 1), tp("t", 2), tp("t", 3)]);

        // Round 1 (generation 2).
        let members = vec![
            Member::with_subscription("c1", c1.subscription(&topics)),
            Member::with_subscription("c2", c2.subscription(&topics)),
        ];
        let g = a.assign(&members, &md).unwrap();
        validate_assignment(&members, &g).unwrap();
        assert_eq!(g["c1"]["t"], vec![0, 1]);
        assert!(g["c2"].is_empty(), "c2 must wait a round: {g:?}");
        let ch1 = c1.on_assignment(2, &flatten(g.get("c1")));
        let ch2 = c2.on_assignment(2, &flatten(g.get("c2")));
        assert_eq!(ch1.revoked, vec![tp("t", 2), tp("t", 3)]);
        assert!(ch1.needs_rejoin());
        assert!(!ch2.needs_rejoin());
        assert_eq!(
            partitions_to_revoke(&members, &g),
            BTreeMap::from([("c1".to_string(), vec![tp("t", 2), tp("t", 3)])])
        );

        // Round 2 (generation 3): c1 rejoined owning 0 and 1.
        let members = vec![
            Member::with_subscription("c1", c1.subscription(&topics)),
            Member::with_subscription("c2", c2.subscription(&topics)),
        ];
        let g = a.assign(&members, &md).unwrap();
        validate_assignment(&members, &g).unwrap();
        assert_eq!(g["c1"]["t"], vec![0, 1]);
        assert_eq!(g["c2"]["t"], vec![2, 3]);
        let ch1 = c1.on_assignment(3, &flatten(g.get("c1")));
        let ch2 = c2.on_assignment(3, &flatten(g.get("c2")));
        assert!(!ch1.needs_rejoin());
        assert_eq!(ch1.retained.len(), 2);
        assert_eq!(ch2.added, vec![tp("t", 2), tp("t", 3)]);
    }

    #[test]
    fn validate_rejects_direct_moves() {
        let members = vec![
            Member::new("c1", ["t"]).with_owned(vec![tp("t", 0)], 1),
            Member::new("c2", ["t"]),
        ];
        let mut g = GroupAssignment::new();
        g.entry("c1".into()).or_default();
        g.entry("c2".into())
            .or_default()
            .insert("t".into(), vec![0]);
        assert_eq!(validate_assignment(&members, &g), Err(vec![tp("t", 0)]));
    }
}
