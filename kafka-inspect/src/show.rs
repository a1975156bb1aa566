//! Turning decoded frames into JSON a person can read: error codes carry their names, the
//! consumer-protocol payloads inside JoinGroup and SyncGroup are decoded in place, topic ids are
//! given the names Metadata responses announced, and record bytes are shown as text when they
//! are text.

use std::collections::HashMap;
use std::path::Path;

use bytes::Bytes;
use kafka_codec::consumer::Versioned;
use kafka_codec::frame::{decode_request, decode_response, RequestFrame, ResponseFrame};
use kafka_codec::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_codec::serde_support::hex;
use kafka_codec::{ApiKey, ErrorCode, RequestBody, ResponseBody, Uuid};
use serde_json::{json, Map, Value};

/// Topic names by topic id, learned from Metadata responses.
#[derive(Default, Debug)]
pub struct TopicNames(HashMap<Uuid, String>);

impl TopicNames {
    /// Remembers every (id, name) pair a Metadata response lists.
    pub fn learn(&mut self, resp: &ResponseFrame) {
        if let ResponseBody::Metadata(m) = &resp.body {
            for t in &m.topics {
                if let Some(name) = &t.name {
                    if !t.topic_id.is_nil() && !name.is_empty() {
                        self.0.insert(t.topic_id, name.to_string());
                    }
                }
            }
        }
    }

    /// Learns from a request frame and its response frame when they are a Metadata exchange;
    /// anything else (or anything that does not decode) is ignored.
    pub fn learn_bytes(&mut self, request: &Bytes, response: &Bytes) {
        let Some(payload) = request.get(4..) else {
            return;
        };
        let Some((key, version, _)) = kafka_codec::frame::peek_request_header(payload) else {
            return;
        };
        if ApiKey(key) != ApiKey::METADATA {
            return;
        }
        if let Ok(resp) = decode_response(ApiKey(key), version, response.clone()) {
            self.learn(&resp);
        }
    }

    /// Learns from every Metadata exchange recorded in `dir` (`*-Metadata-v*.req.bin` with its
    /// `.resp.bin`), as the proxy and `pcap-frames` write them. Unreadable files are skipped:
    /// names are a convenience, never a reason to fail.
    pub fn from_dir(dir: &Path) -> TopicNames {
        let mut names = TopicNames::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return names;
        };
        let mut reqs: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
                n.is_some_and(|n| n.contains("-Metadata-v") && n.ends_with(".req.bin"))
            })
            .collect();
        reqs.sort();
        for req in reqs {
            let resp = req.with_extension("").with_extension("resp.bin");
            if let (Ok(q), Ok(r)) = (std::fs::read(&req), std::fs::read(&resp)) {
                names.learn_bytes(&Bytes::from(q), &Bytes::from(r));
            }
        }
        names
    }

    /// The name announced for `id`.
    pub fn name(&self, id: &Uuid) -> Option<&str> {
        self.0.get(id).map(String::as_str)
    }
}

/// How record keys, values and headers are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BytesAs {
    /// A JSON string when the bytes are valid UTF-8, else `{"hex": "..."}`.
    TextWhenValid,
    /// Always a lowercase hex string.
    Hex,
}

/// Record bytes as JSON, per `mode`.
pub fn bytes_json(b: &[u8], mode: BytesAs) -> Value {
    match (mode, std::str::from_utf8(b)) {
        (BytesAs::TextWhenValid, Ok(s)) => Value::String(s.to_string()),
        (BytesAs::TextWhenValid, Err(_)) => json!({ "hex": hex(b) }),
        (BytesAs::Hex, _) => Value::String(hex(b)),
    }
}

/// The protocol type a group exchange declares (`None` when the version does not carry it).
fn protocol_type_of_request(body: &RequestBody) -> Option<String> {
    match body {
        RequestBody::JoinGroup(j) => Some(j.protocol_type.to_string()),
        RequestBody::SyncGroup(s) => s.protocol_type.as_ref().map(|t| t.to_string()),
        _ => None,
    }
}

/// Decodes a consumer-protocol payload for display: the decoded value, or `None` when it is
/// empty or not consumer protocol (only reported as an error when the group said "consumer").
fn consumer_payload<T>(bytes: &Bytes, sure: bool) -> Option<Value>
where
    T: kafka_codec::Message + serde::Serialize,
{
    if bytes.is_empty() {
        return None;
    }
    match Versioned::<T>::decode(bytes.clone()) {
        Ok(v) => serde_json::to_value(&v).ok(),
        Err(e) if sure => Some(json!({ "error": e.to_string() })),
        Err(_) => None,
    }
}

