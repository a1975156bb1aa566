//! KIP-848's consumer group protocol, member side: one `ConsumerGroupHeartbeat` request carries
//! the member's subscription and what it owns; the coordinator answers with the member's epoch
//! and, when it changes, the member's target assignment. As a sans-IO state machine.
//!
//! # Driving it
//!
//! - [`ConsumerGroupMember::poll`] each time the application polls (resets
//!   `max.poll.interval.ms`), [`ConsumerGroupMember::tick`] when
//!   [`ConsumerGroupMember::next_wakeup`] comes due;
//! - [`ConsumerGroupMember::coordinator_found`] after an [`Action::FindCoordinator`];
//! - [`ConsumerGroupMember::on_heartbeat_response`] for each response,
//!   [`ConsumerGroupMember::request_failed`] when one never came;
//! - [`ConsumerGroupMember::leave`] to close.
//!
//! Each call returns [`Action`]s to carry out in order. Reconciling a new assignment yields
//! `Commit` (if auto-commit is on), `Revoke` for what the member must give up, then `Assign` for
//! what it gains, and finally the heartbeat that acknowledges it — revocation always before
//! acquisition, as KIP-848 requires. Partitions are named by topic id, as in the protocol;
//! mapping ids to names (Metadata) is the caller's.
//!
//! # Error codes
//!
//! | error | what the member does (as the Java client) |
//! | --- | --- |
//! | `FENCED_MEMBER_EPOCH`, `UNKNOWN_MEMBER_ID` | reports its partitions lost and rejoins with epoch 0, keeping its member id (when leaving: stops) |
//! | `NOT_COORDINATOR`, `COORDINATOR_NOT_AVAILABLE` | rediscovers the coordinator, then heartbeats at once |
//! | `COORDINATOR_LOAD_IN_PROGRESS` | retries after the backoff |
//! | `GROUP_AUTHORIZATION_FAILED`, `INVALID_REQUEST`, `GROUP_MAX_SIZE_REACHED`, `UNSUPPORTED_ASSIGNOR`, `UNSUPPORTED_VERSION`, `FENCED_INSTANCE_ID`, `UNRELEASED_INSTANCE_ID`, any other | fatal |
//!
//! After any error the next heartbeat carries every field again.

use std::collections::BTreeSet;

use super::MembershipError;
use crate::messages::{
    consumer_group_heartbeat_request, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse,
};
use crate::{BytesStr, ErrorCode, Uuid};

/// The epoch a dynamic member leaves with.
pub const LEAVE_GROUP_MEMBER_EPOCH: i32 = -1;
/// The epoch a static member leaves with: it may come back with the same instance id and
/// find its assignment.
pub const LEAVE_GROUP_STATIC_MEMBER_EPOCH: i32 = -2;

/// A partition named by topic id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicIdPartition {
    /// The topic's id.
    pub topic_id: Uuid,
    /// The partition number.
    pub partition: i32,
}

/// A set of partitions by topic id.
pub type IdPartitionSet = BTreeSet<TopicIdPartition>;

/// Settings of a KIP-848 member, named after the Java consumer's configs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ConsumerGroupConfig {
    /// `group.id`.
    pub group_id: String,
    /// The member id to join with. KIP-1082 (Kafka 4.0) has the client choose it (a random
    /// UUID, as text) and keep it for the consumer's life; left empty, the coordinator of an
    /// older broker assigns one.
    pub member_id: String,
    /// `group.instance.id`, for a static member.
    pub group_instance_id: Option<String>,
    /// `client.rack`.
    pub rack_id: Option<String>,
    /// `max.poll.interval.ms`, sent as the rebalance timeout (default 300000).
    pub rebalance_timeout_ms: i32,
    /// `group.remote.assignor`: the server-side assignor, `None` for the broker's default.
    pub server_assignor: Option<String>,
    /// `enable.auto.commit`: commit before revoking (default true).
    pub auto_commit: bool,
    /// `retry.backoff.ms` (default 100).
    pub retry_backoff_ms: u64,
    /// `retry.backoff.max.ms` (default 1000).
    pub retry_backoff_max_ms: u64,
}

impl ConsumerGroupConfig {
    /// Java's defaults for group `group_id`, joining with `member_id`.
    pub fn new(group_id: impl Into<String>, member_id: impl Into<String>) -> Self {
        ConsumerGroupConfig {
            group_id: group_id.into(),
            member_id: member_id.into(),
            group_instance_id: None,
            rack_id: None,
            rebalance_timeout_ms: 300_000,
            server_assignor: None,
            auto_commit: true,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
        }
    }

