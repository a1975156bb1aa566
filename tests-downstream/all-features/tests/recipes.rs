//! The four recipes of the crate documentation, through the public API only, from a crate
//! that enables every feature.

// Messages are built as `let mut m = X::default(); m.field = ...;`, which keeps compiling
// when the message types become #[non_exhaustive] (struct literals would not).
#![allow(clippy::field_reassign_with_default)]

use downstream_all_features::point_brokers_at;
use futures_util::{SinkExt, StreamExt};
use kafka_codec::consumer::Versioned;
use kafka_codec::correlator::{CorrelationError, Correlator};
use kafka_codec::frame::{
    decode_request, decode_request_payload, decode_response, encode_request_message,
    encode_response, RequestParams,
};
use kafka_codec::messages::find_coordinator_response::Coordinator;
use kafka_codec::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_codec::messages::metadata_response::MetadataResponseBroker;
use kafka_codec::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_codec::messages::{
    ConsumerProtocolSubscription, FindCoordinatorRequest, FindCoordinatorResponse,
    HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, MetadataRequest, MetadataResponse,
    OffsetCommitRequest, ResponseHeader,
};
use kafka_codec::tokio::{BrokerCodec, ClientCodec};
use kafka_codec::{ApiKey, DecodeErrorKind, ErrorCode, Message, RequestBody, ResponseBody};
use tokio_util::codec::Framed;

fn params(version: i16, correlation_id: i32) -> RequestParams<'static> {
    RequestParams {
        version,
        correlation_id,
        client_id: Some("downstream"),
    }
}

fn header(correlation_id: i32) -> ResponseHeader {
    let mut h = ResponseHeader::default();
    h.correlation_id = correlation_id;
    h
}

#[test]
fn proxy_rewrites_metadata_and_find_coordinator() {
    let mut correlator = Correlator::new();
    let md_req = encode_request_message(&MetadataRequest::default(), &params(12, 1)).unwrap();
    correlator.track_payload(&md_req.slice(4..)).unwrap();
    let fc_req = encode_request_message(&FindCoordinatorRequest::default(), &params(4, 2)).unwrap();
    correlator.track_payload(&fc_req.slice(4..)).unwrap();

    let mut broker = MetadataResponseBroker::default();
    broker.node_id = 2;
    broker.host = "10.0.0.2".into();
    broker.port = 9092;
    let mut metadata = MetadataResponse::default();
    metadata.brokers = vec![broker];
    let md_frame = encode_response(ApiKey::METADATA, 12, &header(1), &metadata.into()).unwrap();

    let mut coordinator = Coordinator::default();
    coordinator.key = "billing".into();
    coordinator.node_id = 3;
    coordinator.host = "10.0.0.3".into();
    coordinator.port = 9092;
    let mut found = FindCoordinatorResponse::default();
    found.coordinators = vec![coordinator];
    let fc_frame = encode_response(ApiKey::FIND_COORDINATOR, 4, &header(2), &found.into()).unwrap();

    // Answers arrive in the other order; each decodes at its own request's version.
    let mut fc = correlator.decode_response(fc_frame).unwrap();
    assert!(point_brokers_at(&mut fc.frame.body, "proxy.local", 19000));
    let out = fc.frame.encode().unwrap();
    let back = decode_response(ApiKey::FIND_COORDINATOR, 4, out).unwrap();
    let back = FindCoordinatorResponse::try_from(back.body).unwrap();
    assert_eq!(
        (
            back.coordinators[0].host.to_str().unwrap(),
            back.coordinators[0].port
        ),
        ("proxy.local", 19003)
    );

    let mut md = correlator.decode_response(md_frame).unwrap();
    assert!(point_brokers_at(&mut md.frame.body, "proxy.local", 19000));
    let md: MetadataResponse = md.into_response::<MetadataRequest>().unwrap();
    assert_eq!(
        (md.brokers[0].host.to_str().unwrap(), md.brokers[0].port),
        ("proxy.local", 19002)
    );
    assert!(correlator.is_empty());
}

