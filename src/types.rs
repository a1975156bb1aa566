//! Value types the wire format needs beyond Rust's integers: strings that share the received
//! buffer, UUIDs, and the bookkeeping that keeps a decode → encode round trip exact.

use bytes::Bytes;
use std::borrow::Cow;
use std::fmt;
use std::str::Utf8Error;

/// The value of a string field, held in a [`Bytes`] so that a decoded string points into the
/// received frame instead of being copied.
///
/// Kafka strings are meant to be UTF-8, but peers do not always send UTF-8 (a client id with a
/// stray Latin-1 byte, say). Kafka's Java code decodes such bytes leniently, replacing what it
/// cannot read with U+FFFD. A `BytesStr` goes one step further: it keeps the bytes exactly as
/// they arrived, whether they are UTF-8 or not, so that re-encoding a decoded message gives
/// back the bytes received. Decoding does not check strings unless asked to
/// ([`DecodeOptions::strict_utf8`](crate::frame::DecodeOptions::strict_utf8)).
///
/// Reading the text is therefore explicit about the invalid case:
///
/// - [`to_str`](Self::to_str) gives the `&str` or the [`Utf8Error`];
/// - [`to_string_lossy`](Self::to_string_lossy) replaces invalid sequences with U+FFFD, as
///   Java does (and borrows when there is nothing to replace);
/// - [`as_bytes`](Self::as_bytes) gives the bytes, whatever they are;
/// - `Display` writes the lossy text; `Debug` writes a quoted string like `str`'s, with each
///   byte that is not part of valid UTF-8 escaped as `\xNN` (which `str`'s `Debug` never
///   writes, so the two cannot be confused);
/// - equality, ordering and hashing are those of the bytes, so comparing with a `&str`
///   (`s == "abc"`) is true only for exactly those bytes, and never for invalid UTF-8;
///   [`len`](Self::len) counts bytes.
///
/// There is no `Deref` to `str`: a string that is not UTF-8 has no `&str` to give.
///
/// ```
/// use bytes::Bytes;
/// use kafka_codec::BytesStr;
///
/// let s = BytesStr::from("my-group");
/// assert_eq!(s, "my-group");
/// assert_eq!(s.to_str(), Ok("my-group"));
/// assert_eq!(s.len(), 8);
///
/// let odd = BytesStr::from_bytes(Bytes::from_static(b"caf\xe9"));
/// assert!(!odd.is_utf8());
/// assert!(odd.to_str().is_err());
/// assert_eq!(odd.to_string_lossy(), "caf\u{fffd}");
/// assert_eq!(odd.to_string(), "caf\u{fffd}");
/// assert_eq!(format!("{odd:?}"), r#""caf\xE9""#);
/// assert_eq!(&odd.as_bytes()[..], b"caf\xe9");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BytesStr(Bytes);

