//! `kafka-inspect pcap`: what Wireshark is opened for, with exact decoding of every version.
//! Finds the Kafka connections of a pcap/pcapng capture, pairs every request with its response
//! by correlation id, and prints one JSON line per exchange (an unanswered request still gets
//! its line) or, with `--table`, a compact table.

use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;
use kafka_codec::frame::peek_request_header;
use kafka_codec::ApiKey;
use serde_json::{json, Value};

use super::{Failure, Outcome};
use crate::flows::{exchanges, read_capture, select, Exchange};
use crate::show::{decode_exchange, fetched_records, produced_records, TopicNames};

/// Decode every Kafka exchange of a pcap/pcapng capture.
///
/// Without --port, Kafka connections are found by decoding the first bytes of each TCP
/// connection. Prints one JSON line per exchange (error codes named, consumer-protocol
/// payloads decoded, topic ids named from the capture's Metadata exchanges), or a table.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture (pcap or pcapng, e.g. from dumpcap or tcpdump)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Only connections to this server port (repeatable); default: every Kafka connection
    #[arg(long, value_name = "N")]
    port: Vec<u16>,
    /// One table row per exchange: time, API, version, correlation id, sizes, records, errors
    #[arg(long)]
    table: bool,
}

/// Every `error_name` of a decoded response other than NONE, once each, in order.
pub fn error_names(response: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    match (k.as_str(), x) {
                        ("error_name", Value::String(n)) if n != "NONE" => {
                            if !out.contains(n) {
                                out.push(n.clone());
                            }
                        }
                        _ => walk(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(response, &mut out);
    out
}

/// The exchanges of the capture's Kafka connections, and the topic names its Metadata
/// exchanges announce. Warnings go to standard error.
pub fn load(
    file: &std::path::Path,
    ports: &[u16],
) -> Result<(Vec<crate::flows::Conn>, Vec<Exchange>, TopicNames), Failure> {
    let conns = read_capture(file).map_err(Failure::Failed)?;
    let sel = select(file, &conns, ports).map_err(Failure::Failed)?;
    if sel.skipped_open > 0 {
        eprintln!(
            "{}: {} connection(s) opened before the capture started; skipped",
            file.display(),
            sel.skipped_open
        );
    }
    let list = exchanges(&conns, &sel.chosen, &mut |w| {
        eprintln!("{}: {w}", file.display())
    });
    let mut topics = TopicNames::default();
    for e in &list {
        if let Some(r) = &e.response {
            topics.learn_bytes(&e.request, r);
        }
    }
    Ok((conns, list, topics))
}

/// An exchange as its JSON line, and whether everything in it decoded.
pub fn describe(e: &Exchange, conn: &str, topics: &TopicNames) -> (Value, bool) {
    let (key, version, corr) = e
        .request
        .get(4..)
        .and_then(peek_request_header)
        .unwrap_or((-1, -1, -1));
    let d = decode_exchange(&e.request, e.response.as_ref(), topics);
    let records = d.request.as_ref().map_or(0, produced_records)
        + d.response.as_ref().map_or(0, fetched_records);
    let (request, response, ok) = (d.request_json, d.response_json, d.ok);
    let line = json!({
        "time_us": e.time,
        "connection": conn,
        "api": ApiKey(key).name().unwrap_or("Unknown"),
        "api_key": key,
        "version": version,
        "correlation_id": corr,
        "request_size": e.request.len(),
        "response_size": e.response.as_ref().map(Bytes::len),
        "records": records,
        "request": request,
        "response": response,
    });
    (line, ok)
}

pub fn run(a: Args, out: &mut dyn Write) -> Outcome {
    let (conns, list, topics) = load(&a.file, &a.port)?;
    let mut failures = 0usize;
    if a.table {
        writeln!(
            out,
            "{:<12} {:<26} {:>5} {:>10} {:>9} {:>9} {:>7}  errors",
            "time(s)", "api", "ver", "corr", "req B", "resp B", "records"
        )?;
    }
    let first = list.first().map_or(0, |e| e.time);
    for e in &list {
        let (line, ok) = describe(e, &conns[e.conn].name(), &topics);
        if !ok {
            failures += 1;
        }
        if a.table {
            let errors = if ok {
                error_names(&line["response"]).join(",")
            } else {
                "DECODE ERROR".into()
            };
            writeln!(
                out,
                "{:<12.6} {:<26} {:>5} {:>10} {:>9} {:>9} {:>7}  {}",
                (e.time - first) as f64 / 1e6,
                line["api"].as_str().unwrap_or("?"),
                line["version"].as_i64().unwrap_or(-1),
                line["correlation_id"].as_i64().unwrap_or(-1),
                e.request.len(),
                e.response
                    .as_ref()
                    .map_or("-".to_string(), |r| r.len().to_string()),
                line["records"].as_u64().unwrap_or(0),
                errors
            )?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    eprintln!(
        "{}: {} exchanges on {} connection(s), {failures} failed to decode",
        a.file.display(),
        list.len(),
        {
            let mut c: Vec<usize> = list.iter().map(|e| e.conn).collect();
            c.sort_unstable();
            c.dedup();
            c.len()
        }
    );
    if failures == 0 {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}