    /// Sets `group.instance.id`.
    pub fn with_group_instance_id(mut self, id: impl Into<String>) -> Self {
        self.group_instance_id = Some(id.into());
        self
    }

    /// Sets `group.remote.assignor`.
    pub fn with_server_assignor(mut self, name: impl Into<String>) -> Self {
        self.server_assignor = Some(name.into());
        self
    }

    /// Sets `enable.auto.commit`.
    pub fn with_auto_commit(mut self, on: bool) -> Self {
        self.auto_commit = on;
        self
    }

    /// Sets `max.poll.interval.ms`.
    pub fn with_rebalance_timeout_ms(mut self, ms: i32) -> Self {
        self.rebalance_timeout_ms = ms;
        self
    }
}

/// Where the member is (Java's `MemberState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberState {
    /// Joining: heartbeats with epoch 0 and every field.
    Joining,
    /// A target assignment differs from what the member owns; being reconciled.
    Reconciling,
    /// Reconciled; the next heartbeat tells the coordinator.
    Acknowledging,
    /// Owns its target assignment.
    Stable,
    /// Fenced by the coordinator; about to rejoin.
    Fenced,
    /// Left because the application stopped polling; rejoins on the next poll.
    Stale,
    /// Sending the leave heartbeat.
    Leaving,
    /// Left the group.
    Left,
    /// Stopped on a fatal error.
    Fatal,
}

/// What the caller must do next, in order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// Find the group coordinator, then call [`ConsumerGroupMember::coordinator_found`].
    FindCoordinator,
    /// Send this heartbeat to the coordinator.
    Heartbeat(Box<ConsumerGroupHeartbeatRequest>),
    /// Commit the consumed positions of these partitions now, before the revocation that
    /// follows, with member epoch [`ConsumerGroupMember::commit_epoch`].
    Commit(IdPartitionSet),
    /// Stop consuming these partitions.
    Revoke(IdPartitionSet),
    /// Start consuming these partitions (only the added ones).
    Assign(IdPartitionSet),
    /// These partitions were lost (fenced, fatal, or left on a poll timeout): do not commit.
    Lost(IdPartitionSet),
    /// An error; when `fatal`, the member stopped.
    Error(MembershipError),
}

/// What was last sent, so a heartbeat carries only what changed.
#[derive(Clone, Debug, Default)]
struct SentFields {
    rebalance_timeout_ms: Option<i32>,
    topics: Option<BTreeSet<String>>,
    server_assignor: Option<String>,
    owned: Option<IdPartitionSet>,
}

/// A consumer-group member of KIP-848's protocol. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct ConsumerGroupMember {
    config: ConsumerGroupConfig,
    topics: BTreeSet<String>,
    state: MemberState,
    member_id: String,
    epoch: i32,
    /// The last epoch the coordinator gave, kept for commits made while leaving.
    last_epoch: i32,
    owned: IdPartitionSet,
    target: Option<IdPartitionSet>,
    sent: SentFields,
    coordinator_known: bool,
    lookup_in_flight: bool,
    in_flight: bool,
    heartbeat_interval_ms: u64,
    next_heartbeat_ms: u64,
    failures: u32,
    poll_deadline_ms: u64,
    fatal: Option<MembershipError>,
}

impl ConsumerGroupMember {
    /// A member subscribing to `topics`; it joins on the first [`poll`](Self::poll).
    pub fn new<S: Into<String>>(
        config: ConsumerGroupConfig,
        topics: impl IntoIterator<Item = S>,
    ) -> Self {
        ConsumerGroupMember {
            member_id: config.member_id.clone(),
            config,
            topics: topics.into_iter().map(Into::into).collect(),
            state: MemberState::Joining,
            epoch: 0,
            last_epoch: 0,
            owned: IdPartitionSet::new(),
            target: None,
            sent: SentFields::default(),
            coordinator_known: false,
            lookup_in_flight: false,
            in_flight: false,
            heartbeat_interval_ms: 0,
            next_heartbeat_ms: 0,
            failures: 0,
            poll_deadline_ms: u64::MAX,
            fatal: None,
        }
    }

    /// The member's state.
    pub fn state(&self) -> MemberState {
        self.state
    }

    /// The member id (as the coordinator last confirmed it).
    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    /// The member epoch (0 while joining).
    pub fn member_epoch(&self) -> i32 {
        self.epoch
    }

