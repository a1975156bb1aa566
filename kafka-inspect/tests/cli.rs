//! The command line as a user runs it: output, exit codes, and the failure lines of `dir`.

// Messages are built as `default()` plus field assignments (docs/design/round2.md): struct
// literals stop compiling once the generated types are `#[non_exhaustive]`.
#![allow(clippy::field_reassign_with_default)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

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

/// Header fields of the requests these tests write.
fn params(version: i16, correlation_id: i32) -> RequestParams<'static> {
    RequestParams {
        version,
        correlation_id,
        client_id: Some("c"),
    }
}

/// Key, value and headers of one record.
type Row<'a> = (Option<&'a [u8]>, &'a [u8], &'a [(&'a [u8], &'a [u8])]);

/// A batch of records, as a Fetch response or Produce request carries it.
fn batch(records: &[Row<'_>]) -> bytes::Bytes {
    let mut b = RecordBatchBuilder::new(0);
    for (i, (key, value, headers)) in records.iter().enumerate() {
        let mut r = NewRecord::new(1000 + i as i64).value(value);
        if let Some(k) = key {
            r = r.key(k);
        }
        for (hk, hv) in headers.iter() {
            r = r.header(hk, hv);
        }
        b.push(r);
    }
    b.build().unwrap()
}

/// A Fetch v12 request and its response carrying `records` for topic "orders", as files.
fn write_fetch_with(dir: &Path, stem: &str, records: bytes::Bytes) -> (PathBuf, PathBuf) {
    let mut part = fetch_request::FetchPartition::default();
    part.partition = 0;
    part.partition_max_bytes = 1 << 20;
    let mut topic = fetch_request::FetchTopic::default();
    topic.topic = "orders".into();
    topic.partitions = vec![part];
    let mut req = FetchRequest::default();
    req.max_wait_ms = 500;
    req.min_bytes = 1;
    req.topics = vec![topic];

    let mut data = fetch_response::PartitionData::default();
    data.partition_index = 0;
    data.high_watermark = 2;
    data.records = Some(records);
    let mut rtopic = fetch_response::FetchableTopicResponse::default();
    rtopic.topic = "orders".into();
    rtopic.partitions = vec![data];
    let mut resp = FetchResponse::default();
    resp.responses = vec![rtopic];
    let mut header = ResponseHeader::default();
    header.correlation_id = 4;

    let r = dir.join(format!("{stem}.req.bin"));
    let s = dir.join(format!("{stem}.resp.bin"));
    std::fs::write(&r, encode_request_message(&req, &params(12, 4)).unwrap()).unwrap();
    std::fs::write(
        &s,
        encode_response(ApiKey::FETCH, 12, &header, &ResponseBody::Fetch(resp)).unwrap(),
    )
    .unwrap();
    (r, s)
}

/// A Fetch v12 exchange with two records, written as a request and a response file.
fn write_fetch_pair(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let records = batch(&[
        (Some(b"k"), b"v", &[(b"h", b"1"), (b"h", b"2")]),
        (None, b"w", &[]),
    ]);
    write_fetch_with(dir, stem, records)
}

/// A Produce v9 request (acks 1) with `n` records for topic "orders".
fn write_produce(path: &Path, n: usize) {
    let values: Vec<String> = (0..n).map(|i| format!("value number {i}")).collect();
    let rows: Vec<Row<'_>> = values
        .iter()
        .map(|v| (None, v.as_bytes(), &[][..]))
        .collect();
    let mut part = produce_request::PartitionProduceData::default();
    part.index = 0;
    part.records = Some(batch(&rows));
    let mut topic = produce_request::TopicProduceData::default();
    topic.name = "orders".into();
    topic.partition_data = vec![part];
    let mut req = ProduceRequest::default();
    req.acks = 1;
    req.timeout_ms = 1000;
    req.topic_data = vec![topic];
    std::fs::write(path, encode_request_message(&req, &params(9, 1)).unwrap()).unwrap();
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn session_pcap() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/pcap/tansu-consumer-session.pcapng")
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
    // Text is shown as text...
    assert_eq!(lines[0]["key"], "k");
    assert_eq!(
        lines[0]["headers"],
        serde_json::json!([["h", "1"], ["h", "2"]])
    );
    assert_eq!(lines[1]["key"], serde_json::Value::Null);
    assert_eq!(lines[1]["value"], "w");
    // ...and as hex when asked.
    let out = bin()
        .args(["records", "--hex", "--request"])
        .arg(&r)
        .arg("--response")
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(first["key"], "6b");
    assert_eq!(
        first["headers"],
        serde_json::json!([["68", "31"], ["68", "32"]])
    );
}

#[test]
fn payload_decodes_consumer_protocol_and_offsets_records() {
    let d = scratch("payload");
    let mut message = ConsumerProtocolSubscription::default();
    message.topics = vec!["orders".into()];
    let sub = Versioned::new(1, message).unwrap();
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

#[test]
fn version_and_help_list_the_exit_statuses() {
    let out = bin().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out).trim(),
        format!("kafka-inspect {}", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        vec!["--help"],
        vec!["pcap", "--help"],
        vec!["summary", "--help"],
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = stdout(&out);
        assert!(text.contains("Exit status:"), "{args:?}: {text}");
        assert!(text.contains("2  a usage error"), "{args:?}: {text}");
    }
}

#[test]
fn usage_mistakes_are_one_line() {
    let out = bin().arg("bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unknown command 'bogus'"), "{err}");
    assert!(out.stdout.is_empty());
    for (args, want) in [
        (vec!["frame"], "--request"),
        (vec!["pcap"], "<FILE>"),
        (vec!["frame", "--request", "x", "--nope"], "--nope"),
        (vec![], "no command given"),
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// Reads one line of the output, closes the pipe, and expects a quiet exit 0.
fn ends_quietly_when_the_reader_leaves(args: &[&std::ffi::OsStr]) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(!first.is_empty());
    drop(reader); // `| head -1`
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let d = scratch("pipe");
    // More output than a pipe holds (64 KiB), so the writer does meet the closed pipe.
    let f = d.join("0001-Produce-v9.req.bin");
    write_produce(&f, 20_000);
    ends_quietly_when_the_reader_leaves(&["records".as_ref(), "--request".as_ref(), f.as_os_str()]);
    ends_quietly_when_the_reader_leaves(&["frame".as_ref(), "--request".as_ref(), f.as_os_str()]);
}

#[test]
fn dir_on_an_empty_directory_fails() {
    let d = scratch("empty");
    let out = bin().arg("dir").arg(&d).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&d.display().to_string()), "{err}");
    assert!(err.contains("no request frames"), "{err}");
}

