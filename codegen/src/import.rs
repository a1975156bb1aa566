//! Bringing Kafka's JSON message definitions into `schemas/`, and checking `schemas/` against
//! them.
//!
//! `schemas/` is the source of truth; this module is a tool around it:
//!
//! - [`run`] merges one Kafka release's `message/` folder into the existing schema files. For
//!   every version the release describes, its layout replaces ours; versions we have and the
//!   release no longer describes (Kafka drops old versions) keep the layout already in
//!   `schemas/`. APIs new to us get a schema file with the family from [`family_for`].
//! - [`verify`] compares every schema file with the reference folders, field by field, at
//!   every version both describe.
//! - [`api_table`] writes `docs/apis.md` from `schemas/`.
//!
//! Only facts are carried over (names, types, versions, nullability, tags, defaults,
//! ignorable); the JSON files' prose is dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::schema::{Field, Kind, Schema, StructDef, Versions};

/// The cargo feature (family) a newly imported API goes into. Existing schema files keep the
/// family they declare.
pub fn family_for(key: i16) -> &'static str {
    match key {
        0 => "produce",
        1 => "fetch",
        2 => "list-offsets",
        3 => "metadata",
        8 | 9 | 23 | 28 | 47 => "offset",
        10..=16 | 42 | 68 | 69 => "group",
        18 => "core",
        17 | 29..=31 | 36 | 38..=41 | 50 | 51 => "security",
        22 | 24..=27 | 61 | 65 | 66 => "transactions",
        19..=21 | 32..=35 | 37 | 43..=46 | 48 | 49 | 57 | 60 | 64 | 74 | 75 => "admin",
        71 | 72 => "telemetry",
        76..=79 | 83..=87 | 90..=92 => "share-groups",
        88 | 89 | 93 => "streams-groups",
        52..=55 | 59 | 80..=82 => "kraft",
        _ => "broker-internal",
    }
}

/// Families in the order the docs list them, with a one-line description of each.
pub const FAMILIES: &[(&str, &str)] = &[
    (
        "core",
        "always compiled: request/response headers and ApiVersions",
    ),
    ("produce", "Produce"),
    ("fetch", "Fetch"),
    ("list-offsets", "ListOffsets"),
    ("metadata", "Metadata"),
    (
        "group",
        "consumer groups: coordinator lookup, classic and KIP-848 membership, group admin",
    ),
    (
        "offset",
        "committed offsets: commit, fetch, delete, leader epochs, transactional commit",
    ),
    (
        "security",
        "SASL, ACLs, delegation tokens, SCRAM credentials",
    ),
    (
        "transactions",
        "idempotent and transactional producers, transaction admin",
    ),
    (
        "admin",
        "topics, partitions, records, configs, log dirs, reassignments, quotas, features, cluster",
    ),
    ("telemetry", "client metrics (KIP-714)"),
    (
        "share-groups",
        "share groups (KIP-932), including the share-state RPCs brokers send",
    ),
    ("streams-groups", "Kafka Streams groups (KIP-1071)"),
    (
        "kraft",
        "KRaft quorum: votes, epochs, snapshots, voter changes",
    ),
    (
        "broker-internal",
        "broker-to-controller and legacy ZooKeeper-era inter-broker APIs",
    ),
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
    let tagged = versions_of(v, "taggedVersions")?;
    // A tagged field may leave out `versions`: it then exists in its tagged versions.
    let versions = versions_of(v, "versions")?
        .or(tagged)
        .ok_or_else(|| format!("{name}: no versions"))?;
    let default = match v.get("default") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(Value::Null) => Some("null".into()),
        Some(other) => return Err(format!("{name}: unsupported default {other}")),
    };
    let ignorable = v.get("ignorable").and_then(Value::as_bool).unwrap_or(false);
    // Some files write the tag as a string ("0").
    let tag = match v.get("tag") {
        None => None,
        Some(Value::String(t)) => Some(t.parse().map_err(|_| format!("{name}: bad tag {t}"))?),
        Some(t) => Some(
            t.as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| format!("{name}: bad tag {t}"))?,
        ),
    };
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
        tagged,
        tag,
        default,
        ignorable,
        never_flexible,
        rust_type: None,
        doc: None,
        fields,
    })
}

