use super::*;
use crate::frame::decode_response_message;
use crate::messages::{list_offsets_response, offset_commit_response};
use bytes::{Bytes, BytesMut};

#[test]
fn parses_auto_offset_reset_as_java_spells_it() {
    let table: &[(&str, Option<OffsetReset>)] = &[
        ("earliest", Some(OffsetReset::Earliest)),
        ("LATEST", Some(OffsetReset::Latest)),
        ("none", Some(OffsetReset::None)),
        (
            "by_duration:P1D",
            Some(OffsetReset::ByDuration(Duration::from_secs(86_400))),
        ),
        (
            "by_duration:PT1H30M",
            Some(OffsetReset::ByDuration(Duration::from_secs(5_400))),
        ),
        (
            "by_duration:P2DT0.5S",
            Some(OffsetReset::ByDuration(Duration::from_millis(172_800_500))),
        ),
        (
            "by_duration:PT15S",
            Some(OffsetReset::ByDuration(Duration::from_secs(15))),
        ),
        ("by_duration:", None),
        ("by_duration:P", None),
        ("by_duration:PT", None),
        ("by_duration:-P1D", None),
        ("by_duration:P1H", None),
        ("by_duration:PT1X", None),
        ("smallest", None),
        ("", None),
    ];
    for (text, want) in table {
        assert_eq!(text.parse::<OffsetReset>().ok(), *want, "{text:?}");
    }
    let e = "sometimes".parse::<OffsetReset>().unwrap_err();
    assert!(e.to_string().contains("sometimes"));
}

#[test]
fn reset_timestamps_and_resolution() {
    let now = 1_764_000_000_000;
    assert_eq!(OffsetReset::Earliest.timestamp(now), Some(-2));
    assert_eq!(OffsetReset::Latest.timestamp(now), Some(-1));
    assert_eq!(OffsetReset::None.timestamp(now), None);
    let hour = OffsetReset::ByDuration(Duration::from_secs(3_600));
    assert_eq!(hour.timestamp(now), Some(now - 3_600_000));
    // Longer ago than the epoch: the start of time, never a special negative value.
    assert_eq!(hour.timestamp(1_000), Some(0));
    assert_eq!(hour.resolve(42), ResetPosition::Offset(42));
    assert_eq!(hour.resolve(-1), ResetPosition::NeedLatest);
    assert_eq!(OffsetReset::Latest.resolve(7), ResetPosition::Offset(7));
}

fn tp(t: &str, p: i32) -> TopicPartition {
    TopicPartition::new(t, p)
}

#[test]
fn list_offsets_request_groups_by_topic() {
    let mut want = BTreeMap::new();
    want.insert(tp("b", 1), 1_700_000_000_000);
    want.insert(tp("a", 0), offset_spec::EARLIEST_TIMESTAMP);
    want.insert(tp("a", 2), offset_spec::LATEST_TIMESTAMP);
    let req = list_offsets_request(&want, IsolationLevel::ReadCommitted);
    assert_eq!(req.replica_id, -1);
    assert_eq!(req.isolation_level, 1);
    let shape: Vec<(String, Vec<(i32, i64)>)> = req
        .topics
        .iter()
        .map(|t| {
            (
                t.name.to_string(),
                t.partitions
                    .iter()
                    .map(|p| (p.partition_index, p.timestamp))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("a".to_string(), vec![(0, -2), (2, -1)]),
            ("b".to_string(), vec![(1, 1_700_000_000_000)]),
        ]
    );
    for v in [2, 7] {
        let mut buf = BytesMut::new();
        crate::Encode::encode(&req, &mut buf, v).unwrap();
        assert!(!buf.is_empty());
    }
    // Versions 0 and 1 have no isolation level: only read_uncommitted encodes there.
    let mut buf = BytesMut::new();
    assert!(crate::Encode::encode(&req, &mut buf, 1).is_err());
    let plain = list_offsets_request(&want, IsolationLevel::ReadUncommitted);
    for v in [0, 1] {
        let mut buf = BytesMut::new();
        crate::Encode::encode(&plain, &mut buf, v).unwrap();
    }
}

#[test]
fn reads_a_captured_list_offsets_response() {
    // Tansu 0.6 answering kafka-python at v9: two partitions of kp-auto-orders, offset 0,
    // record timestamp 0x1a201705df8, leader epoch 0.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/captures/tansu-0.6.0/kafka-python-3.0.12/0111-ListOffsets-v9.resp.bin"
    );
    let bytes = Bytes::from(std::fs::read(path).unwrap()).slice(4..);
    let (_, resp, _) = decode_response_message::<ListOffsetsResponse>(9, bytes).unwrap();
    let got = read_list_offsets_response(&resp, 9);
    let want = ListedOffset {
        offset: 0,
        timestamp: 0x1a2_0170_5df8,
        leader_epoch: Some(0),
    };
    assert_eq!(got.len(), 2);
    assert_eq!(got[&tp("kp-auto-orders", 0)], Ok(want));
    assert_eq!(got[&tp("kp-auto-orders", 1)], Ok(want));
}