#[test]
fn dir_reports_a_response_without_its_request() {
    let d = scratch("orphan");
    write_fetch_pair(&d, "0001-Fetch-v12");
    let (_, s) = write_fetch_pair(&d, "0002-Fetch-v12");
    std::fs::rename(&s, d.join("0003-Fetch-v12.resp.bin")).unwrap();
    std::fs::remove_file(d.join("0002-Fetch-v12.req.bin")).unwrap();
    let out = bin().arg("dir").arg(&d).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("0003-Fetch-v12.resp.bin: a response without its request file"),
        "{text}"
    );
    assert!(text.contains("1 passed, 1 failed"), "{text}");
}

#[test]
fn a_response_error_names_the_response_file() {
    let d = scratch("resp-error");
    let (r, s) = write_fetch_pair(&d, "0001-Fetch-v12");
    // Cut the response short (and fix its size prefix): it no longer decodes.
    let mut bytes = std::fs::read(&s).unwrap();
    bytes.truncate(20);
    let len = (bytes.len() as u32 - 4).to_be_bytes();
    bytes[..4].copy_from_slice(&len);
    std::fs::write(&s, &bytes).unwrap();
    let out = bin()
        .args(["frame", "--request"])
        .arg(&r)
        .arg("--response")
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}: response:", s.display())),
        "{err}"
    );
    assert!(!err.contains(&r.display().to_string()), "{err}");
    // In `dir`, the line names the response file too.
    let out = bin().arg("dir").arg(&d).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("0001-Fetch-v12.resp.bin: response:"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_file_is_named_once() {
    let d = scratch("missing");
    let missing = d.join("nope.req.bin");
    for args in [vec!["frame", "--request"], vec!["records", "--request"]] {
        let out = bin().args(&args).arg(&missing).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(
            err.matches(&missing.display().to_string()).count(),
            1,
            "{err}"
        );
    }
    let out = bin().arg("pcap").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).matches(&missing.display().to_string()).count(),
        1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_records_error_names_the_file() {
    let d = scratch("records-error");
    let mut good = batch(&[(Some(b"k"), b"v", &[])]).to_vec();
    good[16] = 7; // magic byte: no such record format
    let (r, s) = write_fetch_with(&d, "0001-Fetch-v12", bytes::Bytes::from(good));
    let out = bin()
        .args(["records", "--request"])
        .arg(&r)
        .arg("--response")
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}: \"orders\"[0]", s.display())),
        "{err}"
    );
}

