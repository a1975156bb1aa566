//! The captured exchanges beyond the consumer path, against what their scenarios did
//! (`expected.json`): topics created and deleted with their partition counts and configs,
//! configs described and altered, partitions added, records deleted, ACLs created, SCRAM
//! credentials stored; idempotent and transactional producers using the producer id and epoch
//! the broker granted them (in every batch, with gap-free sequence numbers, and in the
//! transaction calls); telemetry pushes naming the client instance and subscription the broker
//! handed out; SASL logins sending the mechanism and user they were configured with.
//!
//! Every check is counted, and the test fails if a kind of check found nothing to check in the
//! whole corpus, so it cannot pass on an empty or shrunken corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod common;

use bytes::Bytes;
use common::captures;
use kafka_codec::frame::{decode_request, decode_response, RequestFrame, ResponseFrame};
use kafka_codec::records::{entries, Entry, RecordOptions};
use kafka_codec::{RequestBody, ResponseBody};
use serde_json::Value;

struct Pair {
    name: String,
    req: RequestFrame,
    resp: Option<ResponseFrame>,
}

fn scenario_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.join("expected.json").exists() {
                out.push(p.clone());
            }
            scenario_dirs(&p, out);
        }
    }
}

/// Every request of a directory with its response, in sequence order. For a pair listed in
/// deviations.tsv (tests/captures.rs checks it is refused) the request is kept when it decodes,
/// without its response: the peers' mistakes listed there are in responses.
fn pairs(dir: &Path, deviations: &BTreeSet<String>) -> Vec<Pair> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".req.bin"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(captures()).unwrap().display().to_string();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let req = decode_request(Bytes::from(std::fs::read(&f).unwrap()));
        if deviations.contains(&rel) {
            if let Ok(req) = req {
                out.push(Pair {
                    name,
                    req,
                    resp: None,
                });
            }
            continue;
        }
        let req = req.unwrap_or_else(|e| panic!("{rel}: {e}"));
        let resp_path = PathBuf::from(f.to_string_lossy().replace(".req.bin", ".resp.bin"));
        let resp = std::fs::read(&resp_path).ok().map(|b| {
            decode_response(req.api_key(), req.api_version(), Bytes::from(b))
                .unwrap_or_else(|e| panic!("{rel} response: {e}"))
        });
        out.push(Pair { name, req, resp });
    }
    out
}