#[test]
fn reads_version_zero_and_errors() {
    let mut resp = ListOffsetsResponse::default();
    let mut t = list_offsets_response::ListOffsetsTopicResponse::default();
    t.name = "a".into();
    let mut p0 = list_offsets_response::ListOffsetsPartitionResponse::default();
    p0.partition_index = 0;
    p0.old_style_offsets = vec![17, 3];
    let mut p1 = list_offsets_response::ListOffsetsPartitionResponse::default();
    p1.partition_index = 1;
    p1.error_code = ErrorCode::NOT_LEADER_OR_FOLLOWER.0;
    let mut p2 = list_offsets_response::ListOffsetsPartitionResponse::default();
    p2.partition_index = 2;
    t.partitions = vec![p0, p1, p2];
    resp.topics.push(t);
    let got = read_list_offsets_response(&resp, 0);
    assert_eq!(got[&tp("a", 0)].unwrap().offset, 17);
    assert_eq!(got[&tp("a", 1)], Err(ErrorCode::NOT_LEADER_OR_FOLLOWER));
    assert_eq!(got[&tp("a", 2)].unwrap().offset, -1, "no offsets listed");
}

#[test]
fn offset_commit_request_carries_epoch_and_metadata() {
    let mut offsets = BTreeMap::new();
    offsets.insert(tp("orders", 1), OffsetAndMetadata::new(10));
    offsets.insert(
        tp("orders", 0),
        OffsetAndMetadata {
            offset: 5,
            leader_epoch: Some(3),
            metadata: "host-a".into(),
        },
    );
    let req = offset_commit_request("billing", 7, "m-1", Some("i-1"), &offsets);
    assert_eq!(req.group_id, "billing");
    assert_eq!(req.generation_id_or_member_epoch, 7);
    assert_eq!(req.member_id, "m-1");
    assert_eq!(req.group_instance_id, Some("i-1".into()));
    assert_eq!(req.topics.len(), 1);
    let ps = &req.topics[0].partitions;
    assert_eq!(
        ps.iter()
            .map(|p| (
                p.partition_index,
                p.committed_offset,
                p.committed_leader_epoch,
                p.committed_metadata
                    .as_ref()
                    .map_or_else(|| "?".to_string(), ToString::to_string)
            ))
            .collect::<Vec<_>>(),
        vec![(0, 5, 3, "host-a".to_string()), (1, 10, -1, String::new())]
    );
    for v in [2, 6, 8] {
        let mut r = req.clone();
        if v < 7 {
            r.group_instance_id = None;
        }
        let mut buf = BytesMut::new();
        crate::Encode::encode(&r, &mut buf, v).unwrap();
        assert!(!buf.is_empty());
    }
}

#[test]
fn reads_commit_errors_from_a_captured_response() {
    // Tansu 0.6 answering kafka-python's OffsetCommit v2: ck-orders partition 0 committed.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/captures/tansu-0.6.0/kafka-python-3.0.12-api-0.9/0083-OffsetCommit-v2.resp.bin"
    );
    let bytes = Bytes::from(std::fs::read(path).unwrap()).slice(4..);
    let (_, mut resp, _) = decode_response_message::<OffsetCommitResponse>(2, bytes).unwrap();
    assert_eq!(read_offset_commit_response(&resp), vec![]);
    let mut p = offset_commit_response::OffsetCommitResponsePartition::default();
    p.partition_index = 4;
    p.error_code = ErrorCode::ILLEGAL_GENERATION.0;
    resp.topics[0].partitions.push(p);
    assert_eq!(
        read_offset_commit_response(&resp),
        vec![(tp("ck-orders", 4), ErrorCode::ILLEGAL_GENERATION)]
    );
}
