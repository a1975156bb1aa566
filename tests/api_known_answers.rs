//! Known-answer frames for every API key: its oldest and newest version (and the oldest the
//! newest Kafka release still describes), request and response, from `testdata/kat/apis.jsonl`.
//! The frames were written by an encoder independent of the generator (`testdata/kat/make.py`,
//! from Kafka's JSON definitions), together with the values they encode.
//!
//! Each frame must decode typed when its API's family is compiled in (and as `Raw` when it is
//! not), with the header it was written with; re-encode byte for byte; promise its exact length;
//! refuse every truncation; and, with the `serde` feature, decode to the values written.

use bytes::Bytes;
use kafka_codec::frame::{
    decode_request, decode_request_payload, decode_response, decode_response_payload,
    encode_request, encode_response,
};
use kafka_codec::{ApiKey, Encode, RequestBody, ResponseBody};
use serde_json::Value;

struct Kat {
    api_key: i16,
    version: i16,
    request: bool,
    name: String,
    header_version: i16,
    correlation_id: i32,
    frame: Bytes,
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    value: Value,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn load() -> Vec<Kat> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/kat/apis.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let j: Value = serde_json::from_str(l).unwrap();
            Kat {
                api_key: j["api_key"].as_i64().unwrap() as i16,
                version: j["version"].as_i64().unwrap() as i16,
                request: j["kind"] == "request",
                name: j["name"].as_str().unwrap().to_string(),
                header_version: j["header_version"].as_i64().unwrap() as i16,
                correlation_id: j["correlation_id"].as_i64().unwrap() as i32,
                frame: Bytes::from(unhex(j["frame"].as_str().unwrap())),
                value: j["value"].clone(),
            }
        })
        .collect()
}

