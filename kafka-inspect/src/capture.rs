//! Recording captured Kafka traffic as frame files: shared by the recording proxy
//! (`cmd/proxy.rs`) and the pcap cutter (`cmd/pcap_frames.rs`).
//!
//! This module deliberately does not use the codec's message decoders: recording must work for
//! every API and version, including ones the codec cannot decode (yet). It reads only the size
//! prefix, the fixed request header fields (api_key, api_version, correlation_id), the
//! response's correlation id and, for Produce, the `Acks` field (acks=0 gets no response).
//!
//! Output, in one directory:
//! - `NNNN-ApiName-vN.req.bin` and `NNNN-ApiName-vN.resp.bin`: one complete frame each, size
//!   prefix included, byte for byte as sent. NNNN is a sequence shared by all connections of
//!   the directory (continued when a recorder is started again on the same directory).
//! - `manifest.tsv`: one row per file written (and one per request left without a response
//!   when its connection ended), flushed as it is written so a killed recorder loses nothing.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use kafka_codec::correlator::{peek_response_correlation_id, request_acks};
use kafka_codec::frame::{peek_request_header, split_frame};
use kafka_codec::ApiKey;

/// A size prefix above this is taken as a desynchronised stream rather than a frame: the
/// cutter stops cutting that direction instead of buffering gigabytes.
pub const MAX_FRAME_LEN: usize = 256 << 20;

/// The columns of `manifest.tsv`.
pub const MANIFEST_HEADER: &str =
    "seq\tconn\tdir\tapi_key\tapi_name\tapi_version\tcorrelation_id\tframe_len\tfile\tlabel\tnote\n";

/// Kafka's name for an API key (from the codec's generated table of every API), or `Unknown`.
pub fn api_name(key: i16) -> &'static str {
    ApiKey(key).name().unwrap_or("Unknown")
}

/// Cuts one direction of a connection into frames with the codec's [`split_frame`].
#[derive(Default)]
pub struct FrameCutter {
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// Set once a size prefix was negative or over [`MAX_FRAME_LEN`]: nothing more is cut.
    desynced: bool,
}

/// One complete frame, size prefix included, and where it started in its stream.
pub struct CutFrame {
    pub offset: u64,
    pub bytes: Vec<u8>,
}

impl FrameCutter {
    /// Adds bytes and returns the frames they completed.
    pub fn push(&mut self, data: &[u8]) -> Vec<CutFrame> {
        if self.desynced {
            return Vec::new();
        }
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        loop {
            match split_frame(&mut self.buf, MAX_FRAME_LEN) {
                Ok(Some(payload)) => {
                    // Frame files keep the size prefix: put it back in front of the payload.
                    let mut bytes = Vec::with_capacity(4 + payload.len());
                    bytes.extend_from_slice(&(payload.len() as u32).to_be_bytes());
                    bytes.extend_from_slice(&payload);
                    out.push(CutFrame {
                        offset: self.offset,
                        bytes,
                    });
                    self.offset += 4 + payload.len() as u64;
                }
                Ok(None) => break,
                Err(_) => {
                    self.desynced = true;
                    self.buf = BytesMut::new();
                    break;
                }
            }
        }
        out
    }

    /// Bytes received but not (yet) part of a complete frame.
    pub fn leftover(&self) -> usize {
        self.buf.len()
    }

    pub fn desynced(&self) -> bool {
        self.desynced
    }
}

/// The request header fields the recorder needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestInfo {
    pub api_key: i16,
    pub api_version: i16,
    pub correlation_id: i32,
    /// For Produce: the `Acks` field, when it could be read.
    pub acks: Option<i16>,
}

/// Reads the fixed request header of a frame (size prefix included), and for Produce the
/// `acks` field, using the codec's own header and acks readers.
pub fn request_info(frame: &[u8]) -> Option<RequestInfo> {
    let payload = frame.get(4..)?;
    let (api_key, api_version, correlation_id) = peek_request_header(payload)?;
    let acks = if api_key == ApiKey::PRODUCE.0 {
        // Only Produce requests are copied, off the forwarding path, to read past the header.
        request_acks(&Bytes::copy_from_slice(payload))
    } else {
        None
    };
    Some(RequestInfo {
        api_key,
        api_version,
        correlation_id,
        acks,
    })
}