    /// The epoch to commit offsets with: the member epoch, or while leaving the last epoch the
    /// member had in the group (the leave heartbeat carries -1 or -2).
    pub fn commit_epoch(&self) -> i32 {
        if self.epoch < 0 {
            self.last_epoch
        } else {
            self.epoch
        }
    }

    /// The partitions the member owns.
    pub fn assigned(&self) -> &IdPartitionSet {
        &self.owned
    }

    /// The heartbeat interval the coordinator asked for, in ms (0 before the first response).
    pub fn heartbeat_interval_ms(&self) -> u64 {
        self.heartbeat_interval_ms
    }

    /// The fatal error the member stopped on.
    pub fn fatal_error(&self) -> Option<&MembershipError> {
        self.fatal.as_ref()
    }

    /// The latest time by which [`tick`](Self::tick) should be called.
    pub fn next_wakeup(&self) -> Option<u64> {
        match self.state {
            MemberState::Left | MemberState::Fatal | MemberState::Stale => None,
            _ if self.lookup_in_flight || self.in_flight => {
                (self.poll_deadline_ms != u64::MAX).then_some(self.poll_deadline_ms)
            }
            _ => Some(self.next_heartbeat_ms.min(self.poll_deadline_ms)),
        }
    }

    /// The application polled: resets the poll timer; a member that went stale rejoins.
    pub fn poll(&mut self, now: u64) -> Vec<Action> {
        self.poll_deadline_ms = now.saturating_add(self.config.rebalance_timeout_ms.max(0) as u64);
        if self.state == MemberState::Stale {
            self.transition_to_joining(now);
        }
        self.tick(now)
    }

    /// Time passed: sends the heartbeat when due, leaves on an expired poll timer.
    pub fn tick(&mut self, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        self.drive(now, &mut out);
        out
    }

    /// Changes the subscription; the next heartbeat carries it.
    pub fn subscribe<S: Into<String>>(
        &mut self,
        now: u64,
        topics: impl IntoIterator<Item = S>,
    ) -> Vec<Action> {
        self.topics = topics.into_iter().map(Into::into).collect();
        if self.sent.topics.as_ref() != Some(&self.topics) && self.state == MemberState::Stable {
            self.next_heartbeat_ms = now;
        }
        self.tick(now)
    }

    /// The coordinator was found: heartbeat at once.
    pub fn coordinator_found(&mut self, now: u64) -> Vec<Action> {
        self.lookup_in_flight = false;
        self.coordinator_known = true;
        self.next_heartbeat_ms = now;
        self.tick(now)
    }

    /// The coordinator lookup failed: retry after the backoff.
    pub fn coordinator_lookup_failed(&mut self, now: u64) -> Vec<Action> {
        self.lookup_in_flight = false;
        self.next_heartbeat_ms = now.saturating_add(self.backoff());
        self.tick(now)
    }

    /// The heartbeat got no response: rediscover the coordinator and retry after the backoff.
    pub fn request_failed(&mut self, now: u64) -> Vec<Action> {
        self.in_flight = false;
        self.sent = SentFields::default();
        self.next_heartbeat_ms = now.saturating_add(self.backoff());
        self.failures = self.failures.saturating_add(1);
        self.coordinator_known = false;
        if self.state == MemberState::Leaving {
            // The leave heartbeat could not be sent: Java gives up and counts the member gone.
            self.state = MemberState::Left;
        }
        self.tick(now)
    }

    /// Handles a `ConsumerGroupHeartbeat` response.
    pub fn on_heartbeat_response(
        &mut self,
        now: u64,
        resp: &ConsumerGroupHeartbeatResponse,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if !self.in_flight {
            return out;
        }
        self.in_flight = false;
        let code = ErrorCode(resp.error_code);
        if code != ErrorCode::NONE {
            self.on_error(now, code, resp, &mut out);
            self.drive(now, &mut out);
            return out;
        }
        self.failures = 0;
        if resp.heartbeat_interval_ms > 0 {
            self.heartbeat_interval_ms = resp.heartbeat_interval_ms as u64;
        }
        self.next_heartbeat_ms = now.saturating_add(self.heartbeat_interval_ms);
        match self.state {
            MemberState::Leaving => {
                self.state = MemberState::Left;
                return out;
            }
            MemberState::Left | MemberState::Fatal | MemberState::Fenced | MemberState::Stale => {
                return out;
            }
            _ => {}
        }
        if let Some(id) = &resp.member_id {
            self.member_id = id.to_string();
        }
        self.epoch = resp.member_epoch;
        self.last_epoch = resp.member_epoch;
        if let Some(a) = &resp.assignment {
            let target: IdPartitionSet = a
                .topic_partitions
                .iter()
                .flat_map(|t| {
                    t.partitions.iter().map(|p| TopicIdPartition {
                        topic_id: t.topic_id,
                        partition: *p,
                    })
                })
                .collect();
            self.target = Some(target);
        }
        match &self.target {
            Some(t) if *t != self.owned => {
                self.state = MemberState::Reconciling;
                self.reconcile(now, &mut out);
            }
            Some(_) if matches!(self.state, MemberState::Joining | MemberState::Reconciling) => {
                self.state = MemberState::Stable;
            }
            _ => {}
        }
        self.drive(now, &mut out);
        out
    }

