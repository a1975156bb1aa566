//! Loopback tests of the tokio-util codecs: a client and a broker codec talking over an
//! in-memory pipe and over a real loopback TCP connection. No external broker needed.
#![cfg(all(
    feature = "tokio",
    feature = "group",
    feature = "metadata",
    feature = "produce"
))]

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use kafka_codec::correlator::CorrelationError;
use kafka_codec::frame::{decode_request_payload, ResponseFrame};
use kafka_codec::messages::{
    ApiVersionsRequest, ApiVersionsResponse, FetchRequest, HeartbeatRequest, HeartbeatResponse,
    MetadataRequest, MetadataResponse, ProduceRequest, RequestHeader, ResponseHeader,
};
use kafka_codec::tokio::{BrokerCodec, ClientCodec, CodecError, FrameCodec};
use kafka_codec::{ApiKey, DecodeErrorKind, ErrorCode, RequestBody, ResponseBody};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Encoder, Framed, FramedRead};

fn answer(req: &kafka_codec::frame::RequestFrame) -> (ResponseHeader, ResponseBody) {
    let header = ResponseHeader::default().with_correlation_id(req.header.correlation_id);
    let body = match req.api_key() {
        ApiKey::METADATA => {
            ResponseBody::Metadata(MetadataResponse::default().with_throttle_time_ms(7))
        }
        ApiKey::HEARTBEAT => ResponseBody::Heartbeat(
            HeartbeatResponse::default().with_error_code(ErrorCode::REBALANCE_IN_PROGRESS.0),
        ),
        ApiKey::API_VERSIONS => ResponseBody::ApiVersions(ApiVersionsResponse::default()),
        other => panic!("unexpected {other}"),
    };
    (header, body)
}

#[tokio::test]
async fn pipelined_requests_answered_out_of_order() {
    let (c, b) = tokio::io::duplex(1 << 16);
    let mut client = Framed::new(c, ClientCodec::new().with_client_id("loopback"));
    let mut broker = Framed::new(b, BrokerCodec::new());

    client.feed((12, MetadataRequest::default())).await.unwrap();
    client
        .feed((
            4,
            HeartbeatRequest::default()
                .with_group_id("g".into())
                .with_generation_id(3)
                .with_member_id("m".into()),
        ))
        .await
        .unwrap();
    // An explicit header and body, at a version whose header is v1 (not flexible).
    let explicit = RequestHeader::default()
        .with_request_api_key(ApiKey::METADATA)
        .with_request_api_version(4)
        .with_correlation_id(1000)
        .with_client_id(Some("explicit".into()));
    client
        .feed((
            explicit.clone(),
            RequestBody::Metadata(MetadataRequest::default()),
        ))
        .await
        .unwrap();
    client
        .send((3, ApiVersionsRequest::default()))
        .await
        .unwrap();
    assert_eq!(client.codec().correlator().len(), 4);
    assert_eq!(client.codec().next_correlation_id(), 3);

    let mut requests = Vec::new();
    for _ in 0..4 {
        requests.push(broker.next().await.unwrap().unwrap());
    }
    assert_eq!(
        requests
            .iter()
            .map(|r| (r.api_key(), r.api_version(), r.header.correlation_id))
            .collect::<Vec<_>>(),
        vec![
            (ApiKey::METADATA, 12, 0),
            (ApiKey::HEARTBEAT, 4, 1),
            (ApiKey::METADATA, 4, 1000),
            (ApiKey::API_VERSIONS, 3, 2),
        ]
    );
    assert_eq!(requests[0].header.client_id, Some("loopback".into()));
    assert_eq!(requests[2].header, explicit);
    assert_eq!(broker.codec().correlator().len(), 4);

    // Answer in reverse order: each response is written and read at its request's version.
    for req in requests.iter().rev() {
        broker.send(answer(req)).await.unwrap();
    }
    assert!(broker.codec().correlator().is_empty());
    let mut got = Vec::new();
    for _ in 0..4 {
        let r = client.next().await.unwrap().unwrap();
        assert_eq!(r.frame.body_version, r.request.api_version);
        got.push((r.api_key(), r.request.api_version, r.frame.header_version));
        if let ResponseBody::Heartbeat(h) = &r.frame.body {
            assert_eq!(ErrorCode(h.error_code), ErrorCode::REBALANCE_IN_PROGRESS);
        }
    }
    assert_eq!(
        got,
        vec![
            (ApiKey::API_VERSIONS, 3, 0),
            (ApiKey::METADATA, 4, 0),
            (ApiKey::HEARTBEAT, 4, 1),
            (ApiKey::METADATA, 12, 1),
        ]
    );
    assert!(client.codec().correlator().is_empty());
}

