//! The crate-level tables: the module list, the request and response body enums, and the API
//! key table.

use std::fmt::Write as _;
use std::path::Path;

use super::model::{screaming, MessageModel};
use super::HEADER;
use crate::schema::{Kind, Versions};

pub fn family_cfg(family: &str) -> String {
    if family == "core" {
        String::new()
    } else {
        format!("#[cfg(feature = \"{family}\")]\n")
    }
}

pub fn gen_api_keys(schemas: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(schemas.join("apis.tsv")).map_err(|e| e.to_string())?;
    let mut out = String::from(HEADER);
    out.push_str("//! Every API Kafka defines: key, name, versions, first flexible version.\n\n");
    out.push_str("use crate::api_key::{ApiInfo, ApiKey};\n\n");
    let mut rows = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 {
            return Err(format!("apis.tsv: bad line {line:?}"));
        }
        let key: i16 = cols[0]
            .parse()
            .map_err(|_| format!("apis.tsv: bad key {}", cols[0]))?;
        let v = Versions::parse(cols[2])?.ok_or("apis.tsv: versions none")?;
        let f = Versions::parse(cols[3])?;
        rows.push((key, cols[1].to_string(), v, f));
    }
    rows.sort_by_key(|r| r.0);
    out.push_str(
        "/// Facts about every API, sorted by key.\npub static API_INFO: &[ApiInfo] = &[\n",
    );
    for (k, n, v, f) in &rows {
        let _ = writeln!(
            out,
            "    ApiInfo {{ key: {k}, name: {n:?}, min_version: {}, max_version: {}, first_flexible_version: {} }},",
            v.min,
            v.max.unwrap_or(v.min),
            f.map_or("None".into(), |f| format!("Some({})", f.min))
        );
    }
    out.push_str("];\n\n#[allow(missing_docs)]\nimpl ApiKey {\n");
    for (k, n, _, _) in &rows {
        let _ = writeln!(
            out,
            "    /// `{n}` (key {k}).\n    pub const {}: ApiKey = ApiKey({k});",
            screaming(n)
        );
    }
    out.push_str("}\n");
    Ok(out)
}

