//! Importer: Apache Kafka's JSON message definitions → the project's schema files.
//!
//! Keeps the facts (names, types, versions, nullability, tags, defaults, ignorable) and drops
//! the prose. Versions released after the reference snapshot are applied as explicit patches
//! ([`later_versions`]), so a re-import reproduces `schemas/` exactly.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::schema::{Field, Kind, Schema, StructDef, Versions};

/// Which spec files become schema files, and the cargo feature (family) each belongs to.
pub const IN_SCOPE: &[(&str, &str)] = &[
    ("message/RequestHeader", "core"),
    ("message/ResponseHeader", "core"),
    ("message/ApiVersionsRequest", "core"),
    ("message/ApiVersionsResponse", "core"),
    ("message/FindCoordinatorRequest", "group"),
    ("message/FindCoordinatorResponse", "group"),
    ("message/JoinGroupRequest", "group"),
    ("message/JoinGroupResponse", "group"),
    ("message/HeartbeatRequest", "group"),
    ("message/HeartbeatResponse", "group"),
    ("message/LeaveGroupRequest", "group"),
    ("message/LeaveGroupResponse", "group"),
    ("message/SyncGroupRequest", "group"),
    ("message/SyncGroupResponse", "group"),
    ("message/DescribeGroupsRequest", "group"),
    ("message/DescribeGroupsResponse", "group"),
    ("message/ListGroupsRequest", "group"),
    ("message/ListGroupsResponse", "group"),
    ("message/DeleteGroupsRequest", "group"),
    ("message/DeleteGroupsResponse", "group"),
    ("message/ConsumerGroupHeartbeatRequest", "group"),
    ("message/ConsumerGroupHeartbeatResponse", "group"),
    ("message/ConsumerGroupDescribeRequest", "group"),
    ("message/ConsumerGroupDescribeResponse", "group"),
    ("message/ConsumerProtocolSubscription", "group"),
    ("message/ConsumerProtocolAssignment", "group"),
    ("group-coordinator/GroupMetadataKey", "group"),
    ("group-coordinator/GroupMetadataValue", "group"),
    ("message/OffsetCommitRequest", "offset"),
    ("message/OffsetCommitResponse", "offset"),
    ("message/OffsetFetchRequest", "offset"),
    ("message/OffsetFetchResponse", "offset"),
    ("message/OffsetDeleteRequest", "offset"),
    ("message/OffsetDeleteResponse", "offset"),
    ("message/OffsetForLeaderEpochRequest", "offset"),
    ("message/OffsetForLeaderEpochResponse", "offset"),
    ("message/TxnOffsetCommitRequest", "offset"),
    ("message/TxnOffsetCommitResponse", "offset"),
    ("group-coordinator/OffsetCommitKey", "offset"),
    ("group-coordinator/OffsetCommitValue", "offset"),
    ("message/FetchRequest", "fetch"),
    ("message/FetchResponse", "fetch"),
    ("message/ListOffsetsRequest", "list-offsets"),
    ("message/ListOffsetsResponse", "list-offsets"),
    ("message/MetadataRequest", "metadata"),
    ("message/MetadataResponse", "metadata"),
    ("message/ProduceRequest", "produce"),
    ("message/ProduceResponse", "produce"),
];

/// Removes `//` comments (outside strings) so the files parse as JSON.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut escaped = false;
        let mut cut = line.len();
        let b = line.as_bytes();
        for i in 0..b.len() {
            let c = b[i];
            if in_str {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_str = false;
                }
            } else if c == b'"' {
                in_str = true;
            } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
                cut = i;
                break;
            }
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&strip_comments(&text)).map_err(|e| format!("{}: {e}", path.display()))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn versions_of(v: &Value, key: &str) -> Result<Option<Versions>, String> {
    match str_of(v, key) {
        Some(s) => Versions::parse(s),
        None => Ok(None),
    }
}

fn field_of(v: &Value) -> Result<Field, String> {
    let name = str_of(v, "name").ok_or("field without name")?.to_string();
    let ty = str_of(v, "type").ok_or("field without type")?.to_string();
    let versions = versions_of(v, "versions")?.ok_or_else(|| format!("{name}: no versions"))?;
    let default = match v.get("default") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => return Err(format!("{name}: unsupported default {other}")),
    };
    let ignorable = v.get("ignorable").and_then(Value::as_bool).unwrap_or(false);
    let tag = v.get("tag").and_then(Value::as_u64).map(|t| t as u32);
    let never_flexible = str_of(v, "flexibleVersions") == Some("none");
    let mut fields = Vec::new();
    if let Some(Value::Array(fs)) = v.get("fields") {
        for f in fs {
            fields.push(field_of(f)?);
        }
    }
    Ok(Field {
        name,
        ty,
        versions,
        nullable: versions_of(v, "nullableVersions")?,
        tagged: versions_of(v, "taggedVersions")?,
        tag,
        default,
        ignorable,
        never_flexible,
        fields,
    })
}

/// Converts one Kafka JSON definition.
pub fn convert(v: &Value, family: &str) -> Result<Schema, String> {
    let name = str_of(v, "name").ok_or("no name")?.to_string();
    let kind = match str_of(v, "type") {
        Some("request") => Kind::Request,
        Some("response") => Kind::Response,
        Some("header") => Kind::Header,
        Some("data") => Kind::Data,
        other => return Err(format!("{name}: unknown type {other:?}")),
    };
    let mut fields = Vec::new();
    for f in v
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("no fields")?
    {
        fields.push(field_of(f)?);
    }
    let mut common_structs = Vec::new();
    if let Some(Value::Array(cs)) = v.get("commonStructs") {
        for c in cs {
            let mut fs = Vec::new();
            for f in c
                .get("fields")
                .and_then(Value::as_array)
                .ok_or("no fields")?
            {
                fs.push(field_of(f)?);
            }
            common_structs.push(StructDef {
                name: str_of(c, "name").ok_or("struct without name")?.to_string(),
                fields: fs,
            });
        }
    }
    Ok(Schema {
        kind,
        name,
        api_key: v.get("apiKey").and_then(Value::as_i64).map(|k| k as i16),
        versions: versions_of(v, "validVersions")?.ok_or("no validVersions")?,
        flexible: versions_of(v, "flexibleVersions")?,
        family: family.to_string(),
        fields,
        common_structs,
    })
}

