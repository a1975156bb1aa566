//! Kafka error codes as an open enum: every `i16` is representable, known codes have names.
//!
//! The facts (code, name, retriable) follow the "Error Codes" table of Kafka's protocol guide,
//! whose "Retriable" column says whether the Java client's exception for the code extends
//! `RetriableException`. Codes up to 133 are those of Kafka 4.3; 134–136 arrived with Kafka 4.4.

use std::fmt;

/// An error code: the `ErrorCode` field of (almost) every Kafka response. Open, so codes this
/// crate does not know survive a round trip unchanged; named constants exist for every code
/// Kafka defines, spelled as Kafka spells them.
///
/// ```
/// use kafka_codec::ErrorCode;
///
/// assert!(ErrorCode::NOT_COORDINATOR.is_retriable());
/// assert!(!ErrorCode::REBALANCE_IN_PROGRESS.is_retriable());
/// assert_eq!(ErrorCode(35), ErrorCode::UNSUPPORTED_VERSION);
/// assert_eq!(ErrorCode(35).name(), Some("UNSUPPORTED_VERSION"));
/// assert!(ErrorCode::NONE.is_ok());
///
/// // An unknown code has no name and is not retriable, but keeps its value.
/// let unknown = ErrorCode(9999);
/// assert_eq!(unknown.name(), None);
/// assert!(!unknown.is_retriable());
/// assert_eq!(unknown.0, 9999);
/// assert_eq!(format!("{unknown:?} {unknown}"), "ErrorCode(9999) 9999");
/// assert_eq!(format!("{:?}", ErrorCode::NOT_COORDINATOR), "NOT_COORDINATOR(16)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErrorCode(pub i16);

/// Declares one constant per code and the lookup table, from a single list, so the two cannot
/// disagree. Entries must be sorted by code (a unit test checks it).
macro_rules! error_codes {
    ($(($code:literal, $name:ident, $retriable:tt),)*) => {
        impl ErrorCode {
            $(
                #[doc = concat!(
                    "Kafka's `", stringify!($name), "` (", stringify!($code), "); ",
                    error_codes!(@retriable $retriable), "."
                )]
                pub const $name: ErrorCode = ErrorCode($code);
            )*
        }

        /// `(code, name, retriable)` for every code Kafka defines, sorted by code.
        static TABLE: &[(i16, &str, bool)] = &[$(($code, stringify!($name), $retriable),)*];
    };
    (@retriable true) => { "retriable" };
    (@retriable false) => { "not retriable" };
}

