//! `kafka-inspect assign`: what an assignor computes for a recorded JoinGroup exchange.
//!
//! Takes the JoinGroup response the leader received (its member list carries every member's
//! subscription) and a Metadata response (partitions and replica racks), runs the named
//! assignor and prints one JSON line per member, sorted by member id:
//!
//! ```text
//! {"member_id": "c1", "topics": {"orders": [0, 2], "payments": [1]}}
//! ```
//!
//! Each `.resp.bin` file is a response frame (with its size prefix) as `kafka-inspect proxy`
//! records it; its API version comes from the request frame beside it (`.req.bin`), or, when
//! that is missing, from the `-vN` in the file name.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_codec::consumer_group::assignor::{by_name, ClusterMetadata, Member};
use kafka_codec::frame::{decode_request, decode_response};
use kafka_codec::{ApiKey, ResponseBody};

/// Runs `strategy` over the members of `join_resp` and the topics of `metadata_resp` and
/// writes the assignment to `out` as JSON lines.
pub fn run(
    strategy: &str,
    join_resp: &Path,
    metadata_resp: &Path,
    out: &mut dyn Write,
) -> Result<(), String> {
    let assignor = by_name(strategy).map_err(|e| e.to_string())?;
    let join = match response(join_resp, ApiKey::JOIN_GROUP)? {
        ResponseBody::JoinGroup(r) => r,
        _ => return Err(format!("{}: not a JoinGroup response", join_resp.display())),
    };
    if join.error_code != 0 {
        return Err(format!(
            "{}: the JoinGroup response carries error code {}",
            join_resp.display(),
            join.error_code
        ));
    }
    if join.members.is_empty() {
        return Err(format!(
            "{}: no members listed (only the leader's JoinGroup response has them)",
            join_resp.display()
        ));
    }
    let members = Member::from_join_group(&join)
        .map_err(|e| format!("{}: member subscription: {e}", join_resp.display()))?;
    let metadata = match response(metadata_resp, ApiKey::METADATA)? {
        ResponseBody::Metadata(r) => ClusterMetadata::from_metadata_response(&r),
        _ => {
            return Err(format!(
                "{}: not a Metadata response",
                metadata_resp.display()
            ))
        }
    };
    let assignment = assignor
        .assign(&members, &metadata)
        .map_err(|e| e.to_string())?;
    for (member, topics) in &assignment {
        let mut line = format!("{{\"member_id\": {}, \"topics\": {{", json_string(member));
        let mut first = true;
        for (topic, parts) in topics {
            if parts.is_empty() {
                continue;
            }
            if !first {
                line.push_str(", ");
            }
            first = false;
            let parts: Vec<String> = parts.iter().map(i32::to_string).collect();
            line.push_str(&format!("{}: [{}]", json_string(topic), parts.join(", ")));
        }
        line.push_str("}}");
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// Decodes a response frame file, taking the API version from the request beside it or
/// from the file name.
fn response(path: &Path, expect: ApiKey) -> Result<ResponseBody, String> {
    let bytes = read(path)?;
    let version = version_of(path, expect)?;
    let frame =
        decode_response(expect, version, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(frame.body)
}

fn version_of(path: &Path, expect: ApiKey) -> Result<i16, String> {
    let name = path.to_string_lossy();
    if let Some(stem) = name.strip_suffix(".resp.bin") {
        let req = PathBuf::from(format!("{stem}.req.bin"));
        if req.exists() {
            let frame =
                decode_request(read(&req)?).map_err(|e| format!("{}: {e}", req.display()))?;
            if frame.api_key() != expect {
                return Err(format!(
                    "{}: not a {} exchange (API key {}, expected {})",
                    req.display(),
                    if expect == ApiKey::JOIN_GROUP {
                        "JoinGroup"
                    } else {
                        "Metadata"
                    },
                    frame.api_key().0,
                    expect.0
                ));
            }
            return Ok(frame.api_version());
        }
        if let Some((_, v)) = stem.rsplit_once("-v") {
            if let Ok(v) = v.parse::<i16>() {
                return Ok(v);
            }
        }
    }
    Err(format!(
        "{}: cannot tell the API version (no .req.bin beside it, no -vN in the name)",
        path.display()
    ))
}

fn read(path: &Path) -> Result<Bytes, String> {
    std::fs::read(path)
        .map(Bytes::from)
        .map_err(|e| format!("{}: {e}", path.display()))
}
