//! A downstream crate that enabled only kafka-codec's `fetch` family.
//!
//! The body enums are `#[non_exhaustive]`: a match listing every variant this build has still
//! does not compile, so no downstream crate can depend on the set of features it happens to be
//! built with.
//!
//! ```compile_fail
//! fn kind(body: &kafka_codec::ResponseBody) -> u8 {
//!     match body {
//!         kafka_codec::ResponseBody::ApiVersions(_) => 0,
//!         kafka_codec::ResponseBody::Fetch(_) => 1,
//!         kafka_codec::ResponseBody::Raw(_) => 2,
//!     }
//! }
//! ```
//!
//! The same match with a `_ =>` arm compiles (so the failure above is the missing arm):
//!
//! ```
//! fn kind(body: &kafka_codec::ResponseBody) -> u8 {
//!     match body {
//!         kafka_codec::ResponseBody::ApiVersions(_) => 0,
//!         kafka_codec::ResponseBody::Fetch(_) => 1,
//!         kafka_codec::ResponseBody::Raw(_) => 2,
//!         _ => 3,
//!     }
//! }
//! ```

use kafka_codec::ResponseBody;

/// One line about a response body: what a downstream crate writes, with the `_ =>` arm that
/// keeps it compiling whatever features other crates in the build enable.
pub fn describe(body: &ResponseBody) -> String {
    match body {
        ResponseBody::Fetch(f) => format!("fetch: {} topics", f.responses.len()),
        ResponseBody::ApiVersions(v) => format!("api versions: {} APIs", v.api_keys.len()),
        ResponseBody::Raw(b) => format!("raw: {} bytes", b.len()),
        _ => "another API".to_string(),
    }
}
