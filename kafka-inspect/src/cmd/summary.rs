//! `kafka-inspect summary`: one block per Kafka connection of a capture, with what people
//! otherwise piece together from tshark's statistics and kcat: which APIs at which versions,
//! how many errors of which kind, bytes each way, records produced and fetched, and the
//! consumer groups the connection took part in (members, their subscriptions, assignments).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_codec::consumer::Versioned;
use kafka_codec::frame::{RequestFrame, ResponseFrame};
use kafka_codec::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_codec::{ApiKey, RequestBody, ResponseBody};
use serde_json::{json, Value};

use super::pcap::load;
use super::{read_file, Failure, Outcome};
use crate::show::{decode_exchange, fetched_records, produced_records, TopicNames};

/// Per-connection summary of a capture: APIs, versions, errors, bytes, records, groups.
///
/// FILE is a pcap/pcapng capture (connections found as `pcap` finds them) or a directory
/// recorded by `proxy` or `pcap-frames` (its manifest.tsv tells the connections apart). Text by
/// default; --json prints one JSON object per connection per line.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture (pcap or pcapng), or a directory of recorded frames with its manifest.tsv
    #[arg(value_name = "FILE|DIR")]
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
    /// The latest member epoch a ConsumerGroupHeartbeat response gave (KIP-848 groups).
    member_epoch: Option<i32>,
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
    topics: &TopicNames,
) {
    match (&req.body, resp.map(|r| &r.body)) {
        (RequestBody::ConsumerGroupHeartbeat(q), r) => {
            // KIP-848: the coordinator assigns; members learn their partitions by topic id.
            let g = groups.entry(q.group_id.to_string()).or_default();
            g.protocol_type = Some("consumer".into());
            if let Some(a) = &q.server_assignor {
                g.protocol = Some(a.to_string());
            }
            let Some(ResponseBody::ConsumerGroupHeartbeat(s)) = r else {
                return;
            };
            if s.error_code != 0 {
                return;
            }
            let member = match &s.member_id {
                Some(m) if !m.is_empty() => m.to_string(),
                _ => q.member_id.to_string(),
            };
            if member.is_empty() {
                return;
            }
            g.joined_as.insert(member.clone());
            g.member_epoch = Some(s.member_epoch);
            if let Some(names) = &q.subscribed_topic_names {
                let names = names.iter().map(|t| t.to_string()).collect();
                let instance = q.instance_id.as_ref().map(|i| i.to_string());
                g.members.insert(member.clone(), (instance, names));
            }
            if let Some(a) = &s.assignment {
                let mut parts: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
                for tp in &a.topic_partitions {
                    let name = topics
                        .name(&tp.topic_id)
                        .map_or_else(|| tp.topic_id.to_string(), str::to_string);
                    parts
                        .entry(name)
                        .or_default()
                        .extend(tp.partitions.iter().copied());
                }
                g.assignments.insert(member, parts);
            }
        }
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
        "member_epoch": g.member_epoch,
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
            let round = match (g.generation, g.member_epoch) {
                (_, Some(e)) => format!("member epoch {e}"),
                (Some(gen), None) => format!("generation {gen}"),
                (None, None) => "generation ?".to_string(),
            };
            let leader = g
                .leader
                .as_deref()
                .map_or(String::new(), |l| format!(", leader {l}"));
            writeln!(
                out,
                "  group {id:?}: protocol {}/{}, {round}{leader}",
                g.protocol_type.as_deref().unwrap_or("?"),
                g.protocol.as_deref().unwrap_or("?"),
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

/// One exchange and the connection it belongs to.
struct Item {
    conn: usize,
    conn_name: String,
    request: Bytes,
    response: Option<Bytes>,
}

/// The exchanges of a directory recorded by `proxy` or `pcap-frames`, from its manifest.
fn from_recorded_dir(dir: &Path) -> Result<(Vec<Item>, TopicNames), Failure> {
    let manifest = dir.join("manifest.tsv");
    let text = std::fs::read_to_string(&manifest).map_err(|e| {
        Failure::Failed(format!(
            "{}: {e} (a directory needs the manifest.tsv that proxy and pcap-frames write)",
            manifest.display()
        ))
    })?;
    let mut items = Vec::new();
    let mut missing = 0usize;
    for (n, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 9 {
            return Err(Failure::Failed(format!(
                "{}:{}: expected at least 9 tab-separated columns",
                manifest.display(),
                n + 1
            )));
        }
        if cols[2] != "req" {
            continue;
        }
        let conn: usize = cols[1].parse().map_err(|_| {
            Failure::Failed(format!(
                "{}:{}: bad connection number",
                manifest.display(),
                n + 1
            ))
        })?;
        let peer = cols
            .get(10)
            .and_then(|note| note.split(' ').find_map(|w| w.strip_prefix("peer=")));
        let req_path = dir.join(cols[8]);
        if !req_path.exists() {
            // Frames can be pruned from a recorded directory (the corpus drops repeats).
            missing += 1;
            continue;
        }
        let request = read_file(&req_path).map_err(Failure::Failed)?;
        let resp_path = dir.join(cols[8].replace(".req.bin", ".resp.bin"));
        let response = if resp_path.exists() {
            Some(read_file(&resp_path).map_err(Failure::Failed)?)
        } else {
            None
        };
        items.push(Item {
            conn,
            conn_name: peer.map_or_else(|| format!("connection {conn}"), str::to_string),
            request,
            response,
        });
    }
    if missing > 0 {
        eprintln!(
            "{}: {missing} request frame(s) it lists are not in the directory; summarised without them",
            manifest.display()
        );
    }
    let mut topics = TopicNames::default();
    for i in &items {
        if let Some(r) = &i.response {
            topics.learn_bytes(&i.request, r);
        }
    }
    Ok((items, topics))
}

pub fn run(a: Args, out: &mut dyn Write) -> Outcome {
    let (items, topics) = if a.file.is_dir() {
        if !a.port.is_empty() {
            return Err(Failure::Usage(format!(
                "{}: --port applies to captures, not to recorded directories",
                a.file.display()
            )));
        }
        from_recorded_dir(&a.file)?
    } else {
        let (conns, list, topics) = load(&a.file, &a.port)?;
        let items = list
            .into_iter()
            .map(|e| Item {
                conn: e.conn,
                conn_name: conns[e.conn].name(),
                request: e.request,
                response: e.response,
            })
            .collect();
        (items, topics)
    };
    let mut by_conn: BTreeMap<usize, ConnSummary> = BTreeMap::new();
    for e in &items {
        let s = by_conn.entry(e.conn).or_insert_with(|| ConnSummary {
            name: e.conn_name.clone(),
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
            track_group(&mut s.groups, req, d.response.as_ref(), &topics);
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
