//! The Fetch consumer recipe, the frame/payload mix-ups and the disabled-feature hint, through
//! the public API of a build with only the `fetch` family (or more, when cargo unifies features
//! with the rest of the workspace: every test holds either way).

// Messages are built as `let mut m = X::default(); m.field = ...;`, which keeps compiling
// when the message types become #[non_exhaustive] (struct literals would not).
#![allow(clippy::field_reassign_with_default)]

use kafka_codec::api_key::ApiSupport;
use kafka_codec::bytes::{BufMut, Bytes, BytesMut};
use kafka_codec::correlator::{CorrelationError, Correlator};
use kafka_codec::frame::{encode_request_message, encode_response, RawReason, RequestParams};
use kafka_codec::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_codec::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_codec::messages::{FetchRequest, FetchResponse, RequestHeader, ResponseHeader};
use kafka_codec::records::{NewRecord, RecordBatchBuilder, RecordOptions};
use kafka_codec::{ApiKey, DecodeErrorKind};

fn fetch_request() -> FetchRequest {
    let mut partition = FetchPartition::default();
    partition.partition = 0;
    partition.fetch_offset = 100;
    partition.partition_max_bytes = 1 << 20;
    let mut topic = FetchTopic::default();
    topic.topic = "orders".into();
    topic.partitions = vec![partition];
    let mut request = FetchRequest::default();
    request.max_wait_ms = 500;
    request.topics = vec![topic];
    request
}

fn fetch_response_frame(correlation_id: i32) -> Bytes {
    let mut batch = RecordBatchBuilder::new(100);
    batch.push(NewRecord::new(1).key(b"k1").value(b"first"));
    batch.push(NewRecord::new(2).key(b"k2").value(b"second"));
    let mut data = PartitionData::default();
    data.high_watermark = 102;
    data.records = Some(batch.build().unwrap());
    let mut topic = FetchableTopicResponse::default();
    topic.topic = "orders".into();
    topic.partitions = vec![data];
    let mut response = FetchResponse::default();
    response.responses = vec![topic];
    let mut header = ResponseHeader::default();
    header.correlation_id = correlation_id;
    encode_response(ApiKey::FETCH, 11, &header, &response.into()).unwrap()
}

#[test]
fn fetch_consumer_recipe() {
    let mut correlator = Correlator::new();
    let params = RequestParams {
        version: 11,
        correlation_id: 1,
        client_id: Some("downstream"),
    };
    let request = encode_request_message(&fetch_request(), &params).unwrap();
    correlator.track_payload(&request.slice(4..)).unwrap();

    let response = correlator.decode_response(fetch_response_frame(1)).unwrap();
    assert_eq!(
        downstream_fetch_only::describe(&response.frame.body),
        "fetch: 1 topics"
    );
    let response: FetchResponse = response.into_response::<FetchRequest>().unwrap();
    let mut values = Vec::new();
    for (topic, partition) in response.partitions() {
        partition
            .for_each_record(&RecordOptions::default(), |r| {
                values.push(format!(
                    "{topic}@{}={}",
                    r.offset,
                    String::from_utf8_lossy(r.value.unwrap())
                ));
            })
            .unwrap();
    }
    assert_eq!(values, ["orders@100=first", "orders@101=second"]);
    assert!(correlator.is_empty());
}

#[test]
fn a_request_frame_given_as_a_payload_is_refused() {
    let mut correlator = Correlator::new();
    let params = RequestParams {
        version: 11,
        correlation_id: 221,
        client_id: None,
    };
    let frame = encode_request_message(&fetch_request(), &params).unwrap();
    let err = correlator.track_payload(&frame).unwrap_err();
    let CorrelationError::Request(e) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::SizePrefixInPayload { .. }
    ));
    assert!(err.to_string().contains("whole frame"), "{err}");
    assert!(correlator.is_empty(), "nothing was tracked");
}

#[test]
fn a_response_payload_given_as_a_frame_is_refused() {
    let mut correlator = Correlator::new();
    correlator
        .track(&RequestHeader::for_api(ApiKey::FETCH, 11, 221), false)
        .unwrap();
    let payload = fetch_response_frame(221).slice(4..);
    let err = correlator.decode_response(payload.clone()).unwrap_err();
    let CorrelationError::Framing(e) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::MissingSizePrefix {
            read_as_size: 221,
            ..
        }
    ));
    // The request is still awaited, and the payload function takes the payload.
    assert_eq!(correlator.len(), 1);
    correlator.decode_response_payload(payload).unwrap();
}

#[test]
fn a_response_of_a_disabled_family_names_its_feature() {
    // A Metadata v0 response by hand: correlation id 9, no brokers, no topics.
    let mut frame = BytesMut::new();
    frame.put_i32(12);
    frame.put_i32(9);
    frame.put_i32(0);
    frame.put_i32(0);
    let mut correlator = Correlator::new();
    correlator
        .track(&RequestHeader::for_api(ApiKey::METADATA, 0, 9), false)
        .unwrap();
    let response = correlator.decode_response(frame.freeze()).unwrap();
    let reason = response.frame.raw_reason(ApiKey::METADATA);
    assert_eq!(ApiKey::METADATA.feature(), Some("metadata"));
    match ApiKey::METADATA.support() {
        // Built alone: only `fetch` is on.
        ApiSupport::FeatureDisabled(feature) => {
            assert_eq!(feature, "metadata");
            assert_eq!(reason, Some(RawReason::FeatureDisabled("metadata")));
            let text = reason.unwrap().to_string();
            assert!(
                text.contains("enable the cargo feature `metadata`"),
                "{text}"
            );
            assert_eq!(
                downstream_fetch_only::describe(&response.frame.body),
                "raw: 8 bytes"
            );
        }
        // Built with the workspace: another crate turned `metadata` on.
        ApiSupport::Decoded => {
            assert_eq!(reason, None);
            assert_eq!(
                downstream_fetch_only::describe(&response.frame.body),
                "another API"
            );
        }
        other => panic!("{other:?}"),
    }
}