impl BytesStr {
    /// Wraps `bytes` after checking they are UTF-8.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Utf8Error> {
        std::str::from_utf8(&bytes)?;
        Ok(BytesStr(bytes))
    }

    /// Wraps `bytes` as they are, UTF-8 or not (what decoding does by default).
    pub const fn from_bytes(bytes: Bytes) -> Self {
        BytesStr(bytes)
    }

    /// A string from a `'static` literal, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        BytesStr(Bytes::from_static(s.as_bytes()))
    }

    /// The text, or where the bytes stop being UTF-8. Checks the bytes on every call.
    #[inline]
    pub fn to_str(&self) -> Result<&str, Utf8Error> {
        std::str::from_utf8(&self.0)
    }

    /// Whether the bytes are UTF-8 (so [`to_str`](Self::to_str) succeeds).
    #[inline]
    pub fn is_utf8(&self) -> bool {
        self.to_str().is_ok()
    }

    /// The text with every invalid sequence replaced by U+FFFD, as Kafka's Java client reads
    /// it; borrowed when the bytes are UTF-8. The replacement cannot be undone: use
    /// [`as_bytes`](Self::as_bytes) to keep the original.
    #[inline]
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// The bytes, exactly as received or given.
    #[inline]
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Gives up the bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes (what the wire's length prefix counts).
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl AsRef<[u8]> for BytesStr {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for BytesStr {
    fn from(s: &str) -> Self {
        BytesStr(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<String> for BytesStr {
    fn from(s: String) -> Self {
        BytesStr(Bytes::from(s))
    }
}

impl From<&String> for BytesStr {
    fn from(s: &String) -> Self {
        BytesStr::from(s.as_str())
    }
}

impl PartialEq<str> for BytesStr {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for BytesStr {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for BytesStr {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<BytesStr> for str {
    fn eq(&self, other: &BytesStr) -> bool {
        other == self
    }
}

impl PartialEq<BytesStr> for &str {
    fn eq(&self, other: &BytesStr) -> bool {
        other == self
    }
}

impl fmt::Debug for BytesStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Ok(s) = self.to_str() {
            return fmt::Debug::fmt(s, f);
        }
        f.write_str("\"")?;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                // As `str`'s `Debug`: a single quote needs no escape inside double quotes.
                if c == '\'' {
                    f.write_str("'")?;
                } else {
                    write!(f, "{}", c.escape_debug())?;
                }
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02X}")?;
            }
        }
        f.write_str("\"")
    }
}

impl fmt::Display for BytesStr {
    /// The lossy text (see [`to_string_lossy`](Self::to_string_lossy)).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}

/// A 16-byte UUID as Kafka sends it (topic ids, directory ids). The all-zero UUID means "none".
///
/// ```
/// use kafka_codec::Uuid;
/// let id = Uuid::from_bytes([1; 16]);
/// assert!(!id.is_nil());
/// assert_eq!(id.to_string(), "01010101-0101-0101-0101-010101010101");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero UUID.
    pub const NIL: Uuid = Uuid([0; 16]);

    /// A UUID from its 16 bytes in wire order.
    pub const fn from_bytes(b: [u8; 16]) -> Self {
        Uuid(b)
    }

    /// Its 16 bytes in wire order.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Whether it is the all-zero UUID.
    pub fn is_nil(&self) -> bool {
        self.0 == [0; 16]
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A tagged field this crate does not know: its tag and raw payload, kept so that re-encoding
/// writes it back in its place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RawTaggedField {
    /// The tag number.
    pub tag: u32,
    /// The payload, exactly as received.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_support::hex_bytes"))]
    pub data: Bytes,
}

/// What a decode saw on the wire beyond the field values, so that encoding the value again
/// reproduces the input byte for byte. A value built by hand has none and encodes
/// canonically. Generated structs hold it behind a [`Wire`], allocated only when a decode saw
/// something.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct WireExtras {
    /// Tagged fields not known for the decoded version, in tag order.
    pub unknown_tagged_fields: Vec<RawTaggedField>,
    /// Bit `t` set: the known tagged field with tag `t` was sent holding its default value,
    /// which a canonical encoder would omit, so it is written back even at its default.
    pub tags_present: u64,
    /// Bit `i` set: the struct's `i`-th field (in schema order) arrived as null (-1) in a version
    /// where the schema says it is not nullable. It decodes as empty and is written back as null.
    /// Real peers do this (librdkafka's mock broker for SyncGroup `Assignment` and OffsetFetch
    /// `Topics`); a strict caller can refuse any value where this is non-zero.
    pub nulls_in_non_nullable: u64,
}

impl WireExtras {
    /// Whether the decode saw nothing a canonical encoder would not write itself.
    pub fn is_canonical(&self) -> bool {
        self.unknown_tagged_fields.is_empty()
            && self.tags_present == 0
            && self.nulls_in_non_nullable == 0
    }
}

/// The wire bookkeeping of one generated struct: nothing (one null pointer) for a canonical
/// value, or a boxed [`WireExtras`]. Every generated struct has one, named `wire`.
///
/// Two values compare equal when their extras do, however they were stored.
///
/// ```
/// use kafka_codec::{RawTaggedField, Wire};
/// let mut w = Wire::default();
/// assert!(w.is_canonical());
/// w.extras_mut().unknown_tagged_fields.push(RawTaggedField { tag: 7, data: "x".into() });
/// assert_eq!(w.unknown_tagged_fields()[0].tag, 7);
/// assert!(!w.is_canonical());
/// ```
#[derive(Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Wire(Option<Box<WireExtras>>);

static CANONICAL: WireExtras = WireExtras {
    unknown_tagged_fields: Vec::new(),
    tags_present: 0,
    nulls_in_non_nullable: 0,
};

impl Wire {
    /// Bookkeeping from a decoder's findings; stays unallocated when there are none.
    #[inline]
    pub fn from_parts(
        unknown_tagged_fields: Vec<RawTaggedField>,
        tags_present: u64,
        nulls_in_non_nullable: u64,
    ) -> Self {
        if unknown_tagged_fields.is_empty() && tags_present == 0 && nulls_in_non_nullable == 0 {
            Wire(None)
        } else {
            Wire(Some(Box::new(WireExtras {
                unknown_tagged_fields,
                tags_present,
                nulls_in_non_nullable,
            })))
        }
    }

    /// The extras (all empty for a canonical value).
    #[inline]
    pub fn extras(&self) -> &WireExtras {
        self.0.as_deref().unwrap_or(&CANONICAL)
    }

    /// The extras, for changing them (allocates them if there were none).
    pub fn extras_mut(&mut self) -> &mut WireExtras {
        self.0.get_or_insert_with(Default::default)
    }

    /// Whether the decode saw nothing a canonical encoder would not write itself.
    #[inline]
    pub fn is_canonical(&self) -> bool {
        self.0.as_deref().is_none_or(WireExtras::is_canonical)
    }

    /// Unknown tagged fields, in tag order.
    #[inline]
    pub fn unknown_tagged_fields(&self) -> &[RawTaggedField] {
        match &self.0 {
            None => &[],
            Some(w) => &w.unknown_tagged_fields,
        }
    }

    /// See [`WireExtras::tags_present`].
    #[inline]
    pub fn tags_present(&self) -> u64 {
        self.0.as_ref().map_or(0, |w| w.tags_present)
    }

    /// See [`WireExtras::nulls_in_non_nullable`].
    #[inline]
    pub fn nulls_in_non_nullable(&self) -> u64 {
        self.0.as_ref().map_or(0, |w| w.nulls_in_non_nullable)
    }

    /// Whether any of `bits` is set in [`Self::nulls_in_non_nullable`].
    #[inline]
    pub fn has_null(&self, bits: u64) -> bool {
        self.nulls_in_non_nullable() & bits != 0
    }

    /// Whether any of `bits` is set in [`Self::tags_present`].
    #[inline]
    pub fn has_tag(&self, bits: u64) -> bool {
        self.tags_present() & bits != 0
    }

    /// Drops the extras, making the value canonical.
    pub fn clear(&mut self) {
        self.0 = None;
    }
}

/// Dropping a canonical `Wire` is one test of its pointer. Without this, the drop glue of
/// `Option<Box<WireExtras>>` (not inlined) saved and restored registers before the test, about
/// 18 instructions for every decoded struct.
impl Drop for Wire {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(extras) = self.0.take() {
            drop_extras(extras);
        }
    }
}

#[inline(never)]
fn drop_extras(extras: Box<WireExtras>) {
    drop(extras);
}

impl PartialEq for Wire {
    fn eq(&self, other: &Self) -> bool {
        self.extras() == other.extras()
    }
}

impl Eq for Wire {}

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("Wire"),
            Some(w) => fmt::Debug::fmt(w, f),
        }
    }
}