/// One Kafka JSON definition, converted; `None` for a definition without versions (an API
/// Kafka removed: `"validVersions": "none"`).
pub struct Upstream {
    pub schema: Schema,
    /// `latestVersionUnstable`: the newest version may still change.
    pub unstable: bool,
}

/// Converts one Kafka JSON definition (`family` is filled in by the caller).
pub fn convert(v: &Value) -> Result<Option<Upstream>, String> {
    let name = str_of(v, "name").ok_or("no name")?.to_string();
    let kind = match str_of(v, "type") {
        Some("request") => Kind::Request,
        Some("response") => Kind::Response,
        Some("header") => Kind::Header,
        Some("data") => Kind::Data,
        other => return Err(format!("{name}: unsupported type {other:?}")),
    };
    let Some(versions) = versions_of(v, "validVersions")? else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    for f in v
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{name}: no fields"))?
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
    Ok(Some(Upstream {
        schema: Schema {
            kind,
            name,
            api_key: v.get("apiKey").and_then(Value::as_i64).map(|k| k as i16),
            versions,
            flexible: versions_of(v, "flexibleVersions")?,
            family: String::new(),
            doc: None,
            fields,
            common_structs,
        },
        unstable: v
            .get("latestVersionUnstable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }))
}

/// Merges the fields of an existing schema into an upstream definition that no longer
/// describes the versions below `cutoff`: fields present in those versions keep (or regain)
/// them, fields that only existed there come back at their old position, and a field absent
/// from some of those versions stays `ignorable` if it was (`floor` is the first version the
/// parent exists in).
fn merge_fields(
    existing: &[Field],
    upstream: Vec<Field>,
    cutoff: i16,
    floor: i16,
    path: &str,
) -> Result<Vec<Field>, String> {
    let mut out = upstream;
    let mut prev: Option<&str> = None;
    for e in existing {
        let here = format!("{path}{}", e.name);
        let found = out.iter().position(|f| f.name == e.name);
        if let Some(i) = found {
            if e.ignorable && e.versions.min > floor {
                out[i].ignorable = true;
            }
        }
        if e.versions.min >= cutoff {
            prev = Some(&e.name);
            continue;
        }
        match found {
            Some(i) => {
                let f = &mut out[i];
                if f.ty != e.ty {
                    return Err(format!(
                        "{here}: type {} upstream but {} in schemas/",
                        f.ty, e.ty
                    ));
                }
                f.versions.min = f.versions.min.min(e.versions.min);
                widen(&mut f.nullable, e.nullable, cutoff);
                widen(&mut f.tagged, e.tagged, cutoff);
                let kids = std::mem::take(&mut f.fields);
                let floor = floor.max(e.versions.min);
                f.fields = merge_fields(&e.fields, kids, cutoff, floor, &format!("{here}."))?;
            }
            None => {
                let at = match prev {
                    Some(p) => out.iter().position(|f| f.name == p).map_or(0, |i| i + 1),
                    None => 0,
                };
                out.insert(at, e.clone());
            }
        }
        prev = Some(&e.name);
    }
    Ok(out)
}

/// Extends an upstream attribute range down to what the existing schema had below `cutoff`.
fn widen(up: &mut Option<Versions>, existing: Option<Versions>, cutoff: i16) {
    let Some(e) = existing.filter(|e| e.min < cutoff) else {
        return;
    };
    match up {
        Some(u) => u.min = u.min.min(e.min),
        None => {
            *up = Some(Versions {
                min: e.min,
                max: Some(e.max.unwrap_or(i16::MAX).min(cutoff - 1)),
            })
        }
    }
}

/// Copies what upstream definitions never carry — our descriptions and Rust type overrides —
/// from `existing` onto the same-named fields of `out` (recursively).
fn carry_annotations(existing: &[Field], out: &mut [Field]) {
    for f in out {
        if let Some(e) = existing.iter().find(|e| e.name == f.name) {
            if f.doc.is_none() {
                f.doc.clone_from(&e.doc);
            }
            if f.rust_type.is_none() {
                f.rust_type.clone_from(&e.rust_type);
            }
            carry_annotations(&e.fields, &mut f.fields);
        }
    }
}

/// The upstream definition with the versions only `existing` describes merged back in, and
/// our annotations (family, descriptions, type overrides) kept.
fn merge(existing: &Schema, up: Schema) -> Result<Schema, String> {
    let mut s = merge_layout(existing, up)?;
    if s.doc.is_none() {
        s.doc.clone_from(&existing.doc);
    }
    carry_annotations(&existing.fields, &mut s.fields);
    for us in &mut s.common_structs {
        if let Some(es) = existing.common_structs.iter().find(|e| e.name == us.name) {
            carry_annotations(&es.fields, &mut us.fields);
        }
    }
    Ok(s)
}

fn merge_layout(existing: &Schema, up: Schema) -> Result<Schema, String> {
    let mut s = up;
    s.family = existing.family.clone();
    if let (Some(e), Some(u)) = (existing.versions.max, s.versions.max) {
        if e > u {
            return Err(format!(
                "{}: schemas/ has v{e} but this release stops at v{u}: import releases oldest first",
                s.name
            ));
        }
    }
    let cutoff = s.versions.min;
    if existing.versions.min >= cutoff {
        return Ok(s);
    }
    if existing.flexible != s.flexible {
        return Err(format!(
            "{}: flexible versions differ ({:?} upstream, {:?} in schemas/)",
            s.name, s.flexible, existing.flexible
        ));
    }
    s.versions.min = existing.versions.min;
    let ctx = format!("{}.", s.name);
    let floor = existing.versions.min;
    s.fields = merge_fields(
        &existing.fields,
        std::mem::take(&mut s.fields),
        cutoff,
        floor,
        &ctx,
    )?;
    for es in &existing.common_structs {
        match s.common_structs.iter_mut().find(|u| u.name == es.name) {
            Some(us) => {
                let kids = std::mem::take(&mut us.fields);
                us.fields = merge_fields(
                    &es.fields,
                    kids,
                    cutoff,
                    floor,
                    &format!("{ctx}{}.", es.name),
                )?;
            }
            None => s.common_structs.push(es.clone()),
        }
    }
    Ok(s)
}

/// One row of `schemas/apis.tsv` beyond what the schema files say.
#[derive(Clone, Debug, Default)]
struct ApiRow {
    /// The versions the most recently imported release describes (`None`: removed upstream).
    upstream: Option<Versions>,
    /// The newest version, when upstream flags it `latestVersionUnstable`.
    unstable: Option<i16>,
}

const APIS_TSV_HEADER: &str = "# Every Kafka API (format: schemas/README.md)\n# key\tname\tversions\tflexible\tupstream\tunstable\n";

fn read_apis_tsv(dir: &Path) -> Result<BTreeMap<i16, ApiRow>, String> {
    let Ok(text) = std::fs::read_to_string(dir.join("apis.tsv")) else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let key: i16 = cols[0]
            .parse()
            .map_err(|_| format!("apis.tsv: bad key {}", cols[0]))?;
        let mut row = ApiRow::default();
        if cols.len() >= 6 {
            row.upstream = Versions::parse(cols[4])?;
            row.unstable = cols[5].parse().ok();
        } else {
            row.upstream = Versions::parse(cols[2])?;
        }
        out.insert(key, row);
    }
    Ok(out)
}

fn write_apis_tsv(dir: &Path, rows: &BTreeMap<i16, ApiRow>) -> Result<(), String> {
    let schemas = load_dir(dir)?;
    let mut t = String::from(APIS_TSV_HEADER);
    let mut reqs: Vec<&Schema> = schemas.iter().filter(|s| s.kind == Kind::Request).collect();
    reqs.sort_by_key(|s| s.api_key);
    for s in reqs {
        let key = s
            .api_key
            .ok_or_else(|| format!("{}: request without key", s.name))?;
        let row = rows.get(&key).cloned().unwrap_or(ApiRow {
            upstream: Some(s.versions),
            unstable: None,
        });
        let _ = writeln!(
            t,
            "{key}\t{}\t{}\t{}\t{}\t{}",
            s.name.trim_end_matches("Request"),
            s.versions.render(),
            s.flexible.map_or("none".into(), |f| f.render()),
            row.upstream.map_or("none".into(), |v| v.render()),
            row.unstable.map_or("-".into(), |v| v.to_string())
        );
    }
    std::fs::write(dir.join("apis.tsv"), t).map_err(|e| e.to_string())
}

/// Every `.schema` file in `dir`, sorted by file name.
fn load_dir(dir: &Path) -> Result<Vec<Schema>, String> {
    Ok(load_dir_paths(dir)?.into_iter().map(|(_, s)| s).collect())
}

fn load_dir_paths(dir: &Path) -> Result<Vec<(PathBuf, Schema)>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "schema"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
            let s = Schema::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            Ok((p, s))
        })
        .collect()
}

