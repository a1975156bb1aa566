//! Serde representations (feature `serde`): bytes as lowercase hex strings, strings as strings,
//! UUIDs in their usual 8-4-4-4-12 form.
//!
//! Every message, [`RequestFrame`](crate::frame::RequestFrame),
//! [`ResponseFrame`](crate::frame::ResponseFrame), [`RequestBody`](crate::RequestBody),
//! [`ResponseBody`](crate::ResponseBody), the [`correlator`](crate::correlator) data types
//! (`PendingRequest`, `Expect`, `CorrelatedResponse`), [`ApiKey`](crate::ApiKey),
//! [`ErrorCode`](crate::ErrorCode), [`Uuid`], [`BytesStr`], the `__consumer_offsets` and
//! consumer-protocol payloads, and the owned record types (`Compression`, `TimestampType`,
//! `BatchHeader`, `BatchAttributes`, `AbortedTransaction`, `ControlRecord`, `ControlRecordType`)
//! serialize as follows:
//!
//! - bytes (`Bytes` fields, raw bodies, `trailing`) as **lowercase hex** strings (`"00ab7f"`),
//!   `null` for a null nullable field;
//! - strings as strings (a string whose bytes are not UTF-8 as `{"hex": ..., "lossy": ...}`,
//!   see [`BytesStr`]'s `Serialize`), UUIDs as `8-4-4-4-12` hex;
//! - open enums ([`ApiKey`](crate::ApiKey), [`ErrorCode`](crate::ErrorCode), `BatchAttributes`,
//!   `ControlRecordType`) as their numbers, closed enums (`Compression`, ...) by variant name;
//! - field names in `snake_case` as in Rust; a message's `wire` bookkeeping is left out when it
//!   is canonical, so most messages print as their fields alone.
//!
//! Records borrowed from a batch ([`records::Record`](crate::records::Record)) are not
//! serialized: copy out what you need. Errors are not serializable; print them with `Display`.
//!
//! ```
//! use bytes::Bytes;
//! use kafka_codec::ResponseBody;
//! let raw = ResponseBody::Raw(Bytes::from_static(&[0x00, 0xab]));
//! assert_eq!(serde_json::to_string(&raw).unwrap(), r#"{"Raw":"00ab"}"#);
//! ```

use bytes::Bytes;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::types::{BytesStr, Uuid};

fn to_hex(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(HEX[(x >> 4) as usize] as char);
        s.push(HEX[(x & 15) as usize] as char);
    }
    s
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `Bytes` as a lowercase hex string.
pub mod hex_bytes {
    use super::*;

    /// Serializes as hex.
    pub fn serialize<S: Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(b))
    }

    /// Deserializes from hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        let s = String::deserialize(d)?;
        from_hex(&s)
            .map(Bytes::from)
            .ok_or_else(|| D::Error::custom("invalid hex"))
    }
}

/// `Option<Bytes>` as a lowercase hex string or null.
pub mod opt_hex_bytes {
    use super::*;

    /// Serializes as hex or null.
    pub fn serialize<S: Serializer>(b: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => s.serialize_str(&to_hex(b)),
            None => s.serialize_none(),
        }
    }

    /// Deserializes from hex or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => from_hex(&s)
                .map(|v| Some(Bytes::from(v)))
                .ok_or_else(|| D::Error::custom("invalid hex")),
        }
    }
}

/// A string that is UTF-8 is a plain string. One that is not (kept as received, see
/// [`BytesStr`]) is, in human-readable formats, a map `{"hex": "...", "lossy": "..."}`: its
/// bytes in hex, which deserialize back to exactly those bytes, and for reading the text with
/// U+FFFD in place of what is not UTF-8 (ignored when deserializing). In other formats it is
/// a byte string.
impl Serialize for BytesStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.to_str() {
            Ok(t) => s.serialize_str(t),
            Err(_) if s.is_human_readable() => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("hex", &to_hex(self.as_bytes()))?;
                m.serialize_entry("lossy", &self.to_string_lossy())?;
                m.end()
            }
            Err(_) => s.serialize_bytes(self.as_bytes()),
        }
    }
}

/// Takes a string, or what [`BytesStr`]'s `Serialize` writes for bytes that are not UTF-8.
impl<'de> Deserialize<'de> for BytesStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = BytesStr;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(r#"a string or {"hex": ...}"#)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BytesStr, E> {
                Ok(BytesStr::from(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<BytesStr, E> {
                Ok(BytesStr::from(v))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<BytesStr, E> {
                Ok(BytesStr::from_bytes(Bytes::copy_from_slice(v)))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<BytesStr, E> {
                Ok(BytesStr::from_bytes(Bytes::from(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<BytesStr, A::Error> {
                let mut hex = None;
                while let Some(k) = m.next_key::<String>()? {
                    if k == "hex" {
                        hex = Some(m.next_value::<String>()?);
                    } else {
                        m.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                let hex = hex.ok_or_else(|| A::Error::missing_field("hex"))?;
                from_hex(&hex)
                    .map(|v| BytesStr::from_bytes(Bytes::from(v)))
                    .ok_or_else(|| A::Error::custom("invalid hex"))
            }
        }
        if d.is_human_readable() {
            d.deserialize_any(V)
        } else {
            d.deserialize_byte_buf(V)
        }
    }
}

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let hex: String = s.chars().filter(|c| *c != '-').collect();
        let v = from_hex(&hex).ok_or_else(|| D::Error::custom("invalid uuid"))?;
        let a: [u8; 16] = v
            .try_into()
            .map_err(|_| D::Error::custom("uuid must be 16 bytes"))?;
        Ok(Uuid(a))
    }
}

/// Lowercase hex of `b` (used by tools printing record keys and values).
pub fn hex(b: &[u8]) -> String {
    to_hex(b)
}