    /// Leaves the group: commits and revokes what the member owns, then sends the leave
    /// heartbeat (epoch -1, or -2 for a static member).
    pub fn leave(&mut self, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        match self.state {
            MemberState::Left | MemberState::Fatal | MemberState::Leaving => return out,
            MemberState::Fenced | MemberState::Stale => {
                self.state = MemberState::Left;
                return out;
            }
            _ => {}
        }
        if !self.owned.is_empty() {
            let owned = std::mem::take(&mut self.owned);
            if self.config.auto_commit {
                out.push(Action::Commit(owned.clone()));
            }
            out.push(Action::Revoke(owned));
        }
        self.send_leave(now, &mut out);
        out
    }

    // ---- internals ----

    fn backoff(&self) -> u64 {
        self.config
            .retry_backoff_ms
            .saturating_mul(1u64 << self.failures.min(20))
            .min(
                self.config
                    .retry_backoff_max_ms
                    .max(self.config.retry_backoff_ms),
            )
    }

    fn leave_epoch(&self) -> i32 {
        if self.config.group_instance_id.is_some() {
            LEAVE_GROUP_STATIC_MEMBER_EPOCH
        } else {
            LEAVE_GROUP_MEMBER_EPOCH
        }
    }

    fn send_leave(&mut self, now: u64, out: &mut Vec<Action>) {
        self.epoch = self.leave_epoch();
        self.target = None;
        if self.coordinator_known && !self.in_flight {
            self.state = MemberState::Leaving;
            let req = self.request();
            self.in_flight = true;
            let _ = now;
            out.push(Action::Heartbeat(Box::new(req)));
        } else {
            // No coordinator to tell: the session expiring removes the member.
            self.state = MemberState::Left;
        }
    }

    fn transition_to_joining(&mut self, now: u64) {
        self.state = MemberState::Joining;
        self.epoch = 0;
        self.target = None;
        self.sent = SentFields::default();
        self.next_heartbeat_ms = now;
    }

    fn on_error(
        &mut self,
        now: u64,
        code: ErrorCode,
        resp: &ConsumerGroupHeartbeatResponse,
        out: &mut Vec<Action>,
    ) {
        self.sent = SentFields::default();
        self.next_heartbeat_ms = now.saturating_add(self.backoff());
        self.failures = self.failures.saturating_add(1);
        match code {
            ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE => {
                self.coordinator_known = false;
                self.next_heartbeat_ms = now;
            }
            ErrorCode::COORDINATOR_LOAD_IN_PROGRESS => {}
            ErrorCode::FENCED_MEMBER_EPOCH | ErrorCode::UNKNOWN_MEMBER_ID => {
                if matches!(self.state, MemberState::Leaving | MemberState::Left) {
                    self.state = MemberState::Left;
                    return;
                }
                self.state = MemberState::Fenced;
                self.epoch = 0;
                if !self.owned.is_empty() {
                    out.push(Action::Lost(std::mem::take(&mut self.owned)));
                }
                self.transition_to_joining(now);
            }
            _ => {
                let message = resp.error_message.as_ref().map_or_else(
                    || "the coordinator refused the member".to_string(),
                    |m| m.to_string(),
                );
                let e = MembershipError {
                    api: "ConsumerGroupHeartbeat",
                    code,
                    fatal: true,
                    message,
                };
                let was_leaving = matches!(self.state, MemberState::Leaving);
                if !was_leaving && !self.owned.is_empty() {
                    out.push(Action::Lost(std::mem::take(&mut self.owned)));
                }
                out.push(Action::Error(e.clone()));
                self.fatal = Some(e);
                self.state = MemberState::Fatal;
            }
        }
    }

