//! The classic consumer-group protocol, member side: JoinGroup → SyncGroup → Heartbeat →
//! LeaveGroup, as a sans-IO state machine.
//!
//! # Driving it
//!
//! Create a [`ClassicMember`] with a [`ClassicConfig`] and the topics to subscribe to, then
//! call its methods as things happen, passing the caller's monotonic time in milliseconds:
//!
//! - [`ClassicMember::poll`] each time the application polls for records (this resets the
//!   `max.poll.interval.ms` timer, as `KafkaConsumer.poll` does) and
//!   [`ClassicMember::tick`] whenever [`ClassicMember::next_wakeup`] comes due (the Java
//!   client's heartbeat thread);
//! - [`ClassicMember::coordinator_found`] / [`ClassicMember::coordinator_lookup_failed`] after
//!   an [`Action::FindCoordinator`];
//! - `on_*_response` for each response, [`ClassicMember::request_failed`] when a request got no
//!   response (disconnected, timed out);
//! - [`ClassicMember::assignment_computed`] after an [`Action::ComputeAssignment`] (the leader
//!   step: run the assignor named in it over the members' subscriptions);
//! - [`ClassicMember::leave`] to close.
//!
//! Every call returns the [`Action`]s to carry out, in order. Commit, revoke and lost actions
//! come before the request that depends on them, so a caller that finishes each action
//! before the next (say, commits synchronously) gets the Java client's ordering: offsets
//! committed and the rebalance listener run before the JoinGroup goes out.
//!
//! # Error codes
//!
//! | response | error | what the member does (as the Java client) |
//! | --- | --- | --- |
//! | JoinGroup | `MEMBER_ID_REQUIRED` | takes the member id from the response and rejoins at once (KIP-394) |
//! | JoinGroup, SyncGroup | `REBALANCE_IN_PROGRESS` | rejoins at once |
//! | JoinGroup | `UNKNOWN_MEMBER_ID` | forgets generation and member id, rejoins at once |
//! | SyncGroup, Heartbeat | `UNKNOWN_MEMBER_ID` | forgets generation and member id, rejoins at once |
//! | SyncGroup, Heartbeat | `ILLEGAL_GENERATION` | forgets the generation, keeps the member id, rejoins at once |
//! | any | `NOT_COORDINATOR`, `COORDINATOR_NOT_AVAILABLE` | rediscovers the coordinator; a JoinGroup/SyncGroup is retried after the backoff |
//! | JoinGroup | `COORDINATOR_LOAD_IN_PROGRESS` | retries after the backoff |
//! | Heartbeat | `REBALANCE_IN_PROGRESS` | rejoins if stable, else ignores it |
//! | JoinGroup, SyncGroup, Heartbeat | `FENCED_INSTANCE_ID` | fatal: another instance took the `group.instance.id` |
//! | JoinGroup | `INCONSISTENT_GROUP_PROTOCOL`, `INVALID_SESSION_TIMEOUT`, `INVALID_GROUP_ID`, `GROUP_AUTHORIZATION_FAILED`, `GROUP_MAX_SIZE_REACHED`, `UNSUPPORTED_VERSION` | fatal |
//! | SyncGroup, Heartbeat | `GROUP_AUTHORIZATION_FAILED` | fatal |
//! | any | another code | reported as a non-fatal [`Action::Error`]; the member rejoins after the backoff |
//!
//! Heartbeat errors about a generation the member has since left (the response to a heartbeat
//! sent before a rejoin) are ignored, as in Java.
//!
//! Where this differs from the Java client: the Java client keeps going after most fatal
//! errors listed above and fails again on the next `poll`; here the member stops (the caller
//! can make a new one). Heartbeat retry backoff doubles from `retry_backoff_ms` up to
//! `retry_backoff_max_ms` without Java's random jitter.

use std::collections::{BTreeMap, BTreeSet};

use bytes::{BufMut, Bytes, BytesMut};

use super::{MembershipError, PartitionSet, TopicPartition};
use crate::consumer::Versioned;
use crate::consumer_group::assignor;
use crate::messages::{
    consumer_protocol_assignment, consumer_protocol_subscription, join_group_request,
    leave_group_request, sync_group_request, ConsumerProtocolAssignment,
    ConsumerProtocolSubscription, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest,
    JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, SyncGroupRequest, SyncGroupResponse,
};
use crate::{ApiKey, ErrorCode};

/// The consumer protocol's `protocol_type`.
pub const PROTOCOL_TYPE: &str = "consumer";
/// The consumer protocol version this member writes its subscription and assignments at
/// (the Java client's current version: owned partitions, generation, rack).
pub const CONSUMER_PROTOCOL_VERSION: i16 = 3;
/// The generation id of a member that is not in a generation.
pub const NO_GENERATION_ID: i32 = -1;

/// How partitions move in a rebalance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebalanceProtocol {
    /// Every member gives up all its partitions before joining (stop the world).
    Eager,
    /// KIP-429: members keep their partitions while rejoining; the assignment takes away only
    /// what moves, and a member that had to give some up joins again so the next round can
    /// hand them out.
    Cooperative,
}

/// The settings of a classic-protocol member, named after the Java consumer's configs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClassicConfig {
    /// `group.id`.
    pub group_id: String,
    /// `group.instance.id`: set for a static member (KIP-345).
    pub group_instance_id: Option<String>,
    /// `client.rack`, sent in the subscription for rack-aware assignors (KIP-881).
    pub rack_id: Option<String>,
    /// `session.timeout.ms` (Java's default 45000).
    pub session_timeout_ms: i32,
    /// `max.poll.interval.ms`, which is also the rebalance timeout (default 300000).
    pub rebalance_timeout_ms: i32,
    /// `heartbeat.interval.ms` (default 3000).
    pub heartbeat_interval_ms: i32,
    /// `retry.backoff.ms` (default 100).
    pub retry_backoff_ms: u64,
    /// `retry.backoff.max.ms` (default 1000).
    pub retry_backoff_max_ms: u64,
    /// `partition.assignment.strategy`, as protocol names in order of preference
    /// (`range`, `roundrobin`, `sticky`, `cooperative-sticky`). Default: `range`, then
    /// `cooperative-sticky`, as the Java client.
    pub assignors: Vec<String>,
    /// `enable.auto.commit`: commit positions before partitions are revoked (default true).
    pub auto_commit: bool,
}

