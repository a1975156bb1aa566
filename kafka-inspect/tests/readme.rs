//! The README's kafka-inspect commands run as written, from the repository root, on the files
//! that ship in testdata/.

use std::path::Path;
use std::process::{Command, Stdio};

const PREFIX: &str = "cargo run --release -p kafka-inspect -- ";

/// Every `cargo run ... -p kafka-inspect -- ARGS` line of the README's shell blocks, with
/// backslash continuations joined, as argument lists.
fn readme_commands(readme: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = line.trim() == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        pending.push_str(line.trim_end_matches('\\'));
        if line.ends_with('\\') {
            pending.push(' ');
            continue;
        }
        let cmd = std::mem::take(&mut pending);
        if let Some(args) = cmd.trim().strip_prefix(PREFIX) {
            out.push(args.split_whitespace().map(str::to_string).collect());
        }
    }
    out
}

#[test]
fn readme_commands_run_on_shipped_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let commands = readme_commands(&readme);
    let names: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    for wanted in ["pcap", "records", "frame", "summary"] {
        assert!(
            names.contains(&wanted),
            "no `{wanted}` command in the README: {names:?}"
        );
    }
    for args in &commands {
        let out = Command::new(env!("CARGO_BIN_EXE_kafka-inspect"))
            .args(args)
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "README: kafka-inspect {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
