//! `kafka-inspect summary`: one block per Kafka connection of a capture, with what people
//! otherwise piece together from tshark's statistics and kcat: which APIs at which versions,
//! how many errors of which kind, bytes each way, records produced and fetched, and the
//! consumer groups the connection took part in (members, their subscriptions, assignments).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;
use kafka_codec::consumer::Versioned;
use kafka_codec::frame::{RequestFrame, ResponseFrame};
use kafka_codec::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_codec::{ApiKey, RequestBody, ResponseBody};
use serde_json::{json, Value};

use super::pcap::load;
use super::Outcome;
use crate::show::{decode_exchange, fetched_records, produced_records};

/// Per-connection summary of a capture: APIs, versions, errors, bytes, records, groups.
///
/// Connections are found as `pcap` finds them. Text by default; --json prints one JSON object
/// per connection per line.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture (pcap or pcapng)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Only connections to this server port (repeatable); default: every Kafka connection
    #[arg(long, value_name = "N")]
    port: Vec<u16>,
    /// One JSON object per connection instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Default)]
struct Api {
    versions: BTreeSet<i16>,
    count: usize,
    errors: BTreeMap<String, usize>,
}

/// What one connection saw of a consumer group (its latest generation).
#[derive(Default)]
struct Group {
    protocol_type: Option<String>,
    protocol: Option<String>,
    generation: Option<i32>,
    leader: Option<String>,
    /// Member ids this connection joined as.
    joined_as: BTreeSet<String>,
    /// member id -> (group instance id, subscribed topics), as the leader learned them.
    members: BTreeMap<String, (Option<String>, Vec<String>)>,
    /// member id -> topic -> partitions.
    assignments: BTreeMap<String, BTreeMap<String, BTreeSet<i32>>>,
}

#[derive(Default)]
struct ConnSummary {
    name: String,
    client_id: Option<String>,
    exchanges: usize,
    unanswered: usize,
    decode_failures: usize,
    request_bytes: usize,
    response_bytes: usize,
    produced: usize,
    fetched: usize,
    apis: BTreeMap<String, Api>,
    groups: BTreeMap<String, Group>,
}

/// Counts every non-NONE `error_name` in an annotated response.
fn count_errors(v: &Value, out: &mut BTreeMap<String, usize>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("error_name", Value::String(n)) if n != "NONE" => {
                        *out.entry(n.clone()).or_default() += 1
                    }
                    _ => count_errors(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| count_errors(x, out)),
        _ => {}
    }
}

fn subscription_topics(b: &Bytes) -> Option<Vec<String>> {
    let v = Versioned::<ConsumerProtocolSubscription>::decode(b.clone()).ok()?;
    Some(v.message.topics.iter().map(|t| t.to_string()).collect())
}

fn assignment(b: &Bytes) -> Option<BTreeMap<String, BTreeSet<i32>>> {
    if b.is_empty() {
        return None;
    }
    let v = Versioned::<ConsumerProtocolAssignment>::decode(b.clone()).ok()?;
    let mut out: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    for tp in &v.message.assigned_partitions {
        out.entry(tp.topic.to_string())
            .or_default()
            .extend(tp.partitions.iter().copied());
    }
    Some(out)
}

/// Folds one decoded group exchange into the connection's groups.
fn track_group(
    groups: &mut BTreeMap<String, Group>,
    req: &RequestFrame,
    resp: Option<&ResponseFrame>,
) {
    match (&req.body, resp.map(|r| &r.body)) {
        (RequestBody::JoinGroup(q), r) => {
            let g = groups.entry(q.group_id.to_string()).or_default();
            g.protocol_type = Some(q.protocol_type.to_string());
            let Some(ResponseBody::JoinGroup(s)) = r else {
                return;
            };
            if s.error_code != 0 {
                return;
            }
            if g.generation.is_some_and(|gen| s.generation_id > gen) {
                // A new generation: what the old one assigned no longer holds.
                g.members.clear();
                g.assignments.clear();
            }
            g.generation = Some(s.generation_id);
            g.protocol = s.protocol_name.as_ref().map(|p| p.to_string());
            g.leader = Some(s.leader.to_string());
            g.joined_as.insert(s.member_id.to_string());
            let consumer = q.protocol_type == "consumer";
            for m in &s.members {
                let topics = if consumer {
                    subscription_topics(&m.metadata).unwrap_or_default()
                } else {
                    Vec::new()
                };
                let instance = m.group_instance_id.as_ref().map(|i| i.to_string());
                g.members
                    .insert(m.member_id.to_string(), (instance, topics));
            }
        }
        (RequestBody::SyncGroup(q), r) => {
            let g = groups.entry(q.group_id.to_string()).or_default();
            let consumer = g.protocol_type.as_deref().unwrap_or("consumer") == "consumer";
            if !consumer {
                return;
            }
            for a in &q.assignments {
                if let Some(parts) = assignment(&a.assignment) {
                    g.assignments.insert(a.member_id.to_string(), parts);
                }
            }
            if let Some(ResponseBody::SyncGroup(s)) = r {
                if s.error_code == 0 {
                    if let Some(parts) = assignment(&s.assignment) {
                        g.assignments.insert(q.member_id.to_string(), parts);
                    }
                }
            }
        }
        _ => {}
    }
}

