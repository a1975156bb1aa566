//! Small group/offset/metadata messages at their newest version both crates support and at a
//! pre-flexible version: decode and encode through kafka-codec and kafka-protocol on the same
//! bytes. Groups `{Message}_v{version}/decode` and `/encode`. Encoding includes sizing and
//! allocating the output buffer once, as `Message::to_bytes` does, for both crates.

mod common;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kafka_codec::Message;
use kafka_protocol::protocol::{Decodable, Encodable};

use common::{alloc, data};

fn kp_encode<P: Encodable>(m: &P, version: i16) -> BytesMut {
    let mut buf = BytesMut::with_capacity(m.compute_size(version).expect("kafka-protocol sizes"));
    m.encode(&mut buf, version).expect("kafka-protocol encodes");
    buf
}

fn pair<K: Message, P: Decodable + Encodable>(c: &mut Criterion, name: &str, version: i16, m: K) {
    let bytes: Bytes = data::encode(&m, version);
    let kc = K::from_bytes(bytes.clone(), version).expect("kafka-codec decodes");
    let kp = P::decode(&mut bytes.clone(), version).expect("kafka-protocol decodes");
    if kp_encode(&kp, version)[..] != bytes[..] {
        eprintln!("note: {name} v{version}: kafka-protocol re-encodes different bytes");
    }
    let name = format!("{name}_v{version}");
    eprintln!("{name}: {} bytes", bytes.len());

    let group = format!("{name}/decode");
    alloc::report(&group, "kafka-codec", None, || {
        K::from_bytes(bytes.clone(), version)
    });
    alloc::report(&group, "kafka-protocol", None, || {
        P::decode(&mut bytes.clone(), version)
    });
    let mut g = c.benchmark_group(&group);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("kafka-codec", |b| {
        b.iter(|| K::from_bytes(bytes.clone(), version).expect("decodes"))
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| P::decode(&mut bytes.clone(), version).expect("decodes"))
    });
    g.finish();

    let group = format!("{name}/encode");
    alloc::report(&group, "kafka-codec", None, || kc.to_bytes(version));
    alloc::report(&group, "kafka-protocol", None, || kp_encode(&kp, version));
    let mut g = c.benchmark_group(&group);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("kafka-codec", |b| {
        b.iter(|| kc.to_bytes(version).expect("encodes"))
    });
    g.bench_function("kafka-protocol", |b| b.iter(|| kp_encode(&kp, version)));
    g.finish();
}

fn messages(c: &mut Criterion) {
    use kafka_protocol::messages as kp;
    // Newest version both crates support, then the last version before flexible encoding.
    for v in [9, 7] {
        pair::<_, kp::OffsetCommitRequest>(c, "OffsetCommitRequest", v, data::offset_commit(v));
    }
    for v in [9, 5] {
        pair::<_, kp::JoinGroupRequest>(c, "JoinGroupRequest", v, data::join_group(v));
    }
    for v in [9, 5] {
        pair::<_, kp::OffsetFetchRequest>(c, "OffsetFetchRequest", v, data::offset_fetch(v));
    }
    for v in [10, 5] {
        pair::<_, kp::ListOffsetsRequest>(c, "ListOffsetsRequest", v, data::list_offsets(v));
    }
    for v in [13, 8] {
        pair::<_, kp::MetadataResponse>(c, "MetadataResponse", v, data::metadata(v));
    }
    for v in [4, 3] {
        pair::<_, kp::HeartbeatRequest>(c, "HeartbeatRequest", v, data::heartbeat(v));
    }
    for v in [5, 3] {
        pair::<_, kp::SyncGroupRequest>(c, "SyncGroupRequest", v, data::sync_group(v));
    }
}

criterion_group! {
    name = benches;
    config = common::criterion_with(20, std::time::Duration::from_secs(1));
    targets = messages
}
criterion_main!(benches);
