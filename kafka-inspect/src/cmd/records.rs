//! `kafka-inspect records`: one JSON line per record a Fetch response or Produce request holds.

use std::io::Write;
use std::path::{Path, PathBuf};

use kafka_codec::records::{for_each_record, RecordOptions};
use kafka_codec::{RequestBody, ResponseBody, Uuid};
use serde_json::json;

use super::{decode_pair, Failure, Outcome};
use crate::show::{bytes_json, BytesAs, TopicNames};

/// One JSON line per record of a Fetch response (or of a Produce request alone).
///
/// Keys, values and headers are JSON strings when they are valid UTF-8 and {"hex": "..."}
/// otherwise (--hex: always hex strings). A topic sent by id (Fetch v13+) is named from the
/// Metadata exchanges recorded in the same directory.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The Fetch or Produce request frame
    #[arg(long, value_name = "REQ.bin")]
    request: PathBuf,
    /// The Fetch response frame
    #[arg(long, value_name = "RESP.bin")]
    response: Option<PathBuf>,
    /// Show keys, values and headers as hex even when they are text
    #[arg(long)]
    hex: bool,
}

/// Writes one JSON line per record of a records field; errors name `path`.
fn print_records(
    out: &mut dyn Write,
    path: &Path,
    topic: &serde_json::Value,
    partition: i32,
    records: &[u8],
    mode: BytesAs,
) -> Result<(), Failure> {
    let mut written = Ok(());
    let tail = for_each_record(records, &RecordOptions::default(), |r| {
        if written.is_err() {
            return;
        }
        let headers: Vec<serde_json::Value> = r
            .headers
            .clone()
            .map(|h| {
                json!([
                    bytes_json(h.key, mode),
                    h.value.map(|v| bytes_json(v, mode))
                ])
            })
            .collect();
        let line = json!({
            "topic": topic,
            "partition": partition,
            "offset": r.offset,
            "timestamp": r.timestamp,
            "key": r.key.map(|k| bytes_json(k, mode)),
            "value": r.value.map(|v| bytes_json(v, mode)),
            "headers": headers,
            "control": r.is_control,
        });
        written = writeln!(out, "{line}");
    })
    .map_err(|e| Failure::Failed(format!("{}: {topic}[{partition}]: {e}", path.display())))?;
    written?;
    if let Some(t) = tail {
        eprintln!(
            "{}: {topic}[{partition}]: {} bytes of a truncated batch at the end (fetch size limit)",
            path.display(),
            t.bytes.len()
        );
    }
    Ok(())
}

pub fn run(a: Args, out: &mut dyn Write) -> Outcome {
    let pair = decode_pair(&a.request, a.response.as_deref(), false)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let mode = if a.hex {
        BytesAs::Hex
    } else {
        BytesAs::TextWhenValid
    };
    let dir = a.request.parent().unwrap_or(Path::new("."));
    let mut topics: Option<TopicNames> = None;
    let mut topic_json = |name: &kafka_codec::BytesStr, id: Uuid| {
        if !name.is_empty() || id.is_nil() {
            // A name that is not UTF-8 (no legal topic's is) shows with U+FFFD in its place.
            return json!(name.to_string_lossy());
        }
        let names = topics.get_or_insert_with(|| TopicNames::from_dir(dir));
        match names.name(&id) {
            Some(n) => json!(n),
            None => json!(id.to_string()),
        }
    };
    let mut first_error = None;
    let mut keep = |r: Result<(), Failure>| -> Outcome {
        match r {
            Err(Failure::Output(e)) => Err(Failure::Output(e)),
            Err(e) => {
                if let Failure::Failed(m) = &e {
                    eprintln!("kafka-inspect: {m}");
                }
                first_error.get_or_insert(e);
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    };
    match (&pair.request.body, pair.response.as_ref().map(|r| &r.body)) {
        (_, Some(ResponseBody::Fetch(f))) => {
            let path = a.response.as_deref().unwrap_or(&a.request);
            for t in &f.responses {
                let topic = topic_json(&t.topic, t.topic_id);
                for p in &t.partitions {
                    let records = p.records.as_deref().unwrap_or(&[]);
                    keep(print_records(
                        out,
                        path,
                        &topic,
                        p.partition_index,
                        records,
                        mode,
                    ))?;
                }
            }
        }
        (RequestBody::Produce(p), None) => {
            for t in &p.topic_data {
                let topic = topic_json(&t.name, t.topic_id);
                for part in &t.partition_data {
                    let records = part.records.as_deref().unwrap_or(&[]);
                    keep(print_records(
                        out, &a.request, &topic, part.index, records, mode,
                    ))?;
                }
            }
        }
        _ => {
            return Err(Failure::Usage(format!(
                "{}: records needs a Fetch request with its response, or a Produce request alone",
                a.request.display()
            )))
        }
    }
    match first_error {
        None => Ok(()),
        Some(_) => Err(Failure::Reported),
    }
}
