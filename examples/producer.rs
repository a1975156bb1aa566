//! Produces records to a real broker with kafka-codec's batch builder and `std::net` alone:
//! ApiVersions, Metadata (the partition leader), then one Produce request carrying one record
//! batch (not one batch per record), optionally compressed.
//!
//! ```sh
//! cargo run --example producer -- --bootstrap 127.0.0.1:9092 --topic orders --partition 0 \
//!     --count 10 [--compression none|gzip|snappy|lz4|zstd] [--prefix p]
//! ```
//!
//! Record `i` has key `{prefix}-key-{i}`, value `{prefix}-value-{i}` and headers
//! `[("seq", i), ("codec", name)]`. Prints `{"base_offset": N, "count": C}` on success.

use std::collections::HashMap;
use std::error::Error;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use kafka_codec::frame::{
    decode_response_message, decode_response_payload, encode_request_message, RequestParams,
};
use kafka_codec::messages::*;
use kafka_codec::records::{Compression, NewRecord, RecordBatchBuilder};
use kafka_codec::{ApiKey, ApiMessage, ErrorCode, Message, Request, ResponseBody, Uuid};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

struct Conn {
    stream: TcpStream,
    correlation_id: i32,
    versions: HashMap<i16, (i16, i16)>,
}

impl Conn {
    fn open(addr: &str) -> Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut c = Conn {
            stream,
            correlation_id: 0,
            versions: HashMap::new(),
        };
        // ApiVersions v0 is understood by every broker; no KIP-511 dance needed here.
        let payload = c.send(&ApiVersionsRequest::default(), 0)?;
        let ResponseBody::ApiVersions(av) =
            decode_response_payload(ApiKey::API_VERSIONS, 0, payload)?.body
        else {
            return Err("ApiVersions did not decode".into());
        };
        for k in av.api_keys {
            c.versions.insert(k.api_key, (k.min_version, k.max_version));
        }
        Ok(c)
    }

    fn send<T: ApiMessage>(&mut self, req: &T, version: i16) -> Result<Bytes> {
        self.correlation_id += 1;
        let params = RequestParams {
            version,
            correlation_id: self.correlation_id,
            client_id: Some("kc-producer"),
        };
        let frame = encode_request_message(req, &params)?;
        self.stream.write_all(&frame)?;
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size)?;
        let size = i32::from_be_bytes(size);
        if !(0..=(64 << 20)).contains(&size) {
            return Err(format!("bad frame size {size}").into());
        }
        let mut payload = vec![0u8; size as usize];
        self.stream.read_exact(&mut payload)?;
        Ok(Bytes::from(payload))
    }

    fn version<T: Message + ApiMessage>(&self) -> Result<i16> {
        let (min, max) = *self
            .versions
            .get(&T::API_KEY.0)
            .ok_or("API not supported")?;
        let v = max.min(T::MAX_VERSION);
        if v < min.max(T::MIN_VERSION) {
            return Err(format!("no common version for {}", T::NAME).into());
        }
        Ok(v)
    }

    fn call<T: Request>(&mut self, req: &T, v: i16) -> Result<T::Response> {
        let payload = self.send(req, v)?;
        Ok(decode_response_message::<T::Response>(v, payload)?.1)
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("producer: {e}");
        std::process::exit(1);
    }
}

const USAGE: &str = "usage: producer --bootstrap H:P --topic T --partition N --count C \
[--compression none|gzip|snappy|lz4|zstd] [--prefix P]";

fn run() -> Result<()> {
    let mut opts: HashMap<String, String> = HashMap::new();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        std::process::exit(0);
    }
    for pair in argv.chunks(2) {
        match pair {
            [k, v] if k.starts_with("--") => {
                opts.insert(k[2..].to_string(), v.clone());
            }
            _ => return Err(USAGE.into()),
        }
    }
    let get = |k: &str| opts.get(k).cloned().ok_or(format!("--{k} is required"));
    let bootstrap = get("bootstrap")?;
    let topic = get("topic")?;
    let partition: i32 = get("partition")?.parse()?;
    let count: usize = get("count")?.parse()?;
    let prefix = opts.get("prefix").cloned().unwrap_or_else(|| "p".into());
    let codec_name = opts
        .get("compression")
        .cloned()
        .unwrap_or_else(|| "none".into());
    let compression = match codec_name.as_str() {
        "none" => Compression::None,
        "gzip" => Compression::Gzip,
        "snappy" => Compression::Snappy,
        "lz4" => Compression::Lz4,
        "zstd" => Compression::Zstd,
        other => return Err(format!("unknown compression {other}").into()),
    };

    // Find the partition leader.
    let mut boot = Conn::open(&bootstrap)?;
    let v = boot.version::<MetadataRequest>()?;
    let md = boot.call(
        &MetadataRequest::default()
            .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
            )
            .with_name(Some(topic.as_str().into()))])),
        v,
    )?;
    let t = md
        .topics
        .iter()
        .find(|t| t.name.as_ref().is_some_and(|n| *n == topic))
        .ok_or("topic not in metadata")?;
    let leader = t
        .partitions
        .iter()
        .find(|p| p.partition_index == partition)
        .ok_or("partition not in metadata")?
        .leader_id;
    let b = md
        .brokers
        .iter()
        .find(|b| b.node_id == leader)
        .ok_or("leader not among brokers")?;
    let mut conn = Conn::open(&format!("{}:{}", b.host, b.port))?;

    // One batch for all records.
    let now = 1_700_000_000_000i64;
    let mut builder = RecordBatchBuilder::new(0).compression(compression);
    for i in 0..count {
        builder.push(
            NewRecord::new(now + i as i64)
                .key(format!("{prefix}-key-{i}").as_bytes())
                .value(format!("{prefix}-value-{i}").as_bytes())
                .header(b"seq", i.to_string().as_bytes())
                .header(b"codec", codec_name.as_bytes()),
        );
    }
    let batch = builder.build()?;

    let v = conn.version::<ProduceRequest>()?;
    if v < 3 {
        return Err("this example writes magic-2 batches, which need Produce v3+".into());
    }
    let req = ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(10_000)
        .with_topic_data(vec![produce_request::TopicProduceData::default()
            .with_name(if v < 13 {
                topic.as_str().into()
            } else {
                Default::default()
            })
            .with_topic_id(if v >= 13 { t.topic_id } else { Uuid::NIL })
            .with_partition_data(vec![
                produce_request::PartitionProduceData::default()
                    .with_index(partition)
                    .with_records(Some(batch)),
            ])]);
    let resp = conn.call(&req, v)?;
    let p = resp
        .responses
        .first()
        .and_then(|t| t.partition_responses.first())
        .ok_or("empty Produce response")?;
    if p.error_code != 0 {
        return Err(format!("Produce: {}", ErrorCode(p.error_code)).into());
    }
    println!("{{\"base_offset\":{},\"count\":{count}}}", p.base_offset);
    Ok(())
}
