//! The command line as a user runs it: output, exit codes, and the failure lines of `dir`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kafka_codec::consumer::Versioned;
use kafka_codec::frame::{encode_request_message, encode_response, RequestParams};
use kafka_codec::messages::*;
use kafka_codec::records::{NewRecord, RecordBatchBuilder};
use kafka_codec::{ApiKey, ResponseBody};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kafka-inspect"))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kafka-inspect-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A Fetch v12 exchange with two records, written as a request and a response file.
fn write_fetch_pair(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let req = FetchRequest {
        max_wait_ms: 500,
        min_bytes: 1,
        topics: vec![fetch_request::FetchTopic {
            topic: "orders".into(),
            partitions: vec![fetch_request::FetchPartition {
                partition: 0,
                fetch_offset: 0,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut b = RecordBatchBuilder::new(0);
    b.push(
        NewRecord::new(1000)
            .key(b"k")
            .value(b"v")
            .header(b"h", b"1")
            .header(b"h", b"2"),
    );
    b.push(NewRecord::new(1001).value(b"w"));
    let resp = FetchResponse {
        responses: vec![fetch_response::FetchableTopicResponse {
            topic: "orders".into(),
            partitions: vec![fetch_response::PartitionData {
                partition_index: 0,
                high_watermark: 2,
                records: Some(b.build().unwrap()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let header = ResponseHeader {
        correlation_id: 4,
        ..Default::default()
    };
    let r = dir.join(format!("{stem}.req.bin"));
    let s = dir.join(format!("{stem}.resp.bin"));
    let params = RequestParams {
        version: 12,
        correlation_id: 4,
        client_id: Some("c"),
    };
    std::fs::write(&r, encode_request_message(&req, &params).unwrap()).unwrap();
    std::fs::write(
        &s,
        encode_response(ApiKey::FETCH, 12, &header, &ResponseBody::Fetch(resp)).unwrap(),
    )
    .unwrap();
    (r, s)
}

#[test]
fn frame_prints_json_and_checks_the_round_trip() {
    let d = scratch("frame");
    let (r, s) = write_fetch_pair(&d, "0001-Fetch-v12");
    let out = bin()
        .args(["frame", "--request"])
        .arg(&r)
        .arg("--response")
        .arg(&s)
        .arg("--check-roundtrip")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["request"]["header"]["correlation_id"], 4);
    assert_eq!(
        v["request"]["body"]["Fetch"]["topics"][0]["topic"],
        "orders"
    );
    assert_eq!(
        v["response"]["body"]["Fetch"]["responses"][0]["partitions"][0]["high_watermark"],
        2
    );
}

#[test]
fn dir_counts_pairs_and_names_failures() {
    let d = scratch("dir");
    write_fetch_pair(&d, "0001-Fetch-v12");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    write_fetch_pair(&d.join("sub"), "0002-Fetch-v12");
    // A broken request: size prefix says 9 bytes, 3 follow.
    std::fs::write(d.join("sub/0003-Fetch-v12.req.bin"), [0, 0, 0, 9, 0, 1, 0]).unwrap();
    let out = bin()
        .arg("dir")
        .arg(&d)
        .arg("--check-roundtrip")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("sub/0003-Fetch-v12.req.bin: request:"),
        "{stdout}"
    );
    assert_eq!(lines[1], "2 passed, 1 failed");
}

#[test]
fn records_prints_one_line_per_record() {
    let d = scratch("records");
    let (r, s) = write_fetch_pair(&d, "0001-Fetch-v12");
    let out = bin()
        .args(["records", "--request"])
        .arg(&r)
        .arg("--response")
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["topic"], "orders");
    assert_eq!(lines[0]["offset"], 0);
    assert_eq!(lines[0]["key"], "6b");
    assert_eq!(
        lines[0]["headers"],
        serde_json::json!([["68", "31"], ["68", "32"]])
    );
    assert_eq!(lines[1]["key"], serde_json::Value::Null);
    assert_eq!(lines[1]["value"], "77");
}

#[test]
fn payload_decodes_consumer_protocol_and_offsets_records() {
    let d = scratch("payload");
    let sub = Versioned::new(
        1,
        ConsumerProtocolSubscription {
            topics: vec!["orders".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let f = d.join("sub.bin");
    std::fs::write(&f, sub.encode().unwrap()).unwrap();
    let out = bin()
        .args(["payload", "--type", "subscription", "--check-roundtrip"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["message"]["topics"][0], "orders");
    // Wrong type for the bytes: decode failure, exit 1.
    std::fs::write(&f, [0, 9]).unwrap();
    let out = bin()
        .args(["payload", "--type", "offset-commit-key"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec![],
        vec!["frame"],
        vec!["dir"],
        vec!["payload", "--type", "nonsense", "x"],
        vec!["bogus"],
        vec!["frame", "--request"],
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn pcap_decodes_a_real_session() {
    // Captured with dumpcap on loopback: confluent-kafka creating a topic, examples/producer
    // writing gzip and zstd batches, examples/consumer running a group session, against Tansu.
    let pcap = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/pcap/tansu-consumer-session.pcapng");
    let out = bin()
        .arg("pcap")
        .arg(&pcap)
        .args(["--port", "19392"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let apis: Vec<&str> = lines.iter().map(|l| l["api"].as_str().unwrap()).collect();
    for api in [
        "Produce",
        "FindCoordinator",
        "JoinGroup",
        "SyncGroup",
        "OffsetFetch",
        "Fetch",
        "OffsetCommit",
        "LeaveGroup",
    ] {
        assert!(apis.contains(&api), "{api} missing from {apis:?}");
    }
    let fetch = lines.iter().find(|l| l["api"] == "Fetch").unwrap();
    assert_eq!(fetch["records"], 8);
    assert!(fetch["response"]["body"]["Fetch"].is_object());
    let table = bin()
        .arg("pcap")
        .arg(&pcap)
        .args(["--port", "19392", "--table"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("JoinGroup") && l.contains("MEMBER_ID_REQUIRED")),
        "{text}"
    );
}
