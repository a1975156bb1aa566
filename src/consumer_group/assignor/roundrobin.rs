//! `roundrobin`: every partition of every subscribed topic (topics in name order, partitions
//! ascending) dealt to the members in turn, in member order, skipping a member that does not
//! subscribe to the partition's topic.

use super::{
    add_partition, check_members, empty_assignment, java_cmp, member_info_cmp, AssignError,
    Assignor, ClusterMetadata, GroupAssignment, Member,
};

/// The `roundrobin` assignor (Java's `RoundRobinAssignor`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RoundRobinAssignor;

impl Assignor for RoundRobinAssignor {
    fn name(&self) -> &'static str {
        "roundrobin"
    }

    fn assign(
        &self,
        members: &[Member],
        metadata: &ClusterMetadata,
    ) -> Result<GroupAssignment, AssignError> {
        check_members(members)?;
        let mut out = empty_assignment(members);
        let mut order: Vec<&Member> = members.iter().collect();
        order.sort_by(|a, b| member_info_cmp(a, b));
        let topics = metadata.subscribed(members);
        let mut names: Vec<&String> = topics.keys().collect();
        names.sort_by(|a, b| java_cmp(a, b));
        // The position of the member the next partition is offered to (Java's CircularIterator).
        let mut next = 0usize;
        for topic in names {
            for p in &topics[topic] {
                // Some member subscribes to `topic` (that is how it got here), so this ends
                // within one lap.
                let mut skipped = 0;
                while !order[next % order.len()]
                    .subscription
                    .topics
                    .iter()
                    .any(|t| t == topic)
                {
                    next += 1;
                    skipped += 1;
                    if skipped > order.len() {
                        return Err(AssignError::Internal(format!(
                            "no member subscribes to {topic}"
                        )));
                    }
                }
                let m = order[next % order.len()];
                next += 1;
                add_partition(&mut out, &m.member_id, topic, p.partition);
            }
        }
        Ok(out)
    }
}