#[cfg(any(test, feature = "arbitrary"))]
mod arbitrary_impls {
    use super::*;
    use arbitrary::{Arbitrary, Result, Unstructured};

    impl<'a> Arbitrary<'a> for BytesStr {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            // Mostly text; sometimes bytes that are not UTF-8, which must survive a round trip.
            if u.ratio(1, 8)? {
                Ok(BytesStr::from_bytes(Bytes::from(Vec::<u8>::arbitrary(u)?)))
            } else {
                Ok(BytesStr::from(String::arbitrary(u)?))
            }
        }
    }

    impl<'a> Arbitrary<'a> for Uuid {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Uuid(<[u8; 16]>::arbitrary(u)?))
        }
    }

    /// Unknown tagged fields only, with tags 100-199 (above every known tag), so that a
    /// generated value exercises their round trip.
    impl<'a> Arbitrary<'a> for WireExtras {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let n = u.int_in_range(0..=2)?;
            let mut unknown_tagged_fields = Vec::with_capacity(n);
            for _ in 0..n {
                let tag = u.int_in_range(100..=199)?;
                let data: Vec<u8> = Arbitrary::arbitrary(u)?;
                unknown_tagged_fields.push(RawTaggedField {
                    tag,
                    data: Bytes::from(data),
                });
            }
            unknown_tagged_fields.sort_by_key(|f| f.tag);
            unknown_tagged_fields.dedup_by_key(|f| f.tag);
            Ok(WireExtras {
                unknown_tagged_fields,
                ..Default::default()
            })
        }
    }

    impl<'a> Arbitrary<'a> for Wire {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let w = WireExtras::arbitrary(u)?;
            Ok(Wire::from_parts(w.unknown_tagged_fields, 0, 0))
        }
    }
}
