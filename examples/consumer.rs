//! A whole consumer-group session against a real broker, built only on kafka-codec and
//! `std::net`: ApiVersions, Metadata, FindCoordinator, JoinGroup, SyncGroup (this member leads
//! and computes a range assignment), OffsetFetch, ListOffsets when nothing is committed
//! (`auto.offset.reset`), Fetch until the log end, OffsetCommit, Heartbeat, lag, LeaveGroup.
//!
//! ```sh
//! cargo run --example consumer -- --bootstrap 127.0.0.1:9092 --topic orders --group billing \
//!     [--reset earliest|latest|none] [--assignor range|cooperative-sticky] [--timeout-secs 30] \
//!     [--max-version API_KEY=VERSION ...]
//! ```
//!
//! Prints one JSON line per record consumed (`{"topic","partition","offset","key","value",
//! "headers"}`), then a summary line `{"summary": ...}` with the committed offsets, log end
//! offsets and lag per partition.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_codec::consumer::{AutoOffsetReset, Versioned};
use kafka_codec::frame::{
    decode_response_message, decode_response_payload, encode_request_message, RequestParams,
};
use kafka_codec::messages::*;
use kafka_codec::records::RecordOptions;
use kafka_codec::{ApiKey, ErrorCode, Message, Request, ResponseBody, Uuid};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// One connection to one broker, with the versions it supports.
struct Conn {
    caps: HashMap<i16, i16>,
    stream: TcpStream,
    correlation_id: i32,
    versions: HashMap<i16, (i16, i16)>,
}

fn read_frame(stream: &mut TcpStream) -> Result<Bytes> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size)?;
    let size = i32::from_be_bytes(size);
    if !(0..=(64 << 20)).contains(&size) {
        return Err(format!("bad frame size {size}").into());
    }
    let mut payload = vec![0u8; size as usize];
    stream.read_exact(&mut payload)?;
    Ok(Bytes::from(payload))
}

impl Conn {
    fn open(addr: &str, caps: &HashMap<i16, i16>) -> Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        let mut c = Conn {
            caps: caps.clone(),
            stream,
            correlation_id: 0,
            versions: HashMap::new(),
        };
        // ApiVersions v3. A broker that does not know v3 answers UNSUPPORTED_VERSION (KIP-511),
        // in v0 — which the frame decoder reads as such — or, like librdkafka's mock, in a shape
        // that still carries the error code first; either way, retry at the version it lists
        // for ApiVersions, or v0.
        let req = ApiVersionsRequest {
            client_software_name: "kafka-codec-example".into(),
            client_software_version: env!("CARGO_PKG_VERSION").into(),
            ..Default::default()
        };
        let mut version = 3;
        let av = loop {
            let payload = c.send(&req, version)?;
            let resp = decode_response_payload(ApiKey::API_VERSIONS, version, payload)?;
            let ResponseBody::ApiVersions(av) = resp.body else {
                return Err("ApiVersions response did not decode".into());
            };
            if ErrorCode(av.error_code) == ErrorCode::UNSUPPORTED_VERSION && version > 0 {
                version = av
                    .api_keys
                    .iter()
                    .find(|k| k.api_key == ApiKey::API_VERSIONS.0)
                    .map_or(0, |k| k.max_version.min(version - 1));
                continue;
            }
            break av;
        };
        check(av.error_code, "ApiVersions")?;
        for k in av.api_keys {
            c.versions.insert(k.api_key, (k.min_version, k.max_version));
        }
        if std::env::var_os("CONSUMER_TRACE").is_some() {
            let mut v: Vec<_> = c.versions.iter().collect();
            v.sort();
            eprintln!("broker versions: {v:?}");
        }
        Ok(c)
    }

    /// The highest version both sides support.
    fn version<T: Message + kafka_codec::ApiMessage>(&self) -> Result<i16> {
        let (min, max) = self
            .versions
            .get(&T::API_KEY.0)
            .copied()
            .ok_or_else(|| format!("broker does not support {}", T::NAME))?;
        let cap = self.caps.get(&T::API_KEY.0).copied().unwrap_or(i16::MAX);
        let v = max.min(T::MAX_VERSION).min(cap);
        if v < min.max(T::MIN_VERSION) {
            return Err(format!("no common version for {}", T::NAME).into());
        }
        Ok(v)
    }

    fn send<T: kafka_codec::ApiMessage>(&mut self, req: &T, version: i16) -> Result<Bytes> {
        self.correlation_id += 1;
        if std::env::var_os("CONSUMER_TRACE").is_some() {
            eprintln!("-> {} v{version} #{}", T::NAME, self.correlation_id);
        }
        let params = RequestParams {
            version,
            correlation_id: self.correlation_id,
            client_id: Some("kafka-codec"),
        };
        let frame = encode_request_message(req, &params)?;
        self.stream.write_all(&frame)?;
        let payload = read_frame(&mut self.stream)?;
        let corr = i32::from_be_bytes(payload.get(..4).ok_or("short response")?.try_into()?);
        if corr != self.correlation_id {
            return Err(format!("correlation id {corr}, expected {}", self.correlation_id).into());
        }
        Ok(payload)
    }

    /// Sends a request at the best common version and decodes its typed response.
    fn call<T: Request>(&mut self, req: &T) -> Result<(T::Response, i16)> {
        let v = self.version::<T>()?;
        self.call_at(req, v)
    }

    fn call_at<T: Request>(&mut self, req: &T, v: i16) -> Result<(T::Response, i16)> {
        let payload = self.send(req, v)?;
        let (_header, body, _trailing) = decode_response_message::<T::Response>(v, payload)?;
        Ok((body, v))
    }
}

