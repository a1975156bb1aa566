//! `kafka-inspect frame`: one request frame file, and its response, as annotated JSON.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;

use super::{decode_pair, Failure, Outcome};
use crate::show::{exchange_json, TopicNames};

/// Decode one request frame file (and its response) to JSON.
///
/// Error codes get their names, JoinGroup/SyncGroup consumer-protocol payloads are decoded
/// inline, and topic ids are named from the Metadata exchanges in the same directory.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The request frame (size prefix included), e.g. 0007-JoinGroup-v9.req.bin
    #[arg(long, value_name = "REQ.bin")]
    request: PathBuf,
    /// The response frame to that request
    #[arg(long, value_name = "RESP.bin")]
    response: Option<PathBuf>,
    /// Also check that both frames re-encode byte for byte (and say so)
    #[arg(long)]
    check_roundtrip: bool,
}

pub fn run(a: Args, out: &mut dyn Write) -> Outcome {
    let pair = decode_pair(&a.request, a.response.as_deref(), a.check_roundtrip)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let dir = a.request.parent().unwrap_or(std::path::Path::new("."));
    let topics = TopicNames::from_dir(dir);
    let (request, response) = exchange_json(Some(&pair.request), pair.response.as_ref(), &topics);
    let v = json!({ "request": request, "response": response });
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    )?;
    if a.check_roundtrip {
        let resp = match pair.response_len {
            Some(n) => format!(" and the response ({n} bytes)"),
            None => String::new(),
        };
        eprintln!(
            "round trip ok: the request ({} bytes){resp} re-encode byte for byte",
            pair.request_len
        );
    }
    Ok(())
}
