//! Generated message types stay semver-safe: every struct is `#[non_exhaustive]` (a new Kafka
//! field is a minor release) and has a `with_*` setter per public field, so callers can build
//! values without struct literals. Checked on the generated sources, so a generator change that
//! drops either fails here; `kafka_codec::messages`' doctests show the same from a downstream
//! crate (a struct literal fails to compile there).

use std::path::Path;

#[test]
fn every_generated_struct_is_non_exhaustive_with_a_setter_per_field() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    let mut structs = 0;
    let mut fields = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // `views/` holds borrowed views (feature `views`), not message types.
        if path.is_dir() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(name) = line.strip_prefix("pub struct ") else {
                continue;
            };
            let name = name.trim_end_matches(" {");
            structs += 1;
            assert_eq!(
                lines[i - 1],
                "#[non_exhaustive]",
                "{}: {name} is not #[non_exhaustive]",
                path.display()
            );
            for field in lines[i + 1..].iter().take_while(|l| **l != "}") {
                let Some(f) = field.trim().strip_prefix("pub ") else {
                    continue;
                };
                let f = f.split(':').next().unwrap().trim_start_matches("r#");
                if f == "wire" {
                    continue;
                }
                fields += 1;
                assert!(
                    text.contains(&format!("pub fn with_{f}(")),
                    "{}: {name}.{f} has no with_{f} setter",
                    path.display()
                );
            }
        }
    }
    assert!(
        structs > 100 && fields > 400,
        "{structs} structs, {fields} fields"
    );
}

#[cfg(feature = "group")]
#[test]
fn setters_chain_into_the_value_a_struct_literal_would_give() {
    use kafka_codec::messages::join_group_request::JoinGroupRequestProtocol;
    use kafka_codec::messages::JoinGroupRequest;
    use kafka_codec::Message;

    let built = JoinGroupRequest::default()
        .with_group_id("g".into())
        .with_session_timeout_ms(10_000)
        .with_member_id("m".into())
        .with_protocol_type("consumer".into())
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name("range".into())
            .with_metadata(bytes::Bytes::from_static(b"\x00\x01"))]);
    let mut assigned = JoinGroupRequest::default();
    assigned.group_id = "g".into();
    assigned.session_timeout_ms = 10_000;
    assigned.member_id = "m".into();
    assigned.protocol_type = "consumer".into();
    let mut p = JoinGroupRequestProtocol::default();
    p.name = "range".into();
    p.metadata = bytes::Bytes::from_static(b"\x00\x01");
    assigned.protocols.push(p);
    assert_eq!(built, assigned);
    // Fields the setters did not touch keep their schema defaults.
    assert_eq!(built.rebalance_timeout_ms, -1);
    assert_eq!(
        JoinGroupRequest::from_bytes(built.to_bytes(9).unwrap().freeze(), 9).unwrap(),
        built
    );
}
