//! `kafka-inspect dir`: every recorded exchange under a directory, one line per failure.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{decode_pair, Failure, Outcome};

/// Decode every NNNN-Api-vN.req.bin (with its .resp.bin) under a directory.
///
/// Prints one line per failure, naming the file (relative to DIR), then "N passed, N failed".
/// A response file without its request file is a failure, and so is a directory without
/// any request file.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory (searched recursively)
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Also check that every frame re-encodes byte for byte
    #[arg(long)]
    check_roundtrip: bool,
    /// Frames real peers got wrong (tab-separated: path under DIR, the text the error must
    /// contain, why): those must fail with that error, and are counted apart
    #[arg(long, value_name = "FILE")]
    deviations: Option<PathBuf>,
}

/// Every `.req.bin` and `.resp.bin` file under `dir`.
fn collect(dir: &Path, reqs: &mut Vec<PathBuf>, resps: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries {
        let p = e.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if p.is_dir() {
            collect(&p, reqs, resps)?;
        } else {
            let name = p.to_string_lossy();
            if name.ends_with(".req.bin") {
                reqs.push(p);
            } else if name.ends_with(".resp.bin") {
                resps.push(p);
            }
        }
    }
    Ok(())
}

/// Frames a real peer got wrong: path under DIR -> text the error must contain.
fn read_deviations(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 {
            return Err(format!(
                "{}:{}: expected PATH<TAB>ERROR[<TAB>WHY]",
                path.display(),
                i + 1
            ));
        }
        out.insert(cols[0].to_string(), cols[1].to_string());
    }
    Ok(out)
}

fn request_of(resp: &Path) -> PathBuf {
    let name = resp.to_string_lossy();
    PathBuf::from(format!("{}.req.bin", name.trim_end_matches(".resp.bin")))
}

fn response_of(req: &Path) -> PathBuf {
    let name = req.to_string_lossy();
    PathBuf::from(format!("{}.resp.bin", name.trim_end_matches(".req.bin")))
}

pub fn run(a: Args, out: &mut dyn Write) -> Outcome {
    let mut deviations = match &a.deviations {
        None => BTreeMap::new(),
        Some(p) => read_deviations(p).map_err(Failure::Failed)?,
    };
    let (mut reqs, mut resps) = (Vec::new(), Vec::new());
    collect(&a.dir, &mut reqs, &mut resps).map_err(Failure::Failed)?;
    if reqs.is_empty() {
        return Err(Failure::Failed(format!(
            "{}: no request frames (*.req.bin) found",
            a.dir.display()
        )));
    }
    reqs.sort();
    resps.sort();
    let rel = |p: &Path| p.strip_prefix(&a.dir).unwrap_or(p).to_path_buf();
    let (mut passed, mut failed, mut deviated) = (0usize, 0usize, 0usize);
    for req in &reqs {
        let resp = response_of(req);
        let resp = resp.exists().then_some(resp);
        let key = rel(req).display().to_string();
        let result = decode_pair(req, resp.as_deref(), a.check_roundtrip);
        match (result, deviations.remove(&key)) {
            (Ok(_), None) => passed += 1,
            (Err(e), None) => {
                failed += 1;
                writeln!(out, "{}", e.with_path(&rel(&e.path)))?;
            }
            (Err(e), Some(want)) if e.message.contains(&want) => deviated += 1,
            (Err(e), Some(want)) => {
                failed += 1;
                writeln!(
                    out,
                    "{}: expected an error containing {want:?}, got: {}",
                    rel(&e.path).display(),
                    e.message
                )?;
            }
            (Ok(_), Some(want)) => {
                failed += 1;
                writeln!(
                    out,
                    "{key}: listed as a peer deviation ({want:?}) but decoded"
                )?;
            }
        }
    }
    for resp in &resps {
        if !request_of(resp).exists() {
            failed += 1;
            writeln!(
                out,
                "{}: a response without its request file ({})",
                rel(resp).display(),
                rel(&request_of(resp)).display()
            )?;
        }
    }
    for (key, _) in deviations {
        failed += 1;
        writeln!(out, "{key}: listed as a peer deviation but not found")?;
    }
    if deviated > 0 {
        writeln!(
            out,
            "{deviated} frames real peers got wrong were refused with the listed errors"
        )?;
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}