fn check(code: i16, what: &str) -> Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(format!("{what}: {}", ErrorCode(code)).into())
    }
}

struct Args {
    bootstrap: String,
    topic: String,
    group: String,
    reset: AutoOffsetReset,
    assignor: String,
    timeout: Duration,
    /// `--max-version API_KEY=V`: never use a higher version of that API (for peers that
    /// advertise versions they do not handle).
    caps: HashMap<i16, i16>,
}

const USAGE: &str =
    "usage: consumer --topic T --group G [--bootstrap H:P] [--assignor range|roundrobin] \
[--reset earliest|latest|none] [--timeout-secs N] [--max-version API_KEY=VERSION ...]";

fn parse_args() -> Result<Args> {
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        std::process::exit(0);
    }
    let mut a = Args {
        bootstrap: "127.0.0.1:9092".into(),
        topic: String::new(),
        group: String::new(),
        reset: AutoOffsetReset::Earliest,
        assignor: "range".into(),
        timeout: Duration::from_secs(30),
        caps: HashMap::new(),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(k) = it.next() {
        let v = it
            .next()
            .ok_or_else(|| format!("{k} needs a value"))?
            .clone();
        match k.as_str() {
            "--bootstrap" => a.bootstrap = v,
            "--topic" => a.topic = v,
            "--group" => a.group = v,
            "--assignor" => a.assignor = v,
            "--timeout-secs" => a.timeout = Duration::from_secs(v.parse()?),
            "--max-version" => {
                let (k, ver) = v.split_once('=').ok_or("--max-version API_KEY=VERSION")?;
                a.caps.insert(k.parse()?, ver.parse()?);
            }
            "--reset" => {
                a.reset = match v.as_str() {
                    "earliest" => AutoOffsetReset::Earliest,
                    "latest" => AutoOffsetReset::Latest,
                    "none" => AutoOffsetReset::None,
                    _ => return Err("--reset earliest|latest|none".into()),
                }
            }
            _ => return Err(format!("unknown option {k}").into()),
        }
    }
    if a.topic.is_empty() || a.group.is_empty() {
        return Err("--topic and --group are required".into());
    }
    Ok(a)
}

