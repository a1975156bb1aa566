//! `kafka-inspect`: decode Kafka frames, directories of captures and payloads with kafka-codec.
//!
//! Exit status: 0 when everything decoded (and matched), 1 on any decode or round-trip failure,
//! 2 on a usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bytes::Bytes;
use kafka_codec::frame::{decode_request, decode_response, RequestFrame, ResponseFrame};

mod assign;
mod capture;
mod capture_pcap;
mod pcap_inspect;
mod proxy;

const USAGE: &str = "usage:
  kafka-inspect frame --request REQ.bin [--response RESP.bin] [--check-roundtrip]
  kafka-inspect dir DIR [--check-roundtrip] [--deviations FILE]
      FILE lists frames real peers got wrong (tab-separated: path under DIR, the text the
      error must contain, why); those must fail, with that error, and are counted apart
  kafka-inspect payload --type T FILE [--check-roundtrip]
      T: subscription | assignment | offset-commit-key | offset-commit-value
         | group-metadata-key | group-metadata-value
  kafka-inspect records --request REQ.bin [--response RESP.bin]
      one JSON line per record of a Fetch response (or of a Produce request alone)
  kafka-inspect proxy --listen ADDR --upstream ADDR --record DIR [--label TEXT]
      relay bytes untouched and record every frame (NNNN-ApiName-vN.req.bin/.resp.bin)
  kafka-inspect pcap FILE [--port N ...] [--table]
      decode every exchange of a pcap/pcapng capture (default port 9092): one JSON line
      each, or a table (API, version, correlation id, sizes, records, error codes)
  kafka-inspect pcap-frames FILE --port N [--port M ...] --out DIR [--label TEXT]
      cut a pcap/pcapng capture into the same frame files
  kafka-inspect assign --strategy NAME --join JOIN.resp.bin --metadata META.resp.bin
      what assignor NAME (range | roundrobin | sticky | cooperative-sticky) computes for the
      leader's JoinGroup response and a Metadata response: one JSON line per member";

