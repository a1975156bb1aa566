//! `kafka-inspect payload`: a version-prefixed payload (consumer protocol, `__consumer_offsets`).

use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;
use kafka_codec::consumer::Versioned;
use kafka_codec::messages::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, GroupMetadataKey, GroupMetadataValue,
    OffsetCommitKey, OffsetCommitValue,
};

use super::{first_difference, read_file, Failure, Outcome};

/// What the payload is.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Kind {
    /// JoinGroup member metadata of the "consumer" protocol
    Subscription,
    /// SyncGroup assignment of the "consumer" protocol
    Assignment,
    /// Key of an offset commit record in __consumer_offsets
    OffsetCommitKey,
    /// Value of an offset commit record
    OffsetCommitValue,
    /// Key of a group metadata record in __consumer_offsets
    GroupMetadataKey,
    /// Value of a group metadata record
    GroupMetadataValue,
}

/// Decode a consumer-protocol or __consumer_offsets payload to JSON.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What the file holds
    #[arg(long = "type", value_name = "T")]
    kind: Kind,
    /// The payload bytes (starting with their int16 version)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Also check that it re-encodes byte for byte (and say so)
    #[arg(long)]
    check_roundtrip: bool,
}

fn one<T: kafka_codec::Message + serde::Serialize>(
    bytes: Bytes,
    check: bool,
) -> Result<serde_json::Value, String> {
    let v = Versioned::<T>::decode(bytes.clone()).map_err(|e| e.to_string())?;
    if check {
        let again = v.encode().map_err(|e| format!("re-encode: {e}"))?;
        if again != bytes {
            return Err(format!(
                "re-encodes differently (first difference at byte {})",
                first_difference(&again, &bytes)
            ));
        }
    }
    serde_json::to_value(&v).map_err(|e| e.to_string())
}

pub fn run(a: Args, out: &mut dyn Write) -> Outcome {
    let bytes = read_file(&a.file).map_err(Failure::Failed)?;
    let len = bytes.len();
    let check = a.check_roundtrip;
    let v = match a.kind {
        Kind::Subscription => one::<ConsumerProtocolSubscription>(bytes, check),
        Kind::Assignment => one::<ConsumerProtocolAssignment>(bytes, check),
        Kind::OffsetCommitKey => one::<OffsetCommitKey>(bytes, check),
        Kind::OffsetCommitValue => one::<OffsetCommitValue>(bytes, check),
        Kind::GroupMetadataKey => one::<GroupMetadataKey>(bytes, check),
        Kind::GroupMetadataValue => one::<GroupMetadataValue>(bytes, check),
    }
    .map_err(|e| Failure::Failed(format!("{}: {e}", a.file.display())))?;
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    )?;
    if check {
        eprintln!("round trip ok: the payload ({len} bytes) re-encodes byte for byte");
    }
    Ok(())
}
