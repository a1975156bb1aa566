//! A logging Kafka proxy: relays a client's connections to one upstream broker byte for byte
//! and prints one line per request/response exchange.
//!
//! ```sh
//! cargo run --features tokio --example proxy -- --listen 127.0.0.1:19193 --upstream 127.0.0.1:19192
//! ```
//!
//! Point the broker's advertised listener at the proxy (Tansu: `--advertised-listener-url
//! tcp://127.0.0.1:19193`) so that clients keep talking through it after the metadata
//! round trip.
//!
//! Forwarding never depends on decoding: frames are split with [`FrameCodec`] and forwarded as
//! the bytes received. Only the request header (and Produce `acks`) is read before forwarding,
//! to remember which API and version the response will answer; the full decode of a clone is
//! for the log line only, after forwarding, and a failure to decode is logged, not fatal.
//!
//! Each line: `conn`, API and version, correlation id, client id, request and response sizes
//! (frame bytes, prefix included), round-trip time, and the response's top-level error code
//! where the API has one. Produce with `acks=0` gets its line when the request passes (and a
//! second one, marked `answered_acks0`, if the broker answers it anyway, as Tansu does).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use kafka_codec::correlator::{CorrelationError, Correlator, Expect};
use kafka_codec::frame::{decode_request_payload, DEFAULT_MAX_FRAME_SIZE};
use kafka_codec::tokio::{CodecError, FrameCodec};
use kafka_codec::{ErrorCode, ResponseBody};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, FramedWrite};

struct Args {
    listen: SocketAddr,
    upstream: String,
    max_frame_size: usize,
}

const USAGE: &str = "usage: proxy --listen ADDR:PORT --upstream HOST:PORT [--max-frame-size BYTES]";

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut listen = None;
    let mut upstream = None;
    let mut max_frame_size = DEFAULT_MAX_FRAME_SIZE;
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        std::process::exit(0);
    }
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--listen" => listen = Some(value().parse().unwrap_or_else(|_| usage())),
            "--upstream" => upstream = Some(value()),
            "--max-frame-size" => max_frame_size = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    match (listen, upstream) {
        (Some(listen), Some(upstream)) => Args {
            listen,
            upstream,
            max_frame_size,
        },
        _ => usage(),
    }
}

/// What the log line needs about a request until its response passes.
struct Seen {
    client_id: String,
    request_bytes: usize,
    sent_at: Instant,
    note: String,
}

/// Per-connection state shared by the two directions.
#[derive(Default)]
struct Exchanges {
    correlator: Correlator,
    seen: HashMap<i32, Seen>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = parse_args();
    let listener = TcpListener::bind(args.listen).await?;
    eprintln!("proxy: {} -> {}", args.listen, args.upstream);
    let next_conn = AtomicU64::new(1);
    loop {
        let (client, peer) = listener.accept().await?;
        let conn = next_conn.fetch_add(1, Ordering::Relaxed);
        let upstream = args.upstream.clone();
        let max = args.max_frame_size;
        tokio::spawn(async move {
            match relay(conn, client, &upstream, max).await {
                Ok(()) => eprintln!("conn={conn} {peer} closed"),
                Err(e) => eprintln!("conn={conn} {peer} ended: {e}"),
            }
        });
    }
}

async fn relay(conn: u64, client: TcpStream, upstream: &str, max: usize) -> Result<(), CodecError> {
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_r, client_w) = client.into_split();
    let (server_r, server_w) = server.into_split();
    let codec = FrameCodec::with_max_frame_size(max);
    let state = Arc::new(Mutex::new(Exchanges::default()));

    let requests = {
        let state = state.clone();
        let mut from = FramedRead::new(client_r, codec);
        let mut to = FramedWrite::new(server_w, codec);
        async move {
            while let Some(payload) = from.next().await {
                let payload = payload?;
                // Remember the request before it can be answered: read its header only.
                let tracked = state.lock().unwrap().correlator.track_payload(&payload);
                to.send(payload.clone()).await?;
                on_request(conn, &state, tracked, payload);
            }
            Ok::<_, CodecError>(())
        }
    };
    let responses = {
        let mut from = FramedRead::new(server_r, codec);
        let mut to = FramedWrite::new(client_w, codec);
        async move {
            while let Some(payload) = from.next().await {
                let payload = payload?;
                to.send(payload.clone()).await?;
                on_response(conn, &state, payload);
            }
            Ok::<_, CodecError>(())
        }
    };
    // Either side closing ends the connection (the other half is dropped).
    tokio::select! {
        r = requests => r,
        r = responses => r,
    }
}