    /// Revocation before acquisition: commit, revoke what is not in the target, assign what is
    /// new, then acknowledge.
    fn reconcile(&mut self, now: u64, out: &mut Vec<Action>) {
        let Some(target) = self.target.clone() else {
            return;
        };
        let revoked: IdPartitionSet = self.owned.difference(&target).copied().collect();
        let added: IdPartitionSet = target.difference(&self.owned).copied().collect();
        if !revoked.is_empty() {
            if self.config.auto_commit {
                out.push(Action::Commit(self.owned.clone()));
            }
            out.push(Action::Revoke(revoked));
        }
        out.push(Action::Assign(added));
        self.owned = target;
        self.state = MemberState::Acknowledging;
        self.next_heartbeat_ms = now;
    }

    fn request(&mut self) -> ConsumerGroupHeartbeatRequest {
        let mut req = ConsumerGroupHeartbeatRequest::default();
        req.group_id = self.config.group_id.as_str().into();
        req.member_id = self.member_id.as_str().into();
        req.member_epoch = self.epoch;
        req.instance_id = self.config.group_instance_id.as_deref().map(BytesStr::from);
        if self.epoch < 0 {
            return req;
        }
        let all = self.state == MemberState::Joining;
        if all {
            req.rack_id = self.config.rack_id.as_deref().map(BytesStr::from);
        }
        if all || self.sent.rebalance_timeout_ms != Some(self.config.rebalance_timeout_ms) {
            req.rebalance_timeout_ms = self.config.rebalance_timeout_ms;
            self.sent.rebalance_timeout_ms = Some(self.config.rebalance_timeout_ms);
        } else {
            req.rebalance_timeout_ms = -1;
        }
        if all || self.sent.topics.as_ref() != Some(&self.topics) {
            req.subscribed_topic_names =
                Some(self.topics.iter().map(|t| t.as_str().into()).collect());
            self.sent.topics = Some(self.topics.clone());
        }
        if let Some(a) = &self.config.server_assignor {
            if all || self.sent.server_assignor.as_ref() != Some(a) {
                req.server_assignor = Some(a.as_str().into());
                self.sent.server_assignor = Some(a.clone());
            }
        }
        if all || self.sent.owned.as_ref() != Some(&self.owned) {
            let mut list: Vec<consumer_group_heartbeat_request::TopicPartitions> = Vec::new();
            for tp in &self.owned {
                match list.last_mut() {
                    Some(t) if t.topic_id == tp.topic_id => t.partitions.push(tp.partition),
                    _ => {
                        let mut t = consumer_group_heartbeat_request::TopicPartitions::default();
                        t.topic_id = tp.topic_id;
                        t.partitions.push(tp.partition);
                        list.push(t);
                    }
                }
            }
            req.topic_partitions = Some(list);
            self.sent.owned = Some(self.owned.clone());
        }
        req
    }

    fn drive(&mut self, now: u64, out: &mut Vec<Action>) {
        if matches!(
            self.state,
            MemberState::Left | MemberState::Fatal | MemberState::Stale
        ) {
            return;
        }
        if !self.coordinator_known {
            if !self.lookup_in_flight && now >= self.next_heartbeat_ms {
                self.lookup_in_flight = true;
                out.push(Action::FindCoordinator);
            }
            return;
        }
        if now >= self.poll_deadline_ms && self.state != MemberState::Leaving {
            // The application stopped polling: leave, drop the partitions, wait for a poll.
            if !self.in_flight {
                let req = {
                    self.epoch = self.leave_epoch();
                    self.request()
                };
                self.in_flight = true;
                out.push(Action::Heartbeat(Box::new(req)));
            }
            if !self.owned.is_empty() {
                out.push(Action::Lost(std::mem::take(&mut self.owned)));
            }
            self.target = None;
            self.state = MemberState::Stale;
            return;
        }
        if self.in_flight || self.state == MemberState::Leaving {
            return;
        }
        let now_due = matches!(
            self.state,
            MemberState::Joining | MemberState::Acknowledging
        );
        if now_due || now >= self.next_heartbeat_ms {
            let req = self.request();
            self.in_flight = true;
            if self.state == MemberState::Acknowledging {
                self.state = MemberState::Stable;
            }
            self.next_heartbeat_ms = now.saturating_add(self.heartbeat_interval_ms);
            out.push(Action::Heartbeat(Box::new(req)));
        }
    }
}

#[cfg(test)]
mod tests;