error_codes! {
    (-1, UNKNOWN_SERVER_ERROR, false),
    (0, NONE, false),
    (1, OFFSET_OUT_OF_RANGE, false),
    (2, CORRUPT_MESSAGE, true),
    (3, UNKNOWN_TOPIC_OR_PARTITION, true),
    (4, INVALID_FETCH_SIZE, false),
    (5, LEADER_NOT_AVAILABLE, true),
    (6, NOT_LEADER_OR_FOLLOWER, true),
    (7, REQUEST_TIMED_OUT, true),
    (8, BROKER_NOT_AVAILABLE, false),
    (9, REPLICA_NOT_AVAILABLE, true),
    (10, MESSAGE_TOO_LARGE, false),
    (11, STALE_CONTROLLER_EPOCH, false),
    (12, OFFSET_METADATA_TOO_LARGE, false),
    (13, NETWORK_EXCEPTION, true),
    (14, COORDINATOR_LOAD_IN_PROGRESS, true),
    (15, COORDINATOR_NOT_AVAILABLE, true),
    (16, NOT_COORDINATOR, true),
    (17, INVALID_TOPIC_EXCEPTION, false),
    (18, RECORD_LIST_TOO_LARGE, false),
    (19, NOT_ENOUGH_REPLICAS, true),
    (20, NOT_ENOUGH_REPLICAS_AFTER_APPEND, true),
    (21, INVALID_REQUIRED_ACKS, false),
    (22, ILLEGAL_GENERATION, false),
    (23, INCONSISTENT_GROUP_PROTOCOL, false),
    (24, INVALID_GROUP_ID, false),
    (25, UNKNOWN_MEMBER_ID, false),
    (26, INVALID_SESSION_TIMEOUT, false),
    (27, REBALANCE_IN_PROGRESS, false),
    (28, INVALID_COMMIT_OFFSET_SIZE, false),
    (29, TOPIC_AUTHORIZATION_FAILED, false),
    (30, GROUP_AUTHORIZATION_FAILED, false),
    (31, CLUSTER_AUTHORIZATION_FAILED, false),
    (32, INVALID_TIMESTAMP, false),
    (33, UNSUPPORTED_SASL_MECHANISM, false),
    (34, ILLEGAL_SASL_STATE, false),
    (35, UNSUPPORTED_VERSION, false),
    (36, TOPIC_ALREADY_EXISTS, false),
    (37, INVALID_PARTITIONS, false),
    (38, INVALID_REPLICATION_FACTOR, false),
    (39, INVALID_REPLICA_ASSIGNMENT, false),
    (40, INVALID_CONFIG, false),
    (41, NOT_CONTROLLER, true),
    (42, INVALID_REQUEST, false),
    (43, UNSUPPORTED_FOR_MESSAGE_FORMAT, false),
    (44, POLICY_VIOLATION, false),
    (45, OUT_OF_ORDER_SEQUENCE_NUMBER, false),
    (46, DUPLICATE_SEQUENCE_NUMBER, false),
    (47, INVALID_PRODUCER_EPOCH, false),
    (48, INVALID_TXN_STATE, false),
    (49, INVALID_PRODUCER_ID_MAPPING, false),
    (50, INVALID_TRANSACTION_TIMEOUT, false),
    (51, CONCURRENT_TRANSACTIONS, true),
    (52, TRANSACTION_COORDINATOR_FENCED, false),
    (53, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, false),
    (54, SECURITY_DISABLED, false),
    (55, OPERATION_NOT_ATTEMPTED, false),
    (56, KAFKA_STORAGE_ERROR, true),
    (57, LOG_DIR_NOT_FOUND, false),
    (58, SASL_AUTHENTICATION_FAILED, false),
    (59, UNKNOWN_PRODUCER_ID, false),
    (60, REASSIGNMENT_IN_PROGRESS, false),
    (61, DELEGATION_TOKEN_AUTH_DISABLED, false),
    (62, DELEGATION_TOKEN_NOT_FOUND, false),
    (63, DELEGATION_TOKEN_OWNER_MISMATCH, false),
    (64, DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, false),
    (65, DELEGATION_TOKEN_AUTHORIZATION_FAILED, false),
    (66, DELEGATION_TOKEN_EXPIRED, false),
    (67, INVALID_PRINCIPAL_TYPE, false),
    (68, NON_EMPTY_GROUP, false),
    (69, GROUP_ID_NOT_FOUND, false),
    (70, FETCH_SESSION_ID_NOT_FOUND, true),
    (71, INVALID_FETCH_SESSION_EPOCH, true),
    (72, LISTENER_NOT_FOUND, true),
    (73, TOPIC_DELETION_DISABLED, false),
    (74, FENCED_LEADER_EPOCH, true),
    (75, UNKNOWN_LEADER_EPOCH, true),
    (76, UNSUPPORTED_COMPRESSION_TYPE, false),
    (77, STALE_BROKER_EPOCH, false),
    (78, OFFSET_NOT_AVAILABLE, true),
    (79, MEMBER_ID_REQUIRED, false),
    (80, PREFERRED_LEADER_NOT_AVAILABLE, true),
    (81, GROUP_MAX_SIZE_REACHED, false),
    (82, FENCED_INSTANCE_ID, false),
    (83, ELIGIBLE_LEADERS_NOT_AVAILABLE, true),
    (84, ELECTION_NOT_NEEDED, true),
    (85, NO_REASSIGNMENT_IN_PROGRESS, false),
    (86, GROUP_SUBSCRIBED_TO_TOPIC, false),
    (87, INVALID_RECORD, false),
    (88, UNSTABLE_OFFSET_COMMIT, true),
    (89, THROTTLING_QUOTA_EXCEEDED, true),
    (90, PRODUCER_FENCED, false),
    (91, RESOURCE_NOT_FOUND, false),
    (92, DUPLICATE_RESOURCE, false),
    (93, UNACCEPTABLE_CREDENTIAL, false),
    (94, INCONSISTENT_VOTER_SET, false),
    (95, INVALID_UPDATE_VERSION, false),
    (96, FEATURE_UPDATE_FAILED, false),
    (97, PRINCIPAL_DESERIALIZATION_FAILURE, false),
    (98, SNAPSHOT_NOT_FOUND, false),
    (99, POSITION_OUT_OF_RANGE, false),
    (100, UNKNOWN_TOPIC_ID, true),
    (101, DUPLICATE_BROKER_REGISTRATION, false),
    (102, BROKER_ID_NOT_REGISTERED, false),
    (103, INCONSISTENT_TOPIC_ID, true),
    (104, INCONSISTENT_CLUSTER_ID, false),
    (105, TRANSACTIONAL_ID_NOT_FOUND, false),
    (106, FETCH_SESSION_TOPIC_ID_ERROR, true),
    (107, INELIGIBLE_REPLICA, false),
    (108, NEW_LEADER_ELECTED, false),
    (109, OFFSET_MOVED_TO_TIERED_STORAGE, false),
    (110, FENCED_MEMBER_EPOCH, false),
    (111, UNRELEASED_INSTANCE_ID, false),
    (112, UNSUPPORTED_ASSIGNOR, false),
    (113, STALE_MEMBER_EPOCH, false),
    (114, MISMATCHED_ENDPOINT_TYPE, false),
    (115, UNSUPPORTED_ENDPOINT_TYPE, false),
    (116, UNKNOWN_CONTROLLER_ID, false),
    (117, UNKNOWN_SUBSCRIPTION_ID, false),
    (118, TELEMETRY_TOO_LARGE, false),
    (119, INVALID_REGISTRATION, false),
    (120, TRANSACTION_ABORTABLE, false),
    (121, INVALID_RECORD_STATE, false),
    (122, SHARE_SESSION_NOT_FOUND, true),
    (123, INVALID_SHARE_SESSION_EPOCH, true),
    (124, FENCED_STATE_EPOCH, false),
    (125, INVALID_VOTER_KEY, false),
    (126, DUPLICATE_VOTER, false),
    (127, VOTER_NOT_FOUND, false),
    (128, INVALID_REGULAR_EXPRESSION, false),
    (129, REBOOTSTRAP_REQUIRED, false),
    (130, STREAMS_INVALID_TOPOLOGY, false),
    (131, STREAMS_INVALID_TOPOLOGY_EPOCH, false),
    (132, STREAMS_TOPOLOGY_FENCED, false),
    (133, SHARE_SESSION_LIMIT_REACHED, true),
    (134, GROUP_DELETION_FAILED, false),
    (135, STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED, false),
    (136, CONTROLLER_ID_NOT_REGISTERED, false),
}

