//! kafka-inspect on a frame whose strings are not UTF-8: it decodes, shows them (JSON: the
//! bytes in hex with the lossy text beside them; summaries: the lossy text) and checks the
//! round trip, instead of refusing the frame.

use std::process::Command;

/// A Heartbeat v4 request frame with client id "c\xffx" and group id "g\xc3(".
fn frame() -> Vec<u8> {
    let mut w = vec![0, 12, 0, 4, 0, 0, 0, 7, 0, 3, b'c', 0xff, b'x', 0];
    w.extend_from_slice(&[4, b'g', 0xc3, b'(', 0, 0, 0, 1, 2, b'm', 0, 0]);
    let mut f = (w.len() as i32).to_be_bytes().to_vec();
    f.extend_from_slice(&w);
    f
}

#[test]
fn frame_with_invalid_utf8_strings_is_shown_and_round_trips() {
    let d = std::env::temp_dir().join(format!("kafka-inspect-utf8-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let req = d.join("0001-Heartbeat-v4.req.bin");
    std::fs::write(&req, frame()).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_kafka-inspect"))
        .args(["frame", "--check-roundtrip", "--request"])
        .arg(&req)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["request"]["header"]["client_id"],
        serde_json::json!({"hex": "63ff78", "lossy": "c\u{fffd}x"})
    );
    assert_eq!(
        v["request"]["body"]["Heartbeat"]["group_id"],
        serde_json::json!({"hex": "67c328", "lossy": "g\u{fffd}("})
    );

    let out = Command::new(env!("CARGO_BIN_EXE_kafka-inspect"))
        .args(["dir", "--check-roundtrip"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&d).unwrap();
}