/// The JSON definitions of a reference folder's `message/` directory, sorted by file name.
fn spec_files(spec: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = spec.join("message");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    Ok(v)
}

/// Merges one Kafka release (`spec`: a folder with `message/*.json`) into the schema files in
/// `out`. Requests, responses and headers are imported; `data` definitions only when
/// `out` already has a schema of that name.
pub fn run(spec: &Path, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let existing = load_dir_paths(out)?;
    let mut rows = read_apis_tsv(out)?;
    let mut written = 0;
    for p in spec_files(spec)? {
        let json = read_json(&p)?;
        let kind = str_of(&json, "type");
        let key = json.get("apiKey").and_then(Value::as_i64).map(|k| k as i16);
        let Some(up) = convert(&json).map_err(|e| format!("{}: {e}", p.display()))? else {
            // Removed upstream: keep what schemas/ has, and say so in apis.tsv.
            if let (Some("request"), Some(k)) = (kind, key) {
                rows.entry(k).or_default().upstream = None;
            }
            continue;
        };
        let mine = existing.iter().find(|(_, e)| match up.schema.kind {
            Kind::Request | Kind::Response => {
                e.kind == up.schema.kind && e.api_key == up.schema.api_key
            }
            Kind::Header | Kind::Data => e.kind == up.schema.kind && e.name == up.schema.name,
        });
        if up.schema.kind == Kind::Data && mine.is_none() {
            continue;
        }
        let merged = match mine {
            Some((path, e)) => {
                let m = merge(e, up.schema.clone())?;
                if e.name != m.name {
                    std::fs::remove_file(path).map_err(|e| e.to_string())?;
                }
                m
            }
            None => {
                let mut s = up.schema.clone();
                s.family = s.api_key.map_or("core", family_for).to_string();
                s
            }
        };
        let text = merged.render();
        if Schema::parse(&text)? != merged {
            return Err(format!("{}: schema does not survive printing", merged.name));
        }
        std::fs::write(out.join(format!("{}.schema", merged.name)), text)
            .map_err(|e| e.to_string())?;
        written += 1;
        if merged.kind == Kind::Request {
            let k = merged.api_key.ok_or("request without key")?;
            let row = rows.entry(k).or_default();
            row.upstream = Some(up.schema.versions);
            row.unstable = up
                .unstable
                .then(|| up.schema.versions.max.unwrap_or(up.schema.versions.min));
        }
    }
    write_apis_tsv(out, &rows)?;
    println!(
        "merged {written} definitions from {} into {}",
        spec.display(),
        out.display()
    );
    Ok(())
}

