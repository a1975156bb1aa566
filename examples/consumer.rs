//! A whole consumer-group session against a real broker, built only on kafka-codec and
//! `std::net`: ApiVersions, Metadata, FindCoordinator, then the library's group member
//! (`consumer_group::membership::classic`) drives JoinGroup, SyncGroup (as leader it runs the
//! library's assignor), Heartbeat, and LeaveGroup; on each assignment the consumer reads the
//! committed offsets (OffsetFetch), falls back to `auto.offset.reset` (ListOffsets), fetches
//! until the log end, and commits when the member revokes partitions or leaves.
//!
//! ```sh
//! cargo run --example consumer -- --bootstrap 127.0.0.1:9092 --topic orders --group billing \
//!     [--reset earliest|latest|none] [--assignor range|roundrobin|sticky|cooperative-sticky] \
//!     [--instance-id ID] [--linger-ms MS] [--timeout-secs 30] [--max-version API_KEY=VERSION ...]
//! ```
//!
//! Prints one JSON line per record consumed (`{"topic","partition","offset","key","value",
//! "headers"}`), then a summary line `{"summary": ...}` with the committed offsets, log end
//! offsets and lag of each partition it owned at the end. With `--linger-ms`, it keeps its
//! place in the group that long after catching up (taking part in rebalances) before leaving.

// Messages are built as `let mut m = X::default(); m.field = ...;` (docs/design/round2.md).
#![allow(clippy::field_reassign_with_default)]

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_codec::consumer::AutoOffsetReset;
use kafka_codec::consumer_group::assignor::ClusterMetadata;
use kafka_codec::consumer_group::membership::classic::{
    leave_group_for_version, Action, ClassicConfig, ClassicMember, MemberState,
};
use kafka_codec::consumer_group::membership::PartitionSet;
use kafka_codec::consumer_group::offsets::{
    offset_commit_request, read_offset_commit_response, OffsetAndMetadata,
};
use kafka_codec::frame::{
    decode_response_message, decode_response_payload, encode_request_message, RequestParams,
};
use kafka_codec::messages::*;
use kafka_codec::records::{IsolationLevel, Lag, LogicalRecord, RecordOptions};
use kafka_codec::{ApiKey, ErrorCode, Message, Request, ResponseBody, Uuid};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Hands `emit` the records of one fetched partition from the position `*pos` on, and moves
/// `*pos` to where the next fetch starts: after the last complete batch, as Kafka's Java consumer
/// does. Following the last record instead would stall on a compacted batch (its last offsets
/// removed), on an empty batch the log cleaner kept, and on a transaction marker at the log end:
/// each would be fetched again forever. Records below `*pos` (a batch fetched from its middle)
/// and control records are not handed out. Returns how many records were.
fn consume_partition(
    p: &fetch_response::PartitionData,
    pos: &mut i64,
    opts: &RecordOptions,
    emit: impl FnMut(LogicalRecord<'_>),
) -> Result<usize> {
    let done = p.consume(*pos, IsolationLevel::ReadUncommitted, opts, emit)?;
    *pos = done.next_offset;
    Ok(done.delivered)
}

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
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
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
        let req = ApiVersionsRequest::default()
            .with_client_software_name("kafka-codec-example".into())
            .with_client_software_version(env!("CARGO_PKG_VERSION").into());
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
    instance_id: Option<String>,
    timeout: Duration,
    /// Keep consuming this long after catching up (waiting for rebalances) before leaving.
    linger: Duration,
    /// session.timeout.ms (the heartbeat interval is a tenth of it, at least 100 ms).
    session_timeout_ms: i32,
    /// `--max-version API_KEY=V`: never use a higher version of that API (for peers that
    /// advertise versions they do not handle).
    caps: HashMap<i16, i16>,
}