/// Adds `<field>_decoded` next to each consumer-protocol payload of a JoinGroup or SyncGroup
/// request or response. `protocol_type` is the group's protocol type when known (from the
/// frame itself or the request it answers).
fn decode_group_payloads(
    request: Option<&RequestFrame>,
    response: Option<&ResponseFrame>,
    req_json: &mut Value,
    resp_json: &mut Value,
) {
    let declared = request
        .and_then(|r| protocol_type_of_request(&r.body))
        .or_else(|| match response.map(|r| &r.body) {
            Some(ResponseBody::JoinGroup(j)) => j.protocol_type.as_ref().map(|t| t.to_string()),
            Some(ResponseBody::SyncGroup(s)) => s.protocol_type.as_ref().map(|t| t.to_string()),
            _ => None,
        });
    if declared.as_deref().is_some_and(|t| t != "consumer") {
        return;
    }
    let sure = declared.is_some();
    if let Some(req) = request {
        match &req.body {
            RequestBody::JoinGroup(j) => {
                for (i, p) in j.protocols.iter().enumerate() {
                    if let Some(v) =
                        consumer_payload::<ConsumerProtocolSubscription>(&p.metadata, sure)
                    {
                        req_json["body"]["JoinGroup"]["protocols"][i]["metadata_decoded"] = v;
                    }
                }
            }
            RequestBody::SyncGroup(s) => {
                for (i, a) in s.assignments.iter().enumerate() {
                    if let Some(v) =
                        consumer_payload::<ConsumerProtocolAssignment>(&a.assignment, sure)
                    {
                        req_json["body"]["SyncGroup"]["assignments"][i]["assignment_decoded"] = v;
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(resp) = response {
        match &resp.body {
            ResponseBody::JoinGroup(j) => {
                for (i, m) in j.members.iter().enumerate() {
                    if let Some(v) =
                        consumer_payload::<ConsumerProtocolSubscription>(&m.metadata, sure)
                    {
                        resp_json["body"]["JoinGroup"]["members"][i]["metadata_decoded"] = v;
                    }
                }
            }
            ResponseBody::SyncGroup(s) => {
                if let Some(v) = consumer_payload::<ConsumerProtocolAssignment>(&s.assignment, sure)
                {
                    resp_json["body"]["SyncGroup"]["assignment_decoded"] = v;
                }
            }
            _ => {}
        }
    }
}

/// Walks a JSON value: names every `error_code` (as `error_name` beside it), names every
/// known `topic_id` (as `topic_name` beside it) and drops the codec's `wire` bookkeeping.
fn annotate(v: &mut Value, topics: &TopicNames) {
    match v {
        Value::Object(o) => {
            o.remove("wire");
            add_names(o, topics);
            for (_, x) in o.iter_mut() {
                annotate(x, topics);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| annotate(x, topics)),
        _ => {}
    }
}

fn add_names(o: &mut Map<String, Value>, topics: &TopicNames) {
    if let Some(code) = o.get("error_code").and_then(Value::as_i64) {
        if let Ok(code) = i16::try_from(code) {
            o.insert("error_name".into(), json!(error_name(code)));
        }
    }
    let id = o
        .get("topic_id")
        .and_then(Value::as_str)
        .and_then(parse_uuid);
    if let Some(name) = id.and_then(|id| topics.name(&id)) {
        o.insert("topic_name".into(), json!(name));
    }
}

/// Kafka's name for an error code, or `UNKNOWN(<code>)`.
pub fn error_name(code: i16) -> String {
    match ErrorCode(code).name() {
        Some(n) => n.to_string(),
        None => format!("UNKNOWN({code})"),
    }
}

/// Parses the canonical 36-character form of a UUID.
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    let digits: Vec<u8> = s.bytes().filter(|b| *b != b'-').collect();
    if digits.len() != 32 || s.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(Uuid::from_bytes(out))
}

/// The request and response of an exchange as annotated JSON (see the module docs).
pub fn exchange_json(
    request: Option<&RequestFrame>,
    response: Option<&ResponseFrame>,
    topics: &TopicNames,
) -> (Value, Value) {
    let mut req_json = request.map_or(Value::Null, |r| {
        serde_json::to_value(r).unwrap_or(Value::Null)
    });
    let mut resp_json = response.map_or(Value::Null, |r| {
        serde_json::to_value(r).unwrap_or(Value::Null)
    });
    decode_group_payloads(request, response, &mut req_json, &mut resp_json);
    annotate(&mut req_json, topics);
    annotate(&mut resp_json, topics);
    (req_json, resp_json)
}

/// An exchange decoded as far as it goes.
pub struct Decoded {
    pub request: Option<RequestFrame>,
    pub response: Option<ResponseFrame>,
    /// The annotated request, or `{"error": "..."}`.
    pub request_json: Value,
    /// The annotated response, `{"error": "..."}`, or null when there is none.
    pub response_json: Value,
    /// Whether everything present decoded.
    pub ok: bool,
}

/// Decodes a request frame and its response frame (either may fail) into annotated JSON; a
/// frame that does not decode becomes `{"error": "..."}`.
pub fn decode_exchange(request: &Bytes, response: Option<&Bytes>, topics: &TopicNames) -> Decoded {
    let req = decode_request(request.clone());
    let header = request
        .get(4..)
        .and_then(kafka_codec::frame::peek_request_header);
    let resp = match (response, header) {
        (Some(b), Some((key, version, _))) => {
            Some(decode_response(ApiKey(key), version, b.clone()))
        }
        _ => None,
    };
    let (mut rq, mut rs) = exchange_json(
        req.as_ref().ok(),
        resp.as_ref().and_then(|r| r.as_ref().ok()),
        topics,
    );
    let mut ok = true;
    if let Err(e) = &req {
        ok = false;
        rq = json!({ "error": e.to_string() });
    }
    match &resp {
        Some(Err(e)) => {
            ok = false;
            rs = json!({ "error": e.to_string() });
        }
        None if response.is_some() => {
            ok = false;
            rs = json!({ "error": "not decoded: the request header could not be read" });
        }
        _ => {}
    }
    Decoded {
        request: req.ok(),
        response: resp.and_then(Result::ok),
        request_json: rq,
        response_json: rs,
        ok,
    }
}

/// Records in a records field (0 when it does not parse).
pub fn count_records(records: Option<&[u8]>) -> usize {
    let mut n = 0;
    let _ = kafka_codec::records::for_each_record(
        records.unwrap_or(&[]),
        &kafka_codec::records::RecordOptions::default(),
        |_| n += 1,
    );
    n
}

/// Records a Produce request sends.
pub fn produced_records(req: &RequestFrame) -> usize {
    match &req.body {
        RequestBody::Produce(p) => p
            .topic_data
            .iter()
            .flat_map(|t| &t.partition_data)
            .map(|part| count_records(part.records.as_deref()))
            .sum(),
        _ => 0,
    }
}

/// Records a Fetch response returns.
pub fn fetched_records(resp: &ResponseFrame) -> usize {
    match &resp.body {
        ResponseBody::Fetch(f) => f
            .responses
            .iter()
            .flat_map(|t| &t.partitions)
            .map(|p| count_records(p.records.as_deref()))
            .sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_or_hex() {
        assert_eq!(bytes_json(b"hi", BytesAs::TextWhenValid), json!("hi"));
        assert_eq!(
            bytes_json(&[0xff, 0x00], BytesAs::TextWhenValid),
            json!({ "hex": "ff00" })
        );
        assert_eq!(bytes_json(b"hi", BytesAs::Hex), json!("6869"));
    }

    #[test]
    fn uuid_text_round_trips() {
        let id = Uuid::from_bytes([0xab; 16]);
        assert_eq!(parse_uuid(&id.to_string()), Some(id));
        assert_eq!(parse_uuid("not-a-uuid"), None);
    }

    #[test]
    fn error_codes_are_named() {
        let mut v = json!({ "a": [{ "error_code": 79 }], "error_code": 0, "wire": {} });
        annotate(&mut v, &TopicNames::default());
        assert_eq!(v["a"][0]["error_name"], "MEMBER_ID_REQUIRED");
        assert_eq!(v["error_name"], "NONE");
        assert!(v.get("wire").is_none());
        assert_eq!(error_name(-12345), "UNKNOWN(-12345)");
    }
}