/// Versions where the older reference snapshot is known to be superseded by the newer one
/// (same version number, different layout or names), so `schemas/` follows the newer one:
/// (message, first version, last version, reason).
pub const SUPERSEDED: &[(&str, i16, i16, &str)] = &[
    (
        "ListConfigResourcesResponse",
        0,
        0,
        "KIP-1142 renamed ListClientMetricsResources and its ClientMetricsResources array; same bytes",
    ),
    (
        "ReadShareGroupStateSummaryResponse",
        0,
        0,
        "v0 was unstable in the older snapshot; KAFKA-19218 added LeaderEpoch before it shipped",
    ),
    (
        "TxnOffsetCommitRequest",
        3,
        4,
        "GenerationId renamed GenerationIdOrMemberEpoch (KIP-848); same bytes",
    ),
    (
        "VoteRequest",
        0,
        1,
        "Candidate* fields renamed Replica* for pre-vote (KAFKA-17641); same bytes",
    ),
];

/// The wire-relevant facts of a message at one version, one line per field (present or not).
fn flatten(s: &Schema, v: i16) -> Vec<String> {
    let flex = s.flexible.is_some_and(|f| f.contains(v));
    let mut out = vec![format!("flexible={flex}")];
    walk(&s.fields, &s.common_structs, v, "", &mut out, 0);
    out
}

