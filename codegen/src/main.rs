#![allow(clippy::write_with_newline)]
//! kafka-codec's code generator.
//!
//! ```text
//! cargo run -p kafka-codec-codegen -- import SPEC_DIR [OUT_DIR]  # merge a Kafka release into schemas/
//! cargo run -p kafka-codec-codegen -- verify [NEWEST OLDER...]   # schemas/ vs reference folders
//! cargo run -p kafka-codec-codegen -- docs                # schemas/ → docs/apis.md
//! cargo run -p kafka-codec-codegen -- generate            # schemas/ → src/generated/
//! cargo run -p kafka-codec-codegen -- check               # fail if src/generated/ is stale
//! ```

mod docs;
mod gen;
mod import;
mod schema;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    let result = match args.first().map(String::as_str) {
        Some("import") if args.len() >= 2 => {
            let out = args
                .get(2)
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("schemas"));
            import::run(Path::new(&args[1]), &out)
        }
        Some("verify") => {
            let refs: Vec<PathBuf> = if args.len() > 1 {
                args[1..].iter().map(PathBuf::from).collect()
            } else {
                vec![
                    root.join("../shared/kafka-spec-latest"),
                    root.join("../shared/kafka-spec"),
                ]
            };
            import::verify(&root.join("schemas"), &refs, &root.join("docs/apis.md"))
        }
        Some("docs") => import::api_table(&root.join("schemas"))
            .and_then(|t| std::fs::write(root.join("docs/apis.md"), t).map_err(|e| e.to_string())),
        Some("generate") => gen::run(&root.join("schemas"), &root.join("src/generated"), false),
        Some("check") => gen::run(&root.join("schemas"), &root.join("src/generated"), true),
        _ => {
            eprintln!(
                "usage: kafka-codec-codegen import SPEC_DIR [OUT_DIR] | verify [NEWEST OLDER...] | docs | generate | check"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