fn deviations() -> BTreeSet<String> {
    std::fs::read_to_string(captures().join("deviations.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

/// A decoded string field as text (whatever string type the codec uses for it).
fn txt(s: &impl std::fmt::Display) -> String {
    s.to_string()
}

fn list<'a>(expected: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    expected[key].as_array().into_iter().flatten()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Resource type codes of DescribeConfigs / AlterConfigs.
fn resource_type(name: &str) -> i8 {
    match name {
        "topic" => 2,
        "broker" => 4,
        other => panic!("resource type {other}"),
    }
}

/// Producer ids and epochs granted by successful InitProducerId answers, per transactional id
/// (`None` for idempotent producers).
fn granted(pairs: &[Pair]) -> BTreeMap<Option<String>, BTreeSet<(i64, i16)>> {
    let mut out: BTreeMap<Option<String>, BTreeSet<(i64, i16)>> = BTreeMap::new();
    for p in pairs {
        let (RequestBody::InitProducerId(req), Some(ResponseBody::InitProducerId(resp))) =
            (&p.req.body, p.resp.as_ref().map(|r| &r.body))
        else {
            continue;
        };
        if resp.error_code == 0 {
            assert!(
                resp.producer_id >= 0,
                "{}: granted id {}",
                p.name,
                resp.producer_id
            );
            out.entry(req.transactional_id.as_ref().map(|t| t.to_string()))
                .or_default()
                .insert((resp.producer_id, resp.producer_epoch));
        }
    }
    out
}

/// Batches produced to `topic` by producer `pid`: (partition, epoch, base sequence, count).
fn batches_of(pairs: &[Pair], topic: &str, pid: i64) -> Vec<(i32, i16, i32, i32, bool)> {
    let opts = RecordOptions::default();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in pairs {
        let RequestBody::Produce(req) = &p.req.body else {
            continue;
        };
        for t in req.topic_data.iter().filter(|t| txt(&t.name) == topic) {
            for part in &t.partition_data {
                for e in entries(part.records.as_deref().unwrap_or(&[]), &opts) {
                    let Ok(Entry::Batch(b)) = e else { continue };
                    let h = b.header();
                    // A retried batch is sent again with the same sequence: count it once.
                    if h.producer_id == pid && seen.insert((part.index, h.base_sequence)) {
                        out.push((
                            part.index,
                            h.producer_epoch,
                            h.base_sequence,
                            h.records_count,
                            h.attributes.is_transactional(),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[derive(Default)]
struct Counts(BTreeMap<&'static str, usize>);

impl Counts {
    fn hit(&mut self, what: &'static str) {
        *self.0.entry(what).or_default() += 1;
    }
}

#[test]
fn captured_admin_producer_telemetry_and_sasl_exchanges_match_the_scenarios() {
    let mut dirs = Vec::new();
    scenario_dirs(&captures(), &mut dirs);
    dirs.sort();
    let deviations = deviations();
    let mut n = Counts::default();
    for dir in &dirs {
        let label = dir.strip_prefix(captures()).unwrap().display().to_string();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let pairs = pairs(dir, &deviations);
        let reqs = || pairs.iter().map(|p| &p.req.body);

        for t in list(&expected, "created_topics") {
            let name = s(&t["name"]);
            let found = reqs().any(|b| match b {
                RequestBody::CreateTopics(r) => r.topics.iter().any(|c| {
                    txt(&c.name) == name
                        && i64::from(c.num_partitions) == t["partitions"].as_i64().unwrap()
                        && i64::from(c.replication_factor)
                            == t["replication_factor"].as_i64().unwrap()
                        && t["configs"].as_object().unwrap().iter().all(|(k, v)| {
                            c.configs.iter().any(|x| {
                                txt(&x.name) == *k
                                    && x.value.as_ref().map(|v| v.to_string()).as_deref()
                                        == v.as_str()
                            })
                        })
                }),
                _ => false,
            });
            assert!(found, "{label}: no CreateTopics request creates {t}");
            n.hit("created topics");
        }

        for t in list(&expected, "deleted_topics") {
            let name = s(t);
            let found = reqs().any(|b| match b {
                RequestBody::DeleteTopics(r) => {
                    r.topic_names.iter().any(|x| txt(&x) == name)
                        || r.topics
                            .iter()
                            .any(|x| x.name.as_ref().is_some_and(|x| txt(&x) == name))
                }
                _ => false,
            });
            assert!(found, "{label}: no DeleteTopics request deletes {name}");
            n.hit("deleted topics");
        }

        for c in list(&expected, "described_configs") {
            let (ty, name) = (resource_type(s(&c["type"])), s(&c["name"]));
            let mut asked = false;
            for p in &pairs {
                let RequestBody::DescribeConfigs(r) = &p.req.body else {
                    continue;
                };
                if !r
                    .resources
                    .iter()
                    .any(|x| x.resource_type == ty && txt(&x.resource_name) == name)
                {
                    continue;
                }
                asked = true;
                // The broker answers each resource asked for, with its own error code.
                if let Some(ResponseBody::DescribeConfigs(resp)) = p.resp.as_ref().map(|r| &r.body)
                {
                    assert!(
                        resp.results.iter().any(|x| txt(&x.resource_name) == name),
                        "{label}/{}: the answer does not describe {name}",
                        p.name
                    );
                    n.hit("described configs answered");
                }
            }
            assert!(asked, "{label}: no DescribeConfigs request asks for {c}");
            n.hit("described configs");
        }

        for c in list(&expected, "altered_configs") {
            let (ty, name) = (resource_type(s(&c["type"])), s(&c["name"]));
            let want = c["configs"].as_object().unwrap();
            let has = |cfg_name: &str, value: Option<String>| {
                want.get(cfg_name).and_then(Value::as_str) == value.as_deref()
            };
            let found = reqs().any(|b| match b {
                // `incremental: null`: the client picks the API from what the broker offers.
                RequestBody::IncrementalAlterConfigs(r) if c["incremental"] != false => {
                    r.resources.iter().any(|x| {
                        x.resource_type == ty
                            && txt(&x.resource_name) == name
                            && x.configs.len() == want.len()
                            // Operation 0 is SET.
                            && x.configs.iter().all(|y| {
                                y.config_operation == 0
                                    && has(&txt(&y.name), y.value.as_ref().map(|v| v.to_string()))
                            })
                    })
                }
                RequestBody::AlterConfigs(r) if c["incremental"] != true => {
                    r.resources.iter().any(|x| {
                        x.resource_type == ty
                            && txt(&x.resource_name) == name
                            && x.configs.len() == want.len()
                            && x.configs.iter().all(|y| {
                                has(&txt(&y.name), y.value.as_ref().map(|v| v.to_string()))
                            })
                    })
                }
                _ => false,
            });
            assert!(found, "{label}: no request alters configs as {c}");
            n.hit("altered configs");
        }

        for c in list(&expected, "created_partitions") {
            let found = reqs().any(|b| match b {
                RequestBody::CreatePartitions(r) => r.topics.iter().any(|x| {
                    txt(&x.name) == s(&c["topic"])
                        && i64::from(x.count) == c["count"].as_i64().unwrap()
                }),
                _ => false,
            });
            assert!(found, "{label}: no CreatePartitions request as {c}");
            n.hit("created partitions");
        }

        for c in list(&expected, "deleted_records") {
            let found = reqs().any(|b| match b {
                RequestBody::DeleteRecords(r) => r.topics.iter().any(|x| {
                    txt(&x.name) == s(&c["topic"])
                        && x.partitions.iter().any(|p| {
                            i64::from(p.partition_index) == c["partition"].as_i64().unwrap()
                                && p.offset == c["offset"].as_i64().unwrap()
                        })
                }),
                _ => false,
            });
            assert!(found, "{label}: no DeleteRecords request as {c}");
            n.hit("deleted records");
        }

        for c in list(&expected, "created_acls") {
            let int = |k: &str| c[k].as_i64().unwrap();
            let found = reqs().any(|b| match b {
                RequestBody::CreateAcls(r) => r.creations.iter().any(|x| {
                    i64::from(x.resource_type) == int("resource_type")
                        && txt(&x.resource_name) == s(&c["name"])
                        && i64::from(x.resource_pattern_type) == int("pattern_type")
                        && txt(&x.principal) == s(&c["principal"])
                        && txt(&x.host) == s(&c["host"])
                        && i64::from(x.operation) == int("operation")
                        && i64::from(x.permission_type) == int("permission")
                }),
                _ => false,
            });
            assert!(found, "{label}: no CreateAcls request as {c}");
            n.hit("created ACLs");
        }

        for c in list(&expected, "scram_upserts") {
            let found = reqs().any(|b| match b {
                RequestBody::AlterUserScramCredentials(r) => r.upsertions.iter().any(|x| {
                    txt(&x.name) == s(&c["user"])
                        && i64::from(x.mechanism) == c["mechanism"].as_i64().unwrap()
                        && i64::from(x.iterations) == c["iterations"].as_i64().unwrap()
                        // SCRAM-SHA-512 (mechanism 2): a 64-byte salted password.
                        && (x.mechanism != 2 || x.salted_password.len() == 64)
                        && !x.salt.is_empty()
                }),
                _ => false,
            });
            assert!(
                found,
                "{label}: no AlterUserScramCredentials request as {c}"
            );
            n.hit("SCRAM credentials upserted");
        }

        let granted = granted(&pairs);

        // An idempotent producer: every batch it sent carries the id and epoch it was granted,
        // and per partition its sequence numbers start at 0 and leave no gap.
        for c in list(&expected, "idempotent_producers") {
            let topic = s(&c["topic"]);
            let ids = granted
                .get(&None)
                .unwrap_or_else(|| panic!("{label}: no InitProducerId granted an idempotent id"));
            let mut matched = false;
            for &(pid, epoch) in ids {
                let batches = batches_of(&pairs, topic, pid);
                if batches.is_empty() {
                    continue;
                }
                matched = true;
                let mut next: BTreeMap<i32, i32> = BTreeMap::new();
                let mut sorted = batches.clone();
                sorted.sort_by_key(|b| (b.0, b.2));
                for (part, e, seq, count, txn) in sorted {
                    assert_eq!(e, epoch, "{label}: {topic}/{part} batch with epoch {e}");
                    assert!(!txn, "{label}: idempotent batch marked transactional");
                    let want = next.entry(part).or_insert(0);
                    assert_eq!(seq, *want, "{label}: {topic}/{part} sequence gap");
                    *want += count;
                }
                let total: i32 = next.values().sum();
                assert_eq!(
                    i64::from(total),
                    c["records"].as_i64().unwrap(),
                    "{label}: records sent by producer {pid}"
                );
            }
            assert!(
                matched,
                "{label}: no batch to {topic} carries a granted producer id"
            );
            n.hit("idempotent producers");
        }

        // A transactional producer: the id and epoch it was granted for its transactional id
        // are the ones its AddPartitionsToTxn and EndTxn requests and its batches carry, and
        // each transaction ended as the scenario ended it.
        for c in list(&expected, "transactions") {
            let txid = s(&c["transactional_id"]);
            let Some(ids) = granted.get(&Some(txid.to_string())) else {
                panic!("{label}: no InitProducerId granted an id to {txid}");
            };
            let commit = s(&c["outcome"]) == "commit";
            let ended = reqs().any(|b| match b {
                RequestBody::EndTxn(r) => {
                    txt(&r.transactional_id) == txid
                        && r.committed == commit
                        && ids.contains(&(r.producer_id, r.producer_epoch))
                }
                _ => false,
            });
            assert!(
                ended,
                "{label}: no EndTxn ends {txid} with committed={commit} under a granted id"
            );
            let added = reqs().any(|b| match b {
                RequestBody::AddPartitionsToTxn(r) => {
                    (txt(&r.v3_and_below_transactional_id) == txid
                        && ids
                            .contains(&(r.v3_and_below_producer_id, r.v3_and_below_producer_epoch)))
                        || r.transactions.iter().any(|t| {
                            txt(&t.transactional_id) == txid
                                && ids.contains(&(t.producer_id, t.producer_epoch))
                        })
                }
                _ => false,
            });
            assert!(
                added,
                "{label}: no AddPartitionsToTxn for {txid} under a granted id"
            );
            for p in list(&expected, "produced").filter(|p| p["transaction"] == c["outcome"]) {
                let topic = s(&p["topic"]);
                let batches: Vec<_> = ids
                    .iter()
                    .flat_map(|&(pid, epoch)| {
                        batches_of(&pairs, topic, pid)
                            .into_iter()
                            .map(move |b| (b, epoch))
                    })
                    .collect();
                assert!(
                    !batches.is_empty(),
                    "{label}: no batch of {txid} to {topic}"
                );
                for ((part, e, _, _, txn), epoch) in batches {
                    assert!(
                        txn,
                        "{label}: {topic}/{part}: batch of {txid} not transactional"
                    );
                    assert_eq!(e, epoch, "{label}: {topic}/{part}: epoch");
                }
            }
            n.hit("transactions");
        }

        // Telemetry (KIP-714): the client asks for its subscription; every push names the
        // client instance id and subscription id some answer gave it.
        if expected["telemetry"]["enable.metrics.push"] == true {
            let mut given = BTreeSet::new();
            let mut asked = 0;
            for p in &pairs {
                if let RequestBody::GetTelemetrySubscriptions(_) = &p.req.body {
                    asked += 1;
                    if let Some(ResponseBody::GetTelemetrySubscriptions(r)) =
                        p.resp.as_ref().map(|r| &r.body)
                    {
                        given.insert((r.client_instance_id, r.subscription_id));
                    }
                }
            }
            assert!(asked > 0, "{label}: no GetTelemetrySubscriptions request");
            for p in &pairs {
                if let RequestBody::PushTelemetry(r) = &p.req.body {
                    assert!(
                        given.contains(&(r.client_instance_id, r.subscription_id)),
                        "{label}/{}: push under an instance or subscription never given",
                        p.name
                    );
                    n.hit("telemetry pushes");
                }
            }
            n.hit("telemetry clients");
        }

        // SASL: the handshake names the configured mechanism; where the broker accepted it,
        // the first authentication message is the mechanism's, for the configured user.
        for c in list(&expected, "sasl") {
            let (mech, user) = (s(&c["mechanism"]), s(&c["username"]));
            let mut handshakes = 0;
            for (i, p) in pairs.iter().enumerate() {
                let RequestBody::SaslHandshake(r) = &p.req.body else {
                    continue;
                };
                if txt(&r.mechanism) != mech {
                    continue;
                }
                handshakes += 1;
                let Some(ResponseBody::SaslHandshake(resp)) = p.resp.as_ref().map(|r| &r.body)
                else {
                    continue;
                };
                if resp.error_code != 0 {
                    continue;
                }
                // The next request on the connection is the first SaslAuthenticate.
                let conn = connection_of(dir, &p.name);
                let next = pairs[i + 1..]
                    .iter()
                    .find(|q| connection_of(dir, &q.name) == conn);
                let Some(RequestBody::SaslAuthenticate(a)) = next.map(|q| &q.req.body) else {
                    panic!(
                        "{label}/{}: accepted handshake not followed by SaslAuthenticate",
                        p.name
                    );
                };
                let first = String::from_utf8_lossy(&a.auth_bytes);
                let ok = if mech.starts_with("SCRAM-") {
                    first.starts_with(&format!("n,,n={user},r="))
                } else {
                    first.split('\0').nth(1) == Some(user)
                };
                assert!(ok, "{label}: first {mech} message {first:?}");
                n.hit("SASL first messages");
                if mech.starts_with("SCRAM-") {
                    scram_rounds(&label, &pairs, &conn, dir, i + 1, &first, &mut n);
                }
            }
            assert!(handshakes > 0, "{label}: no SaslHandshake for {mech}");
            n.hit("SASL handshakes");
        }
    }
    for (what, count) in &n.0 {
        eprintln!("{what}: {count}");
    }
    for what in [
        "created topics",
        "deleted topics",
        "described configs",
        "described configs answered",
        "altered configs",
        "deleted records",
        "idempotent producers",
        "transactions",
        "telemetry clients",
        "SASL handshakes",
        "SCRAM exchanges",
        "SCRAM credentials upserted",
        "created ACLs",
    ] {
        assert!(
            n.0.get(what).copied().unwrap_or(0) > 0,
            "nothing in the corpus checked: {what}"
        );
    }
}

/// A SCRAM exchange after its first message: the server's first answer extends the client's
/// nonce, and the client's final message (sent on the same connection) repeats the server's
/// nonce after the encoded GS2 header (`c=biws`, i.e. `n,,`).
fn scram_rounds(
    label: &str,
    pairs: &[Pair],
    conn: &str,
    dir: &Path,
    first_at: usize,
    first: &str,
    n: &mut Counts,
) {
    let client_nonce = first.split(",r=").nth(1).unwrap();
    let on_conn: Vec<&Pair> = pairs[first_at..]
        .iter()
        .filter(|q| connection_of(dir, &q.name) == conn)
        .collect();
    let Some(ResponseBody::SaslAuthenticate(server_first)) =
        on_conn[0].resp.as_ref().map(|r| &r.body)
    else {
        return;
    };
    if server_first.error_code != 0 {
        return;
    }
    let server_first = String::from_utf8_lossy(&server_first.auth_bytes).to_string();
    let server_nonce = server_first
        .strip_prefix("r=")
        .and_then(|r| r.split(',').next())
        .unwrap_or_else(|| panic!("{label}: server-first message {server_first:?}"));
    assert!(
        server_nonce.starts_with(client_nonce) && server_nonce.len() > client_nonce.len(),
        "{label}: server nonce {server_nonce:?} does not extend {client_nonce:?}"
    );
    let Some(RequestBody::SaslAuthenticate(last)) = on_conn.get(1).map(|q| &q.req.body) else {
        panic!(
            "{label}: no client-final SCRAM message after {}",
            on_conn[0].name
        );
    };
    let last = String::from_utf8_lossy(&last.auth_bytes);
    assert!(
        last.starts_with(&format!("c=biws,r={server_nonce},p=")),
        "{label}: client-final message {last:?}"
    );
    n.hit("SCRAM exchanges");
}

/// The connection a frame was sent on, from the directory's manifest.
fn connection_of(dir: &Path, file: &str) -> String {
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    manifest
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|c| c.len() > 8 && c[8] == file)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("{file} not in {}/manifest.tsv", dir.display()))
}