impl ClassicConfig {
    /// Java's defaults for group `group_id`.
    pub fn new(group_id: impl Into<String>) -> Self {
        ClassicConfig {
            group_id: group_id.into(),
            group_instance_id: None,
            rack_id: None,
            session_timeout_ms: 45_000,
            rebalance_timeout_ms: 300_000,
            heartbeat_interval_ms: 3_000,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
            assignors: vec!["range".into(), "cooperative-sticky".into()],
            auto_commit: true,
        }
    }

    /// Sets `group.instance.id` (static membership).
    pub fn with_group_instance_id(mut self, id: impl Into<String>) -> Self {
        self.group_instance_id = Some(id.into());
        self
    }

    /// Sets `client.rack`.
    pub fn with_rack_id(mut self, rack: impl Into<String>) -> Self {
        self.rack_id = Some(rack.into());
        self
    }

    /// Sets the assignors, by protocol name, in order of preference.
    pub fn with_assignors<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.assignors = names.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `session.timeout.ms`.
    pub fn with_session_timeout_ms(mut self, ms: i32) -> Self {
        self.session_timeout_ms = ms;
        self
    }

    /// Sets `max.poll.interval.ms` (the rebalance timeout).
    pub fn with_rebalance_timeout_ms(mut self, ms: i32) -> Self {
        self.rebalance_timeout_ms = ms;
        self
    }

    /// Sets `heartbeat.interval.ms`.
    pub fn with_heartbeat_interval_ms(mut self, ms: i32) -> Self {
        self.heartbeat_interval_ms = ms;
        self
    }

    /// Sets `enable.auto.commit`.
    pub fn with_auto_commit(mut self, on: bool) -> Self {
        self.auto_commit = on;
        self
    }

    /// The rebalance protocol the assignors allow: cooperative when every configured assignor
    /// supports it (of Kafka's, only `cooperative-sticky` does), else eager — the Java client's
    /// rule.
    pub fn protocol(&self) -> RebalanceProtocol {
        if !self.assignors.is_empty() && self.assignors.iter().all(|a| a == "cooperative-sticky") {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        }
    }
}

/// Where the member is in the classic protocol (Java's `MemberState`, plus the two ends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberState {
    /// Not in a generation; a JoinGroup will be sent when the coordinator is known.
    Unjoined,
    /// JoinGroup sent (or being retried).
    PreparingRebalance,
    /// JoinGroup answered; SyncGroup (or the leader's assignment) pending. Heartbeats run.
    CompletingRebalance,
    /// In a generation with an assignment. Heartbeats run.
    Stable,
    /// Left the group ([`ClassicMember::leave`]); nothing more is sent.
    Left,
    /// Stopped on a fatal error.
    Fatal,
}

/// The generation a member is in: id, member id, chosen protocol (assignor) name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generation {
    /// The generation id, [`NO_GENERATION_ID`] when not in one.
    pub generation_id: i32,
    /// The member id the coordinator gave, empty before the first JoinGroup.
    pub member_id: String,
    /// The assignor the group chose, once joined.
    pub protocol_name: Option<String>,
}

impl Generation {
    fn none() -> Self {
        Generation {
            generation_id: NO_GENERATION_ID,
            member_id: String::new(),
            protocol_name: None,
        }
    }
}

/// One member of the group as the leader sees it in the JoinGroup response.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupMember {
    /// The member id.
    pub member_id: String,
    /// The member's `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// Its subscription (topics, user data, owned partitions, generation, rack).
    pub subscription: Versioned<ConsumerProtocolSubscription>,
}

/// The leader step: run assignor `protocol_name` over `members`, then pass the result to
/// [`ClassicMember::assignment_computed`] with this `generation_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignmentRequest {
    /// The generation the assignment is for.
    pub generation_id: i32,
    /// The assignor the group chose (a protocol name from the config).
    pub protocol_name: String,
    /// Every member, in the order the coordinator listed them.
    pub members: Vec<GroupMember>,
}

impl AssignmentRequest {
    /// The members as the [assignors](crate::consumer_group::assignor) take them.
    pub fn assignor_members(&self) -> Vec<assignor::Member> {
        self.members
            .iter()
            .map(|m| {
                assignor::Member::with_subscription(
                    m.member_id.clone(),
                    assignor::Subscription::from_protocol(&m.subscription.message),
                )
                .with_group_instance_id(m.group_instance_id.as_deref())
            })
            .collect()
    }

    /// Runs the chosen assignor (one of Kafka's four, by protocol name) over the members and
    /// `metadata`: the leader step in one call, for callers that use this crate's assignors.
    pub fn run(
        &self,
        metadata: &assignor::ClusterMetadata,
    ) -> Result<GroupAssignment, assignor::AssignError> {
        assignor::by_name(&self.protocol_name)?.assign(&self.assignor_members(), metadata)
    }

    /// Every topic some member subscribes to.
    pub fn all_topics(&self) -> BTreeSet<String> {
        self.members
            .iter()
            .flat_map(|m| m.subscription.message.topics.iter().map(|t| t.to_string()))
            .collect()
    }
}

pub use crate::consumer_group::assignor::GroupAssignment;

