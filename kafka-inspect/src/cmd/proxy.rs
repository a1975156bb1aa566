//! `kafka-inspect proxy`: a recording TCP proxy. Each accepted client connection gets its own
//! upstream connection and two forwarding threads that copy bytes untouched; each chunk is also handed (copied, over an
//! unbounded channel, so forwarding never waits on disk or parsing) to a recorder thread per
//! connection that cuts frames and writes them with [`crate::capture`].
//!
//! The chunk is queued for the recorder *before* it is forwarded, so a request always reaches
//! the recorder before the response it provokes.
//!
//! Brokers advertise their own address in Metadata and FindCoordinator responses; the proxy
//! never rewrites bytes, so the broker must be told to advertise the proxy's address.
//!
//! Stop it with SIGTERM or SIGINT: every frame and manifest row is on disk as soon as it is
//! complete. (Only the "unanswered" rows written when a connection ends are lost.)

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::{Failure, Outcome};
use crate::capture::{Direction, Recorder};

/// Relay a connection byte for byte and record every frame into files.
///
/// Each accepted client gets its own upstream connection; every complete frame is written as
/// NNNN-ApiName-vN.req.bin / .resp.bin with a manifest.tsv. Runs until killed.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to accept clients on, e.g. 127.0.0.1:19092
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// The broker to relay to, e.g. 127.0.0.1:9092
    #[arg(long, value_name = "ADDR")]
    upstream: String,
    /// Directory to write the frame files and manifest.tsv into
    #[arg(long, value_name = "DIR")]
    record: PathBuf,
    /// Text written into every manifest row
    #[arg(long, value_name = "TEXT", default_value = "")]
    label: String,
}

pub fn run(opts: Args, _out: &mut dyn std::io::Write) -> Outcome {
    let recorder = match Recorder::open(&opts.record, &opts.label) {
        Ok(r) => r,
        Err(e) => {
            return Err(Failure::Failed(format!(
                "{}: cannot record here: {e}",
                opts.record.display()
            )))
        }
    };
    let upstream: Vec<SocketAddr> = match opts.upstream.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => return Err(Failure::Usage(format!("--upstream {}: {e}", opts.upstream))),
    };
    let listener = match TcpListener::bind(&opts.listen) {
        Ok(l) => l,
        Err(e) => {
            return Err(Failure::Failed(format!(
                "cannot listen on {}: {e}",
                opts.listen
            )))
        }
    };
    eprintln!(
        "proxy: {} -> {}, recording into {}",
        opts.listen,
        opts.upstream,
        opts.record.display()
    );
    for client in listener.incoming() {
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                eprintln!("proxy: accept: {e}");
                continue;
            }
        };
        let recorder = Arc::clone(&recorder);
        let upstream = upstream.clone();
        thread::spawn(move || serve(client, &upstream, recorder));
    }
    Ok(())
}

enum Event {
    Data(Direction, Vec<u8>),
}

fn serve(client: TcpStream, upstream: &[SocketAddr], recorder: Arc<Recorder>) {
    let peer = client
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let server = match upstream
        .iter()
        .find_map(|a| TcpStream::connect_timeout(a, Duration::from_secs(5)).ok())
    {
        Some(s) => s,
        None => {
            eprintln!("proxy: {peer}: cannot reach upstream; closing");
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (tx, rx) = mpsc::channel::<Event>();
    let mut conn = recorder.connection(&peer);
    let id = conn.id;
    let record = thread::spawn(move || {
        let mut failed = false;
        // Ends when both forwarding threads have dropped their senders.
        for Event::Data(dir, bytes) in rx {
            if failed {
                continue;
            }
            if let Err(e) = conn.push(dir, &bytes) {
                eprintln!("proxy: conn {id}: recording failed: {e}");
                failed = true;
            }
        }
        match conn.close() {
            Ok(s) => eprintln!(
                "proxy: conn {id} ({peer}) closed: {} requests, {} responses, {} unanswered, {} unpaired",
                s.requests, s.responses, s.unanswered, s.unpaired_responses
            ),
            Err(e) => eprintln!("proxy: conn {id}: {e}"),
        }
    });
    let pairs = (|| Some((client.try_clone().ok()?, server.try_clone().ok()?)))();
    let Some((client2, server2)) = pairs else {
        return;
    };
    let tx2 = tx.clone();
    let up = thread::spawn(move || pump(client, server, Direction::Request, tx));
    let down = thread::spawn(move || pump(server2, client2, Direction::Response, tx2));
    let _ = up.join();
    let _ = down.join();
    let _ = record.join();
}

/// Copies `from` to `to` until end of stream or an error, queueing every chunk for the
/// recorder first.
fn pump(mut from: TcpStream, mut to: TcpStream, dir: Direction, tx: mpsc::Sender<Event>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) => {
                // Pass the half-close on; the other direction may still be flowing.
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                // Never blocks: the channel is unbounded, and a dead recorder is ignored.
                let _ = tx.send(Event::Data(dir, buf[..n].to_vec()));
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
