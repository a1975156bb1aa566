//! The read-every-field functions the `views` section of `benches/ratios.rs` times
//! (`benches/common/views.rs`) see every value: one field changed by one changes their
//! checksum by one, and bytes that do not validate give none. Run here, so that a benchmark
//! figure never comes from a function that skips fields.

#[allow(dead_code)]
#[path = "../benches/common/data.rs"]
mod data;
#[path = "../benches/common/views.rs"]
mod views;

use kafka_codec::Message;

#[test]
fn read_every_field_sees_the_values() {
    for version in [9, 7] {
        let mut m = data::offset_commit(version);
        let bytes = m.to_bytes(version).unwrap();
        let before = views::read_offset_commit(&bytes, version);
        assert_ne!(before, 0, "v{version}");
        assert_eq!(views::validate_offset_commit(&bytes, version), 1);
        let short = &bytes[..bytes.len() - 1];
        assert_eq!(
            views::validate_offset_commit(short, version),
            0,
            "v{version}"
        );
        m.topics[4].partitions[9].committed_offset += 1;
        let after = views::read_offset_commit(&m.to_bytes(version).unwrap(), version);
        assert_eq!(after, before.wrapping_add(1), "v{version}");
    }
    for version in [13, 12, 8] {
        let mut m = data::metadata(version);
        let bytes = m.to_bytes(version).unwrap();
        let before = views::read_metadata(&bytes, version);
        assert_ne!(before, 0, "v{version}");
        assert_eq!(views::validate_metadata(&bytes, version), 1);
        // A byte short: no view, no sum.
        let short = &bytes[..bytes.len() - 1];
        assert_eq!(views::read_metadata(short, version), 0, "v{version}");
        assert_eq!(views::validate_metadata(short, version), 0, "v{version}");
        m.topics[49].partitions[9].isr_nodes[2] += 1;
        let after = views::read_metadata(&m.to_bytes(version).unwrap(), version);
        assert_eq!(after, before.wrapping_add(1), "v{version}");
    }
}
