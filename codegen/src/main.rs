#![allow(clippy::write_with_newline)]
//! kafka-codec's code generator.
//!
//! ```text
//! cargo run -p kafka-codec-codegen -- import [SPEC_DIR [OUT_DIR]]  # ../shared/kafka-spec → schemas/
//! cargo run -p kafka-codec-codegen -- generate            # schemas/ → src/generated/
//! cargo run -p kafka-codec-codegen -- check               # fail if src/generated/ is stale
//! ```

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
        Some("import") => {
            let spec = args
                .get(1)
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("../shared/kafka-spec"));
            let out = args
                .get(2)
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("schemas"));
            import::run(&spec, &out)
        }
        Some("generate") => gen::run(&root.join("schemas"), &root.join("src/generated"), false),
        Some("check") => gen::run(&root.join("schemas"), &root.join("src/generated"), true),
        _ => {
            eprintln!("usage: kafka-codec-codegen import [SPEC_DIR [OUT_DIR]] | generate | check");
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