/// The correlation id of a response frame (size prefix included).
fn response_correlation_id(frame: &[u8]) -> Option<i32> {
    peek_response_correlation_id(frame.get(4..)?)
}

/// One output directory: the sequence counter, the manifest and the files.
pub struct Recorder {
    dir: PathBuf,
    label: String,
    next_seq: AtomicU32,
    next_conn: AtomicU32,
    manifest: Mutex<File>,
}

impl Recorder {
    /// Opens (creating) `dir`. An existing manifest is appended to and the sequence continues
    /// after the highest one already there, so a restarted recorder never overwrites a frame.
    pub fn open(dir: &Path, label: &str) -> io::Result<Arc<Recorder>> {
        fs::create_dir_all(dir)?;
        let manifest_path = dir.join("manifest.tsv");
        let mut max_seq: Option<u32> = None;
        for entry in fs::read_dir(dir)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(seq) = name.split('-').next().and_then(|s| s.parse::<u32>().ok()) {
                max_seq = Some(max_seq.map_or(seq, |m| m.max(seq)));
            }
        }
        let mut max_conn: Option<u32> = None;
        if let Ok(text) = fs::read_to_string(&manifest_path) {
            for line in text.lines().skip(1) {
                if let Some(c) = line.split('\t').nth(1).and_then(|s| s.parse::<u32>().ok()) {
                    max_conn = Some(max_conn.map_or(c, |m| m.max(c)));
                }
            }
        }
        let fresh = fs::metadata(&manifest_path).map_or(true, |m| m.len() == 0);
        let mut manifest = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&manifest_path)?;
        if fresh {
            manifest.write_all(MANIFEST_HEADER.as_bytes())?;
        }
        Ok(Arc::new(Recorder {
            dir: dir.to_path_buf(),
            label: label.replace(['\t', '\n'], " "),
            next_seq: AtomicU32::new(max_seq.map_or(0, |s| s + 1)),
            next_conn: AtomicU32::new(max_conn.map_or(0, |c| c + 1)),
            manifest: Mutex::new(manifest),
        }))
    }

    /// Starts recording a new connection.
    pub fn connection(self: &Arc<Self>, peer: &str) -> Connection {
        let id = self.next_conn.fetch_add(1, Ordering::SeqCst);
        Connection {
            rec: Arc::clone(self),
            id,
            peer: peer.replace(['\t', '\n'], " "),
            requests: FrameCutter::default(),
            responses: FrameCutter::default(),
            pending: VecDeque::new(),
            orphans: Vec::new(),
            stats: ConnStats::default(),
        }
    }

    /// Writes a file atomically (temporary name, then rename): a half-written frame never
    /// carries a frame file's name.
    fn write_file(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        fs::rename(&tmp, self.dir.join(name))
    }

    fn manifest_row(&self, row: &ManifestRow<'_>) -> io::Result<()> {
        let line = format!(
            "{:04}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            row.seq,
            row.conn,
            row.dir,
            row.api_key,
            api_name(row.api_key),
            row.api_version,
            row.correlation_id,
            row.frame_len,
            row.file,
            self.label,
            row.note
        );
        let mut m = self.manifest.lock().unwrap_or_else(|e| e.into_inner());
        m.write_all(line.as_bytes())?;
        m.flush()
    }
}

struct ManifestRow<'a> {
    seq: u32,
    conn: u32,
    dir: &'a str,
    api_key: i16,
    api_version: i16,
    correlation_id: i32,
    frame_len: usize,
    file: &'a str,
    note: &'a str,
}

struct Pending {
    seq: u32,
    info: RequestInfo,
    /// False for Produce with acks=0.
    expects_response: bool,
}