/// The `messages` module's doc, with the construction rules as doctests (one showing that a
/// struct literal does not compile in another crate).
const MESSAGES_DOC: &str = r#"
/// Every message type, and its module (for nested structs).
///
/// Message structs are `#[non_exhaustive]`, so that a Kafka version adding fields is a minor
/// release of this crate, not a breaking one. Build values from `Default` with the generated
/// `with_*` setters (one per field), or assign fields:
///
/// ```
/// use kafka_codec::messages::HeartbeatRequest;
///
/// let hb = HeartbeatRequest::default()
///     .with_group_id("orders".into())
///     .with_generation_id(7);
/// let mut same = HeartbeatRequest::default();
/// same.group_id = "orders".into();
/// same.generation_id = 7;
/// assert_eq!(hb, same);
/// ```
///
/// Struct literals do not compile outside this crate, so no caller can depend on the complete
/// list of fields:
///
/// ```compile_fail,E0639
/// use kafka_codec::messages::HeartbeatRequest;
///
/// let hb = HeartbeatRequest { generation_id: 7, ..Default::default() };
/// ```
pub mod messages {
"#;

pub fn gen_mod(schemas: &[MessageModel]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("//! Generated code: one module per message.\n\n");
    out.push_str("pub mod api_keys;\npub mod bodies;\n#[cfg(any(test, feature = \"arbitrary\"))]\nmod conform;\n");
    for s in schemas {
        let _ = write!(out, "{}pub mod {};\n", family_cfg(&s.family), s.module);
    }
    out.push_str(MESSAGES_DOC);
    for s in schemas {
        let cfg = family_cfg(&s.family).replace('\n', "\n    ");
        let _ = write!(
            out,
            "    {cfg}pub use super::{m}::{{self, {n}}};\n",
            m = s.module,
            n = s.name
        );
    }
    out.push_str("}\n\n");
    out.push_str("/// Visits every top-level message type of this build (tests and fuzzing).\n#[cfg(any(test, feature = \"arbitrary\"))]\npub fn visit_messages(v: &mut impl crate::support::MessageVisitor) {\n");
    for s in schemas {
        let cfg = family_cfg(&s.family).replace('\n', "\n    ");
        let _ = write!(
            out,
            "    {cfg}v.visit::<{m}::{n}>();\n",
            m = s.module,
            n = s.name
        );
    }
    out.push_str("}\n");
    out
}

/// Writes one match arm per message, each behind its family's cargo feature.
fn arms(out: &mut String, items: &[&MessageModel], arm: impl Fn(&MessageModel) -> String) {
    for s in items {
        let cfg = family_cfg(&s.family).replace('\n', "\n            ");
        let _ = writeln!(out, "            {cfg}{}", arm(s));
    }
}

pub fn gen_bodies(schemas: &[MessageModel]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("//! Request and response bodies of every API this crate decodes, as enums.\n\n");
    out.push_str("use crate::support::*;\n#[allow(unused_imports)]\nuse super::messages::*;\n\n");
    for (kind, enum_name) in [
        (Kind::Request, "RequestBody"),
        (Kind::Response, "ResponseBody"),
    ] {
        let mut items: Vec<&MessageModel> = schemas.iter().filter(|s| s.kind == kind).collect();
        items.sort_by_key(|s| s.api_key);
        let what = if kind == Kind::Request {
            "request"
        } else {
            "response"
        };
        let _ = writeln!(
            out,
            "/// A {what} body of any API, decoded when this build knows the API and version."
        );
        out.push_str("#[derive(Clone, Debug, PartialEq)]\n");
        out.push_str(
            "#[cfg_attr(feature = \"serde\", derive(serde::Serialize, serde::Deserialize))]\n",
        );
        out.push_str("#[non_exhaustive]\n");
        // Variants hold the messages themselves (no boxing): a few, StreamsGroupHeartbeat's
        // request above all, are much larger than the rest.
        out.push_str("#[allow(clippy::large_enum_variant)]\n");
        let _ = writeln!(out, "pub enum {enum_name} {{");
        for s in &items {
            let _ = write!(
                out,
                "    /// {n} (API key {k}).\n    {cfg}{v}({n}),\n",
                n = s.name,
                k = s.api_key.unwrap(),
                v = s.name.trim_end_matches(if kind == Kind::Request {
                    "Request"
                } else {
                    "Response"
                }),
                cfg = family_cfg(&s.family).replace('\n', "\n    ")
            );
        }
        let _ = writeln!(
            out,
            "    /// An API or version this build does not decode: the body's bytes, untouched.\n    Raw(#[cfg_attr(feature = \"serde\", serde(with = \"crate::support::hex_bytes\"))] Bytes),\n}}\n"
        );
        let _ = writeln!(out, "impl {enum_name} {{");
        let variant = |s: &MessageModel| -> String {
            s.name
                .trim_end_matches(if kind == Kind::Request {
                    "Request"
                } else {
                    "Response"
                })
                .to_string()
        };
        // supports
        out.push_str("    /// Whether this build decodes `api_key` at `version` (otherwise bodies stay raw).\n");
        out.push_str("    pub fn is_supported(api_key: ApiKey, version: i16) -> bool {\n        match api_key.0 {\n");
        arms(&mut out, &items, |s| {
            format!(
                "{k} => {n}::supports_version(version),",
                k = s.api_key.unwrap(),
                n = s.name
            )
        });
        out.push_str("            _ => false,\n        }\n    }\n\n");
        // decode
        out.push_str("    /// Decodes the body of `api_key` at `version`; unknown APIs and versions come back\n    /// as [`Self::Raw`] with every remaining byte.\n");
        out.push_str("    pub fn decode(api_key: ApiKey, version: i16, r: &mut Reader) -> Result<Self, DecodeError> {\n        if !Self::is_supported(api_key, version) {\n            return Ok(Self::Raw(r.rest()));\n        }\n        Ok(match api_key.0 {\n");
        arms(&mut out, &items, |s| {
            format!(
                "{k} => Self::{v}({n}::decode(r, version)?),",
                k = s.api_key.unwrap(),
                v = variant(s),
                n = s.name
            )
        });
        out.push_str("            _ => Self::Raw(r.rest()),\n        })\n    }\n\n");
        // encode
        out.push_str(
            "    /// Encodes the body at `version` (raw bodies are written as they are).\n",
        );
        out.push_str("    pub fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {\n        match self {\n");
        arms(&mut out, &items, |s| {
            format!("Self::{v}(m) => m.encode(buf, version),", v = variant(s))
        });
        out.push_str(
            "            Self::Raw(b) => { buf.put_slice(b); Ok(()) }\n        }\n    }\n\n",
        );
        // encoded_len
        out.push_str("    /// Exactly the bytes [`Self::encode`] writes.\n");
        out.push_str(
            "    pub fn encoded_len(&self, version: i16) -> usize {\n        match self {\n",
        );
        arms(&mut out, &items, |s| {
            format!("Self::{v}(m) => m.encoded_len(version),", v = variant(s))
        });
        out.push_str("            Self::Raw(b) => b.len(),\n        }\n    }\n\n");
        // api_key
        out.push_str("    /// The API key of a decoded body (`None` for raw bodies).\n");
        out.push_str("    pub fn api_key(&self) -> Option<ApiKey> {\n        match self {\n");
        arms(&mut out, &items, |s| {
            format!(
                "Self::{v}(_) => Some(ApiKey({k})),",
                v = variant(s),
                k = s.api_key.unwrap()
            )
        });
        out.push_str("            Self::Raw(_) => None,\n        }\n    }\n}\n\n");
    }
    out.push_str(&gen_body_conversions(schemas));
    // Request → Response links
    for s in schemas.iter().filter(|s| s.kind == Kind::Request) {
        let resp = s.name.trim_end_matches("Request").to_string() + "Response";
        if schemas.iter().any(|r| r.name == resp) {
            let _ = write!(
                out,
                "{}impl crate::Request for {} {{\n    type Response = {resp};\n}}\n\n",
                family_cfg(&s.family),
                s.name
            );
        }
    }
    out
}

/// `From<message> for <body enum>` and `TryFrom<body enum> for <message>` for every API
/// message, and the table of which cargo feature compiles each API (emitted into bodies.rs).
fn gen_body_conversions(schemas: &[MessageModel]) -> String {
    let mut out = String::new();
    let mut apis: Vec<(i16, &str)> = Vec::new();
    for s in schemas {
        let (Some(key), body, suffix) = (match s.kind {
            Kind::Request => (s.api_key, "RequestBody", "Request"),
            Kind::Response => (s.api_key, "ResponseBody", "Response"),
            _ => (None, "", ""),
        }) else {
            continue;
        };
        if !apis.iter().any(|(k, _)| *k == key) {
            apis.push((key, s.family.as_str()));
        }
        let variant = s.name.trim_end_matches(suffix);
        let cfg = family_cfg(&s.family);
        let _ = write!(
            out,
            "{cfg}impl From<{n}> for {body} {{\n    fn from(m: {n}) -> Self {{\n        Self::{variant}(m)\n    }}\n}}\n\n\
             {cfg}impl TryFrom<{body}> for {n} {{\n    type Error = {body};\n\n    /// The message of a `{variant}` body; any other body is handed back as the error.\n    fn try_from(b: {body}) -> Result<Self, {body}> {{\n        match b {{\n            {body}::{variant}(m) => Ok(m),\n            other => Err(other),\n        }}\n    }}\n}}\n\n",
            n = s.name
        );
    }
    apis.sort();
    out.push_str("/// The family of each API this crate has messages for: `\"core\"` (always compiled) or\n/// the cargo feature that compiles it; `None` for APIs it has no messages for.\npub(crate) fn api_family(api_key: i16) -> Option<&'static str> {\n    match api_key {\n");
    for (k, f) in apis {
        let _ = writeln!(out, "        {k} => Some({f:?}),");
    }
    out.push_str("        _ => None,\n    }\n}\n\n");
    out
}
