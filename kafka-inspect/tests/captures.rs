//! The captured corpus (testdata/captures) against what its scenarios sent: every frame
//! decodes and re-encodes byte for byte, and the decoded values are the ones the clients were
//! told to send (expected.json): produced records' keys, values and headers after
//! decompression, committed offsets and their metadata, group and topic names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod common;

use bytes::Bytes;
use common::{captures, collect_strings};
use kafka_codec::frame::{decode_request, decode_response, RequestFrame, ResponseFrame};
use kafka_codec::records::{for_each_record, RecordOptions};
use kafka_codec::RequestBody;
use serde_json::Value;

/// Directories holding an expected.json.
fn scenario_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.join("expected.json").exists() {
                out.push(p.clone());
            }
            scenario_dirs(&p, out);
        }
    }
}

struct Exchange {
    name: String,
    req: RequestFrame,
    resp: Option<ResponseFrame>,
}

/// Frames real peers got wrong (testdata/captures/deviations.tsv): path → error text.
fn deviations() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(captures().join("deviations.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut c = l.split('\t');
            (
                c.next().unwrap().to_string(),
                c.next().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn exchanges(dir: &Path, deviations: &BTreeMap<String, String>) -> Vec<Exchange> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".req.bin"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let rel = f.strip_prefix(captures()).unwrap().display().to_string();
        if let Some(want) = deviations.get(&rel) {
            // A peer's mistake: it must be refused, with the listed error, never accepted.
            let req = decode_request(Bytes::from(std::fs::read(&f).unwrap()));
            let resp_path = PathBuf::from(f.to_string_lossy().replace(".req.bin", ".resp.bin"));
            let err = match req {
                Err(e) => e.to_string(),
                Ok(r) => {
                    let b = Bytes::from(std::fs::read(&resp_path).unwrap());
                    decode_response(r.api_key(), r.api_version(), b)
                        .expect_err(&format!("{rel}: a listed deviation decoded"))
                        .to_string()
                }
            };
            assert!(
                err.contains(want.as_str()),
                "{rel}: {err} (expected {want})"
            );
            continue;
        }
        let bytes = Bytes::from(std::fs::read(&f).unwrap());
        let req = decode_request(bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            req.encode().unwrap(),
            bytes,
            "{name}: request re-encodes differently"
        );
        let resp_path = PathBuf::from(f.to_string_lossy().replace(".req.bin", ".resp.bin"));
        let resp = resp_path.exists().then(|| {
            let b = Bytes::from(std::fs::read(&resp_path).unwrap());
            let r = decode_response(req.api_key(), req.api_version(), b.clone())
                .unwrap_or_else(|e| panic!("{name} response: {e}"));
            assert_eq!(
                r.encode().unwrap(),
                b,
                "{name}: response re-encodes differently"
            );
            r
        });
        out.push(Exchange { name, req, resp });
    }
    out
}

/// A value as expected.json describes it: utf8, null, or a generated pattern.
fn expected_bytes(v: &Value) -> Option<Option<Vec<u8>>> {
    if v.get("null").is_some() || v.is_null() {
        return Some(None);
    }
    if let Some(s) = v.get("utf8").and_then(Value::as_str) {
        return Some(Some(s.as_bytes().to_vec()));
    }
    if let Some(h) = v.get("hex").and_then(Value::as_str) {
        let b = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect();
        return Some(Some(b));
    }
    let len = v.get("len")?.as_u64()? as usize;
    if v.get("pattern")?.as_str()? == "bytes((i * 31 + 7) & 0xFF for i in range(len))" {
        return Some(Some(
            (0..len).map(|i| ((i * 31 + 7) & 0xff) as u8).collect(),
        ));
    }
    None
}

type Rec = (
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Vec<(Vec<u8>, Option<Vec<u8>>)>,
);

#[test]
fn captured_values_are_what_the_scenarios_sent() {
    let mut dirs = Vec::new();
    scenario_dirs(&captures(), &mut dirs);
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no scenario directories (with expected.json) under {}",
        captures().display()
    );
    let opts = RecordOptions::default();
    let deviations = deviations();
    let mut report = Vec::new();
    for dir in &dirs {
        let label = dir.strip_prefix(captures()).unwrap().display().to_string();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let ex = exchanges(dir, &deviations);

        // Records carried by Produce requests, per (topic, partition).
        let mut produced: BTreeMap<(String, i32), Vec<Rec>> = BTreeMap::new();
        let mut strings: BTreeSet<String> = BTreeSet::new();
        let mut commits: BTreeSet<(String, String, i32, i64, String)> = BTreeSet::new();
        for e in &ex {
            let json = serde_json::to_value(&e.req.body).unwrap();
            collect_strings(&json, &mut strings);
            match &e.req.body {
                RequestBody::Produce(p) => {
                    for t in &p.topic_data {
                        for part in &t.partition_data {
                            let recs = produced
                                .entry((t.name.to_string(), part.index))
                                .or_default();
                            for_each_record(part.records.as_deref().unwrap_or(&[]), &opts, |r| {
                                recs.push((
                                    r.key.map(<[u8]>::to_vec),
                                    r.value.map(<[u8]>::to_vec),
                                    r.headers
                                        .clone()
                                        .map(|h| (h.key.to_vec(), h.value.map(<[u8]>::to_vec)))
                                        .collect(),
                                ))
                            })
                            .unwrap_or_else(|err| panic!("{label}/{}: {err}", e.name));
                        }
                    }
                }
                RequestBody::OffsetCommit(c) => {
                    for t in &c.topics {
                        for p in &t.partitions {
                            commits.insert((
                                c.group_id.to_string(),
                                t.name.to_string(),
                                p.partition_index,
                                p.committed_offset,
                                p.committed_metadata
                                    .as_ref()
                                    .map(ToString::to_string)
                                    .unwrap_or_default(),
                            ));
                        }
                    }
                }
                RequestBody::TxnOffsetCommit(c) => {
                    for t in &c.topics {
                        for p in &t.partitions {
                            commits.insert((
                                c.group_id.to_string(),
                                t.name.to_string(),
                                p.partition_index,
                                p.committed_offset,
                                p.committed_metadata
                                    .as_ref()
                                    .map(ToString::to_string)
                                    .unwrap_or_default(),
                            ));
                        }
                    }
                }
                _ => {}
            }
            if let Some(r) = &e.resp {
                collect_strings(&serde_json::to_value(&r.body).unwrap(), &mut strings);
            }
        }

        // Every produced record is in a Produce request, byte for byte, headers in order.
        let (mut found, mut checked) = (0, 0);
        for p in expected["produced"].as_array().into_iter().flatten() {
            let (Some(key), Some(value)) = (expected_bytes(&p["key"]), expected_bytes(&p["value"]))
            else {
                continue;
            };
            let headers: Vec<(Vec<u8>, Option<Vec<u8>>)> = p["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| Some((h[0].as_str()?.as_bytes().to_vec(), expected_bytes(&h[1])?)))
                .collect();
            let topic = p["topic"].as_str().unwrap().to_string();
            let partition = p["partition"].as_i64().unwrap_or(-1) as i32;
            checked += 1;
            let hit = produced.iter().any(|((t, part), recs)| {
                *t == topic
                    && (partition < 0 || *part == partition)
                    && recs
                        .iter()
                        .any(|r| r.0 == key && r.1 == value && r.2 == headers)
            });
            assert!(
                hit,
                "{label}: produced record {} / {} not found in any Produce request",
                p["key"], p["topic"]
            );
            found += 1;
        }

        // Committed offsets with their metadata are in OffsetCommit / TxnOffsetCommit requests.
        let mut commit_hits = 0;
        for c in expected["committed"].as_array().into_iter().flatten() {
            let want = (
                c["group"].as_str().unwrap().to_string(),
                c["topic"].as_str().unwrap().to_string(),
                c["partition"].as_i64().unwrap() as i32,
                c["offset"].as_i64().unwrap(),
                c["metadata"].as_str().unwrap_or("").to_string(),
            );
            // Some clients commit through the admin API or a path we did not capture; what is
            // committed must then still be visible in an OffsetFetch answer (checked by name).
            if commits.contains(&want) {
                commit_hits += 1;
            } else {
                assert!(
                    strings.contains(&want.0),
                    "{label}: committed offset {want:?} not in any OffsetCommit, and group unseen"
                );
            }
        }

        // Group and topic names.
        for g in expected["groups"].as_array().into_iter().flatten() {
            let name = g["group"].as_str().unwrap();
            assert!(strings.contains(name), "{label}: group {name} not seen");
        }
        for t in expected["topics"].as_array().into_iter().flatten() {
            let name = t["name"].as_str().unwrap();
            assert!(strings.contains(name), "{label}: topic {name} not seen");
        }
        report.push(format!(
            "{label}: {} frames pairs, {found}/{checked} produced records, {commit_hits} commits matched",
            ex.len()
        ));
    }
    for r in &report {
        eprintln!("{r}");
    }
}