/// Range assignor: each member gets a contiguous share of the topic's partitions, members in
/// member-id order, the first `partitions % members` getting one extra.
fn range_assign(members: &[String], partitions: &[i32]) -> BTreeMap<String, Vec<i32>> {
    let mut members = members.to_vec();
    members.sort();
    let mut parts = partitions.to_vec();
    parts.sort();
    let (per, extra) = (parts.len() / members.len(), parts.len() % members.len());
    let mut out = BTreeMap::new();
    let mut next = 0;
    for (i, m) in members.iter().enumerate() {
        let n = per + usize::from(i < extra);
        out.insert(m.clone(), parts[next..next + n].to_vec());
        next += n;
    }
    out
}

fn lossy(b: Option<&[u8]>) -> serde_json_free::Json {
    match b {
        None => serde_json_free::Json::Null,
        Some(b) => serde_json_free::Json::Str(String::from_utf8_lossy(b).into_owned()),
    }
}

/// Just enough JSON output for this example, so it needs nothing but kafka-codec and std.
mod serde_json_free {
    pub enum Json {
        Null,
        Str(String),
    }
    impl std::fmt::Display for Json {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Json::Null => f.write_str("null"),
                Json::Str(s) => {
                    f.write_str("\"")?;
                    for c in s.chars() {
                        match c {
                            '"' => f.write_str("\\\"")?,
                            '\\' => f.write_str("\\\\")?,
                            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
                            c => write!(f, "{c}")?,
                        }
                    }
                    f.write_str("\"")
                }
            }
        }
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("consumer: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args = parse_args()?;
    let deadline = Instant::now() + args.timeout;
    let mut boot = Conn::open(&args.bootstrap, &args.caps)?;

    // Metadata: partitions, leaders, brokers, topic id.
    let (md, _) = boot.call(&MetadataRequest {
        topics: Some(vec![metadata_request::MetadataRequestTopic {
            name: Some(args.topic.as_str().into()),
            ..Default::default()
        }]),
        allow_auto_topic_creation: false,
        ..Default::default()
    })?;
    let brokers: HashMap<i32, String> = md
        .brokers
        .iter()
        .map(|b| (b.node_id, format!("{}:{}", b.host, b.port)))
        .collect();
    let t = md
        .topics
        .iter()
        .find(|t| t.name.as_deref() == Some(args.topic.as_str()))
        .ok_or("topic not in metadata")?;
    check(t.error_code, "Metadata topic")?;
    let topic_id = t.topic_id;
    let leaders: BTreeMap<i32, i32> = t
        .partitions
        .iter()
        .map(|p| (p.partition_index, p.leader_id))
        .collect();
    let all_partitions: Vec<i32> = leaders.keys().copied().collect();

    // FindCoordinator for the group.
    let v = boot.version::<FindCoordinatorRequest>()?;
    let (fc, _) = boot.call_at(
        &FindCoordinatorRequest {
            key: if v < 4 {
                args.group.as_str().into()
            } else {
                Default::default()
            },
            coordinator_keys: if v >= 4 {
                vec![args.group.as_str().into()]
            } else {
                vec![]
            },
            ..Default::default()
        },
        v,
    )?;
    let coordinator = if v >= 4 {
        let c = fc.coordinators.first().ok_or("no coordinator")?;
        check(c.error_code, "FindCoordinator")?;
        format!("{}:{}", c.host, c.port)
    } else {
        check(fc.error_code, "FindCoordinator")?;
        format!("{}:{}", fc.host, fc.port)
    };
    let mut coord = Conn::open(&coordinator, &args.caps)?;

    // JoinGroup + SyncGroup, retried on the errors that mean "try again".
    let subscription = Versioned::new(
        3,
        ConsumerProtocolSubscription {
            topics: vec![args.topic.as_str().into()],
            ..Default::default()
        },
    )?
    .encode()?;
    let mut member_id = String::new();
    let (generation, assigned) = loop {
        if Instant::now() > deadline {
            return Err("timed out joining the group".into());
        }
        let (join, _) = coord.call(&JoinGroupRequest {
            group_id: args.group.as_str().into(),
            session_timeout_ms: 30_000,
            rebalance_timeout_ms: 30_000,
            member_id: member_id.as_str().into(),
            protocol_type: "consumer".into(),
            protocols: vec![join_group_request::JoinGroupRequestProtocol {
                name: args.assignor.as_str().into(),
                metadata: subscription.clone(),
                ..Default::default()
            }],
            ..Default::default()
        })?;
        match ErrorCode(join.error_code) {
            ErrorCode::MEMBER_ID_REQUIRED => {
                member_id = join.member_id.to_string();
                continue;
            }
            ErrorCode::REBALANCE_IN_PROGRESS | ErrorCode::COORDINATOR_LOAD_IN_PROGRESS => continue,
            code => check(code.0, "JoinGroup")?,
        }
        member_id = join.member_id.to_string();
        let mut assignments = Vec::new();
        if join.leader == join.member_id {
            let members: Vec<String> = join
                .members
                .iter()
                .map(|m| m.member_id.to_string())
                .collect();
            for m in &join.members {
                let sub = Versioned::<ConsumerProtocolSubscription>::decode(m.metadata.clone())?;
                eprintln!(
                    "member {} subscribes to {:?}",
                    m.member_id, sub.message.topics
                );
            }
            for (m, parts) in range_assign(&members, &all_partitions) {
                let a = ConsumerProtocolAssignment {
                    assigned_partitions: vec![consumer_protocol_assignment::TopicPartition {
                        topic: args.topic.as_str().into(),
                        partitions: parts,
                        ..Default::default()
                    }],
                    ..Default::default()
                };
                assignments.push(sync_group_request::SyncGroupRequestAssignment {
                    member_id: m.into(),
                    assignment: Versioned::new(3, a)?.encode()?,
                    ..Default::default()
                });
            }
        }
        let (sync, _) = coord.call(&SyncGroupRequest {
            group_id: args.group.as_str().into(),
            generation_id: join.generation_id,
            member_id: member_id.as_str().into(),
            protocol_type: Some("consumer".into()),
            protocol_name: join.protocol_name.clone(),
            assignments,
            ..Default::default()
        })?;
        match ErrorCode(sync.error_code) {
            ErrorCode::REBALANCE_IN_PROGRESS => continue,
            code => check(code.0, "SyncGroup")?,
        }
        let a = Versioned::<ConsumerProtocolAssignment>::decode(sync.assignment)?;
        let mine: Vec<i32> = a
            .message
            .assigned_partitions
            .iter()
            .filter(|tp| tp.topic == args.topic.as_str())
            .flat_map(|tp| tp.partitions.iter().copied())
            .collect();
        break (join.generation_id, mine);
    };
    eprintln!("joined as {member_id}, generation {generation}, partitions {assigned:?}");

    // Committed offsets (OffsetFetch), then auto.offset.reset via ListOffsets where none.
    let v = coord.version::<OffsetFetchRequest>()?;
    let mut position: BTreeMap<i32, i64> = BTreeMap::new();
    if v >= 8 {
        let (of, _) = coord.call_at(
            &OffsetFetchRequest {
                groups: vec![offset_fetch_request::OffsetFetchRequestGroup {
                    group_id: args.group.as_str().into(),
                    topics: Some(vec![offset_fetch_request::OffsetFetchRequestTopics {
                        name: args.topic.as_str().into(),
                        topic_id,
                        partition_indexes: assigned.clone(),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }],
                ..Default::default()
            },
            v,
        )?;
        for g in &of.groups {
            check(g.error_code, "OffsetFetch")?;
            for t in &g.topics {
                for p in &t.partitions {
                    if p.committed_offset >= 0 {
                        position.insert(p.partition_index, p.committed_offset);
                    }
                }
            }
        }
    } else {
        let (of, _) = coord.call_at(
            &OffsetFetchRequest {
                group_id: args.group.as_str().into(),
                topics: Some(vec![offset_fetch_request::OffsetFetchRequestTopic {
                    name: args.topic.as_str().into(),
                    partition_indexes: assigned.clone(),
                    ..Default::default()
                }]),
                ..Default::default()
            },
            v,
        )?;
        check(of.error_code, "OffsetFetch")?;
        for t in &of.topics {
            for p in &t.partitions {
                if p.committed_offset >= 0 {
                    position.insert(p.partition_index, p.committed_offset);
                }
            }
        }
    }
    let missing: Vec<i32> = assigned
        .iter()
        .copied()
        .filter(|p| !position.contains_key(p))
        .collect();
    if !missing.is_empty() {
        let ts = args
            .reset
            .timestamp()
            .ok_or("no committed offset and auto.offset.reset=none")?;
        for (p, o) in list_offsets(&mut boot, &args.topic, &missing, ts)? {
            position.insert(p, o);
        }
    }
    eprintln!("starting positions {position:?}");

    // Fetch until every assigned partition reaches its high watermark.
    let mut leader_conns: HashMap<i32, Conn> = HashMap::new();
    let opts = RecordOptions::default();
    let mut consumed = 0usize;
    let mut high_watermark: BTreeMap<i32, i64> = BTreeMap::new();
    loop {
        if Instant::now() > deadline {
            return Err("timed out fetching".into());
        }
        let mut by_leader: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for p in &assigned {
            by_leader.entry(leaders[p]).or_default().push(*p);
        }
        for (leader, parts) in by_leader {
            let conn = match leader_conns.entry(leader) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let addr = brokers.get(&leader).ok_or("leader not among brokers")?;
                    e.insert(Conn::open(addr, &args.caps)?)
                }
            };
            let v = conn.version::<FetchRequest>()?;
            let req = FetchRequest {
                replica_id: -1,
                max_wait_ms: 200, // fetch.max.wait.ms
                min_bytes: 1,     // fetch.min.bytes
                max_bytes: 52_428_800,
                session_epoch: -1, // no fetch session: a full fetch every time
                topics: vec![fetch_request::FetchTopic {
                    topic: if v < 13 {
                        args.topic.as_str().into()
                    } else {
                        Default::default()
                    },
                    topic_id: if v >= 13 { topic_id } else { Uuid::NIL },
                    partitions: parts
                        .iter()
                        .map(|p| fetch_request::FetchPartition {
                            partition: *p,
                            fetch_offset: position[p],
                            partition_max_bytes: 1_048_576, // max.partition.fetch.bytes
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }],
                ..Default::default()
            };
            let (resp, _) = conn.call_at(&req, v)?;
            check(resp.error_code, "Fetch")?;
            for (_topic, p) in resp.partitions() {
                check(p.error_code, "Fetch partition")?;
                high_watermark.insert(p.partition_index, p.high_watermark);
                let pos = position
                    .get_mut(&p.partition_index)
                    .ok_or("unasked partition")?;
                let mut out = std::io::stdout().lock();
                p.for_each_record(&opts, |r| {
                    // Compressed batches start before the fetch offset; control records
                    // (transaction markers) advance the position but are not data.
                    if r.offset < *pos {
                        return;
                    }
                    *pos = r.offset + 1;
                    if r.is_control {
                        return;
                    }
                    let headers: Vec<String> = r
                        .headers
                        .clone()
                        .map(|h| format!("[{},{}]", lossy(Some(h.key)), lossy(h.value)))
                        .collect();
                    let _ = writeln!(
                        out,
                        "{{\"topic\":{},\"partition\":{},\"offset\":{},\"timestamp\":{},\"key\":{},\"value\":{},\"headers\":[{}]}}",
                        lossy(Some(args.topic.as_bytes())),
                        p.partition_index,
                        r.offset,
                        r.timestamp.unwrap_or(-1),
                        lossy(r.key),
                        lossy(r.value),
                        headers.join(",")
                    );
                    consumed += 1;
                })?;
            }
        }
        // Heartbeat between polls, as a consumer's background thread would.
        let (hb, _) = coord.call(&HeartbeatRequest {
            group_id: args.group.as_str().into(),
            generation_id: generation,
            member_id: member_id.as_str().into(),
            ..Default::default()
        })?;
        check(hb.error_code, "Heartbeat")?;
        let caught_up = assigned
            .iter()
            .all(|p| high_watermark.get(p).is_some_and(|hw| position[p] >= *hw));
        if caught_up {
            break;
        }
    }

    // Commit the positions (the next offsets to consume).
    let v = coord.version::<OffsetCommitRequest>()?;
    let (oc, _) = coord.call_at(
        &OffsetCommitRequest {
            group_id: args.group.as_str().into(),
            generation_id_or_member_epoch: generation,
            member_id: member_id.as_str().into(),
            topics: vec![offset_commit_request::OffsetCommitRequestTopic {
                name: if v < 10 {
                    args.topic.as_str().into()
                } else {
                    Default::default()
                },
                topic_id: if v >= 10 { topic_id } else { Uuid::NIL },
                partitions: position
                    .iter()
                    .map(
                        |(p, o)| offset_commit_request::OffsetCommitRequestPartition {
                            partition_index: *p,
                            committed_offset: *o,
                            committed_metadata: Some("".into()),
                            ..Default::default()
                        },
                    )
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        },
        v,
    )?;
    for t in &oc.topics {
        for p in &t.partitions {
            check(p.error_code, "OffsetCommit")?;
        }
    }

    // Lag, as a consumer reports it: the high watermark of the last fetch minus the committed
    // offset. ListOffsets(latest) is shown beside it: against Tansu 0.6 it answered 1 where the
    // fetched high watermark was 20, so the two can differ there.
    let log_end = list_offsets(&mut boot, &args.topic, &assigned, -1)?;
    let mut parts = Vec::new();
    for p in &assigned {
        let end = log_end.get(p).copied().unwrap_or(-1);
        let hw = high_watermark.get(p).copied().unwrap_or(-1);
        parts.push(format!(
            "{{\"partition\":{p},\"committed\":{},\"high_watermark\":{hw},\"log_end\":{end},\"lag\":{}}}",
            position[p],
            (hw - position[p]).max(0)
        ));
    }
    println!(
        "{{\"summary\":{{\"group\":{},\"member_id\":{},\"generation\":{generation},\"consumed\":{consumed},\"partitions\":[{}]}}}}",
        lossy(Some(args.group.as_bytes())),
        lossy(Some(member_id.as_bytes())),
        parts.join(",")
    );

    // Leave the group so the coordinator rebalances at once instead of after the session
    // timeout.
    let v = coord.version::<LeaveGroupRequest>()?;
    let (lg, _) = coord.call_at(
        &LeaveGroupRequest {
            group_id: args.group.as_str().into(),
            member_id: if v < 3 {
                member_id.as_str().into()
            } else {
                Default::default()
            },
            members: if v >= 3 {
                vec![leave_group_request::MemberIdentity {
                    member_id: member_id.as_str().into(),
                    ..Default::default()
                }]
            } else {
                vec![]
            },
            ..Default::default()
        },
        v,
    )?;
    check(lg.error_code, "LeaveGroup")?;
    Ok(())
}

/// ListOffsets for `partitions` at `timestamp` (-1 latest, -2 earliest, or a real time:
/// offsetsForTimes).
fn list_offsets(
    conn: &mut Conn,
    topic: &str,
    partitions: &[i32],
    timestamp: i64,
) -> Result<BTreeMap<i32, i64>> {
    let (resp, v) = conn.call(&ListOffsetsRequest {
        replica_id: -1,
        topics: vec![list_offsets_request::ListOffsetsTopic {
            name: topic.into(),
            partitions: partitions
                .iter()
                .map(|p| list_offsets_request::ListOffsetsPartition {
                    partition_index: *p,
                    timestamp,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    })?;
    if std::env::var_os("CONSUMER_TRACE").is_some() {
        eprintln!("ListOffsets v{v} at {timestamp}: {resp:?}");
    }
    let mut out = BTreeMap::new();
    for t in &resp.topics {
        for p in &t.partitions {
            check(p.error_code, "ListOffsets")?;
            let offset = if v == 0 {
                p.old_style_offsets.first().copied().unwrap_or(-1)
            } else {
                p.offset
            };
            out.insert(p.partition_index, offset);
        }
    }
    Ok(out)
}
