//! JSON shapes of the serde representations (feature `serde`): bytes as lowercase hex, strings
//! as strings, open enums (API keys, error codes) as their numbers, closed enums by name.
#![cfg(all(feature = "serde", feature = "group"))]

use bytes::Bytes;
use kafka_codec::correlator::{CorrelatedResponse, Correlator};
use kafka_codec::frame::{decode_request, encode_request, encode_response};
use kafka_codec::messages::{HeartbeatRequest, HeartbeatResponse, RequestHeader, ResponseHeader};
use kafka_codec::records::{
    AbortedTransaction, BatchAttributes, BatchHeader, Compression, ControlRecord,
    ControlRecordType, TimestampType,
};
use kafka_codec::{ApiKey, ErrorCode, RequestBody, ResponseBody};
use serde_json::{json, Value};

fn round_trip<T>(v: &T) -> Value
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let j = serde_json::to_value(v).unwrap();
    let back: T = serde_json::from_value(j.clone()).unwrap();
    assert_eq!(&back, v);
    j
}

#[test]
fn frames_and_correlated_responses() {
    let header = RequestHeader::default()
        .with_request_api_key(ApiKey::HEARTBEAT)
        .with_request_api_version(4)
        .with_correlation_id(7)
        .with_client_id(Some("c".into()));
    let body = RequestBody::Heartbeat(
        HeartbeatRequest::default()
            .with_group_id("g".into())
            .with_generation_id(1)
            .with_member_id("m".into()),
    );
    let frame = decode_request(encode_request(&header, &body).unwrap()).unwrap();
    let j = round_trip(&frame);
    assert_eq!(j["header"]["client_id"], "c");
    assert_eq!(j["body"]["Heartbeat"]["group_id"], "g");
    assert_eq!(j["trailing"], "");

    let mut c = Correlator::new();
    c.track_frame(&frame).unwrap();
    let resp = encode_response(
        ApiKey::HEARTBEAT,
        4,
        &ResponseHeader::default().with_correlation_id(7),
        &ResponseBody::Heartbeat(
            HeartbeatResponse::default().with_error_code(ErrorCode::REBALANCE_IN_PROGRESS.0),
        ),
    )
    .unwrap();
    let got: CorrelatedResponse = c.decode_response(resp.clone()).unwrap();
    let j = round_trip(&got);
    assert_eq!(
        j["request"],
        json!({
            "correlation_id": 7,
            "api_key": 12,
            "api_version": 4,
            "request_header_version": 2,
            "response_header_version": 1,
            "acks_zero": false
        })
    );
    assert_eq!(j["frame"]["body"]["Heartbeat"]["error_code"], 27);
    assert_eq!(round_trip(&ErrorCode::REBALANCE_IN_PROGRESS), json!(27));
}

#[test]
fn bytes_are_lowercase_hex() {
    let body = ResponseBody::Raw(Bytes::from_static(&[0x00, 0xab, 0x7f]));
    assert_eq!(round_trip(&body), json!({ "Raw": "00ab7f" }));
    let bad: Result<ResponseBody, _> = serde_json::from_value(json!({ "Raw": "0g" }));
    assert!(bad.is_err());
}

#[test]
fn record_types() {
    let h = BatchHeader {
        base_offset: 10,
        batch_length: 61,
        partition_leader_epoch: 0,
        magic: 2,
        crc: 0xdead_beef,
        attributes: BatchAttributes(0x13),
        last_offset_delta: 2,
        base_timestamp: 1_700_000_000_000,
        max_timestamp: 1_700_000_000_002,
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
        records_count: 3,
    };
    let j = round_trip(&h);
    assert_eq!(j["attributes"], 0x13);
    assert_eq!(j["crc"], 0xdead_beef_u32);
    assert_eq!(round_trip(&Compression::Zstd), json!("Zstd"));
    assert_eq!(
        round_trip(&TimestampType::LogAppendTime),
        json!("LogAppendTime")
    );
    assert_eq!(
        round_trip(&AbortedTransaction {
            producer_id: 5,
            first_offset: 100
        }),
        json!({ "producer_id": 5, "first_offset": 100 })
    );
    round_trip(&ControlRecord {
        version: 0,
        control_type: ControlRecordType::COMMIT,
        marker_version: Some(0),
        coordinator_epoch: Some(3),
    });
}