const USAGE: &str = "usage: consumer --topic T --group G [--bootstrap H:P] \
[--assignor range|roundrobin|sticky|cooperative-sticky] [--instance-id ID] [--linger-ms N] \
[--reset earliest|latest|none] [--session-timeout-ms N] [--timeout-secs N] \
[--max-version API_KEY=VERSION ...]";

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
        instance_id: None,
        timeout: Duration::from_secs(30),
        linger: Duration::ZERO,
        session_timeout_ms: 30_000,
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
            "--instance-id" => a.instance_id = Some(v),
            "--timeout-secs" => a.timeout = Duration::from_secs(v.parse()?),
            "--linger-ms" => a.linger = Duration::from_millis(v.parse()?),
            "--session-timeout-ms" => a.session_timeout_ms = v.parse()?,
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

/// The consumer's state around the library's group member: connections, the topic's
/// metadata, and the position of every partition it owns.
struct Consumer {
    args: Args,
    start: Instant,
    boot: Conn,
    brokers: HashMap<i32, String>,
    topic_id: Uuid,
    leaders: BTreeMap<i32, i32>,
    metadata: ClusterMetadata,
    coord: Option<Conn>,
    member: ClassicMember,
    /// Owned partition → next offset to consume.
    position: BTreeMap<i32, i64>,
    high_watermark: BTreeMap<i32, i64>,
    /// Every partition this process consumed from, with its last committed position.
    committed: BTreeMap<i32, i64>,
    leader_conns: HashMap<i32, Conn>,
    consumed: usize,
    /// Member id and generation of the last assignment, for the summary.
    last_member_id: String,
    last_generation: i32,
}

