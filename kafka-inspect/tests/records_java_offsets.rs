//! `kafka-inspect records` prints the offsets Kafka's Java client computes for the legacy
//! compressed Produce requests real producers sent (issue 11): kafka-python's gzip wrappers in
//! Produce v1 and v2 carry wrapper offset 0, so the inner offsets are 0, 1, 2, ... as sent.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[test]
fn legacy_compressed_produce_requests_print_java_offsets() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/captures/librdkafka-mock-2.16.0");
    for req in [
        "kafka-python-3.0.12-api-0.10.1/0016-Produce-v2.req.bin",
        "kafka-python-3.0.12-api-0.9/0004-Produce-v1.req.bin",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_kafka-inspect"))
            .args(["records", "--request"])
            .arg(root.join(req))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{req}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut by_partition: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            by_partition
                .entry(v["partition"].as_i64().unwrap())
                .or_default()
                .push(v["offset"].as_i64().unwrap());
        }
        assert!(
            by_partition.values().any(|o| o.len() > 1),
            "{req}: {by_partition:?}"
        );
        for (p, offsets) in &by_partition {
            let want: Vec<i64> = (0..offsets.len() as i64).collect();
            assert_eq!(offsets, &want, "{req} partition {p}");
        }
    }
}
