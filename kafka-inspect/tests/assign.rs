//! `kafka-inspect assign` as a user runs it: a JoinGroup response and a Metadata response
//! written as frame files, the assignment printed as JSON lines.

// Messages are built field by field from `Default` (docs/design/round2.md: no struct literals
// outside src/, the types become #[non_exhaustive]).
#![allow(clippy::field_reassign_with_default)]

use std::path::{Path, PathBuf};
use std::process::Command;

use kafka_codec::consumer::Versioned;
use kafka_codec::frame::{encode_request_message, encode_response, RequestParams};
use kafka_codec::messages::*;
use kafka_codec::{ApiKey, ResponseBody};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kafka-inspect"))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "kafka-inspect-assign-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn subscription(topics: &[&str]) -> bytes::Bytes {
    let mut s = ConsumerProtocolSubscription::default();
    s.topics = topics.iter().map(|t| (*t).into()).collect();
    Versioned::new(1, s).unwrap().encode().unwrap()
}

/// The leader's JoinGroup v5 exchange: members "m-2" (orders, payments) and "m-1" (orders),
/// listed in that order.
fn write_join(dir: &Path, with_request: bool) -> PathBuf {
    let mut resp = JoinGroupResponse::default();
    resp.generation_id = 3;
    resp.protocol_name = Some("range".into());
    resp.leader = "m-1".into();
    resp.member_id = "m-1".into();
    for (id, topics) in [
        ("m-2", &["orders", "payments"][..]),
        ("m-1", &["orders"][..]),
    ] {
        let mut m = join_group_response::JoinGroupResponseMember::default();
        m.member_id = id.into();
        m.metadata = subscription(topics);
        resp.members.push(m);
    }
    let mut header = ResponseHeader::default();
    header.correlation_id = 7;
    let path = dir.join("0003-JoinGroup-v5.resp.bin");
    std::fs::write(
        &path,
        encode_response(
            ApiKey::JOIN_GROUP,
            5,
            &header,
            &ResponseBody::JoinGroup(resp),
        )
        .unwrap(),
    )
    .unwrap();
    if with_request {
        let mut req = JoinGroupRequest::default();
        req.group_id = "g".into();
        req.protocol_type = "consumer".into();
        std::fs::write(
            dir.join("0003-JoinGroup-v5.req.bin"),
            encode_request_message(
                &req,
                &RequestParams {
                    version: 5,
                    correlation_id: 7,
                    client_id: Some("c"),
                },
            )
            .unwrap(),
        )
        .unwrap();
    }
    path
}

/// A Metadata v9 response: orders with 3 partitions, payments with 2, audit with 1.
fn write_metadata(dir: &Path) -> PathBuf {
    let mut resp = MetadataResponse::default();
    for (name, n) in [("orders", 3), ("payments", 2), ("audit", 1)] {
        let mut t = metadata_response::MetadataResponseTopic::default();
        t.name = Some(name.into());
        for p in 0..n {
            let mut part = metadata_response::MetadataResponsePartition::default();
            part.partition_index = p;
            t.partitions.push(part);
        }
        resp.topics.push(t);
    }
    let mut header = ResponseHeader::default();
    header.correlation_id = 2;
    let path = dir.join("0001-Metadata-v9.resp.bin");
    std::fs::write(
        &path,
        encode_response(ApiKey::METADATA, 9, &header, &ResponseBody::Metadata(resp)).unwrap(),
    )
    .unwrap();
    let req = MetadataRequest::default();
    std::fs::write(
        dir.join("0001-Metadata-v9.req.bin"),
        encode_request_message(
            &req,
            &RequestParams {
                version: 9,
                correlation_id: 2,
                client_id: Some("c"),
            },
        )
        .unwrap(),
    )
    .unwrap();
    path
}

fn assign(strategy: &str, join: &Path, meta: &Path) -> (i32, String, String) {
    let out = bin()
        .args(["assign", "--strategy", strategy, "--join"])
        .arg(join)
        .arg("--metadata")
        .arg(meta)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn prints_one_line_per_member_sorted() {
    let d = scratch("lines");
    let join = write_join(&d, true);
    let meta = write_metadata(&d);
    // range: orders split m-1 [0, 1], m-2 [2]; payments only to m-2; audit unsubscribed.
    let (code, out, err) = assign("range", &join, &meta);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "{\"member_id\": \"m-1\", \"topics\": {\"orders\": [0, 1]}}\n\
         {\"member_id\": \"m-2\", \"topics\": {\"orders\": [2], \"payments\": [0, 1]}}\n"
    );
    // roundrobin: orders-0 m-1, orders-1 m-2, orders-2 m-1; payments both to m-2.
    let (code, out, _) = assign("roundrobin", &join, &meta);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "{\"member_id\": \"m-1\", \"topics\": {\"orders\": [0, 2]}}\n\
         {\"member_id\": \"m-2\", \"topics\": {\"orders\": [1], \"payments\": [0, 1]}}\n"
    );
    // Each line is JSON with the documented shape.
    for strategy in ["sticky", "cooperative-sticky"] {
        let (code, out, _) = assign(strategy, &join, &meta);
        assert_eq!(code, 0);
        let mut total = 0;
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            for parts in v["topics"].as_object().unwrap().values() {
                total += parts.as_array().unwrap().len();
            }
        }
        assert_eq!(out.lines().count(), 2);
        assert_eq!(total, 5, "{strategy}: {out}");
    }
}

#[test]
fn version_from_file_name_without_request() {
    let d = scratch("noreq");
    let join = write_join(&d, false);
    let meta = write_metadata(&d);
    let (code, out, err) = assign("range", &join, &meta);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2);
}

#[test]
fn errors_are_reported() {
    let d = scratch("errors");
    let join = write_join(&d, true);
    let meta = write_metadata(&d);
    let (code, out, err) = assign("fancy", &join, &meta);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("unknown assignment strategy"), "{err}");
    // Files swapped: the Metadata file is not a JoinGroup response.
    let (code, _, err) = assign("range", &meta, &join);
    assert_eq!(code, 1);
    assert!(err.contains("JoinGroup"), "{err}");
    let out = bin()
        .args(["assign", "--strategy", "range"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