#[test]
fn offset_commit_and_join_group_encoding() {
    let mut subscription = ConsumerProtocolSubscription::default();
    subscription.topics = vec!["orders".into()];
    let mut protocol = JoinGroupRequestProtocol::default();
    protocol.name = "range".into();
    protocol.metadata = Versioned::new(3, subscription.clone())
        .unwrap()
        .encode()
        .unwrap();
    let mut join = JoinGroupRequest::default();
    join.group_id = "billing".into();
    join.session_timeout_ms = 45_000;
    join.rebalance_timeout_ms = 300_000;
    join.protocol_type = "consumer".into();
    join.protocols = vec![protocol];
    let frame = encode_request_message(&join, &params(9, 3)).unwrap();
    let back = decode_request(frame).unwrap();
    assert_eq!(back.header.api_key(), ApiKey::JOIN_GROUP);
    let back = JoinGroupRequest::try_from(back.body).unwrap();
    let sub = Versioned::<ConsumerProtocolSubscription>::decode(back.protocols[0].metadata.clone())
        .unwrap();
    assert_eq!(sub.message, subscription);
    assert!(Versioned::new(99, ConsumerProtocolSubscription::default()).is_err());

    let mut partition = OffsetCommitRequestPartition::default();
    partition.partition_index = 0;
    partition.committed_offset = 42;
    let mut topic = OffsetCommitRequestTopic::default();
    topic.name = "orders".into();
    topic.partitions = vec![partition];
    let mut commit = OffsetCommitRequest::default();
    commit.group_id = "billing".into();
    commit.generation_id_or_member_epoch = 5;
    commit.member_id = "billing-1".into();
    commit.topics = vec![topic];
    let frame = encode_request_message(&commit, &params(9, 4)).unwrap();
    assert_eq!(&frame[4..6], &[0, 8]);
    let back = decode_request(frame.clone()).unwrap();
    assert_eq!(
        OffsetCommitRequest::try_from(back.body).unwrap(),
        commit.clone()
    );
    // The body alone, at another version.
    let body = commit.to_bytes(2).unwrap().freeze();
    assert_eq!(OffsetCommitRequest::from_bytes(body, 2).unwrap(), commit);

    // The frame/payload mix-ups, through the frame functions.
    let e = decode_request_payload(frame.clone()).unwrap_err();
    assert!(
        matches!(e.kind(), DecodeErrorKind::SizePrefixInPayload { .. }),
        "{e}"
    );
    let e = decode_request(frame.slice(4..)).unwrap_err();
    assert!(
        matches!(e.kind(), DecodeErrorKind::MissingSizePrefix { .. }),
        "{e}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn tokio_client_and_broker() {
    let (client_io, broker_io) = tokio::io::duplex(64 * 1024);
    let mut client = Framed::new(client_io, ClientCodec::new().with_client_id("app"));
    let mut broker = Framed::new(broker_io, BrokerCodec::new());

    let mut heartbeat = HeartbeatRequest::default();
    heartbeat.group_id = "billing".into();
    heartbeat.generation_id = 5;
    client.send((4, heartbeat.clone())).await.unwrap();
    client.send((4, heartbeat)).await.unwrap();

    for _ in 0..2 {
        let request = broker.next().await.unwrap().unwrap();
        let RequestBody::Heartbeat(hb) = &request.body else {
            panic!("{:?}", request.body)
        };
        let mut answer = HeartbeatResponse::default();
        if hb.generation_id != 6 {
            answer.error_code = ErrorCode::ILLEGAL_GENERATION.0;
        }
        broker
            .send((header(request.header.correlation_id), answer.into()))
            .await
            .unwrap();
    }

    let first = client.next().await.unwrap().unwrap();
    let answer: HeartbeatResponse = first.into_response::<HeartbeatRequest>().unwrap();
    assert_eq!(ErrorCode(answer.error_code), ErrorCode::ILLEGAL_GENERATION);
    // The wrong request type is an error that names both APIs, not a silent mismatch.
    let second = client.next().await.unwrap().unwrap();
    let err = second.into_response::<MetadataRequest>().unwrap_err();
    assert!(matches!(
        err,
        CorrelationError::UnexpectedResponse {
            expected: ApiKey::METADATA,
            ..
        }
    ));
    assert!(client.codec().correlator().is_empty());
}

#[test]
fn body_enums_convert_both_ways() {
    let body: ResponseBody = HeartbeatResponse::default().into();
    let back = MetadataResponse::try_from(body).unwrap_err();
    assert!(matches!(back, ResponseBody::Heartbeat(_)));
    assert!(HeartbeatResponse::try_from(back).is_ok());
}