fn run() -> Result<()> {
    let args = parse_args()?;
    let start = Instant::now();
    let mut boot = Conn::open(&args.bootstrap, &args.caps)?;

    // Metadata: partitions, leaders, brokers, topic id, replica racks (for the assignors).
    let mut mreq = MetadataRequest::default();
    let mut mt = metadata_request::MetadataRequestTopic::default();
    mt.name = Some(args.topic.as_str().into());
    mreq.topics = Some(vec![mt]);
    mreq.allow_auto_topic_creation = false;
    let (md, _) = boot.call(&mreq)?;
    let brokers: HashMap<i32, String> = md
        .brokers
        .iter()
        .map(|b| (b.node_id, format!("{}:{}", b.host, b.port)))
        .collect();
    let t = md
        .topics
        .iter()
        .find(|t| t.name.as_ref().is_some_and(|n| *n == args.topic))
        .ok_or("topic not in metadata")?;
    check(t.error_code, "Metadata topic")?;
    let topic_id = t.topic_id;
    let leaders: BTreeMap<i32, i32> = t
        .partitions
        .iter()
        .map(|p| (p.partition_index, p.leader_id))
        .collect();
    let metadata = ClusterMetadata::from_metadata_response(&md);

    // The group member: the library's classic-protocol state machine. Offsets are committed
    // when it says partitions are revoked (`Action::Commit`), as enable.auto.commit does.
    let mut config = ClassicConfig::new(args.group.as_str())
        .with_assignors([args.assignor.as_str()])
        .with_session_timeout_ms(args.session_timeout_ms)
        .with_heartbeat_interval_ms((args.session_timeout_ms / 10).max(100))
        .with_rebalance_timeout_ms(30_000);
    if let Some(id) = &args.instance_id {
        config = config.with_group_instance_id(id.as_str());
    }
    let member = ClassicMember::new(config, [args.topic.as_str()]);
    let deadline = start + args.timeout;
    let linger = args.linger;
    let mut c = Consumer {
        args,
        start,
        boot,
        brokers,
        topic_id,
        leaders,
        metadata,
        coord: None,
        member,
        position: BTreeMap::new(),
        high_watermark: BTreeMap::new(),
        committed: BTreeMap::new(),
        leader_conns: HashMap::new(),
        consumed: 0,
        last_member_id: String::new(),
        last_generation: -1,
    };

    // The poll loop: let the member act (join, sync, heartbeat, revoke, assign), fetch what
    // it owns, repeat until caught up (and, with --linger-ms, no rebalance for that long).
    let mut caught_up_since: Option<Instant> = None;
    loop {
        if Instant::now() > deadline {
            return Err(format!(
                "timed out (member state {:?}, owning {:?})",
                c.member.state(),
                c.position.keys().collect::<Vec<_>>()
            )
            .into());
        }
        let actions = c.member.poll(c.now());
        c.carry_out(actions)?;
        if c.member.state() != MemberState::Stable || c.member.rejoin_pending() {
            caught_up_since = None;
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        c.fetch_round()?;
        let caught_up = c
            .position
            .iter()
            .all(|(p, pos)| c.high_watermark.get(p).is_some_and(|hw| pos >= hw));
        if !caught_up {
            caught_up_since = None;
            continue;
        }
        let since = *caught_up_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= linger {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    // Commit what was consumed before leaving, as the Java consumer's close() does. A
    // coordinator in the middle of a rebalance refuses commits (REBALANCE_IN_PROGRESS; the
    // librdkafka mock does so while members rejoin): take part in the rebalance, then commit
    // what is still owned (partitions revoked on the way are committed when they go).
    let mut attempts = 0;
    loop {
        let owned = c.member.assigned().clone();
        let refused = c.commit(&owned)?;
        if !refused.contains(&ErrorCode::REBALANCE_IN_PROGRESS) {
            break;
        }
        attempts += 1;
        if attempts > 100 || Instant::now() > deadline {
            return Err("the group kept rebalancing: could not commit before leaving".into());
        }
        std::thread::sleep(Duration::from_millis(100));
        let actions = c.member.poll(c.now());
        c.carry_out(actions)?;
    }

    // Leave: the member revokes what it owns (committing it again, now a no-op), then sends
    // LeaveGroup (a static member only commits: it keeps its place for a restart within the
    // session timeout).
    let owned: Vec<i32> = c.position.keys().copied().collect();
    let final_positions = c.position.clone();
    let actions = c.member.leave(c.now(), "the example consumer is done");
    c.carry_out(actions)?;

    // Lag, as a consumer reports it: the high watermark of the last fetch minus the committed
    // offset. ListOffsets(latest) is shown beside it: against Tansu 0.6 it answered 1 where the
    // fetched high watermark was 20, so the two can differ there.
    let log_end = list_offsets(&mut c.boot, &c.args.topic, &owned, -1)?;
    let mut parts = Vec::new();
    for p in &owned {
        let end = log_end.get(p).copied().unwrap_or(-1);
        let hw = c.high_watermark.get(p).copied().unwrap_or(-1);
        let pos = final_positions[p];
        parts.push(format!(
            "{{\"partition\":{p},\"committed\":{},\"high_watermark\":{hw},\"log_end\":{end},\"lag\":{}}}",
            c.committed.get(p).copied().unwrap_or(-1),
            // read_uncommitted: high watermark − position; null when no high watermark is known.
            match Lag::from_end_offset(hw, pos) {
                Lag::Known(n) => n.to_string(),
                Lag::Unknown => "null".to_string(),
            }
        ));
    }
    println!(
        "{{\"summary\":{{\"group\":{},\"member_id\":{},\"generation\":{},\"consumed\":{},\"partitions\":[{}]}}}}",
        lossy(Some(c.args.group.as_bytes())),
        lossy(Some(c.last_member_id.as_bytes())),
        c.last_generation,
        c.consumed,
        parts.join(",")
    );
    Ok(())
}

impl Consumer {
    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Carries out the member's actions in order, feeding it each response.
    fn carry_out(&mut self, actions: Vec<Action>) -> Result<()> {
        let mut queue: std::collections::VecDeque<Action> = actions.into();
        while let Some(action) = queue.pop_front() {
            let more = self.carry_out_one(action)?;
            queue.extend(more);
        }
        Ok(())
    }

    fn carry_out_one(&mut self, action: Action) -> Result<Vec<Action>> {
        let trace = std::env::var_os("CONSUMER_TRACE").is_some();
        Ok(match action {
            Action::FindCoordinator => match self.find_coordinator() {
                Ok(conn) => {
                    self.coord = Some(conn);
                    self.member.coordinator_found(self.now())
                }
                Err(e) => {
                    eprintln!("FindCoordinator failed: {e}");
                    self.member.coordinator_lookup_failed(self.now())
                }
            },
            Action::JoinGroup(req) => match self.coordinator()?.call(&req) {
                Ok((resp, _)) => {
                    if trace {
                        eprintln!(
                            "JoinGroup: {} gen {} leader {} ({} members)",
                            ErrorCode(resp.error_code),
                            resp.generation_id,
                            resp.leader,
                            resp.members.len()
                        );
                    }
                    self.member.on_join_group_response(self.now(), &resp)
                }
                Err(e) => self.failed(ApiKey::JOIN_GROUP, e),
            },
            Action::SyncGroup(req) => match self.coordinator()?.call(&req) {
                Ok((resp, _)) => {
                    if trace {
                        eprintln!(
                            "SyncGroup gen {}: {}",
                            req.generation_id,
                            ErrorCode(resp.error_code)
                        );
                    }
                    self.member.on_sync_group_response(self.now(), &resp)
                }
                Err(e) => self.failed(ApiKey::SYNC_GROUP, e),
            },
            Action::Heartbeat(req) => match self.coordinator()?.call(&req) {
                Ok((resp, _)) => {
                    if trace && resp.error_code != 0 {
                        eprintln!(
                            "Heartbeat gen {}: {}",
                            req.generation_id,
                            ErrorCode(resp.error_code)
                        );
                    }
                    self.member.on_heartbeat_response(self.now(), &resp)
                }
                Err(e) => self.failed(ApiKey::HEARTBEAT, e),
            },
            Action::LeaveGroup(req) => {
                let conn = self.coordinator()?;
                let v = conn.version::<LeaveGroupRequest>()?;
                match conn.call_at(&leave_group_for_version(&req, v), v) {
                    Ok((resp, _)) => self.member.on_leave_group_response(self.now(), &resp),
                    Err(e) => {
                        eprintln!("LeaveGroup failed: {e}");
                        Vec::new()
                    }
                }
            }
            Action::ComputeAssignment(req) => {
                for m in &req.members {
                    eprintln!(
                        "member {} subscribes to {:?}",
                        m.member_id, m.subscription.message.topics
                    );
                }
                match req.run(&self.metadata) {
                    Ok(a) => {
                        eprintln!(
                            "{} assignment for generation {}: {a:?}",
                            req.protocol_name, req.generation_id
                        );
                        self.member
                            .assignment_computed(self.now(), req.generation_id, &a)
                    }
                    Err(e) => {
                        self.member
                            .assignment_failed(self.now(), req.generation_id, &e.to_string())
                    }
                }
            }
            Action::Commit(parts) => {
                self.commit(&parts)?;
                Vec::new()
            }
            Action::Revoke(parts) | Action::Lost(parts) => {
                for tp in &parts {
                    self.position.remove(&tp.partition);
                }
                eprintln!(
                    "gave up {:?}",
                    parts.iter().map(|tp| tp.partition).collect::<Vec<_>>()
                );
                Vec::new()
            }
            Action::Assign(parts) => {
                let added: Vec<i32> = parts
                    .iter()
                    .filter(|tp| tp.topic == self.args.topic)
                    .map(|tp| tp.partition)
                    .collect();
                self.start_positions(&added)?;
                self.last_member_id = self.member.member_id().to_string();
                self.last_generation = self.member.generation().generation_id;
                eprintln!(
                    "member {} generation {}: added {added:?}, owning {:?}",
                    self.last_member_id,
                    self.last_generation,
                    self.position.keys().collect::<Vec<_>>()
                );
                Vec::new()
            }
            Action::Error(e) if e.fatal => return Err(e.into()),
            Action::Error(e) => {
                eprintln!("{e}");
                Vec::new()
            }
            other => {
                eprintln!("unhandled action {other:?}");
                Vec::new()
            }
        })
    }

    fn coordinator(&mut self) -> Result<&mut Conn> {
        self.coord
            .as_mut()
            .ok_or_else(|| "no coordinator connection".into())
    }

    /// A request to the coordinator failed on the connection: drop it, tell the member.
    fn failed(&mut self, api: ApiKey, e: Box<dyn Error>) -> Vec<Action> {
        eprintln!("{api:?} failed: {e}");
        self.coord = None;
        self.member.request_failed(self.now(), api)
    }

    fn find_coordinator(&mut self) -> Result<Conn> {
        let v = self.boot.version::<FindCoordinatorRequest>()?;
        let mut req = FindCoordinatorRequest::default();
        if v >= 4 {
            req.coordinator_keys = vec![self.args.group.as_str().into()];
        } else {
            req.key = self.args.group.as_str().into();
        }
        let (fc, _) = self.boot.call_at(&req, v)?;
        let coordinator = if v >= 4 {
            let c = fc.coordinators.first().ok_or("no coordinator")?;
            check(c.error_code, "FindCoordinator")?;
            format!("{}:{}", c.host, c.port)
        } else {
            check(fc.error_code, "FindCoordinator")?;
            format!("{}:{}", fc.host, fc.port)
        };
        Conn::open(&coordinator, &self.args.caps)
    }

    /// Commits the positions of `parts` (those this consumer has) with the member's generation.
    /// Commits the positions of `parts` it has; returns the error codes of refused partitions.
    fn commit(&mut self, parts: &PartitionSet) -> Result<Vec<ErrorCode>> {
        let mut offsets = BTreeMap::new();
        for tp in parts {
            if let Some(pos) = self.position.get(&tp.partition) {
                offsets.insert(tp.clone(), OffsetAndMetadata::new(*pos));
            }
        }
        if offsets.is_empty() {
            return Ok(Vec::new());
        }
        let generation = self.member.generation().clone();
        let mut req = offset_commit_request(
            &self.args.group,
            generation.generation_id,
            &generation.member_id,
            self.args.instance_id.as_deref(),
            &offsets,
        );
        let topic_id = self.topic_id;
        let conn = self.coordinator()?;
        let v = conn.version::<OffsetCommitRequest>()?;
        if v >= 10 {
            for t in &mut req.topics {
                t.name = Default::default();
                t.topic_id = topic_id;
            }
        }
        if v < 7 {
            req.group_instance_id = None;
        }
        let (resp, _) = conn.call_at(&req, v)?;
        let refused = read_offset_commit_response(&resp);
        if refused.is_empty() {
            for (tp, o) in &offsets {
                self.committed.insert(tp.partition, o.offset);
            }
            eprintln!("committed {offsets:?}");
        } else {
            eprintln!("OffsetCommit refused: {refused:?}");
        }
        Ok(refused.into_iter().map(|(_, code)| code).collect())
    }

    /// Committed offsets (OffsetFetch) for newly assigned partitions, then auto.offset.reset
    /// via ListOffsets where none.
    fn start_positions(&mut self, added: &[i32]) -> Result<()> {
        if added.is_empty() {
            return Ok(());
        }
        let group = self.args.group.clone();
        let topic = self.args.topic.clone();
        let topic_id = self.topic_id;
        let conn = self.coordinator()?;
        let v = conn.version::<OffsetFetchRequest>()?;
        let mut found: BTreeMap<i32, i64> = BTreeMap::new();
        if v >= 8 {
            let mut t = offset_fetch_request::OffsetFetchRequestTopics::default();
            t.name = topic.as_str().into();
            t.topic_id = topic_id;
            t.partition_indexes = added.to_vec();
            let mut g = offset_fetch_request::OffsetFetchRequestGroup::default();
            g.group_id = group.as_str().into();
            g.topics = Some(vec![t]);
            let mut req = OffsetFetchRequest::default();
            req.groups = vec![g];
            let (of, _) = conn.call_at(&req, v)?;
            for g in &of.groups {
                check(g.error_code, "OffsetFetch")?;
                for t in &g.topics {
                    for p in &t.partitions {
                        if p.committed_offset >= 0 {
                            found.insert(p.partition_index, p.committed_offset);
                        }
                    }
                }
            }
        } else {
            let mut t = offset_fetch_request::OffsetFetchRequestTopic::default();
            t.name = topic.as_str().into();
            t.partition_indexes = added.to_vec();
            let mut req = OffsetFetchRequest::default();
            req.group_id = group.as_str().into();
            req.topics = Some(vec![t]);
            let (of, _) = conn.call_at(&req, v)?;
            check(of.error_code, "OffsetFetch")?;
            for t in &of.topics {
                for p in &t.partitions {
                    if p.committed_offset >= 0 {
                        found.insert(p.partition_index, p.committed_offset);
                    }
                }
            }
        }
        let missing: Vec<i32> = added
            .iter()
            .copied()
            .filter(|p| !found.contains_key(p))
            .collect();
        if !missing.is_empty() {
            let ts = self
                .args
                .reset
                .timestamp()
                .ok_or("no committed offset and auto.offset.reset=none")?;
            for (p, o) in list_offsets(&mut self.boot, &topic, &missing, ts)? {
                found.insert(p, o);
            }
        }
        for (p, o) in found {
            self.position.insert(p, o);
        }
        eprintln!("starting positions {:?}", self.position);
        Ok(())
    }

    /// One Fetch per leader for the owned partitions; prints the records.
    fn fetch_round(&mut self) -> Result<()> {
        let opts = RecordOptions::default();
        let mut by_leader: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for p in self.position.keys() {
            let leader = *self.leaders.get(p).ok_or("partition not in metadata")?;
            by_leader.entry(leader).or_default().push(*p);
        }
        for (leader, parts) in by_leader {
            let conn = match self.leader_conns.entry(leader) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let addr = self
                        .brokers
                        .get(&leader)
                        .ok_or("leader not among brokers")?;
                    e.insert(Conn::open(addr, &self.args.caps)?)
                }
            };
            let v = conn.version::<FetchRequest>()?;
            let mut ft = fetch_request::FetchTopic::default();
            if v >= 13 {
                ft.topic_id = self.topic_id;
            } else {
                ft.topic = self.args.topic.as_str().into();
            }
            for p in &parts {
                let mut fp = fetch_request::FetchPartition::default();
                fp.partition = *p;
                fp.fetch_offset = self.position[p];
                fp.partition_max_bytes = 1_048_576; // max.partition.fetch.bytes
                ft.partitions.push(fp);
            }
            let mut req = FetchRequest::default();
            req.replica_id = -1;
            req.max_wait_ms = 200; // fetch.max.wait.ms
            req.min_bytes = 1; // fetch.min.bytes
            req.max_bytes = 52_428_800;
            req.session_epoch = -1; // no fetch session: a full fetch every time
            req.topics = vec![ft];
            let (resp, _) = conn.call_at(&req, v)?;
            check(resp.error_code, "Fetch")?;
            for (_topic, p) in resp.partitions() {
                check(p.error_code, "Fetch partition")?;
                self.high_watermark
                    .insert(p.partition_index, p.high_watermark);
                let pos = self
                    .position
                    .get_mut(&p.partition_index)
                    .ok_or("unasked partition")?;
                let mut out = std::io::stdout().lock();
                let topic = &self.args.topic;
                self.consumed += consume_partition(p, pos, &opts, |r| {
                    let headers: Vec<String> = r
                        .headers
                        .clone()
                        .map(|h| format!("[{},{}]", lossy(Some(h.key)), lossy(h.value)))
                        .collect();
                    let _ = writeln!(
                        out,
                        "{{\"topic\":{},\"partition\":{},\"offset\":{},\"timestamp\":{},\"key\":{},\"value\":{},\"headers\":[{}]}}",
                        lossy(Some(topic.as_bytes())),
                        p.partition_index,
                        r.offset,
                        r.timestamp.unwrap_or(-1),
                        lossy(r.key),
                        lossy(r.value),
                        headers.join(",")
                    );
                })?;
            }
        }
        Ok(())
    }
}

/// ListOffsets for `partitions` at `timestamp` (-1 latest, -2 earliest, or a real time:
/// offsetsForTimes).
fn list_offsets(
    conn: &mut Conn,
    topic: &str,
    partitions: &[i32],
    timestamp: i64,
) -> Result<BTreeMap<i32, i64>> {
    let (resp, v) = conn.call(
        &ListOffsetsRequest::default()
            .with_replica_id(-1)
            .with_topics(vec![list_offsets_request::ListOffsetsTopic::default()
                .with_name(topic.into())
                .with_partitions(
                    partitions
                        .iter()
                        .map(|p| {
                            list_offsets_request::ListOffsetsPartition::default()
                                .with_partition_index(*p)
                                .with_timestamp(timestamp)
                        })
                        .collect(),
                )]),
    )?;
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

#[cfg(test)]
// Messages are built field by field from `default()` (docs/design/round2.md: no struct literals
// outside src/, the types become #[non_exhaustive]).
#[allow(clippy::field_reassign_with_default)]
mod tests {
    //! The fetch loop over crafted logs that stall a consumer which follows the last record:
    //! each test plays a broker that answers every fetch with the batches from the fetch offset
    //! on, and checks the loop reaches the high watermark in a bounded number of fetches.

    use super::*;
    use kafka_codec::records::{ControlRecordType, NewRecord, RecordBatchBuilder};

    /// Answers a fetch at `offset` as a broker would: every batch whose last offset is at or
    /// after it (whole batches, so the first may start before `offset`).
    fn fetch(log: &[Bytes], high_watermark: i64, offset: i64) -> fetch_response::PartitionData {
        let opts = RecordOptions::default();
        let mut records = Vec::new();
        for b in log {
            let e = kafka_codec::records::entries(b, &opts)
                .next()
                .unwrap()
                .unwrap();
            if e.next_offset().unwrap() > offset {
                records.extend_from_slice(b);
            }
        }
        let mut p = fetch_response::PartitionData::default();
        p.high_watermark = high_watermark;
        p.records = Some(Bytes::from(records));
        p
    }

    /// Runs the example's loop until the position reaches the high watermark; the offsets
    /// consumed, or a panic after 10 fetches (a stall).
    fn run(log: &[Bytes], high_watermark: i64) -> Vec<i64> {
        let opts = RecordOptions::default();
        let mut pos = 0;
        let mut seen = Vec::new();
        for _ in 0..10 {
            if pos >= high_watermark {
                return seen;
            }
            let p = fetch(log, high_watermark, pos);
            consume_partition(&p, &mut pos, &opts, |r| seen.push(r.offset)).unwrap();
        }
        panic!("stalled at {pos} (high watermark {high_watermark}), consumed {seen:?}");
    }

    fn batch(base: i64, values: &[&[u8]]) -> Bytes {
        let mut b = RecordBatchBuilder::new(base);
        for v in values {
            b.push(NewRecord::new(1_700_000_000_000).value(v));
        }
        b.build().unwrap()
    }

    #[test]
    fn compacted_batch_is_passed() {
        // Written with offsets 0..=4; compaction left 0, 1, 2. High watermark 5.
        let mut b = RecordBatchBuilder::new(0).last_offset_delta(4);
        for v in [b"a", b"b", b"c"] {
            b.push(NewRecord::new(1).value(v));
        }
        let log = [b.build().unwrap()];
        assert_eq!(run(&log, 5), [0, 1, 2]);
    }

    #[test]
    fn empty_batch_is_passed() {
        // The cleaner kept a batch with no record (offsets 2..=3), then a batch at 4.
        let empty = RecordBatchBuilder::new(2)
            .last_offset_delta(1)
            .build()
            .unwrap();
        let log = [batch(0, &[b"a", b"b"]), empty];
        assert_eq!(run(&log, 4), [0, 1]);
        let log = [batch(0, &[b"a", b"b"]), log[1].clone(), batch(4, &[b"e"])];
        assert_eq!(run(&log, 5), [0, 1, 4]);
    }

    #[test]
    fn transaction_marker_at_the_log_end_is_passed() {
        let mut b = RecordBatchBuilder::new(0)
            .producer(7, 0, 0)
            .transactional(true);
        b.push(NewRecord::new(1).value(b"a"))
            .push(NewRecord::new(1).value(b"b"));
        let marker =
            RecordBatchBuilder::transaction_marker(2, 7, 0, ControlRecordType::COMMIT, 3, 1)
                .unwrap();
        let log = [b.build().unwrap(), marker];
        assert_eq!(run(&log, 3), [0, 1]);
    }
}