fn usage(msg: &str) -> ExitCode {
    if !msg.is_empty() {
        eprintln!("kafka-inspect: {msg}");
    }
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

/// Parsed `--flag value` and `--switch` arguments plus positionals.
struct Args {
    opts: Vec<(String, Option<String>)>,
    positional: Vec<String>,
}

impl Args {
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Args, String> {
        let mut opts = Vec::new();
        let mut positional = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if with_value.contains(&a.as_str()) {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                opts.push((a.clone(), Some(v.clone())));
            } else if switches.contains(&a.as_str()) {
                opts.push((a.clone(), None));
            } else if a.starts_with("--") {
                return Err(format!("unknown option {a}"));
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Args { opts, positional })
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.opts
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn has(&self, name: &str) -> bool {
        self.opts.iter().any(|(k, _)| k == name)
    }
}

fn read(path: &Path) -> Result<Bytes, String> {
    std::fs::read(path)
        .map(Bytes::from)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Decodes a request (and its response) and optionally checks both re-encode byte for byte.
fn decode_pair(
    req_path: &Path,
    resp_path: Option<&Path>,
    check: bool,
) -> Result<(RequestFrame, Option<ResponseFrame>), String> {
    let req_bytes = read(req_path)?;
    let req = decode_request(req_bytes.clone()).map_err(|e| format!("request: {e}"))?;
    if check {
        let again = req
            .encode()
            .map_err(|e| format!("request re-encode: {e}"))?;
        if again != req_bytes {
            return Err(format!(
                "request re-encodes differently ({} bytes vs {}; first difference at byte {})",
                again.len(),
                req_bytes.len(),
                first_difference(&again, &req_bytes)
            ));
        }
    }
    let resp = match resp_path {
        None => None,
        Some(p) => {
            let resp_bytes = read(p)?;
            let resp = decode_response(req.api_key(), req.api_version(), resp_bytes.clone())
                .map_err(|e| format!("response: {e}"))?;
            if check {
                let again = resp
                    .encode()
                    .map_err(|e| format!("response re-encode: {e}"))?;
                if again != resp_bytes {
                    return Err(format!(
                        "response re-encodes differently ({} bytes vs {}; first difference at byte {})",
                        again.len(),
                        resp_bytes.len(),
                        first_difference(&again, &resp_bytes)
                    ));
                }
            }
            Some(resp)
        }
    };
    Ok((req, resp))
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

fn cmd_frame(args: &[String]) -> ExitCode {
    let a = match Args::parse(args, &["--request", "--response"], &["--check-roundtrip"]) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    let Some(req) = a.value("--request") else {
        return usage("frame needs --request");
    };
    if !a.positional.is_empty() {
        return usage("unexpected arguments");
    }
    match decode_pair(
        Path::new(req),
        a.value("--response").map(Path::new),
        a.has("--check-roundtrip"),
    ) {
        Ok((req, resp)) => {
            let json = serde_json::json!({ "request": req, "response": resp });
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{req}: {e}");
            ExitCode::from(1)
        }
    }
}

fn collect_requests(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            collect_requests(&p, out)?;
        } else if p.to_string_lossy().ends_with(".req.bin") {
            out.push(p);
        }
    }
    Ok(())
}

/// Frames a real peer got wrong: path under DIR → (text the error must contain, why).
fn read_deviations(
    path: &Path,
) -> Result<std::collections::BTreeMap<String, (String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = std::collections::BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 {
            return Err(format!(
                "{}:{}: expected PATH<TAB>ERROR[<TAB>WHY]",
                path.display(),
                i + 1
            ));
        }
        out.insert(
            cols[0].to_string(),
            (cols[1].to_string(), cols.get(2).unwrap_or(&"").to_string()),
        );
    }
    Ok(out)
}

fn cmd_dir(args: &[String]) -> ExitCode {
    let a = match Args::parse(args, &["--deviations"], &["--check-roundtrip"]) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    let [dir] = &a.positional[..] else {
        return usage("dir needs exactly one DIR");
    };
    let dir = Path::new(dir);
    let mut deviations = match a
        .value("--deviations")
        .map(|p| read_deviations(Path::new(p)))
    {
        None => Default::default(),
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let mut reqs = Vec::new();
    if let Err(e) = collect_requests(dir, &mut reqs) {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::from(1);
    }
    reqs.sort();
    let (mut passed, mut failed, mut deviated) = (0usize, 0usize, 0usize);
    for req in &reqs {
        let name = req.to_string_lossy();
        let resp = PathBuf::from(format!("{}.resp.bin", name.trim_end_matches(".req.bin")));
        let resp = resp.exists().then_some(resp);
        let rel = req.strip_prefix(dir).unwrap_or(req).display().to_string();
        let result = decode_pair(req, resp.as_deref(), a.has("--check-roundtrip"));
        match (result, deviations.remove(&rel)) {
            (Ok(_), None) => passed += 1,
            (Err(e), None) => {
                failed += 1;
                println!("{rel}: {e}");
            }
            (Err(e), Some((want, _))) if e.contains(&want) => deviated += 1,
            (Err(e), Some((want, _))) => {
                failed += 1;
                println!("{rel}: expected an error containing {want:?}, got: {e}");
            }
            (Ok(_), Some((want, _))) => {
                failed += 1;
                println!("{rel}: listed as a peer deviation ({want:?}) but decoded");
            }
        }
    }
    for (rel, _) in deviations {
        failed += 1;
        println!("{rel}: listed as a peer deviation but not found");
    }
    if deviated > 0 {
        println!("{deviated} frames real peers got wrong were refused with the listed errors");
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn payload_json(kind: &str, bytes: Bytes, check: bool) -> Result<serde_json::Value, String> {
    use kafka_codec::consumer::Versioned;
    use kafka_codec::messages::*;
    fn one<T: kafka_codec::Message + serde::Serialize>(
        bytes: Bytes,
        check: bool,
    ) -> Result<serde_json::Value, String> {
        let v = Versioned::<T>::decode(bytes.clone()).map_err(|e| e.to_string())?;
        if check {
            let again = v.encode().map_err(|e| e.to_string())?;
            if again != bytes {
                return Err(format!(
                    "re-encodes differently (first difference at byte {})",
                    first_difference(&again, &bytes)
                ));
            }
        }
        serde_json::to_value(&v).map_err(|e| e.to_string())
    }
    match kind {
        "subscription" => one::<ConsumerProtocolSubscription>(bytes, check),
        "assignment" => one::<ConsumerProtocolAssignment>(bytes, check),
        "offset-commit-key" => one::<OffsetCommitKey>(bytes, check),
        "offset-commit-value" => one::<OffsetCommitValue>(bytes, check),
        "group-metadata-key" => one::<GroupMetadataKey>(bytes, check),
        "group-metadata-value" => one::<GroupMetadataValue>(bytes, check),
        other => Err(format!("unknown payload type {other}")),
    }
}

fn cmd_payload(args: &[String]) -> ExitCode {
    let a = match Args::parse(args, &["--type"], &["--check-roundtrip"]) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    let (Some(kind), [file]) = (a.value("--type"), &a.positional[..]) else {
        return usage("payload needs --type T and one FILE");
    };
    const KINDS: [&str; 6] = [
        "subscription",
        "assignment",
        "offset-commit-key",
        "offset-commit-value",
        "group-metadata-key",
        "group-metadata-value",
    ];
    if !KINDS.contains(&kind) {
        return usage(&format!("unknown payload type {kind}"));
    }
    let bytes = match read(Path::new(file)) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    match payload_json(kind, bytes, a.has("--check-roundtrip")) {
        Ok(v) => {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{file}: {e}");
            ExitCode::from(1)
        }
    }
}

/// One JSON line per record of a records field.
fn print_records(
    topic: serde_json::Value,
    partition: i32,
    records: &[u8],
) -> Result<usize, String> {
    use kafka_codec::records::{for_each_record, RecordOptions};
    use kafka_codec::serde_support::hex;
    use std::io::Write;
    let mut n = 0;
    let mut out = std::io::stdout().lock();
    let tail = for_each_record(records, &RecordOptions::default(), |r| {
        let headers: Vec<serde_json::Value> = r
            .headers
            .clone()
            .map(|h| serde_json::json!([hex(h.key), h.value.map(hex)]))
            .collect();
        let line = serde_json::json!({
            "topic": topic,
            "partition": partition,
            "offset": r.offset,
            "timestamp": r.timestamp,
            "key": r.key.map(hex),
            "value": r.value.map(hex),
            "headers": headers,
            "control": r.is_control,
        });
        // A closed pipe (`| head`) just ends the output.
        let _ = writeln!(out, "{line}");
        n += 1;
    })
    .map_err(|e| format!("{topic}[{partition}]: {e}"))?;
    if let Some(t) = tail {
        eprintln!(
            "{topic}[{partition}]: {} bytes of a truncated batch at the end (fetch size limit)",
            t.bytes.len()
        );
    }
    Ok(n)
}

fn cmd_records(args: &[String]) -> ExitCode {
    use kafka_codec::{RequestBody, ResponseBody};
    let a = match Args::parse(args, &["--request", "--response"], &[]) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    let Some(req) = a.value("--request") else {
        return usage("records needs --request");
    };
    let (req, resp) = match decode_pair(Path::new(req), a.value("--response").map(Path::new), false)
    {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let topic_json = |name: &str, id: kafka_codec::Uuid| {
        if id.is_nil() {
            serde_json::json!(name)
        } else {
            serde_json::json!(id.to_string())
        }
    };
    let mut result = Ok(0usize);
    match (&req.body, resp.as_ref().map(|r| &r.body)) {
        (_, Some(ResponseBody::Fetch(f))) => {
            for t in &f.responses {
                for p in &t.partitions {
                    let r = print_records(
                        topic_json(&t.topic, t.topic_id),
                        p.partition_index,
                        p.records.as_deref().unwrap_or(&[]),
                    );
                    if let Err(e) = r {
                        result = Err(e);
                    }
                }
            }
        }
        (RequestBody::Produce(p), None) => {
            for t in &p.topic_data {
                for part in &t.partition_data {
                    let r = print_records(
                        topic_json(&t.name, t.topic_id),
                        part.index,
                        part.records.as_deref().unwrap_or(&[]),
                    );
                    if let Err(e) = r {
                        result = Err(e);
                    }
                }
            }
        }
        _ => return usage("records needs a Fetch request with its response, or a Produce request"),
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn cmd_assign(args: &[String]) -> ExitCode {
    let a = match Args::parse(args, &["--strategy", "--join", "--metadata"], &[]) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    let (Some(s), Some(j), Some(m)) = (
        a.value("--strategy"),
        a.value("--join"),
        a.value("--metadata"),
    ) else {
        return usage("assign needs --strategy, --join and --metadata");
    };
    match assign::run(s, Path::new(j), Path::new(m), &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kafka-inspect: {e}");
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    match args.first().map(String::as_str) {
        Some("frame") => cmd_frame(rest),
        Some("dir") => cmd_dir(rest),
        Some("payload") => cmd_payload(rest),
        Some("records") => cmd_records(rest),
        Some("proxy") => proxy::main(rest),
        Some("pcap-frames") => capture_pcap::main(rest),
        Some("pcap") => pcap_inspect::main(rest),
        Some("assign") => cmd_assign(rest),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage(""),
    }
}
