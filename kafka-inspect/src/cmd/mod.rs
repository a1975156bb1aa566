//! The subcommands, one file each, named after the command, and what they share: how they
//! fail, reading frame files, and decoding a request with its response.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_codec::frame::{decode_request, decode_response, RequestFrame, ResponseFrame};

pub mod dir;
pub mod frame;
pub mod payload;
pub mod pcap;
pub mod pcap_frames;
pub mod proxy;
pub mod records;
pub mod summary;

/// How a command ends when it does not succeed.
#[derive(Debug)]
pub enum Failure {
    /// A usage mistake the argument parser could not see (exit status 2).
    Usage(String),
    /// Something failed; the one-line message says what, starting with the file it came from
    /// (exit status 1).
    Failed(String),
    /// Something failed and the details are already printed (exit status 1).
    Reported,
    /// Writing to standard output failed (a closed pipe ends quietly with status 0).
    Output(io::Error),
}

impl From<io::Error> for Failure {
    /// Only for errors writing the output: reading files maps its errors itself, with the path.
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

/// What every command returns.
pub type Outcome = Result<(), Failure>;

/// Reads a whole file; the error names the file once.
pub fn read_file(path: &Path) -> Result<Bytes, String> {
    std::fs::read(path)
        .map(Bytes::from)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A decode (or re-encode) failure and the file it belongs to.
#[derive(Debug)]
pub struct FileError {
    pub path: PathBuf,
    pub message: String,
}

impl FileError {
    fn new(path: &Path, message: String) -> Self {
        FileError {
            path: path.to_path_buf(),
            message,
        }
    }

    /// `path: message`, with `path` shown as given (e.g. relative to a directory).
    pub fn with_path(&self, shown: &Path) -> String {
        format!("{}: {}", shown.display(), self.message)
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

fn read_for(path: &Path) -> Result<Bytes, FileError> {
    std::fs::read(path)
        .map(Bytes::from)
        .map_err(|e| FileError::new(path, e.to_string()))
}

/// A decoded request and response, and their sizes.
pub struct Pair {
    pub request: RequestFrame,
    pub response: Option<ResponseFrame>,
    pub request_len: usize,
    pub response_len: Option<usize>,
}

/// Decodes a request file (and the response file to it) and, with `check`, that both
/// re-encode byte for byte. Each error carries the path of the file it concerns.
pub fn decode_pair(
    req_path: &Path,
    resp_path: Option<&Path>,
    check: bool,
) -> Result<Pair, FileError> {
    let req_bytes = read_for(req_path)?;
    let request = decode_request(req_bytes.clone())
        .map_err(|e| FileError::new(req_path, format!("request: {e}")))?;
    if check {
        let again = request
            .encode()
            .map_err(|e| FileError::new(req_path, format!("request re-encode: {e}")))?;
        if again != req_bytes {
            return Err(FileError::new(
                req_path,
                format!("request {}", differs(&again, &req_bytes)),
            ));
        }
    }
    let (response, response_len) = match resp_path {
        None => (None, None),
        Some(p) => {
            let resp_bytes = read_for(p)?;
            let resp =
                decode_response(request.api_key(), request.api_version(), resp_bytes.clone())
                    .map_err(|e| FileError::new(p, format!("response: {e}")))?;
            if check {
                let again = resp
                    .encode()
                    .map_err(|e| FileError::new(p, format!("response re-encode: {e}")))?;
                if again != resp_bytes {
                    return Err(FileError::new(
                        p,
                        format!("response {}", differs(&again, &resp_bytes)),
                    ));
                }
            }
            (Some(resp), Some(resp_bytes.len()))
        }
    };
    Ok(Pair {
        request,
        response,
        request_len: req_bytes.len(),
        response_len,
    })
}

fn differs(again: &[u8], original: &[u8]) -> String {
    let first = again
        .iter()
        .zip(original)
        .position(|(x, y)| x != y)
        .unwrap_or(again.len().min(original.len()));
    format!(
        "re-encodes differently ({} bytes vs {}; first difference at byte {first})",
        again.len(),
        original.len()
    )
}

/// The first byte where two encodings differ.
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

// `assign` lives in `src/assign.rs` (the assign stream's file). Wiring it in is `mod assign;`
// and one line in `main.rs`'s command list:
//     Assign(cmd::AssignArgs) => cmd::assign_with(assign::run),

/// Compute a consumer group's assignment the way the Java client's assignors do.
///
/// Prints one JSON object per member, sorted by member id, with the partitions of each topic.
#[derive(clap::Args, Debug)]
#[allow(dead_code)] // until `assign` is wired in
pub struct AssignArgs {
    /// The assignor: range, roundrobin, sticky or cooperative-sticky.
    #[arg(long, value_name = "NAME")]
    pub strategy: String,
    /// The leader's JoinGroup response frame (the request file beside it gives the version).
    #[arg(long, value_name = "JOIN.resp.bin")]
    pub join: PathBuf,
    /// A Metadata response frame listing the subscribed topics' partitions.
    #[arg(long, value_name = "META.resp.bin")]
    pub metadata: PathBuf,
}

/// The signature of `assign::run`.
pub type AssignFn = fn(&str, &Path, &Path, &mut dyn Write) -> Result<(), String>;

/// Adapts `assign::run` to the command list.
#[allow(dead_code)] // until `assign` is wired in
pub fn assign_with(run: AssignFn) -> impl Fn(AssignArgs, &mut dyn Write) -> Outcome {
    move |a, out| run(&a.strategy, &a.join, &a.metadata, out).map_err(Failure::Failed)
}