/// What the caller must do next, in the order given.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// Find the group coordinator (FindCoordinator with key type group), then call
    /// [`ClassicMember::coordinator_found`] or [`ClassicMember::coordinator_lookup_failed`].
    FindCoordinator,
    /// Send this JoinGroup to the coordinator.
    JoinGroup(JoinGroupRequest),
    /// Send this SyncGroup to the coordinator.
    SyncGroup(SyncGroupRequest),
    /// Send this Heartbeat to the coordinator.
    Heartbeat(HeartbeatRequest),
    /// Send this LeaveGroup to the coordinator (built for v3+: see [`leave_group_for_version`]).
    LeaveGroup(LeaveGroupRequest),
    /// This member leads: compute the assignment and call [`ClassicMember::assignment_computed`].
    ComputeAssignment(AssignmentRequest),
    /// Commit the consumed positions of these partitions now (`enable.auto.commit`), before the
    /// revocation that follows, with the generation id and member id of
    /// [`ClassicMember::generation`] as it is after the call that returned this action.
    Commit(PartitionSet),
    /// Stop consuming these partitions; they go to other members (`onPartitionsRevoked`).
    Revoke(PartitionSet),
    /// Start consuming these partitions (`onPartitionsAssigned`, with only what was added).
    /// [`ClassicMember::assigned`] has the whole assignment.
    Assign(PartitionSet),
    /// These partitions were lost: the member left its generation without giving them back
    /// in order, so other members may already own them (`onPartitionsLost`). Do not commit.
    Lost(PartitionSet),
    /// A rebalance failed, or (when `fatal`) the member stopped.
    Error(MembershipError),
}

/// A consumer-group member speaking the classic protocol. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct ClassicMember {
    config: ClassicConfig,
    protocol: RebalanceProtocol,
    topics: BTreeSet<String>,
    state: MemberState,
    generation: Generation,
    coordinator_known: bool,
    lookup_in_flight: bool,
    rejoin_needed: bool,
    rejoin_reason: String,
    needs_join_prepare: bool,
    /// Set when `max.poll.interval.ms` expired: the member rejoins only on the next `poll`.
    poll_expired: bool,
    owned: PartitionSet,
    leader: bool,
    /// The generation the cooperative-sticky assignor last assigned in (its user data).
    assignor_generation: i32,
    /// What the `sticky` assignor last assigned this member, with its generation: Java's
    /// `StickyAssignor` keeps it across eager revocations and sends it as user data.
    sticky_assignment: Option<(Vec<TopicPartition>, i32)>,
    join_in_flight: Option<Generation>,
    sync_in_flight: Option<Generation>,
    heartbeat_in_flight: Option<Generation>,
    awaiting_assignment: Option<i32>,
    heartbeat_failures: u32,
    next_heartbeat_ms: u64,
    session_deadline_ms: u64,
    poll_deadline_ms: u64,
    retry_at_ms: u64,
    fatal: Option<MembershipError>,
}

impl ClassicMember {
    /// A member of `config.group_id` subscribing to `topics`; it will look for the coordinator
    /// and join on the first [`poll`](Self::poll) or [`tick`](Self::tick).
    pub fn new<S: Into<String>>(
        config: ClassicConfig,
        topics: impl IntoIterator<Item = S>,
    ) -> Self {
        ClassicMember {
            protocol: config.protocol(),
            config,
            topics: topics.into_iter().map(Into::into).collect(),
            state: MemberState::Unjoined,
            generation: Generation::none(),
            coordinator_known: false,
            lookup_in_flight: false,
            rejoin_needed: true,
            rejoin_reason: String::new(),
            needs_join_prepare: true,
            poll_expired: false,
            owned: PartitionSet::new(),
            leader: false,
            assignor_generation: NO_GENERATION_ID,
            sticky_assignment: None,
            join_in_flight: None,
            sync_in_flight: None,
            heartbeat_in_flight: None,
            awaiting_assignment: None,
            heartbeat_failures: 0,
            next_heartbeat_ms: 0,
            session_deadline_ms: u64::MAX,
            poll_deadline_ms: u64::MAX,
            retry_at_ms: 0,
            fatal: None,
        }
    }

    /// The member's state.
    pub fn state(&self) -> MemberState {
        self.state
    }

    /// The generation (id, member id, protocol) the member is in, or the member id it holds.
    pub fn generation(&self) -> &Generation {
        &self.generation
    }

    /// The member id ("" before the coordinator gave one).
    pub fn member_id(&self) -> &str {
        &self.generation.member_id
    }

    /// Whether this member led the last rebalance.
    pub fn is_leader(&self) -> bool {
        self.leader
    }

    /// The partitions the member owns now.
    pub fn assigned(&self) -> &PartitionSet {
        &self.owned
    }

    /// The rebalance protocol in use.
    pub fn protocol(&self) -> RebalanceProtocol {
        self.protocol
    }

    /// The subscribed topics.
    pub fn subscription(&self) -> &BTreeSet<String> {
        &self.topics
    }

    /// The fatal error the member stopped on, if any.
    pub fn fatal_error(&self) -> Option<&MembershipError> {
        self.fatal.as_ref()
    }

    /// Whether a rebalance is under way or pending.
    pub fn rejoin_pending(&self) -> bool {
        self.rejoin_needed
            || matches!(
                self.state,
                MemberState::PreparingRebalance | MemberState::CompletingRebalance
            )
    }

    /// The generation and member id to put in an OffsetCommit: the current ones when stable,
    /// else `None` (the Java client then fails the commit as a rebalance in progress).
    pub fn commit_generation(&self) -> Option<(i32, &str)> {
        (self.state == MemberState::Stable).then_some((
            self.generation.generation_id,
            self.generation.member_id.as_str(),
        ))
    }

    /// The latest time (caller's clock, ms) by which [`tick`](Self::tick) should be called, or
    /// `None` when nothing is timed.
    pub fn next_wakeup(&self) -> Option<u64> {
        if matches!(self.state, MemberState::Left | MemberState::Fatal) {
            return None;
        }
        let mut t: Option<u64> = None;
        let mut at = |x: u64| t = Some(t.map_or(x, |t| t.min(x)));
        if !self.coordinator_known {
            if !self.lookup_in_flight {
                at(self.retry_at_ms);
            }
            return t;
        }
        if self.heartbeat_enabled() {
            at(self.session_deadline_ms);
            at(self.poll_deadline_ms);
            if self.heartbeat_in_flight.is_none() {
                at(self.next_heartbeat_ms);
            }
        }
        if self.can_start_join() {
            at(self.retry_at_ms);
        }
        t
    }