fn walk(
    fields: &[Field],
    structs: &[StructDef],
    v: i16,
    prefix: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 32 {
        out.push(format!("{prefix}: nested too deeply"));
        return;
    }
    for f in fields {
        let path = format!("{prefix}{}", f.name);
        if !f.versions.contains(v) {
            continue;
        }
        let nullable = f.nullable.is_some_and(|n| n.contains(v));
        let tag = f.tagged.filter(|t| t.contains(v)).and(f.tag);
        out.push(format!(
            "{path}: {} nullable={nullable} tag={tag:?} default={:?} flexible_none={}",
            f.ty, f.default, f.never_flexible
        ));
        let elem = f.ty.trim_start_matches("[]");
        let kids: &[Field] = if !f.fields.is_empty() {
            &f.fields
        } else if let Some(c) = structs.iter().find(|c| c.name == elem) {
            &c.fields
        } else {
            &[]
        };
        walk(kids, structs, v, &format!("{path}."), out, depth + 1);
    }
}

/// Every definition of a reference folder (`message/` and `group-coordinator/`) that this
/// crate's schema format describes.
fn load_reference(dir: &Path) -> Result<Vec<Upstream>, String> {
    if !dir.join("message").is_dir() {
        return Err(format!(
            "reference folder {} is missing (CI expects ../shared beside the repository)",
            dir.display()
        ));
    }
    let mut files = spec_files(dir)?;
    if let Ok(rd) = std::fs::read_dir(dir.join("group-coordinator")) {
        let mut more: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        more.sort();
        files.extend(more);
    }
    let mut out = Vec::new();
    for p in files {
        let json = read_json(&p)?;
        if matches!(
            str_of(&json, "type"),
            Some("coordinator-key" | "coordinator-value")
        ) {
            continue; // the newer record format: versions mean something else there
        }
        if let Some(u) = convert(&json).map_err(|e| format!("{}: {e}", p.display()))? {
            out.push(u);
        }
    }
    Ok(out)
}

fn same_definition(s: &Schema, r: &Schema) -> bool {
    s.kind == r.kind
        && match s.kind {
            Kind::Request | Kind::Response => s.api_key == r.api_key,
            Kind::Header | Kind::Data => s.name == r.name,
        }
}

fn versions_list(v: Versions) -> std::ops::RangeInclusive<i16> {
    v.min..=v.max.unwrap_or(v.min)
}

/// Compares `schemas/` with the reference folders (newest first) field by field at every
/// version a schema and a reference both describe, and checks `apis.tsv` and `docs/apis.md`.
pub fn verify(schemas_dir: &Path, refs: &[PathBuf], doc: &Path) -> Result<(), String> {
    let schemas = load_dir(schemas_dir)?;
    let loaded: Vec<(String, Vec<Upstream>)> = refs
        .iter()
        .map(|d| Ok((d.display().to_string(), load_reference(d)?)))
        .collect::<Result<_, String>>()?;
    let mut problems = Vec::new();
    let mut compared = 0usize;
    for s in &schemas {
        let mut covered = BTreeSet::new();
        let mut any = false;
        for (label, defs) in &loaded {
            let Some(r) = defs.iter().find(|r| same_definition(s, &r.schema)) else {
                continue;
            };
            any = true;
            for v in versions_list(r.schema.versions) {
                covered.insert(v);
                if !s.versions.contains(v) {
                    problems.push(format!("{} v{v}: in {label} but not in schemas/", s.name));
                    continue;
                }
                if SUPERSEDED
                    .iter()
                    .any(|(n, a, b, _)| *n == s.name && (*a..=*b).contains(&v))
                    && !std::ptr::eq(defs, &loaded[0].1)
                {
                    continue;
                }
                let (a, b) = (flatten(s, v), flatten(&r.schema, v));
                if a != b {
                    let i = a
                        .iter()
                        .zip(&b)
                        .position(|(x, y)| x != y)
                        .unwrap_or(a.len().min(b.len()));
                    problems.push(format!(
                        "{} v{v} differs from {label}:\n    schemas/:  {}\n    reference: {}",
                        s.name,
                        a.get(i).map_or("(end)", String::as_str),
                        b.get(i).map_or("(end)", String::as_str)
                    ));
                } else {
                    compared += 1;
                }
            }
        }
        if !any {
            if matches!(s.kind, Kind::Request | Kind::Response | Kind::Header) {
                problems.push(format!("{}: no reference definition", s.name));
            }
            continue;
        }
        for v in versions_list(s.versions) {
            if !covered.contains(&v) {
                problems.push(format!("{} v{v}: in no reference folder", s.name));
            }
        }
    }
    // Every API key the newest reference defines has both schema files.
    if let Some((label, defs)) = loaded.first() {
        let keys: BTreeSet<i16> = defs
            .iter()
            .filter(|d| d.schema.kind == Kind::Request)
            .filter_map(|d| d.schema.api_key)
            .collect();
        for k in keys {
            for kind in [Kind::Request, Kind::Response] {
                if !schemas
                    .iter()
                    .any(|s| s.kind == kind && s.api_key == Some(k))
                {
                    problems.push(format!(
                        "API key {k} ({label}): no {} schema",
                        kind.as_str()
                    ));
                }
            }
        }
        // apis.tsv: upstream versions and unstable flags as the newest reference says.
        let rows = read_apis_tsv(schemas_dir)?;
        for d in defs.iter().filter(|d| d.schema.kind == Kind::Request) {
            let Some(k) = d.schema.api_key else { continue };
            let want_unstable = d
                .unstable
                .then(|| d.schema.versions.max.unwrap_or(d.schema.versions.min));
            match rows.get(&k) {
                Some(r) if r.upstream == Some(d.schema.versions) && r.unstable == want_unstable => {
                }
                _ => problems.push(format!(
                    "apis.tsv: key {k} should say upstream {} unstable {want_unstable:?}",
                    d.schema.versions.render()
                )),
            }
        }
    }
    let table = api_table(schemas_dir)?;
    if std::fs::read_to_string(doc).ok().as_deref() != Some(table.as_str()) {
        problems.push(format!(
            "{} is stale: run `cargo run -p kafka-codec-codegen -- docs`",
            doc.display()
        ));
    }
    if problems.is_empty() {
        println!(
            "schemas/ agrees with the reference folders: {} schema files, {compared} (message, version, reference) comparisons",
            schemas.len()
        );
        Ok(())
    } else {
        Err(format!(
            "{} problems:\n  {}",
            problems.len(),
            problems.join("\n  ")
        ))
    }
}