fn find<'a>(fields: &'a mut [Field], path: &[&str]) -> &'a mut Field {
    let f = fields
        .iter_mut()
        .find(|f| f.name == path[0])
        .unwrap_or_else(|| panic!("patch: no field {}", path[0]));
    if path.len() == 1 {
        f
    } else {
        find(&mut f.fields, &path[1..])
    }
}

fn set_max(s: &mut Schema, max: i16) {
    s.versions.max = Some(max);
}

/// Replaces a topic `Name` field (ending at `last_name_version`) with a `TopicId` uuid from the
/// next version on, as Kafka 4.1/4.2 did for Produce, OffsetCommit and OffsetFetch.
fn name_to_topic_id(fields: &mut Vec<Field>, path: &[&str], last_name_version: i16) {
    let parent: &mut Vec<Field> = if path.is_empty() {
        fields
    } else {
        &mut find(fields, path).fields
    };
    let i = parent
        .iter()
        .position(|f| f.name == "Name")
        .expect("patch: no Name");
    parent[i].versions.max = Some(last_name_version);
    parent[i].ignorable = true;
    parent.insert(
        i + 1,
        Field {
            name: "TopicId".into(),
            ty: "uuid".into(),
            versions: Versions {
                min: last_name_version + 1,
                max: None,
            },
            nullable: None,
            tagged: None,
            tag: None,
            default: None,
            ignorable: true,
            never_flexible: false,
            fields: vec![],
        },
    );
}

/// The versions released after the reference snapshot (facts from later public releases; see
/// the table in the reference README).
pub fn later_versions(s: &mut Schema) {
    match s.name.as_str() {
        // Kafka 4.1 (KIP-1166): partitions gain a tagged HighWatermark.
        "FetchRequest" => {
            set_max(s, 18);
            let parts = find(&mut s.fields, &["Topics", "Partitions"]);
            parts.fields.push(Field {
                name: "HighWatermark".into(),
                ty: "int64".into(),
                versions: Versions { min: 18, max: None },
                nullable: None,
                tagged: Some(Versions { min: 18, max: None }),
                tag: Some(1),
                default: Some("9223372036854775807".into()),
                ignorable: true,
                never_flexible: false,
                fields: vec![],
            });
        }
        "FetchResponse" => set_max(s, 18),
        // Kafka 4.0: v12 unchanged; Kafka 4.1: v13 replaces topic names with ids.
        "ProduceRequest" => {
            set_max(s, 13);
            name_to_topic_id(&mut s.fields, &["TopicData"], 12);
        }
        "ProduceResponse" => {
            set_max(s, 13);
            name_to_topic_id(&mut s.fields, &["Responses"], 12);
        }
        // Kafka 4.2 (KIP-1023): no layout change.
        "ListOffsetsRequest" | "ListOffsetsResponse" => set_max(s, 11),
        // Kafka 4.2: topic ids in OffsetCommit v10 and OffsetFetch v10.
        "OffsetCommitRequest" | "OffsetCommitResponse" => {
            set_max(s, 10);
            name_to_topic_id(&mut s.fields, &["Topics"], 9);
        }
        "OffsetFetchRequest" | "OffsetFetchResponse" => {
            set_max(s, 10);
            name_to_topic_id(&mut s.fields, &["Groups", "Topics"], 9);
        }
        _ => {}
    }
}

/// Imports every in-scope definition from `spec` into `out` (one `.schema` file each), plus the
/// table of every API's versions (`apis.tsv`).
pub fn run(spec: &Path, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    for (file, family) in IN_SCOPE {
        let v = read_json(&spec.join(format!("{file}.json")))?;
        let mut s = convert(&v, family)?;
        later_versions(&mut s);
        let text = s.render();
        // The printed form must parse back to the same schema.
        let back = Schema::parse(&text)?;
        if back != s {
            return Err(format!("{}: schema does not survive printing", s.name));
        }
        std::fs::write(out.join(format!("{}.schema", s.name)), text).map_err(|e| e.to_string())?;
    }
    // Every API (not only in-scope ones), so request headers of any API can be read.
    let mut apis: BTreeMap<i16, (String, Versions, Option<Versions>)> = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(spec.join("message"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let v = read_json(&p)?;
        if str_of(&v, "type") != Some("request") {
            continue;
        }
        let mut s = convert(&v, "")?;
        later_versions(&mut s);
        let key = s.api_key.ok_or("request without key")?;
        let name = s.name.trim_end_matches("Request").to_string();
        apis.insert(key, (name, s.versions, s.flexible));
    }
    let mut t = String::from(
        "# Every Kafka API: key, name, versions, first flexible version (format: schemas/README.md)\n",
    );
    for (k, (n, v, f)) in apis {
        t.push_str(&format!(
            "{k}\t{n}\t{}\t{}\n",
            v.render(),
            f.map_or("none".into(), |f| f.render())
        ));
    }
    std::fs::write(out.join("apis.tsv"), t).map_err(|e| e.to_string())?;
    Ok(())
}