fn group_json(id: &str, g: &Group) -> Value {
    let members: Vec<Value> = g
        .members
        .iter()
        .map(|(m, (inst, topics))| {
            json!({ "member_id": m, "group_instance_id": inst, "topics": topics })
        })
        .collect();
    let assignments: serde_json::Map<String, Value> = g
        .assignments
        .iter()
        .map(|(m, topics)| (m.clone(), json!(topics)))
        .collect();
    json!({
        "group_id": id,
        "protocol_type": g.protocol_type,
        "protocol": g.protocol,
        "generation": g.generation,
        "leader": g.leader,
        "joined_as": g.joined_as,
        "members": members,
        "assignments": assignments,
    })
}

impl ConnSummary {
    fn to_json(&self) -> Value {
        let apis: Vec<Value> = self
            .apis
            .iter()
            .map(|(name, a)| {
                json!({ "api": name, "versions": a.versions, "count": a.count, "errors": a.errors })
            })
            .collect();
        let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
        for a in self.apis.values() {
            for (e, n) in &a.errors {
                *errors.entry(e).or_default() += n;
            }
        }
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|(id, g)| group_json(id, g))
            .collect();
        json!({
            "connection": self.name,
            "client_id": self.client_id,
            "exchanges": self.exchanges,
            "unanswered": self.unanswered,
            "decode_failures": self.decode_failures,
            "request_bytes": self.request_bytes,
            "response_bytes": self.response_bytes,
            "records_produced": self.produced,
            "records_fetched": self.fetched,
            "apis": apis,
            "errors": errors,
            "groups": groups,
        })
    }

    fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let client = self
            .client_id
            .as_deref()
            .map_or(String::new(), |c| format!("  client id {c:?}"));
        writeln!(out, "{}{client}", self.name)?;
        writeln!(
            out,
            "  {} exchanges ({} unanswered, {} failed to decode); {} bytes of requests, {} bytes of responses",
            self.exchanges, self.unanswered, self.decode_failures, self.request_bytes, self.response_bytes
        )?;
        writeln!(
            out,
            "  records: {} produced, {} fetched",
            self.produced, self.fetched
        )?;
        for (name, a) in &self.apis {
            let versions: Vec<String> = a.versions.iter().map(|v| format!("v{v}")).collect();
            let errors: Vec<String> = a.errors.iter().map(|(e, n)| format!("{e} x{n}")).collect();
            let errors = if errors.is_empty() {
                String::new()
            } else {
                format!("  errors: {}", errors.join(", "))
            };
            writeln!(
                out,
                "  {name:<26} {:<10} x{}{errors}",
                versions.join(","),
                a.count
            )?;
        }
        for (id, g) in &self.groups {
            writeln!(
                out,
                "  group {id:?}: protocol {}/{}, generation {}, leader {}",
                g.protocol_type.as_deref().unwrap_or("?"),
                g.protocol.as_deref().unwrap_or("?"),
                g.generation.map_or("?".into(), |x| x.to_string()),
                g.leader.as_deref().unwrap_or("?")
            )?;
            for m in &g.joined_as {
                writeln!(out, "    joined as {m}")?;
            }
            for (m, (inst, topics)) in &g.members {
                let inst = inst
                    .as_deref()
                    .map_or(String::new(), |i| format!(" (instance {i})"));
                writeln!(
                    out,
                    "    member {m}{inst} subscribes to {}",
                    topics.join(", ")
                )?;
            }
            for (m, topics) in &g.assignments {
                let parts: Vec<String> = topics
                    .iter()
                    .map(|(t, p)| {
                        let p: Vec<String> = p.iter().map(i32::to_string).collect();
                        format!("{t}[{}]", p.join(","))
                    })
                    .collect();
                let parts = if parts.is_empty() {
                    "nothing".to_string()
                } else {
                    parts.join(" ")
                };
                writeln!(out, "    assigned to {m}: {parts}")?;
            }
        }
        Ok(())
    }
}

pub fn run(a: Args, out: &mut dyn Write) -> Outcome {
    let (conns, list, topics) = load(&a.file, &a.port)?;
    let mut by_conn: BTreeMap<usize, ConnSummary> = BTreeMap::new();
    for e in &list {
        let s = by_conn.entry(e.conn).or_insert_with(|| ConnSummary {
            name: conns[e.conn].name(),
            ..ConnSummary::default()
        });
        let d = decode_exchange(&e.request, e.response.as_ref(), &topics);
        s.exchanges += 1;
        s.request_bytes += e.request.len();
        s.response_bytes += e.response.as_ref().map_or(0, Bytes::len);
        if e.response.is_none() {
            s.unanswered += 1;
        }
        if !d.ok {
            s.decode_failures += 1;
        }
        let (key, version) = e
            .request
            .get(4..)
            .and_then(kafka_codec::frame::peek_request_header)
            .map_or((-1, -1), |(k, v, _)| (k, v));
        let api = s
            .apis
            .entry(ApiKey(key).name().unwrap_or("Unknown").to_string())
            .or_default();
        api.versions.insert(version);
        api.count += 1;
        count_errors(&d.response_json, &mut api.errors);
        if let Some(req) = &d.request {
            if s.client_id.is_none() {
                s.client_id = req.header.client_id.as_ref().map(|c| c.to_string());
            }
            s.produced += produced_records(req);
            track_group(&mut s.groups, req, d.response.as_ref());
        }
        s.fetched += d.response.as_ref().map_or(0, fetched_records);
    }
    for s in by_conn.values() {
        if a.json {
            writeln!(out, "{}", s.to_json())?;
        } else {
            s.write_text(out)?;
        }
    }
    Ok(())
}