/// Counts kept per connection, reported when it closes.
#[derive(Default, Debug, Clone, Copy)]
pub struct ConnStats {
    pub requests: u32,
    pub responses: u32,
    pub unanswered: u32,
    pub unpaired_responses: u32,
}

/// Which way a chunk of bytes travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to broker: requests.
    Request,
    /// Broker to client: responses.
    Response,
}

/// The recording state of one TCP connection.
pub struct Connection {
    rec: Arc<Recorder>,
    pub id: u32,
    peer: String,
    requests: FrameCutter,
    responses: FrameCutter,
    /// Requests awaiting their response, in the order sent.
    pending: VecDeque<Pending>,
    /// Responses whose request was not seen (yet): (correlation id, frame).
    orphans: Vec<(i32, Vec<u8>)>,
    stats: ConnStats,
}

impl Connection {
    /// Feeds bytes seen in one direction; records every frame they complete.
    pub fn push(&mut self, dir: Direction, data: &[u8]) -> io::Result<()> {
        let frames = match dir {
            Direction::Request => self.requests.push(data),
            Direction::Response => self.responses.push(data),
        };
        for f in frames {
            match dir {
                Direction::Request => self.request_frame(&f.bytes)?,
                Direction::Response => self.response_frame(f.bytes)?,
            }
        }
        Ok(())
    }

