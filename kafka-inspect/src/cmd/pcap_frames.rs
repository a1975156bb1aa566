//! `kafka-inspect pcap-frames`: cuts a packet capture (pcap or pcapng, e.g. from `dumpcap -i
//! lo`) of Kafka traffic into the same frame files and manifest as the recording proxy. Used
//! where a proxy cannot sit between the peers, e.g. librdkafka's mock cluster, which picks its
//! own port and advertises it.
//!
//! Frames of all chosen connections are replayed into [`crate::capture`] in the order they
//! completed, so the sequence numbers follow time.

use std::io::Write;
use std::path::PathBuf;

use super::{Failure, Outcome};
use crate::capture::{FrameCutter, Recorder};
use crate::flows::{read_capture, reassemble, select};

/// Cut the Kafka connections of a pcap/pcapng capture into frame files.
///
/// Writes NNNN-ApiName-vN.req.bin / .resp.bin and manifest.tsv, as `proxy` does. Without
/// --port, Kafka connections are found by decoding the first bytes of each TCP connection.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture (pcap or pcapng)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Only connections to this server port (repeatable); default: every Kafka connection
    #[arg(long, value_name = "N")]
    port: Vec<u16>,
    /// Directory to write the frame files and manifest.tsv into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Text written into every manifest row
    #[arg(long, value_name = "TEXT", default_value = "")]
    label: String,
}

pub fn run(a: Args, _out: &mut dyn Write) -> Outcome {
    let conns = read_capture(&a.file).map_err(Failure::Failed)?;
    let sel = select(&a.file, &conns, &a.port).map_err(Failure::Failed)?;
    let recorder = Recorder::open(&a.out, &a.label)
        .map_err(|e| Failure::Failed(format!("{}: {e}", a.out.display())))?;
    if sel.skipped_open > 0 {
        eprintln!(
            "{}: {} connection(s) opened before the capture started; skipped",
            a.file.display(),
            sel.skipped_open
        );
    }
    // (completion time, connection index, requests before responses, stream offset, frame)
    let mut events: Vec<(u64, usize, u8, u64, Vec<u8>)> = Vec::new();
    let mut recs = Vec::new();
    for (slot, &i) in sel.chosen.iter().enumerate() {
        let conn = &conns[i];
        let peer = conn.name();
        recs.push(recorder.connection(&peer));
        for (order, flow) in [(0u8, &conn.requests), (1u8, &conn.responses)] {
            let stream = reassemble(flow);
            if stream.gap {
                eprintln!(
                    "{}: {peer}: gap in the {} stream after {} bytes; rest ignored",
                    a.file.display(),
                    if order == 0 { "request" } else { "response" },
                    stream.bytes.len()
                );
            }
            for f in FrameCutter::default().push(&stream.bytes) {
                let done = stream.time_of(f.offset + f.bytes.len() as u64 - 1);
                events.push((done, slot, order, f.offset, f.bytes));
            }
        }
    }
    events.sort_by_key(|e| (e.0, e.1, e.2, e.3));
    let write_err = |e: std::io::Error| Failure::Failed(format!("{}: {e}", a.out.display()));
    let mut frames = 0usize;
    for (_, slot, order, _, bytes) in events {
        let conn = &mut recs[slot];
        if order == 0 {
            conn.request_frame(&bytes).map_err(write_err)?;
        } else {
            conn.response_frame(bytes).map_err(write_err)?;
        }
        frames += 1;
    }
    let (mut unanswered, mut unpaired) = (0, 0);
    for c in recs {
        let s = c.close().map_err(write_err)?;
        unanswered += s.unanswered;
        unpaired += s.unpaired_responses;
    }
    eprintln!(
        "{}: wrote {frames} frames of {} connection(s) into {} ({unanswered} requests unanswered, {unpaired} responses unpaired)",
        a.file.display(),
        sel.chosen.len(),
        a.out.display()
    );
    Ok(())
}