fn on_request(
    conn: u64,
    state: &Mutex<Exchanges>,
    tracked: Result<(kafka_codec::messages::RequestHeader, Expect), CorrelationError>,
    payload: Bytes,
) {
    let size = payload.len() + 4;
    let (header, expect) = match tracked {
        Ok(t) => t,
        Err(e) => {
            println!("conn={conn} request of {size}B not tracked: {e}");
            return;
        }
    };
    let key = header.request_api_key;
    let version = header.request_api_version;
    // Shown as Kafka's Java code reads it: U+FFFD where the bytes are not UTF-8.
    let client_id = header
        .client_id
        .as_ref()
        .map_or_else(|| "-".to_string(), ToString::to_string);
    // The full decode is for the log only.
    let note = match decode_request_payload(payload) {
        Ok(f) if f.trailing.is_empty() => String::new(),
        Ok(f) => format!(" request_trailing={}B", f.trailing.len()),
        Err(e) => format!(" request_undecoded=\"{e}\""),
    };
    if expect == Expect::NoResponse {
        println!(
            "conn={conn} {key} v{version} corr={} client={client_id} req={size}B acks=0 (no response){note}",
            header.correlation_id
        );
        return;
    }
    state.lock().unwrap().seen.insert(
        header.correlation_id,
        Seen {
            client_id,
            request_bytes: size,
            sent_at: Instant::now(),
            note,
        },
    );
}

fn on_response(conn: u64, state: &Mutex<Exchanges>, payload: Bytes) {
    let size = payload.len() + 4;
    let mut st = state.lock().unwrap();
    let result = st.correlator.decode_response_payload(payload);
    let request = match &result {
        Ok(r) => r.request,
        Err(CorrelationError::Response { request, .. }) => *request,
        Err(e) => {
            println!("conn={conn} response of {size}B unpaired: {e}");
            return;
        }
    };
    let seen = st.seen.remove(&request.correlation_id);
    drop(st);
    // An answered acks=0 Produce was logged when it passed, and is not timed.
    let (client_id, sizes, note) = match &seen {
        Some(s) => (
            s.client_id.as_str(),
            format!(
                "req={}B resp={size}B {:.1}ms",
                s.request_bytes,
                s.sent_at.elapsed().as_secs_f64() * 1e3
            ),
            s.note.as_str(),
        ),
        None => ("-", format!("resp={size}B"), ""),
    };
    let outcome = match &result {
        Ok(r) => {
            let mut s = match top_level_error(&r.frame.body, r.frame.body_version) {
                Some(code) => format!(" error={code}"),
                None => String::new(),
            };
            if request.acks_zero {
                s += " answered_acks0 (the broker answered a Produce with acks=0)";
            }
            if r.frame.body_version != request.api_version {
                s += &format!(" body_version={}", r.frame.body_version);
            }
            if !r.frame.trailing.is_empty() {
                s += &format!(" response_trailing={}B", r.frame.trailing.len());
            }
            s
        }
        Err(e) => format!(" response_undecoded=\"{e}\""),
    };
    println!(
        "conn={conn} {} v{} corr={} client={client_id} {sizes}{outcome}{note}",
        request.api_key, request.api_version, request.correlation_id
    );
}

/// The response's top-level error code, for the APIs and versions that have one (others report
/// errors per topic, partition or group).
fn top_level_error(body: &ResponseBody, version: i16) -> Option<ErrorCode> {
    let code = match body {
        ResponseBody::ApiVersions(b) => b.error_code,
        #[cfg(feature = "fetch")]
        ResponseBody::Fetch(b) if version >= 7 => b.error_code,
        #[cfg(feature = "metadata")]
        ResponseBody::Metadata(b) if version >= 13 => b.error_code,
        #[cfg(feature = "group")]
        ResponseBody::FindCoordinator(b) if version < 4 => b.error_code,
        #[cfg(feature = "group")]
        ResponseBody::JoinGroup(b) => b.error_code,
        #[cfg(feature = "group")]
        ResponseBody::SyncGroup(b) => b.error_code,
        #[cfg(feature = "group")]
        ResponseBody::Heartbeat(b) => b.error_code,
        #[cfg(feature = "group")]
        ResponseBody::LeaveGroup(b) => b.error_code,
        #[cfg(feature = "group")]
        ResponseBody::ListGroups(b) => b.error_code,
        #[cfg(feature = "group")]
        ResponseBody::ConsumerGroupHeartbeat(b) => b.error_code,
        #[cfg(feature = "offset")]
        ResponseBody::OffsetFetch(b) if (2..8).contains(&version) => b.error_code,
        #[cfg(feature = "offset")]
        ResponseBody::OffsetDelete(b) => b.error_code,
        _ => return None,
    };
    Some(ErrorCode(code))
}
