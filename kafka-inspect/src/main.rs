//! `kafka-inspect`: decode Kafka frames, directories of captures and payloads.

use std::process::ExitCode;

mod capture;
mod capture_pcap;
mod proxy;

fn usage() -> ExitCode {
    eprintln!(
        "usage:
  kafka-inspect frame --request REQ.bin [--response RESP.bin] [--check-roundtrip]
  kafka-inspect dir DIR [--check-roundtrip]
  kafka-inspect payload --type T FILE [--check-roundtrip]
  kafka-inspect records --request REQ.bin [--response RESP.bin]
  kafka-inspect proxy --listen ADDR --upstream ADDR --record DIR [--label TEXT]
  kafka-inspect pcap-frames FILE --port N [--port M ...] --out DIR [--label TEXT]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("proxy") => proxy::main(&args[1..]),
        Some("pcap-frames") => capture_pcap::main(&args[1..]),
        _ => usage(),
    }
}