    /// The application polled for records: resets the `max.poll.interval.ms` timer (and, after
    /// it expired, lets the member rejoin), then does what [`tick`](Self::tick) does.
    pub fn poll(&mut self, now: u64) -> Vec<Action> {
        self.poll_deadline_ms = now.saturating_add(self.config.rebalance_timeout_ms.max(0) as u64);
        self.poll_expired = false;
        let mut out = Vec::new();
        self.drive(now, &mut out);
        out
    }

    /// Time passed: sends heartbeats, notices expired session and poll timers, starts a
    /// pending join once the coordinator is known.
    pub fn tick(&mut self, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        self.drive(now, &mut out);
        out
    }

    /// Changes the subscription; a change triggers a rebalance (in a cooperative one, the
    /// partitions of topics no longer subscribed are revoked before joining).
    pub fn subscribe<S: Into<String>>(
        &mut self,
        now: u64,
        topics: impl IntoIterator<Item = S>,
    ) -> Vec<Action> {
        let topics: BTreeSet<String> = topics.into_iter().map(Into::into).collect();
        if topics != self.topics {
            self.topics = topics;
            self.request_rejoin("subscription changed");
        }
        self.tick(now)
    }

    /// Asks for a rebalance (say, the leader saw the subscribed topics' partitions change).
    pub fn request_rejoin(&mut self, reason: &str) {
        self.rejoin_needed = true;
        self.rejoin_reason = reason.to_string();
    }

    /// The coordinator was found; requests can go to it.
    pub fn coordinator_found(&mut self, now: u64) -> Vec<Action> {
        self.lookup_in_flight = false;
        self.coordinator_known = true;
        self.session_deadline_ms = now.saturating_add(self.session_timeout());
        self.tick(now)
    }

    /// The coordinator lookup failed; it is retried after the backoff.
    pub fn coordinator_lookup_failed(&mut self, now: u64) -> Vec<Action> {
        self.lookup_in_flight = false;
        self.retry_at_ms = now.saturating_add(self.config.retry_backoff_ms);
        self.tick(now)
    }

    /// A request to the coordinator got no response (disconnect, timeout): the coordinator is
    /// looked up again, and a JoinGroup or SyncGroup is retried after the backoff.
    pub fn request_failed(&mut self, now: u64, api: ApiKey) -> Vec<Action> {
        let mut out = Vec::new();
        match api {
            ApiKey::JOIN_GROUP | ApiKey::SYNC_GROUP => {
                self.join_in_flight = None;
                self.sync_in_flight = None;
                self.rejoin_needed = true;
                self.retry_at_ms = now.saturating_add(self.config.retry_backoff_ms);
            }
            ApiKey::HEARTBEAT => {
                self.heartbeat_in_flight = None;
                self.fail_heartbeat(now);
            }
            _ => {}
        }
        self.mark_coordinator_unknown(now);
        self.drive(now, &mut out);
        out
    }