    /// Records one complete request frame.
    pub fn request_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        let seq = self.rec.next_seq.fetch_add(1, Ordering::SeqCst);
        // A frame too short for a header still gets recorded, under key -1.
        let info = request_info(frame).unwrap_or(RequestInfo {
            api_key: -1,
            api_version: -1,
            correlation_id: -1,
            acks: None,
        });
        let file = format!(
            "{seq:04}-{}-v{}.req.bin",
            api_name(info.api_key),
            info.api_version
        );
        self.rec.write_file(&file, frame)?;
        self.stats.requests += 1;
        let no_response = info.api_key == 0 && info.acks == Some(0);
        let note = if no_response {
            format!("peer={} acks=0 (no response)", self.peer)
        } else {
            format!("peer={}", self.peer)
        };
        self.rec.manifest_row(&ManifestRow {
            seq,
            conn: self.id,
            dir: "req",
            api_key: info.api_key,
            api_version: info.api_version,
            correlation_id: info.correlation_id,
            frame_len: frame.len(),
            file: &file,
            note: &note,
        })?;
        // acks=0 requests stay listed: librdkafka's mock cluster answers them anyway, and
        // such a response must still be paired (and noted) rather than left orphaned.
        let pending = Pending {
            seq,
            info,
            expects_response: !no_response,
        };
        if let Some(i) = self
            .orphans
            .iter()
            .position(|(c, _)| *c == info.correlation_id)
        {
            let (_, resp) = self.orphans.remove(i);
            return self.write_response(&pending, &resp, "response seen before its request");
        }
        self.pending.push_back(pending);
        Ok(())
    }

    /// Records one complete response frame, paired with its request by correlation id.
    pub fn response_frame(&mut self, frame: Vec<u8>) -> io::Result<()> {
        let corr = response_correlation_id(&frame).unwrap_or(-1);
        match self
            .pending
            .iter()
            .position(|p| p.info.correlation_id == corr)
        {
            Some(i) => {
                let p = self.pending.remove(i).expect("index from position");
                let note = if !p.expects_response {
                    "response to an acks=0 Produce (peer quirk)"
                } else if self.pending.iter().take(i).any(|q| q.expects_response) {
                    "out of order"
                } else {
                    ""
                };
                self.write_response(&p, &frame, note)
            }
            None => {
                self.orphans.push((corr, frame));
                Ok(())
            }
        }
    }

    fn write_response(&mut self, p: &Pending, frame: &[u8], note: &str) -> io::Result<()> {
        let file = format!(
            "{:04}-{}-v{}.resp.bin",
            p.seq,
            api_name(p.info.api_key),
            p.info.api_version
        );
        self.rec.write_file(&file, frame)?;
        self.stats.responses += 1;
        self.rec.manifest_row(&ManifestRow {
            seq: p.seq,
            conn: self.id,
            dir: "resp",
            api_key: p.info.api_key,
            api_version: p.info.api_version,
            correlation_id: p.info.correlation_id,
            frame_len: frame.len(),
            file: &file,
            note,
        })
    }

    /// Ends the connection: notes requests left unanswered, writes responses nobody asked
    /// for, and reports bytes that never formed a complete frame.
    pub fn close(mut self) -> io::Result<ConnStats> {
        for p in std::mem::take(&mut self.pending) {
            if !p.expects_response {
                continue;
            }
            self.stats.unanswered += 1;
            let file = format!(
                "{:04}-{}-v{}.req.bin",
                p.seq,
                api_name(p.info.api_key),
                p.info.api_version
            );
            self.rec.manifest_row(&ManifestRow {
                seq: p.seq,
                conn: self.id,
                dir: "unanswered",
                api_key: p.info.api_key,
                api_version: p.info.api_version,
                correlation_id: p.info.correlation_id,
                frame_len: 0,
                file: &file,
                note: "connection ended before a response",
            })?;
        }
        for (corr, frame) in std::mem::take(&mut self.orphans) {
            self.stats.unpaired_responses += 1;
            let seq = self.rec.next_seq.fetch_add(1, Ordering::SeqCst);
            let file = format!("{seq:04}-Unpaired-v0.resp.bin");
            self.rec.write_file(&file, &frame)?;
            self.rec.manifest_row(&ManifestRow {
                seq,
                conn: self.id,
                dir: "resp",
                api_key: -1,
                api_version: -1,
                correlation_id: corr,
                frame_len: frame.len(),
                file: &file,
                note: "no request with this correlation id",
            })?;
        }
        for (dir, cutter) in [("req", &self.requests), ("resp", &self.responses)] {
            if cutter.leftover() > 0 || cutter.desynced() {
                let note = if cutter.desynced() {
                    "stream desynchronised (bad size prefix); rest not recorded".to_string()
                } else {
                    format!(
                        "{} trailing bytes without a complete frame",
                        cutter.leftover()
                    )
                };
                self.rec.manifest_row(&ManifestRow {
                    seq: 0,
                    conn: self.id,
                    dir,
                    api_key: -1,
                    api_version: -1,
                    correlation_id: -1,
                    frame_len: 0,
                    file: "-",
                    note: &note,
                })?;
            }
        }
        Ok(self.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every committed capture file is one whole frame whose name matches its header, and every
    /// response carries its request's correlation id. (Decoding is the codec's tests' job.)
    #[test]
    fn committed_corpus_is_well_framed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/captures");
        let mut stack = vec![root];
        let mut checked = 0usize;
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let Some(stem) = name.strip_suffix(".req.bin") else {
                    continue;
                };
                let req = fs::read(&path).unwrap();
                let size = i32::from_be_bytes(req[..4].try_into().unwrap());
                assert_eq!(size as usize, req.len() - 4, "{}", path.display());
                let info = request_info(&req).unwrap();
                let want = format!("-{}-v{}", api_name(info.api_key), info.api_version);
                assert!(stem.ends_with(&want), "{} vs header {want}", path.display());
                let resp_path = dir.join(format!("{stem}.resp.bin"));
                if let Ok(resp) = fs::read(&resp_path) {
                    let size = i32::from_be_bytes(resp[..4].try_into().unwrap());
                    assert_eq!(size as usize, resp.len() - 4, "{}", resp_path.display());
                    assert_eq!(
                        response_correlation_id(&resp),
                        Some(info.correlation_id),
                        "{}",
                        resp_path.display()
                    );
                }
                checked += 1;
            }
        }
        // The corpus is optional for a checkout that excludes testdata.
        eprintln!("checked {checked} captured requests");
    }

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut f = (body.len() as i32).to_be_bytes().to_vec();
        f.extend_from_slice(body);
        f
    }

    #[test]
    fn cutter_splits_and_joins_chunks() {
        let a = frame(&[1, 2, 3]);
        let b = frame(&[4; 10]);
        let mut all = a.clone();
        all.extend_from_slice(&b);
        let mut c = FrameCutter::default();
        let mut got = Vec::new();
        for chunk in all.chunks(3) {
            got.extend(c.push(chunk));
        }
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].bytes, a);
        assert_eq!(got[1].bytes, b);
        assert_eq!(got[1].offset, a.len() as u64);
        assert_eq!(c.leftover(), 0);
    }

    #[test]
    fn cutter_stops_on_negative_size() {
        let mut c = FrameCutter::default();
        assert!(c.push(&[0xff, 0xff, 0xff, 0xff, 0]).is_empty());
        assert!(c.desynced());
    }

    fn produce(version: i16, flexible: bool, txn: Option<&str>, acks: i16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&0i16.to_be_bytes());
        b.extend_from_slice(&version.to_be_bytes());
        b.extend_from_slice(&7i32.to_be_bytes());
        b.extend_from_slice(&3i16.to_be_bytes());
        b.extend_from_slice(b"cli");
        if flexible {
            b.extend_from_slice(&[1, 0, 2, 0xaa, 0xbb]); // one unknown tagged field
        }
        if version >= 3 {
            match (txn, flexible) {
                (None, false) => b.extend_from_slice(&(-1i16).to_be_bytes()),
                (None, true) => b.push(0),
                (Some(t), false) => {
                    b.extend_from_slice(&(t.len() as i16).to_be_bytes());
                    b.extend_from_slice(t.as_bytes());
                }
                (Some(t), true) => {
                    b.push(t.len() as u8 + 1);
                    b.extend_from_slice(t.as_bytes());
                }
            }
        }
        b.extend_from_slice(&acks.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0x75, 0x30]);
        frame(&b)
    }

    #[test]
    fn produce_acks_in_every_layout() {
        for (v, flex) in [
            (0, false),
            (2, false),
            (3, false),
            (8, false),
            (9, true),
            (11, true),
        ] {
            for txn in [None, Some("txn-1")] {
                for acks in [0i16, 1, -1] {
                    let f = produce(v, flex, txn, acks);
                    let info = request_info(&f).unwrap();
                    assert_eq!(info.acks, Some(acks), "v{v} txn {txn:?}");
                    assert_eq!(info.correlation_id, 7);
                }
            }
        }
    }

    #[test]
    fn pairs_and_writes() {
        let dir = std::env::temp_dir().join(format!("kafka-inspect-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let rec = Recorder::open(&dir, "test").unwrap();
        let mut c = rec.connection("a");
        // Fetch v4 request, correlation id 5; then its response.
        let req = frame(&[0, 1, 0, 4, 0, 0, 0, 5, 0xff, 0xff]);
        let resp = frame(&[0, 0, 0, 5, 9, 9]);
        c.push(Direction::Request, &req).unwrap();
        c.push(Direction::Request, &produce(3, false, None, 0))
            .unwrap();
        c.push(Direction::Response, &resp).unwrap();
        let stats = c.close().unwrap();
        assert_eq!(stats.requests, 2);
        assert_eq!(stats.responses, 1);
        assert_eq!(stats.unanswered, 0);
        assert_eq!(fs::read(dir.join("0000-Fetch-v4.req.bin")).unwrap(), req);
        assert_eq!(fs::read(dir.join("0000-Fetch-v4.resp.bin")).unwrap(), resp);
        assert!(dir.join("0001-Produce-v3.req.bin").exists());
        // A second recorder on the same directory continues the sequence.
        drop(rec);
        let rec = Recorder::open(&dir, "test").unwrap();
        let mut c = rec.connection("b");
        assert_eq!(c.id, 1);
        c.push(Direction::Request, &req).unwrap();
        assert!(dir.join("0002-Fetch-v4.req.bin").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