/// The table of every API (`docs/apis.md`), from `schemas/`.
pub fn api_table(schemas_dir: &Path) -> Result<String, String> {
    let schemas = load_dir(schemas_dir)?;
    let rows = read_apis_tsv(schemas_dir)?;
    let mut t = String::from(
        "# Every Kafka API this crate decodes\n\n\
         <!-- Written by `cargo run -p kafka-codec-codegen -- docs` from schemas/; do not edit. -->\n\n\
         Each API is decoded into typed request and response bodies (`RequestBody` /\n\
         `ResponseBody`) when its cargo feature is on; otherwise its bodies come back as `Raw`\n\
         bytes. *Versions* is every version this crate reads and writes; versions in\n\
         *older releases only* are no longer described by the newest Kafka release imported\n\
         (Kafka 4.0 dropped many old versions), but old clients and brokers still send them,\n\
         so their layouts are kept from the earlier release. *Flexible* versions use compact\n\
         lengths and tagged fields. *Unstable* is a newest version Kafka still marks as subject\n\
         to change (`latestVersionUnstable`): decoded, but its layout may change in a later\n\
         release.\n\n\
         | key | API | versions | older releases only | flexible | feature | unstable |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let mut reqs: Vec<&Schema> = schemas.iter().filter(|s| s.kind == Kind::Request).collect();
    reqs.sort_by_key(|s| s.api_key);
    for s in &reqs {
        let k = s.api_key.unwrap_or(-1);
        let row = rows.get(&k).cloned().unwrap_or_default();
        let old_only = match row.upstream {
            None => format!("{} (removed in Kafka 4.0)", s.versions.render()),
            Some(u) if u.min > s.versions.min => Versions {
                min: s.versions.min,
                max: Some(u.min - 1),
            }
            .render(),
            Some(_) => String::new(),
        };
        let _ = writeln!(
            t,
            "| {k} | {} | {} | {old_only} | {} | `{}` | {} |",
            s.name.trim_end_matches("Request"),
            s.versions.render(),
            s.flexible.map_or("none".into(), |f| f.render()),
            s.family,
            row.unstable.map_or(String::new(), |v| format!("v{v}"))
        );
    }
    t.push_str("\n## Features\n\n| feature | APIs | covers |\n| --- | --- | --- |\n");
    for (fam, about) in FAMILIES {
        let keys: Vec<String> = reqs
            .iter()
            .filter(|s| s.family == *fam)
            .map(|s| s.name.trim_end_matches("Request").to_string())
            .collect();
        let _ = writeln!(t, "| `{fam}` | {} | {about} |", keys.join(", "));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Schema {
        Schema::parse(text).unwrap()
    }

    #[test]
    fn merge_keeps_dropped_versions_and_their_fields() {
        // Ours: v0-2, with a field only v0 had and a field that became ignorable-absent.
        let mine = parse(
            "request XRequest key=99 versions=0-2 flexible=2+ family=admin\n\
             \x20 Old int32 0\n\
             \x20 Name string 0+\n\
             \x20 Extra int16 1+ ignorable\n",
        );
        // Upstream dropped v0 and added v3.
        let up = parse(
            "request XRequest key=99 versions=1-3 flexible=2+ family=\n\
             \x20 Name string 0+\n\
             \x20 Extra int16 1+\n\
             \x20 New bool 3+\n",
        );
        let m = merge(&mine, up).unwrap();
        assert_eq!(m.versions.render(), "0-3");
        assert_eq!(m.family, "admin");
        let names: Vec<&str> = m.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Old", "Name", "Extra", "New"]);
        assert_eq!(m.fields[0].versions.render(), "0");
        // Absent from the kept v0, so ours stays ignorable there.
        assert!(m.fields[2].ignorable);
        assert!(!m.fields[3].ignorable);
    }

    #[test]
    fn merge_keeps_descriptions_and_type_overrides() {
        let mine = parse(
            "request XRequest key=99 versions=0-2 flexible=2+ family=admin -- Does X.\n\
             \x20 Key int16 0+ type=ApiKey -- Which API.\n\
             \x20 Items []Item 0+ -- The items.\n\
             \x20   Id int32 0+ -- An item's id.\n\
             \x20 Old int32 0 -- Gone upstream.\n",
        );
        // Same lowest version (upstream replaces the layout) and a dropped version (merged).
        for up in [
            "request XRequest key=99 versions=0-3 flexible=2+ family=\n  Key int16 0+\n  Items []Item 0+\n    Id int32 0+\n  New bool 3+\n",
            "request XRequest key=99 versions=1-3 flexible=2+ family=\n  Key int16 0+\n  Items []Item 0+\n    Id int32 0+\n  New bool 3+\n",
        ] {
            let m = merge(&mine, parse(up)).unwrap();
            assert_eq!(m.doc.as_deref(), Some("Does X."), "{up}");
            assert_eq!(m.fields[0].doc.as_deref(), Some("Which API."));
            assert_eq!(m.fields[0].rust_type.as_deref(), Some("ApiKey"));
            assert_eq!(m.fields[1].doc.as_deref(), Some("The items."));
            assert_eq!(m.fields[1].fields[0].doc.as_deref(), Some("An item's id."));
            let new = m.fields.iter().find(|f| f.name == "New").unwrap();
            assert_eq!(new.doc, None);
        }
    }

    #[test]
    fn merge_refuses_an_older_release_and_type_changes() {
        let mine = parse(
            "request XRequest key=99 versions=0-3 flexible=none family=admin\n  A int32 0+\n",
        );
        let older =
            parse("request XRequest key=99 versions=1-2 flexible=none family=\n  A int32 0+\n");
        assert!(merge(&mine, older).unwrap_err().contains("oldest first"));
        let retyped =
            parse("request XRequest key=99 versions=1-3 flexible=none family=\n  A int64 0+\n");
        assert!(merge(&mine, retyped).unwrap_err().contains("type"));
    }

    #[test]
    fn flatten_sees_layout_differences() {
        let a = parse("request XRequest key=99 versions=0-1 flexible=1+ family=admin\n  A int32 0+\n  B string 1+ nullable=1+\n");
        let b = parse("request XRequest key=99 versions=0-1 flexible=1+ family=admin\n  A int32 0+\n  B string 1+\n");
        assert_eq!(flatten(&a, 0), flatten(&b, 0));
        assert_ne!(flatten(&a, 1), flatten(&b, 1));
    }

    #[test]
    fn verify_fails_without_reference_folders() {
        let dir = std::env::temp_dir().join("kafka-codec-verify-missing");
        let err = verify(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../schemas")
                .as_path(),
            &[dir.join("nope")],
            &dir.join("apis.md"),
        )
        .unwrap_err();
        assert!(err.contains("missing"), "{err}");
    }
}