#[test]
fn binary_record_bytes_are_shown_as_hex() {
    let d = scratch("binary");
    let records = batch(&[(Some(&[0xff, 0xfe]), b"text", &[(b"h", &[0x80])])]);
    let (r, s) = write_fetch_with(&d, "0001-Fetch-v12", records);
    let out = bin()
        .args(["records", "--request"])
        .arg(&r)
        .arg("--response")
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["key"], serde_json::json!({ "hex": "fffe" }));
    assert_eq!(line["value"], "text");
    assert_eq!(line["headers"], serde_json::json!([["h", { "hex": "80" }]]));
}

#[test]
fn records_names_a_topic_sent_by_id() {
    // Fetch v16 (topics by id) from confluent-kafka against Tansu; the Metadata exchanges
    // recorded in the same directory name the topic.
    let dir = common::captures().join("tansu-0.6.0/confluent-kafka-2.16.1");
    let out = bin()
        .args(["records", "--request"])
        .arg(dir.join("0079-Fetch-v16.req.bin"))
        .arg("--response")
        .arg(dir.join("0079-Fetch-v16.resp.bin"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    for l in &lines {
        assert_eq!(l["topic"], "ck-orders", "{l}");
    }
    assert_eq!(lines[0]["key"], "ck-none-k1");
}

#[test]
fn frame_names_errors_decodes_group_payloads_and_confirms_the_round_trip() {
    let dir = common::captures().join("tansu-0.6.0/confluent-kafka-2.16.1");
    let out = bin()
        .args(["frame", "--check-roundtrip", "--request"])
        .arg(dir.join("0052-JoinGroup-v5.req.bin"))
        .arg("--response")
        .arg(dir.join("0052-JoinGroup-v5.resp.bin"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let protocol = &v["request"]["body"]["JoinGroup"]["protocols"][0];
    assert_eq!(
        protocol["metadata_decoded"]["message"]["topics"][0],
        "ck-orders"
    );
    let resp = &v["response"]["body"]["JoinGroup"];
    assert_eq!(resp["error_code"], 79);
    assert_eq!(resp["error_name"], "MEMBER_ID_REQUIRED");
    assert!(stderr(&out).contains("round trip ok"), "{}", stderr(&out));
}

#[test]
fn pcap_finds_the_kafka_connections_without_a_port() {
    let pcap = session_pcap();
    let by_port = bin()
        .arg("pcap")
        .arg(&pcap)
        .args(["--port", "19392"])
        .output()
        .unwrap();
    let found = bin().arg("pcap").arg(&pcap).output().unwrap();
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let lines: Vec<serde_json::Value> = stdout(&found)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 20, "{}", lines.len());
    assert_eq!(stdout(&found), stdout(&by_port));
    // Fetch v17 sends topic ids; the capture's Metadata exchanges name them.
    let fetch = lines.iter().find(|l| l["api"] == "Fetch").unwrap();
    assert_eq!(fetch["version"], 17);
    let topic = &fetch["response"]["body"]["Fetch"]["responses"][0];
    assert_eq!(topic["topic"], "");
    assert_eq!(topic["topic_name"], "orders");
    // The SyncGroup assignment is decoded in place.
    let sync = lines.iter().find(|l| l["api"] == "SyncGroup").unwrap();
    let assigned = &sync["response"]["body"]["SyncGroup"]["assignment_decoded"]["message"]
        ["assigned_partitions"];
    assert_eq!(
        assigned,
        &serde_json::json!([{ "topic": "orders", "partitions": [0, 1] }])
    );
}

#[test]
fn pcap_with_a_port_that_matches_nothing_lists_the_ports_seen() {
    let pcap = session_pcap();
    for cmd in ["pcap", "summary"] {
        let out = bin()
            .arg(cmd)
            .arg(&pcap)
            .args(["--port", "9092"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert!(out.stdout.is_empty(), "{cmd}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("tansu-consumer-session.pcapng"), "{err}");
        assert!(err.contains("no TCP connection to port 9092"), "{err}");
        assert!(err.contains("19392 (9 connections, 9 Kafka)"), "{err}");
        assert!(!err.contains("pcap-frames"), "{err}");
    }
}

#[test]
fn summary_gives_each_connection_its_apis_errors_bytes_records_and_groups() {
    let out = bin()
        .args(["summary", "--json"])
        .arg(session_pcap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conns: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(conns.len(), 9);
    let sum = |k: &str| conns.iter().map(|c| c[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("records_produced"), 8);
    assert_eq!(sum("records_fetched"), 8);
    assert_eq!(sum("exchanges"), 29);
    assert!(conns
        .iter()
        .all(|c| c["request_bytes"].as_u64().unwrap() > 0));
    let group_conn = conns
        .iter()
        .find(|c| !c["groups"].as_array().unwrap().is_empty())
        .unwrap();
    assert_eq!(group_conn["client_id"], "kafka-codec");
    assert_eq!(group_conn["errors"]["MEMBER_ID_REQUIRED"], 1);
    let join = group_conn["apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["api"] == "JoinGroup")
        .unwrap();
    assert_eq!(join["versions"], serde_json::json!([9]));
    assert_eq!(join["count"], 2);
    let g = &group_conn["groups"][0];
    assert_eq!(g["group_id"], "billing");
    assert_eq!(g["protocol"], "range");
    let member = g["leader"].as_str().unwrap();
    assert_eq!(g["members"][0]["member_id"], member);
    assert_eq!(g["members"][0]["topics"], serde_json::json!(["orders"]));
    assert_eq!(
        g["assignments"][member]["orders"],
        serde_json::json!([0, 1])
    );
    // The text form says the same.
    let text = bin().arg("summary").arg(session_pcap()).output().unwrap();
    let text = stdout(&text);
    assert!(
        text.contains("group \"billing\": protocol consumer/range"),
        "{text}"
    );
    assert!(
        text.contains(&format!("assigned to {member}: orders[0,1]")),
        "{text}"
    );
}

/// A legacy pcap file (raw IPv4 link type) built packet by packet.
struct PcapWriter {
    buf: Vec<u8>,
    time: u32,
}

impl PcapWriter {
    fn new() -> Self {
        let mut buf = Vec::new();
        buf.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        buf.extend_from_slice(&2u16.to_le_bytes());
        buf.extend_from_slice(&4u16.to_le_bytes());
        buf.extend_from_slice(&[0; 8]); // time zone, accuracy
        buf.extend_from_slice(&65535u32.to_le_bytes());
        buf.extend_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW
        PcapWriter { buf, time: 0 }
    }

    /// One TCP segment from `src` to `dst` (address, port), with flags and sequence number.
    fn segment(
        &mut self,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        flags: u8,
        seq: u32,
        data: &[u8],
    ) {
        let mut p = vec![0x45, 0];
        p.extend_from_slice(&((40 + data.len()) as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
        p.extend_from_slice(&src.0);
        p.extend_from_slice(&dst.0);
        p.extend_from_slice(&src.1.to_be_bytes());
        p.extend_from_slice(&dst.1.to_be_bytes());
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&0u32.to_be_bytes());
        p.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        p.extend_from_slice(data);
        self.time += 1;
        self.buf.extend_from_slice(&self.time.to_le_bytes());
        self.buf.extend_from_slice(&0u32.to_le_bytes());
        self.buf.extend_from_slice(&(p.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&(p.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&p);
    }

    /// A connection: handshake, then the client's bytes and the server's answer.
    fn connection(
        &mut self,
        client: ([u8; 4], u16),
        server: ([u8; 4], u16),
        ask: &[u8],
        answer: &[u8],
    ) {
        const SYN: u8 = 0x02;
        const ACK: u8 = 0x10;
        const PSH: u8 = 0x08;
        self.segment(client, server, SYN, 1000, &[]);
        self.segment(server, client, SYN | ACK, 5000, &[]);
        self.segment(client, server, PSH | ACK, 1001, ask);
        self.segment(server, client, PSH | ACK, 5001, answer);
    }
}

#[test]
fn pcap_tells_kafka_connections_from_other_traffic() {
    let d = scratch("mixed-pcap");
    let (r, s) = write_fetch_pair(&d, "x");
    let (req, resp) = (std::fs::read(r).unwrap(), std::fs::read(s).unwrap());
    let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let mut w = PcapWriter::new();
    w.connection(
        (a, 40000),
        (b, 8080),
        b"GET / HTTP/1.1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n",
    );
    // Size-prefixed, but API key 32639 does not exist.
    w.connection(
        (a, 40001),
        (b, 7000),
        &[0, 0, 0, 4, 0x7f, 0x7f, 0, 0],
        &[0, 0, 0, 0],
    );
    w.connection((a, 40002), (b, 29092), &req, &resp);
    let pcap = d.join("mixed.pcap");
    std::fs::write(&pcap, &w.buf).unwrap();

    let out = bin().arg("pcap").arg(&pcap).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{}", stdout(&out));
    assert_eq!(lines[0]["connection"], "10.0.0.1:40002->10.0.0.2:29092");
    assert_eq!(lines[0]["api"], "Fetch");
    assert_eq!(lines[0]["records"], 2);

    let out = bin()
        .arg("pcap")
        .arg(&pcap)
        .args(["--port", "9092"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "server ports in this capture: 7000 (1 connection), 8080 (1 connection), 29092 (1 connection, 1 Kafka)"
        ),
        "{err}"
    );

    // pcap-frames finds the same connection and writes its frames.
    let frames = d.join("frames");
    let out = bin()
        .arg("pcap-frames")
        .arg(&pcap)
        .arg("--out")
        .arg(&frames)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(frames.join("0000-Fetch-v12.req.bin")).unwrap(),
        req
    );
    assert_eq!(
        std::fs::read(frames.join("0000-Fetch-v12.resp.bin")).unwrap(),
        resp
    );
}

#[test]
fn summary_reads_a_recorded_directory_including_kip848_groups() {
    let dir = common::captures().join("librdkafka-mock-2.16.0/confluent-kafka-2.16.1");
    let out = bin()
        .args(["summary", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conns: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(conns.len() > 5, "{}", conns.len());
    let groups: Vec<&serde_json::Value> = conns
        .iter()
        .flat_map(|c| c["groups"].as_array().unwrap())
        .collect();
    // KIP-848: the coordinator's assignment arrives by topic id and is shown by name.
    let g848 = groups
        .iter()
        .find(|g| g["group_id"] == "ck-grp-848" && g["assignments"].as_object().unwrap().len() == 1)
        .expect("the KIP-848 group");
    let (_, parts) = g848["assignments"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(parts["ck-orders"], serde_json::json!([0, 1, 2, 3]));
    // Classic cooperative-sticky: the leader's SyncGroup splits the four partitions.
    let coop = groups
        .iter()
        .find(|g| {
            g["group_id"] == "ck-grp-coop" && g["assignments"].as_object().unwrap().len() == 2
        })
        .expect("the cooperative group's leader");
    assert_eq!(coop["protocol"], "cooperative-sticky");
    let mut all: Vec<i64> = coop["assignments"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|t| {
            t["ck-orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_i64().unwrap())
        })
        .collect();
    all.sort();
    assert_eq!(all, vec![0, 1, 2, 3]);
    // --port makes no sense for a directory.
    let out = bin()
        .arg("summary")
        .arg(&dir)
        .args(["--port", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn pcap_explains_connections_opened_before_the_capture() {
    let d = scratch("midstream-pcap");
    let (r, s) = write_fetch_pair(&d, "x");
    let (req, resp) = (std::fs::read(r).unwrap(), std::fs::read(s).unwrap());
    let (a, b) = (([10, 0, 0, 1], 40000), ([10, 0, 0, 2], 29092));
    let mut w = PcapWriter::new();
    // No handshake: the capture started while the connection was open.
    w.segment(a, b, 0x18, 1001, &req);
    w.segment(b, a, 0x18, 5001, &resp);
    let pcap = d.join("midstream.pcap");
    std::fs::write(&pcap, &w.buf).unwrap();
    let out = bin().arg("pcap").arg(&pcap).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no Kafka connection found"), "{err}");
    assert!(
        err.contains("1 connection(s) opened before the capture started cannot be decoded"),
        "{err}"
    );
    assert!(err.contains("29092 (1 connection)"), "{err}");
}