#[tokio::test]
async fn produce_acks_zero_is_not_awaited_on_either_side() {
    let (c, b) = tokio::io::duplex(1 << 16);
    let mut client = Framed::new(c, ClientCodec::new());
    let mut broker = Framed::new(b, BrokerCodec::new());
    client
        .send((
            9,
            ProduceRequest::default().with_acks(0).with_timeout_ms(1000),
        ))
        .await
        .unwrap();
    client
        .send((
            RequestHeader::default()
                .with_request_api_key(ApiKey::PRODUCE)
                .with_request_api_version(3)
                .with_correlation_id(50),
            RequestBody::Produce(
                ProduceRequest::default()
                    .with_acks(-1)
                    .with_transactional_id(Some("tx".into())),
            ),
        ))
        .await
        .unwrap();
    assert_eq!(client.codec().correlator().len(), 1);
    assert!(client.codec().correlator().get(50).is_some());
    let first = broker.next().await.unwrap().unwrap();
    let second = broker.next().await.unwrap().unwrap();
    assert_eq!(
        (first.header.correlation_id, second.header.correlation_id),
        (0, 50)
    );
    assert_eq!(broker.codec().correlator().len(), 1);
    // Answering the acks=0 request is a caller bug the codec reports.
    let err = broker
        .send((
            ResponseHeader::default().with_correlation_id(0),
            ResponseBody::Heartbeat(HeartbeatResponse::default()),
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        CodecError::Correlation(CorrelationError::UnknownCorrelationId(0))
    ));
}

#[tokio::test]
async fn oversize_frame_is_refused_before_it_is_buffered() {
    let (mut c, b) = tokio::io::duplex(1 << 16);
    let mut broker = FramedRead::new(b, BrokerCodec::new().with_max_frame_size(1024));
    // A prefix announcing 1 GiB, followed by some of it.
    c.write_all(&(1i32 << 30).to_be_bytes()).await.unwrap();
    c.write_all(&[0u8; 4096]).await.unwrap();
    match broker.next().await.unwrap() {
        Err(CodecError::Decode(e)) => assert_eq!(
            e.kind(),
            &DecodeErrorKind::FrameTooLarge {
                size: 1 << 30,
                max: 1024
            }
        ),
        other => panic!("{other:?}"),
    }
    assert!(broker.read_buffer().capacity() < 1 << 20);
    // A Framed stream ends after an error.
    assert!(broker.next().await.is_none());
}

#[tokio::test]
async fn client_refusals_write_nothing() {
    let mut codec = ClientCodec::new()
        .with_max_in_flight(1)
        .with_max_frame_size(64);
    let mut dst = BytesMut::new();
    codec
        .encode((12, MetadataRequest::default()), &mut dst)
        .unwrap();
    let written = dst.len();
    // Too many in flight: not written, correlation id not consumed.
    let err = codec
        .encode((12, MetadataRequest::default()), &mut dst)
        .unwrap_err();
    assert!(matches!(
        err,
        CodecError::Correlation(CorrelationError::TooManyInFlight { max: 1 })
    ));
    assert_eq!(dst.len(), written);
    assert_eq!(codec.next_correlation_id(), 1);
    // Over the frame size limit: refused before writing.
    codec.correlator_mut().clear();
    let big = FetchRequest::default().with_rack_id("r".repeat(100).as_str().into());
    let err = codec.encode((12, big), &mut dst).unwrap_err();
    assert!(matches!(err, CodecError::FrameTooLarge { max: 64, .. }));
    assert_eq!(dst.len(), written);
    // A body the version cannot carry: an encode error, nothing written, nothing remembered.
    let err = codec
        .encode((99, MetadataRequest::default()), &mut dst)
        .unwrap_err();
    assert!(matches!(err, CodecError::Encode(_)));
    assert_eq!(dst.len(), written);
    assert!(codec.correlator().is_empty());
    // What was written is one whole request.
    let mut frames = FrameCodec::new();
    let payload = tokio_util::codec::Decoder::decode(&mut frames, &mut dst)
        .unwrap()
        .unwrap();
    assert_eq!(
        decode_request_payload(payload).unwrap().api_key(),
        ApiKey::METADATA
    );
}