/// The cargo feature a schema file puts its message in (`family=` on its first line).
fn family_of(message: &str) -> String {
    let path = format!("{}/schemas/{message}.schema", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.split_whitespace()
        .find_map(|t| t.strip_prefix("family="))
        .unwrap_or_else(|| panic!("{path}: no family"))
        .to_string()
}

fn family_enabled(family: &str) -> bool {
    match family {
        "core" => true,
        "group" => cfg!(feature = "group"),
        "offset" => cfg!(feature = "offset"),
        "fetch" => cfg!(feature = "fetch"),
        "list-offsets" => cfg!(feature = "list-offsets"),
        "metadata" => cfg!(feature = "metadata"),
        "produce" => cfg!(feature = "produce"),
        "security" => cfg!(feature = "security"),
        "transactions" => cfg!(feature = "transactions"),
        "admin" => cfg!(feature = "admin"),
        "telemetry" => cfg!(feature = "telemetry"),
        "share-groups" => cfg!(feature = "share-groups"),
        "streams-groups" => cfg!(feature = "streams-groups"),
        "kraft" => cfg!(feature = "kraft"),
        "broker-internal" => cfg!(feature = "broker-internal"),
        other => panic!("unknown family {other}"),
    }
}

/// Every key of `want` is in `got` with an equal value (recursively; arrays element-wise). A
/// decoded message also has the fields its version lacks, at their defaults: those are not in
/// `want`.
fn contains(got: &Value, want: &Value, path: &str) -> Result<(), String> {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                let gv = g
                    .get(k)
                    .ok_or_else(|| format!("{path}.{k}: missing in the decoded value"))?;
                contains(gv, wv, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => g
            .iter()
            .zip(w)
            .enumerate()
            .try_for_each(|(i, (gv, wv))| contains(gv, wv, &format!("{path}[{i}]"))),
        (g, w) if g == w => Ok(()),
        (g, w) => Err(format!("{path}: decoded {g}, written {w}")),
    }
}

/// The value inside a body enum's serde form (`{"Variant": {...}}`).
#[cfg(feature = "serde")]
fn body_value(body: &impl serde::Serialize) -> Value {
    match serde_json::to_value(body).unwrap() {
        Value::Object(m) if m.len() == 1 => m.into_iter().next().unwrap().1,
        other => panic!("unexpected body form {other}"),
    }
}

#[test]
fn every_api_has_known_answers_at_its_oldest_and_newest_version() {
    let kats = load();
    let infos: Vec<_> = (0..=i16::MAX).filter_map(|k| ApiKey(k).info()).collect();
    assert!(infos.len() >= 95, "only {} APIs known", infos.len());
    for info in infos {
        for (v, want) in [(info.min_version, "oldest"), (info.max_version, "newest")] {
            for request in [true, false] {
                assert!(
                    kats.iter()
                        .any(|k| k.api_key == info.key && k.version == v && k.request == request),
                    "{} v{v} ({want}) has no {} frame",
                    info.name,
                    if request { "request" } else { "response" }
                );
            }
        }
    }
}

#[test]
fn known_answer_frames_decode_typed_and_round_trip() {
    let kats = load();
    let (mut typed, mut raw) = (0, 0);
    // Value checks need the serde feature; counted so the summary says how many ran.
    #[allow(unused_mut)]
    let mut values = 0;
    for k in &kats {
        let what = format!("{} v{} ({} bytes)", k.name, k.version, k.frame.len());
        let want_typed = family_enabled(&family_of(&k.name));
        let key = ApiKey(k.api_key);
        let payload = k.frame.slice(4..);
        if k.request {
            let f = decode_request(k.frame.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(f.header.request_api_key, key, "{what}");
            assert_eq!(f.header.request_api_version, k.version, "{what}");
            assert_eq!(f.header.correlation_id, k.correlation_id, "{what}");
            assert_eq!(f.header_version, k.header_version, "{what}");
            assert!(f.trailing.is_empty(), "{what}: trailing bytes");
            let is_raw = matches!(f.body, RequestBody::Raw(_));
            assert_eq!(!is_raw, want_typed, "{what}: typed?");
            assert_eq!(
                f.header.encoded_len(f.header_version) + f.body.encoded_len(k.version),
                payload.len(),
                "{what}: encoded_len"
            );
            let again = encode_request(&f.header, &f.body).unwrap();
            assert_eq!(&again[..], &k.frame[..], "{what}: re-encoding differs");
            if !is_raw {
                typed += 1;
                for cut in 0..payload.len() {
                    assert!(
                        decode_request_payload(payload.slice(..cut)).is_err(),
                        "{what}: a prefix of {cut} bytes decoded"
                    );
                }
                #[cfg(feature = "serde")]
                {
                    contains(&body_value(&f.body), &k.value, &k.name)
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    values += 1;
                }
            } else {
                raw += 1;
            }
        } else {
            let f = decode_response(key, k.version, k.frame.clone())
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(f.header.correlation_id, k.correlation_id, "{what}");
            assert_eq!(f.header_version, k.header_version, "{what}");
            assert!(f.trailing.is_empty(), "{what}: trailing bytes");
            let is_raw = matches!(f.body, ResponseBody::Raw(_));
            assert_eq!(!is_raw, want_typed, "{what}: typed?");
            assert_eq!(
                f.header.encoded_len(f.header_version) + f.body.encoded_len(k.version),
                payload.len(),
                "{what}: encoded_len"
            );
            let again = encode_response(key, k.version, &f.header, &f.body).unwrap();
            assert_eq!(&again[..], &k.frame[..], "{what}: re-encoding differs");
            if !is_raw {
                typed += 1;
                for cut in 0..payload.len() {
                    assert!(
                        decode_response_payload(key, k.version, payload.slice(..cut)).is_err(),
                        "{what}: a prefix of {cut} bytes decoded"
                    );
                }
                #[cfg(feature = "serde")]
                {
                    contains(&body_value(&f.body), &k.value, &k.name)
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    values += 1;
                }
            } else {
                raw += 1;
            }
        }
    }
    println!("{typed} typed, {raw} raw (family off), {values} value checks");
    assert!(typed > 0, "no frame decoded typed");
    assert_eq!(typed + raw, kats.len());
    if cfg!(feature = "all-apis") {
        assert_eq!(raw, 0, "every API is typed with all-apis");
    }
}

#[test]
fn value_comparison_sees_differences() {
    let got: Value = serde_json::json!({"a": 1, "b": [{"c": "x", "d": 2}], "extra": 0});
    assert!(contains(&got, &serde_json::json!({"a": 1, "b": [{"c": "x"}]}), "m").is_ok());
    assert!(contains(&got, &serde_json::json!({"a": 2}), "m").is_err());
    assert!(contains(&got, &serde_json::json!({"b": [{"c": "y"}]}), "m").is_err());
    assert!(contains(&got, &serde_json::json!({"b": []}), "m").is_err());
    assert!(contains(&got, &serde_json::json!({"z": 1}), "m").is_err());
}