    /// Handles the JoinGroup response.
    pub fn on_join_group_response(&mut self, now: u64, resp: &JoinGroupResponse) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(sent) = self.join_in_flight.take() else {
            return out; // not waiting for one: stale
        };
        let code = ErrorCode(resp.error_code);
        match code {
            ErrorCode::NONE => {
                if resp
                    .protocol_type
                    .as_ref()
                    .is_some_and(|t| *t != PROTOCOL_TYPE)
                {
                    self.fail(
                        now,
                        &mut out,
                        "JoinGroup",
                        ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                        "the group's protocol type is not \"consumer\"",
                    );
                } else if self.state != MemberState::PreparingRebalance {
                    // Left (or reset) while the join was in flight.
                    self.rejoin_needed = true;
                } else {
                    self.state = MemberState::CompletingRebalance;
                    self.generation = Generation {
                        generation_id: resp.generation_id,
                        member_id: resp.member_id.to_string(),
                        protocol_name: resp.protocol_name.as_ref().map(|p| p.to_string()),
                    };
                    self.enable_heartbeat(now);
                    self.leader = !resp.member_id.is_empty() && resp.leader == resp.member_id;
                    if self.leader {
                        self.on_leader_elected(now, resp, &mut out);
                    } else {
                        self.send_sync(Vec::new(), &mut out);
                    }
                }
            }
            ErrorCode::MEMBER_ID_REQUIRED => {
                self.generation = Generation {
                    generation_id: NO_GENERATION_ID,
                    member_id: resp.member_id.to_string(),
                    protocol_name: None,
                };
                self.request_rejoin("need to re-join with the given member id");
            }
            ErrorCode::REBALANCE_IN_PROGRESS => {
                self.rejoin_needed = true;
            }
            ErrorCode::UNKNOWN_MEMBER_ID => {
                if sent == self.generation {
                    self.reset_state_and_rejoin("UNKNOWN_MEMBER_ID from JoinGroup", true);
                }
                self.rejoin_needed = true;
            }
            ErrorCode::COORDINATOR_LOAD_IN_PROGRESS => {
                self.rejoin_needed = true;
                self.retry_at_ms = now.saturating_add(self.config.retry_backoff_ms);
            }
            ErrorCode::COORDINATOR_NOT_AVAILABLE | ErrorCode::NOT_COORDINATOR => {
                self.rejoin_needed = true;
                self.retry_at_ms = now.saturating_add(self.config.retry_backoff_ms);
                self.mark_coordinator_unknown(now);
            }
            ErrorCode::FENCED_INSTANCE_ID
            | ErrorCode::INCONSISTENT_GROUP_PROTOCOL
            | ErrorCode::INVALID_SESSION_TIMEOUT
            | ErrorCode::INVALID_GROUP_ID
            | ErrorCode::GROUP_AUTHORIZATION_FAILED
            | ErrorCode::GROUP_MAX_SIZE_REACHED
            | ErrorCode::UNSUPPORTED_VERSION => {
                self.fatal(
                    &mut out,
                    "JoinGroup",
                    code,
                    "the coordinator refused the member",
                );
            }
            _ => self.fail(now, &mut out, "JoinGroup", code, "unexpected error"),
        }
        self.drive(now, &mut out);
        out
    }

    /// The leader's assignment for generation `generation_id` (from an
    /// [`Action::ComputeAssignment`]): sends the SyncGroup. An assignment for a generation the
    /// member is no longer in is dropped.
    pub fn assignment_computed(
        &mut self,
        now: u64,
        generation_id: i32,
        assignment: &GroupAssignment,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if self.awaiting_assignment != Some(generation_id)
            || self.generation.generation_id != generation_id
            || self.state != MemberState::CompletingRebalance
        {
            return out;
        }
        self.awaiting_assignment = None;
        let mut list = Vec::with_capacity(assignment.len());
        for (member, topics) in assignment {
            let mut a = ConsumerProtocolAssignment::default();
            for (topic, parts) in topics {
                let mut tp = consumer_protocol_assignment::TopicPartition::default();
                tp.topic = topic.as_str().into();
                tp.partitions = parts.clone();
                a.assigned_partitions.push(tp);
            }
            match Versioned::new(CONSUMER_PROTOCOL_VERSION, a).and_then(|v| v.encode()) {
                Ok(bytes) => {
                    let mut s = sync_group_request::SyncGroupRequestAssignment::default();
                    s.member_id = member.as_str().into();
                    s.assignment = bytes;
                    list.push(s);
                }
                Err(e) => {
                    self.fail(
                        now,
                        &mut out,
                        "SyncGroup",
                        ErrorCode::UNKNOWN_SERVER_ERROR,
                        &format!("could not encode the assignment of {member}: {e}"),
                    );
                    self.drive(now, &mut out);
                    return out;
                }
            }
        }
        self.send_sync(list, &mut out);
        self.drive(now, &mut out);
        out
    }

    /// The leader could not compute an assignment: the rebalance fails and the member rejoins
    /// after the backoff.
    pub fn assignment_failed(&mut self, now: u64, generation_id: i32, why: &str) -> Vec<Action> {
        let mut out = Vec::new();
        if self.awaiting_assignment == Some(generation_id) {
            self.awaiting_assignment = None;
            self.fail(
                now,
                &mut out,
                "SyncGroup",
                ErrorCode::UNKNOWN_SERVER_ERROR,
                why,
            );
        }
        self.drive(now, &mut out);
        out
    }

    /// Handles the SyncGroup response: on success the member is stable and the assignment
    /// takes effect (revocations first, then what was added).
    pub fn on_sync_group_response(&mut self, now: u64, resp: &SyncGroupResponse) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(sent) = self.sync_in_flight.take() else {
            return out;
        };
        let code = ErrorCode(resp.error_code);
        match code {
            ErrorCode::NONE => {
                if resp
                    .protocol_type
                    .as_ref()
                    .is_some_and(|t| *t != PROTOCOL_TYPE)
                {
                    self.fail(
                        now,
                        &mut out,
                        "SyncGroup",
                        ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                        "the group's protocol type is not \"consumer\"",
                    );
                } else if self.generation.generation_id == NO_GENERATION_ID
                    || self.state != MemberState::CompletingRebalance
                {
                    // Reset while the SyncGroup was in flight: retry at once.
                    self.rejoin_needed = true;
                } else if resp.protocol_name.as_ref().is_some_and(|p| {
                    self.generation
                        .protocol_name
                        .as_deref()
                        .is_none_or(|n| *p != n)
                }) {
                    self.fail(
                        now,
                        &mut out,
                        "SyncGroup",
                        ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                        "the SyncGroup names another protocol than the JoinGroup",
                    );
                } else {
                    self.state = MemberState::Stable;
                    self.rejoin_needed = false;
                    self.rejoin_reason.clear();
                    self.on_join_complete(now, resp.assignment.clone(), &mut out);
                }
            }
            ErrorCode::REBALANCE_IN_PROGRESS => self.rejoin_needed = true,
            ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION => {
                if sent == self.generation {
                    let reset_member = code != ErrorCode::ILLEGAL_GENERATION;
                    self.reset_state_and_rejoin("error from SyncGroup", reset_member);
                }
                self.rejoin_needed = true;
            }
            ErrorCode::COORDINATOR_NOT_AVAILABLE | ErrorCode::NOT_COORDINATOR => {
                self.rejoin_needed = true;
                self.retry_at_ms = now.saturating_add(self.config.retry_backoff_ms);
                self.mark_coordinator_unknown(now);
            }
            ErrorCode::FENCED_INSTANCE_ID | ErrorCode::GROUP_AUTHORIZATION_FAILED => {
                self.fatal(
                    &mut out,
                    "SyncGroup",
                    code,
                    "the coordinator refused the member",
                );
            }
            _ => self.fail(now, &mut out, "SyncGroup", code, "unexpected error"),
        }
        self.drive(now, &mut out);
        out
    }

    /// Handles the Heartbeat response.
    pub fn on_heartbeat_response(&mut self, now: u64, resp: &HeartbeatResponse) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(sent) = self.heartbeat_in_flight.take() else {
            return out;
        };
        let code = ErrorCode(resp.error_code);
        match code {
            ErrorCode::NONE => self.receive_heartbeat(now),
            ErrorCode::COORDINATOR_NOT_AVAILABLE | ErrorCode::NOT_COORDINATOR => {
                self.fail_heartbeat(now);
                self.mark_coordinator_unknown(now);
            }
            ErrorCode::REBALANCE_IN_PROGRESS => {
                // Heartbeating through a rebalance keeps the session alive.
                self.receive_heartbeat(now);
                if self.state == MemberState::Stable {
                    self.request_rejoin("group is already rebalancing");
                }
            }
            ErrorCode::ILLEGAL_GENERATION
            | ErrorCode::UNKNOWN_MEMBER_ID
            | ErrorCode::FENCED_INSTANCE_ID => {
                if sent == self.generation {
                    let reset_member = code != ErrorCode::ILLEGAL_GENERATION;
                    self.reset_state_and_rejoin("error from Heartbeat", reset_member);
                    if code == ErrorCode::FENCED_INSTANCE_ID {
                        self.fatal(
                            &mut out,
                            "Heartbeat",
                            code,
                            "another instance took the group.instance.id",
                        );
                    }
                }
                // A heartbeat of an older generation: ignore its error.
            }
            ErrorCode::GROUP_AUTHORIZATION_FAILED => {
                self.fatal(&mut out, "Heartbeat", code, "not authorized for the group");
            }
            _ => {
                self.fail_heartbeat(now);
                out.push(Action::Error(MembershipError {
                    api: "Heartbeat",
                    code,
                    fatal: false,
                    message: "unexpected error".into(),
                }));
            }
        }
        self.drive(now, &mut out);
        out
    }

    /// Handles the LeaveGroup response (nothing depends on it: leaving is best effort).
    pub fn on_leave_group_response(&mut self, _now: u64, resp: &LeaveGroupResponse) -> Vec<Action> {
        let code = ErrorCode(resp.error_code);
        let member = resp.members.iter().find(|m| m.error_code != 0);
        match (code, member) {
            (ErrorCode::NONE, None) => Vec::new(),
            (ErrorCode::NONE, Some(m)) => vec![Action::Error(MembershipError {
                api: "LeaveGroup",
                code: ErrorCode(m.error_code),
                fatal: false,
                message: format!("member {} was not removed", m.member_id),
            })],
            _ => vec![Action::Error(MembershipError {
                api: "LeaveGroup",
                code,
                fatal: false,
                message: "leaving the group failed".into(),
            })],
        }
    }

    /// Leaves the group (the consumer closes): commits and revokes what it owns (or reports it
    /// lost if the member is out of its generation or mid-rebalance), then sends a LeaveGroup —
    /// only for a dynamic member: a static member stays in the group until its session times
    /// out, so that a restart within the session keeps its partitions (KIP-345).
    pub fn leave(&mut self, _now: u64, reason: &str) -> Vec<Action> {
        let mut out = Vec::new();
        if matches!(self.state, MemberState::Left | MemberState::Fatal) {
            return out;
        }
        if !self.owned.is_empty() {
            let owned = std::mem::take(&mut self.owned);
            let in_generation = self.in_generation();
            let rebalancing = matches!(
                self.state,
                MemberState::PreparingRebalance | MemberState::CompletingRebalance
            );
            if !in_generation || rebalancing {
                out.push(Action::Lost(owned));
            } else {
                if self.config.auto_commit {
                    out.push(Action::Commit(owned.clone()));
                }
                out.push(Action::Revoke(owned));
            }
        }
        if self.config.group_instance_id.is_none()
            && self.coordinator_known
            && self.state != MemberState::Unjoined
            && !self.generation.member_id.is_empty()
        {
            out.push(Action::LeaveGroup(self.leave_request(reason)));
        }
        // The generation stays readable: the commit above is made with it.
        self.state = MemberState::Left;
        self.join_in_flight = None;
        self.sync_in_flight = None;
        self.heartbeat_in_flight = None;
        self.awaiting_assignment = None;
        out
    }

    // ---- internals ----

    fn session_timeout(&self) -> u64 {
        self.config.session_timeout_ms.max(0) as u64
    }

    fn in_generation(&self) -> bool {
        self.generation.generation_id != NO_GENERATION_ID && !self.generation.member_id.is_empty()
    }

    fn heartbeat_enabled(&self) -> bool {
        matches!(
            self.state,
            MemberState::CompletingRebalance | MemberState::Stable
        )
    }

    fn can_start_join(&self) -> bool {
        self.rejoin_pending()
            && !self.poll_expired
            && self.join_in_flight.is_none()
            && self.sync_in_flight.is_none()
            && self.awaiting_assignment.is_none()
    }

    fn enable_heartbeat(&mut self, now: u64) {
        self.session_deadline_ms = now.saturating_add(self.session_timeout());
        self.poll_deadline_ms = now.saturating_add(self.config.rebalance_timeout_ms.max(0) as u64);
        self.next_heartbeat_ms =
            now.saturating_add(self.config.heartbeat_interval_ms.max(0) as u64);
    }

    fn receive_heartbeat(&mut self, now: u64) {
        self.heartbeat_failures = 0;
        self.session_deadline_ms = now.saturating_add(self.session_timeout());
    }

    fn fail_heartbeat(&mut self, now: u64) {
        let backoff = self
            .config
            .retry_backoff_ms
            .saturating_mul(1u64 << self.heartbeat_failures.min(20))
            .min(
                self.config
                    .retry_backoff_max_ms
                    .max(self.config.retry_backoff_ms),
            );
        self.heartbeat_failures = self.heartbeat_failures.saturating_add(1);
        self.next_heartbeat_ms = now.saturating_add(backoff);
    }

    fn mark_coordinator_unknown(&mut self, now: u64) {
        if self.coordinator_known {
            self.coordinator_known = false;
            // Requests to the old coordinator will not be answered.
            if self.join_in_flight.take().is_some() || self.sync_in_flight.take().is_some() {
                self.rejoin_needed = true;
            }
            self.heartbeat_in_flight = None;
            self.retry_at_ms = self.retry_at_ms.max(now);
        }
    }

    fn reset_state_and_rejoin(&mut self, reason: &str, reset_member_id: bool) {
        self.state = MemberState::Unjoined;
        if reset_member_id {
            self.generation = Generation::none();
        } else {
            self.generation.generation_id = NO_GENERATION_ID;
            self.generation.protocol_name = None;
        }
        self.awaiting_assignment = None;
        self.request_rejoin(reason);
        self.needs_join_prepare = true;
    }

    /// A rebalance attempt failed with a non-fatal error: report it, rejoin after the backoff.
    fn fail(
        &mut self,
        now: u64,
        out: &mut Vec<Action>,
        api: &'static str,
        code: ErrorCode,
        msg: &str,
    ) {
        out.push(Action::Error(MembershipError {
            api,
            code,
            fatal: false,
            message: msg.to_string(),
        }));
        self.rejoin_needed = true;
        self.retry_at_ms = now.saturating_add(self.config.retry_backoff_ms);
    }

    fn fatal(&mut self, out: &mut Vec<Action>, api: &'static str, code: ErrorCode, msg: &str) {
        let e = MembershipError {
            api,
            code,
            fatal: true,
            message: msg.to_string(),
        };
        if !self.owned.is_empty() {
            out.push(Action::Lost(std::mem::take(&mut self.owned)));
        }
        out.push(Action::Error(e.clone()));
        self.fatal = Some(e);
        self.state = MemberState::Fatal;
        self.join_in_flight = None;
        self.sync_in_flight = None;
        self.heartbeat_in_flight = None;
        self.awaiting_assignment = None;
    }

    fn drive(&mut self, now: u64, out: &mut Vec<Action>) {
        if matches!(self.state, MemberState::Left | MemberState::Fatal) {
            return;
        }
        if !self.coordinator_known {
            if !self.lookup_in_flight && now >= self.retry_at_ms {
                self.lookup_in_flight = true;
                out.push(Action::FindCoordinator);
            }
            return;
        }
        if self.heartbeat_enabled() {
            if now >= self.session_deadline_ms {
                // No successful heartbeat for a whole session: the coordinator may be gone.
                self.mark_coordinator_unknown(now);
                self.session_deadline_ms = u64::MAX;
                return self.drive(now, out);
            }
            if now >= self.poll_deadline_ms {
                // The application stopped polling: leave so the group can move on, and rejoin
                // on the next poll.
                if self.config.group_instance_id.is_none() && !self.generation.member_id.is_empty()
                {
                    out.push(Action::LeaveGroup(
                        self.leave_request("consumer poll timeout has expired."),
                    ));
                }
                self.reset_state_and_rejoin("consumer poll timeout has expired.", true);
                self.poll_expired = true;
                self.heartbeat_in_flight = None;
                return;
            }
            if self.heartbeat_in_flight.is_none() && now >= self.next_heartbeat_ms {
                let mut hb = HeartbeatRequest::default();
                hb.group_id = self.config.group_id.as_str().into();
                hb.generation_id = self.generation.generation_id;
                hb.member_id = self.generation.member_id.as_str().into();
                hb.group_instance_id = self.instance_id();
                self.heartbeat_in_flight = Some(self.generation.clone());
                self.next_heartbeat_ms =
                    now.saturating_add(self.config.heartbeat_interval_ms.max(0) as u64);
                out.push(Action::Heartbeat(hb));
            }
        }
        if self.can_start_join() && now >= self.retry_at_ms {
            if self.needs_join_prepare {
                self.needs_join_prepare = false;
                self.on_join_prepare(out);
            }
            self.state = MemberState::PreparingRebalance;
            self.join_in_flight = Some(self.generation.clone());
            self.rejoin_needed = false;
            match self.join_request() {
                Ok(req) => out.push(Action::JoinGroup(req)),
                Err(msg) => {
                    self.join_in_flight = None;
                    self.fatal(out, "JoinGroup", ErrorCode::UNKNOWN_SERVER_ERROR, &msg);
                }
            }
        }
    }

    fn instance_id(&self) -> Option<crate::BytesStr> {
        self.config
            .group_instance_id
            .as_deref()
            .map(crate::BytesStr::from)
    }

    /// Before a JoinGroup: commit, then give up what the protocol says (Java's
    /// `onJoinPrepare`).
    fn on_join_prepare(&mut self, out: &mut Vec<Action>) {
        self.leader = false;
        if self.owned.is_empty() {
            return;
        }
        if !self.in_generation() {
            out.push(Action::Lost(std::mem::take(&mut self.owned)));
            return;
        }
        if self.config.auto_commit {
            out.push(Action::Commit(self.owned.clone()));
        }
        match self.protocol {
            RebalanceProtocol::Eager => out.push(Action::Revoke(std::mem::take(&mut self.owned))),
            RebalanceProtocol::Cooperative => {
                let gone: PartitionSet = self
                    .owned
                    .iter()
                    .filter(|tp| !self.topics.contains(&tp.topic))
                    .cloned()
                    .collect();
                if !gone.is_empty() {
                    self.owned.retain(|tp| !gone.contains(tp));
                    out.push(Action::Revoke(gone));
                }
            }
        }
    }

    fn subscription_bytes(&self, assignor: &str) -> Result<Bytes, String> {
        let mut sub = ConsumerProtocolSubscription::default();
        sub.topics = self.topics.iter().map(|t| t.as_str().into()).collect();
        let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for tp in &self.owned {
            by_topic.entry(&tp.topic).or_default().push(tp.partition);
        }
        for (topic, partitions) in by_topic {
            let mut tp = consumer_protocol_subscription::TopicPartition::default();
            tp.topic = topic.into();
            tp.partitions = partitions;
            sub.owned_partitions.push(tp);
        }
        sub.generation_id = self.generation.generation_id;
        sub.rack_id = self.config.rack_id.as_deref().map(Into::into);
        if assignor == "cooperative-sticky" {
            // Its user data: the generation of its last assignment, for older leaders.
            let mut b = BytesMut::with_capacity(4);
            b.put_i32(self.assignor_generation);
            sub.user_data = Some(b.freeze());
        } else if assignor == "sticky" {
            // Its user data: the last assignment and its generation (none before the first).
            if let Some((partitions, generation)) = &self.sticky_assignment {
                sub.user_data = Some(assignor::sticky_user_data::encode_sticky(
                    partitions,
                    Some(*generation),
                ));
            }
        }
        Versioned::new(CONSUMER_PROTOCOL_VERSION, sub)
            .and_then(|v| v.encode())
            .map_err(|e| format!("could not encode the subscription: {e}"))
    }

    fn join_request(&self) -> Result<JoinGroupRequest, String> {
        let mut req = JoinGroupRequest::default();
        req.group_id = self.config.group_id.as_str().into();
        req.session_timeout_ms = self.config.session_timeout_ms;
        req.rebalance_timeout_ms = self.config.rebalance_timeout_ms;
        req.member_id = self.generation.member_id.as_str().into();
        req.group_instance_id = self.instance_id();
        req.protocol_type = PROTOCOL_TYPE.into();
        for name in &self.config.assignors {
            let mut p = join_group_request::JoinGroupRequestProtocol::default();
            p.name = name.as_str().into();
            p.metadata = self.subscription_bytes(name)?;
            req.protocols.push(p);
        }
        req.reason = Some(self.rejoin_reason.as_str().into());
        Ok(req)
    }

    fn leave_request(&self, reason: &str) -> LeaveGroupRequest {
        let mut req = LeaveGroupRequest::default();
        req.group_id = self.config.group_id.as_str().into();
        let mut m = leave_group_request::MemberIdentity::default();
        m.member_id = self.generation.member_id.as_str().into();
        m.reason = Some(reason.into());
        req.members.push(m);
        req
    }

    fn send_sync(
        &mut self,
        assignments: Vec<sync_group_request::SyncGroupRequestAssignment>,
        out: &mut Vec<Action>,
    ) {
        let mut req = SyncGroupRequest::default();
        req.group_id = self.config.group_id.as_str().into();
        req.generation_id = self.generation.generation_id;
        req.member_id = self.generation.member_id.as_str().into();
        req.group_instance_id = self.instance_id();
        req.protocol_type = Some(PROTOCOL_TYPE.into());
        req.protocol_name = self.generation.protocol_name.as_deref().map(Into::into);
        req.assignments = assignments;
        self.sync_in_flight = Some(self.generation.clone());
        out.push(Action::SyncGroup(req));
    }

    fn on_leader_elected(&mut self, now: u64, resp: &JoinGroupResponse, out: &mut Vec<Action>) {
        let protocol = self.generation.protocol_name.clone().unwrap_or_default();
        if !self.config.assignors.contains(&protocol) {
            self.fail(
                now,
                out,
                "JoinGroup",
                ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                &format!(
                    "the coordinator chose assignor {protocol:?}, which this member does not have"
                ),
            );
            return;
        }
        if resp.skip_assignment {
            // KIP-814: a static leader rejoining; the group keeps its assignment.
            self.send_sync(Vec::new(), out);
            return;
        }
        let mut members = Vec::with_capacity(resp.members.len());
        for m in &resp.members {
            match Versioned::<ConsumerProtocolSubscription>::decode(m.metadata.clone()) {
                Ok(subscription) => members.push(GroupMember {
                    member_id: m.member_id.to_string(),
                    group_instance_id: m.group_instance_id.as_ref().map(|s| s.to_string()),
                    subscription,
                }),
                Err(e) => {
                    self.fail(
                        now,
                        out,
                        "JoinGroup",
                        ErrorCode::UNKNOWN_SERVER_ERROR,
                        &format!(
                            "the subscription of member {} does not decode: {e}",
                            m.member_id
                        ),
                    );
                    return;
                }
            }
        }
        self.awaiting_assignment = Some(self.generation.generation_id);
        out.push(Action::ComputeAssignment(AssignmentRequest {
            generation_id: self.generation.generation_id,
            protocol_name: protocol,
            members,
        }));
    }

    /// After a successful SyncGroup (Java's `onJoinComplete`).
    fn on_join_complete(&mut self, now: u64, assignment: Bytes, out: &mut Vec<Action>) {
        let assigned: PartitionSet = if assignment.is_empty() {
            // A member the leader left out (it may happen with static members): nothing.
            PartitionSet::new()
        } else {
            match Versioned::<ConsumerProtocolAssignment>::decode(assignment) {
                Ok(a) => a
                    .message
                    .assigned_partitions
                    .iter()
                    .flat_map(|tp| {
                        tp.partitions
                            .iter()
                            .map(|p| TopicPartition::new(tp.topic.to_string_lossy(), *p))
                    })
                    .collect(),
                Err(e) => {
                    self.state = MemberState::Unjoined;
                    self.fail(
                        now,
                        out,
                        "SyncGroup",
                        ErrorCode::UNKNOWN_SERVER_ERROR,
                        &format!("the assignment does not decode: {e}"),
                    );
                    return;
                }
            }
        };
        if assigned.iter().any(|tp| !self.topics.contains(&tp.topic)) {
            // Assigned for a subscription that has changed since: join again.
            self.request_rejoin("received assignment does not match the current subscription");
            return;
        }
        let added: PartitionSet = assigned.difference(&self.owned).cloned().collect();
        if self.protocol == RebalanceProtocol::Cooperative {
            let revoked: PartitionSet = self.owned.difference(&assigned).cloned().collect();
            if !revoked.is_empty() {
                if self.config.auto_commit {
                    out.push(Action::Commit(revoked.clone()));
                }
                out.push(Action::Revoke(revoked));
                self.request_rejoin("need to revoke partitions and re-join");
            }
        }
        if self.generation.protocol_name.as_deref() == Some("cooperative-sticky") {
            self.assignor_generation = self.generation.generation_id;
        }
        if self.generation.protocol_name.as_deref() == Some("sticky") {
            self.sticky_assignment = Some((
                assigned.iter().cloned().collect(),
                self.generation.generation_id,
            ));
        }
        self.owned = assigned;
        self.needs_join_prepare = true;
        out.push(Action::Assign(added));
    }
}

/// Rewrites a LeaveGroup built by the member for `version`: versions 0-2 carry one member id
/// at the top level instead of the `members` list.
pub fn leave_group_for_version(req: &LeaveGroupRequest, version: i16) -> LeaveGroupRequest {
    let mut r = req.clone();
    if version < 3 {
        if let Some(m) = r.members.first() {
            r.member_id = m.member_id.clone();
        }
        r.members.clear();
    }
    r
}

#[cfg(test)]
mod tests;