#[tokio::test]
async fn unknown_and_undecodable_responses_are_typed_errors() {
    let (c, b) = tokio::io::duplex(1 << 16);
    let mut client = Framed::new(c, ClientCodec::new());
    let mut raw = Framed::new(b, FrameCodec::new());
    client.send((12, MetadataRequest::default())).await.unwrap();
    let _ = raw.next().await.unwrap().unwrap();
    // Correlation id 0 answered with 3 bytes of nothing: pairs, then fails to decode.
    raw.send(Bytes::from_static(&[0, 0, 0, 0, 9, 9, 9]))
        .await
        .unwrap();
    match client.next().await.unwrap() {
        Err(CodecError::Correlation(CorrelationError::Response { request, .. })) => {
            assert_eq!(
                (request.api_key, request.api_version),
                (ApiKey::METADATA, 12)
            )
        }
        other => panic!("{other:?}"),
    }

    let (c, b) = tokio::io::duplex(1 << 16);
    let mut client = Framed::new(c, ClientCodec::new());
    let mut raw = Framed::new(b, FrameCodec::new());
    raw.send(Bytes::from_static(&[0, 0, 0, 42, 0]))
        .await
        .unwrap();
    assert!(matches!(
        client.next().await.unwrap(),
        Err(CodecError::Correlation(
            CorrelationError::UnknownCorrelationId(42)
        ))
    ));
}

#[tokio::test]
async fn kip_511_answer_as_response_frame() {
    let (c, b) = tokio::io::duplex(1 << 16);
    let mut client = Framed::new(c, ClientCodec::new());
    let mut broker = Framed::new(b, BrokerCodec::new());
    client
        .send((4, ApiVersionsRequest::default()))
        .await
        .unwrap();
    let req = broker.next().await.unwrap().unwrap();
    broker
        .send(ResponseFrame {
            header: ResponseHeader::default().with_correlation_id(req.header.correlation_id),
            header_version: 0,
            body_version: 0,
            body: ResponseBody::ApiVersions(
                ApiVersionsResponse::default().with_error_code(ErrorCode::UNSUPPORTED_VERSION.0),
            ),
            trailing: Bytes::new(),
        })
        .await
        .unwrap();
    assert!(broker.codec().correlator().is_empty());
    let r = client.next().await.unwrap().unwrap();
    assert_eq!((r.request.api_version, r.frame.body_version), (4, 0));
}

#[tokio::test]
async fn frame_codec_relays_exact_bytes_over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let mut frames = Framed::new(s, FrameCodec::new());
        let mut got = Vec::new();
        while let Some(f) = frames.next().await {
            got.push(f.unwrap());
        }
        got
    });
    let s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut client = Framed::new(s, ClientCodec::new().with_client_id("tcp"));
    let mut sent = Vec::new();
    for v in [0, 4, 9, 12, 13] {
        let mut probe = ClientCodec::new().with_client_id("tcp");
        for _ in 0..sent.len() {
            // keep correlation ids in step with `client`
            probe
                .encode((v, MetadataRequest::default()), &mut BytesMut::new())
                .unwrap();
        }
        let mut one = BytesMut::new();
        probe
            .encode((v, MetadataRequest::default()), &mut one)
            .unwrap();
        sent.push(one.split_off(4).freeze());
        client.send((v, MetadataRequest::default())).await.unwrap();
    }
    drop(client);
    let got = server.await.unwrap();
    assert_eq!(got, sent);
}