impl ErrorCode {
    /// Kafka's name for the code (e.g. `"NOT_COORDINATOR"`), if Kafka defines it.
    pub fn name(self) -> Option<&'static str> {
        self.entry().map(|&(_, name, _)| name)
    }

    /// Whether Kafka's exception for this code is a `RetriableException`: the same request may
    /// succeed if sent again (perhaps after a metadata refresh or finding the coordinator again).
    /// Unknown codes are not retriable. Some codes the Java client handles specially without
    /// being retriable, such as `REBALANCE_IN_PROGRESS` (rejoin the group) — they are `false`.
    pub fn is_retriable(self) -> bool {
        self.entry().is_some_and(|&(_, _, retriable)| retriable)
    }

    /// Whether this is `NONE` (0), the code of success.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    fn entry(self) -> Option<&'static (i16, &'static str, bool)> {
        TABLE
            .binary_search_by_key(&self.0, |&(code, _, _)| code)
            .ok()
            .map(|i| &TABLE[i])
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}({})", self.0),
            None => write!(f, "ErrorCode({})", self.0),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_is_sorted_without_duplicate_codes() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn table_has_no_duplicate_names() {
        let names: HashSet<&str> = TABLE.iter().map(|&(_, name, _)| name).collect();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn table_covers_minus_one_to_the_newest_code_without_gaps() {
        assert_eq!(TABLE.first().map(|e| e.0), Some(-1));
        assert_eq!(TABLE.last().map(|e| e.0), Some(136));
        assert_eq!(TABLE.len(), 138);
    }

    #[test]
    fn constants_match_their_names() {
        for &(code, name, _) in TABLE {
            assert_eq!(ErrorCode(code).name(), Some(name));
        }
        assert_eq!(ErrorCode::UNKNOWN_SERVER_ERROR, ErrorCode(-1));
        assert_eq!(ErrorCode::NONE, ErrorCode(0));
        assert_eq!(ErrorCode::NOT_COORDINATOR, ErrorCode(16));
        assert_eq!(ErrorCode::UNKNOWN_MEMBER_ID, ErrorCode(25));
        assert_eq!(ErrorCode::REBALANCE_IN_PROGRESS, ErrorCode(27));
        assert_eq!(ErrorCode::UNSUPPORTED_VERSION, ErrorCode(35));
        assert_eq!(ErrorCode::FENCED_INSTANCE_ID, ErrorCode(82));
        assert_eq!(ErrorCode::UNKNOWN_TOPIC_ID, ErrorCode(100));
        assert_eq!(ErrorCode::OFFSET_MOVED_TO_TIERED_STORAGE, ErrorCode(109));
        assert_eq!(ErrorCode::STALE_MEMBER_EPOCH, ErrorCode(113));
        assert_eq!(ErrorCode::SHARE_SESSION_LIMIT_REACHED, ErrorCode(133));
    }

    #[test]
    fn retriable_flags_follow_kafka() {
        let retriable = [
            ErrorCode::CORRUPT_MESSAGE,
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
            ErrorCode::NOT_LEADER_OR_FOLLOWER,
            ErrorCode::REQUEST_TIMED_OUT,
            ErrorCode::REPLICA_NOT_AVAILABLE,
            ErrorCode::NETWORK_EXCEPTION,
            ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
            ErrorCode::COORDINATOR_NOT_AVAILABLE,
            ErrorCode::NOT_COORDINATOR,
            ErrorCode::NOT_CONTROLLER,
            ErrorCode::CONCURRENT_TRANSACTIONS,
            ErrorCode::KAFKA_STORAGE_ERROR,
            ErrorCode::FETCH_SESSION_ID_NOT_FOUND,
            ErrorCode::OFFSET_NOT_AVAILABLE,
            ErrorCode::UNSTABLE_OFFSET_COMMIT,
            ErrorCode::THROTTLING_QUOTA_EXCEEDED,
            ErrorCode::UNKNOWN_TOPIC_ID,
            ErrorCode::FETCH_SESSION_TOPIC_ID_ERROR,
            ErrorCode::SHARE_SESSION_LIMIT_REACHED,
        ];
        for code in retriable {
            assert!(code.is_retriable(), "{code:?}");
        }
        let fatal = [
            ErrorCode::UNKNOWN_SERVER_ERROR,
            ErrorCode::NONE,
            ErrorCode::OFFSET_OUT_OF_RANGE,
            ErrorCode::BROKER_NOT_AVAILABLE,
            ErrorCode::UNKNOWN_MEMBER_ID,
            ErrorCode::REBALANCE_IN_PROGRESS,
            ErrorCode::UNSUPPORTED_VERSION,
            ErrorCode::FENCED_INSTANCE_ID,
            ErrorCode::UNKNOWN_PRODUCER_ID,
            ErrorCode::OFFSET_MOVED_TO_TIERED_STORAGE,
            ErrorCode::STALE_MEMBER_EPOCH,
            ErrorCode::TRANSACTION_ABORTABLE,
            ErrorCode::REBOOTSTRAP_REQUIRED,
            ErrorCode::CONTROLLER_ID_NOT_REGISTERED,
            ErrorCode(9999),
            ErrorCode(-2),
        ];
        for code in fatal {
            assert!(!code.is_retriable(), "{code:?}");
        }
    }

    #[test]
    fn unknown_codes_round_trip_and_print_their_number() {
        for raw in [i16::MIN, -2, 137, 9999, i16::MAX] {
            let code = ErrorCode(raw);
            assert_eq!(code.name(), None);
            assert_eq!(code.0, raw);
            assert_eq!(format!("{code:?}"), format!("ErrorCode({raw})"));
            assert_eq!(code.to_string(), raw.to_string());
        }
    }

    #[test]
    fn known_codes_print_their_name() {
        assert_eq!(format!("{:?}", ErrorCode(-1)), "UNKNOWN_SERVER_ERROR(-1)");
        assert_eq!(ErrorCode(27).to_string(), "REBALANCE_IN_PROGRESS");
        assert!(ErrorCode::default().is_ok());
        assert!(!ErrorCode::UNKNOWN_SERVER_ERROR.is_ok());
    }
}
