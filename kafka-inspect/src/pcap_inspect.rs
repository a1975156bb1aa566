//! `kafka-inspect pcap FILE [--port N ...] [--table]`: what Wireshark is opened for, with exact
//! decoding of every version. Reassembles each TCP connection of a pcap/pcapng capture, pairs
//! every request with its response by correlation id, and prints one JSON line per exchange
//! (an unanswered request still gets its line) or, with `--table`, a compact table.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use bytes::Bytes;
use kafka_codec::frame::{decode_request, decode_response, peek_request_header};
use kafka_codec::records::{for_each_record, RecordOptions};
use kafka_codec::{ApiKey, RequestBody, ResponseBody};
use serde_json::{json, Value};

use crate::capture::FrameCutter;
use crate::capture_pcap::{read_capture, reassemble, Options};

struct Exchange {
    time: u64,
    conn: String,
    request: Vec<u8>,
    response: Option<Vec<u8>>,
}

pub fn main(args: &[String]) -> ExitCode {
    let mut file = None;
    let mut ports = Vec::new();
    let mut table = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => match it.next().and_then(|p| p.parse().ok()) {
                Some(p) => ports.push(p),
                None => return crate::usage("--port needs a port number"),
            },
            "--table" => table = true,
            s if !s.starts_with("--") && file.is_none() => file = Some(PathBuf::from(s)),
            other => return crate::usage(&format!("unexpected argument {other}")),
        }
    }
    let Some(file) = file else {
        return crate::usage("pcap needs a FILE");
    };
    if ports.is_empty() {
        ports.push(9092);
    }
    let opts = Options {
        file,
        ports,
        out: PathBuf::new(),
        label: String::new(),
    };
    let conns = match read_capture(&opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pcap: {e}");
            return ExitCode::from(1);
        }
    };
    let mut exchanges = Vec::new();
    for (key, conn) in &conns {
        let name = format!("{}:{}->{}:{}", key.0, key.1, key.2, key.3);
        if !conn.saw_syn {
            eprintln!("pcap: {name}: opened before the capture started; skipped");
            continue;
        }
        let req_stream = reassemble(&conn.requests);
        let resp_stream = reassemble(&conn.responses);
        let mut pending: HashMap<i32, usize> = HashMap::new();
        for f in FrameCutter::default().push(&req_stream.bytes) {
            let Some((_, _, corr)) = peek_request_header(&f.bytes[4..]) else {
                continue;
            };
            pending.insert(corr, exchanges.len());
            exchanges.push(Exchange {
                time: req_stream.time_of(f.offset),
                conn: name.clone(),
                request: f.bytes,
                response: None,
            });
        }
        for f in FrameCutter::default().push(&resp_stream.bytes) {
            let Some(corr) = f
                .bytes
                .get(4..8)
                .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            else {
                continue;
            };
            if let Some(i) = pending.remove(&corr) {
                exchanges[i].response = Some(f.bytes);
            } else {
                eprintln!("pcap: {name}: response with unknown correlation id {corr}");
            }
        }
    }
    exchanges.sort_by_key(|e| e.time);
    let mut failures = 0usize;
    if table {
        println!(
            "{:<12} {:<24} {:>5} {:>10} {:>9} {:>9} {:>7}  errors",
            "time(s)", "api", "ver", "corr", "req B", "resp B", "records"
        );
    }
    let first = exchanges.first().map_or(0, |e| e.time);
    for e in &exchanges {
        let (line, ok) = describe(e);
        if !ok {
            failures += 1;
        }
        if table {
            let errors: Vec<String> = error_codes(&line)
                .into_iter()
                .map(|c| kafka_codec::ErrorCode(c).to_string())
                .collect();
            println!(
                "{:<12.6} {:<24} {:>5} {:>10} {:>9} {:>9} {:>7}  {}",
                (e.time - first) as f64 / 1e6,
                line["api"].as_str().unwrap_or("?"),
                line["version"].as_i64().unwrap_or(-1),
                line["correlation_id"].as_i64().unwrap_or(-1),
                e.request.len(),
                e.response
                    .as_ref()
                    .map_or("-".to_string(), |r| r.len().to_string()),
                line["records"].as_u64().unwrap_or(0),
                if ok {
                    errors.join(",")
                } else {
                    "DECODE ERROR".into()
                }
            );
        } else {
            println!("{line}");
        }
    }
    eprintln!(
        "pcap: {} exchanges, {failures} failed to decode",
        exchanges.len()
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The JSON line for an exchange, and whether everything in it decoded.
fn describe(e: &Exchange) -> (Value, bool) {
    let req_bytes = Bytes::from(e.request.clone());
    let mut ok = true;
    let (key, version, corr) = peek_request_header(&req_bytes[4..]).unwrap_or((-1, -1, -1));
    let api = ApiKey(key);
    let mut records = 0usize;
    let opts = RecordOptions::default();
    let mut count = |b: Option<&[u8]>| {
        let _ = for_each_record(b.unwrap_or(&[]), &opts, |_| records += 1);
    };
    let request = match decode_request(req_bytes) {
        Ok(f) => {
            if let RequestBody::Produce(p) = &f.body {
                for t in &p.topic_data {
                    for part in &t.partition_data {
                        count(part.records.as_deref());
                    }
                }
            }
            serde_json::to_value(&f).unwrap_or(Value::Null)
        }
        Err(err) => {
            ok = false;
            json!({ "error": err.to_string() })
        }
    };
    let response = match &e.response {
        None => Value::Null,
        Some(b) => match decode_response(api, version, Bytes::from(b.clone())) {
            Ok(f) => {
                if let ResponseBody::Fetch(fr) = &f.body {
                    for (_, p) in fr.partitions() {
                        count(p.records.as_deref());
                    }
                }
                serde_json::to_value(&f).unwrap_or(Value::Null)
            }
            Err(err) => {
                ok = false;
                json!({ "error": err.to_string() })
            }
        },
    };
    let line = json!({
        "time_us": e.time,
        "connection": e.conn,
        "api": api.name().unwrap_or("Unknown"),
        "api_key": key,
        "version": version,
        "correlation_id": corr,
        "request_size": e.request.len(),
        "response_size": e.response.as_ref().map(Vec::len),
        "records": records,
        "request": request,
        "response": response,
    });
    (line, ok)
}

/// Every non-zero `error_code` in the response.
fn error_codes(line: &Value) -> Vec<i16> {
    fn walk(v: &Value, out: &mut Vec<i16>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    if k == "error_code" {
                        if let Some(c) = x.as_i64().filter(|c| *c != 0) {
                            if !out.contains(&(c as i16)) {
                                out.push(c as i16);
                            }
                        }
                    } else {
                        walk(x, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&line["response"], &mut out);
    out
}
