//! One module per fuzz target. Each target is a `pub fn(&[u8])` named after it, whose doc
//! comment gives the input layout and what is asserted beyond "no panic".

mod consumer_protocol;
mod decode_fetch;
mod decode_request;
mod decode_response;
mod generic;
mod record_batch;
mod view;

pub use consumer_protocol::consumer_protocol;
pub use decode_fetch::decode_fetch;
pub use decode_request::decode_request;
pub use decode_response::{decode_response, response_apis};
pub use generic::{message_count, roundtrip, structured};
pub use record_batch::record_batch;
pub use view::view;

/// A target's checks: takes the raw fuzzer input, panics on any broken promise.
pub type Check = fn(&[u8]);

/// Every target by name, as cargo-fuzz names them (`fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: &[(&str, Check)] = &[
    ("consumer_protocol", consumer_protocol),
    ("decode_fetch", decode_fetch),
    ("decode_request", decode_request),
    ("decode_response", decode_response),
    ("record_batch", record_batch),
    ("roundtrip", roundtrip),
    ("structured", structured),
    ("view", view),
];
