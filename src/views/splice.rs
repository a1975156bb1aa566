//! Rewriting fields of received bytes in place ([`Splice`]), without the owned message.

use std::fmt;

use crate::reader::MAX_STRING_LENGTH;
use crate::types::Uuid;

use super::{get_uvarint, read_len, ABSENT};

/// What a [`FieldSpan`] holds: how its old extent is read and a new value encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpanKind {
    /// A fixed-width value of the schema type named (`"int32"`, `"uuid"`, ...).
    Fixed { ty: &'static str, width: u8 },
    /// A string: compact (varint length + 1) or `int16` length prefix.
    Str { compact: bool, nullable: bool },
    /// Bytes: compact or `int32` length prefix.
    Bytes { compact: bool, nullable: bool },
}

/// Where one field of a validated view lies in the bytes the view was parsed from (length
/// prefix included), to rewrite it with a [`Splice`].
///
/// The generated views give one per scalar field: `host_span()` for `host()`. A span borrows
/// the bytes it points into; a [`Splice`] accepts it only for those same bytes.
#[derive(Clone, Copy)]
pub struct FieldSpan<'a> {
    buf: &'a [u8],
    at: usize,
    name: &'static str,
    kind: SpanKind,
    /// How many tagged fields enclose the field, in the view's version.
    tag_depth: u8,
}

impl fmt::Debug for FieldSpan<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldSpan")
            .field("field", &self.name)
            .field("range", &self.range())
            .field("kind", &self.kind)
            .field("tag_depth", &self.tag_depth)
            .finish()
    }
}

impl<'a> FieldSpan<'a> {
    /// The field's name in the schema (`"Host"`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The field's bytes, length prefix included, as a range of the bytes the view was parsed
    /// from.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.at..self.end()
    }

    /// How many tagged fields enclose the field (0 for most fields). A rewrite that changes
    /// the field's length needs each of them given to [`Splice::resize_tag`].
    pub fn tag_depth(&self) -> u8 {
        self.tag_depth
    }

    fn end(&self) -> usize {
        let mut pos = self.at;
        match self.kind {
            SpanKind::Fixed { width, .. } => self.at.saturating_add(usize::from(width)),
            SpanKind::Str { compact, .. } => match read_len(self.buf, &mut pos, compact, false) {
                Some(n) => pos.saturating_add(n),
                None => pos,
            },
            SpanKind::Bytes { compact, .. } => match read_len(self.buf, &mut pos, compact, true) {
                Some(n) => pos.saturating_add(n),
                None => pos,
            },
        }
    }
}

/// The span of a fixed-width field at `at` (`None` when absent).
#[inline]
pub(crate) fn span_fixed<'a>(
    buf: &'a [u8],
    at: usize,
    name: &'static str,
    ty: &'static str,
    width: u8,
) -> Option<FieldSpan<'a>> {
    (at != ABSENT).then_some(FieldSpan {
        buf,
        at,
        name,
        kind: SpanKind::Fixed { ty, width },
        tag_depth: 0,
    })
}

/// The span of a string field at `at` (`None` when absent).
#[inline]
pub(crate) fn span_str<'a>(
    buf: &'a [u8],
    at: usize,
    name: &'static str,
    compact: bool,
    nullable: bool,
    tag_depth: u8,
) -> Option<FieldSpan<'a>> {
    (at != ABSENT).then_some(FieldSpan {
        buf,
        at,
        name,
        kind: SpanKind::Str { compact, nullable },
        tag_depth,
    })
}

/// The span of a bytes field at `at` (`None` when absent).
#[inline]
pub(crate) fn span_bytes<'a>(
    buf: &'a [u8],
    at: usize,
    name: &'static str,
    compact: bool,
    nullable: bool,
    tag_depth: u8,
) -> Option<FieldSpan<'a>> {
    (at != ABSENT).then_some(FieldSpan {
        buf,
        at,
        name,
        kind: SpanKind::Bytes { compact, nullable },
        tag_depth,
    })
}

/// One tagged field of a validated view (from [`TaggedFields::span`](super::TaggedFields::span)):
/// where its size varint and payload lie, so a [`Splice`] can rewrite its size when a field
/// inside it changes length.
#[derive(Clone, Copy, Debug)]
pub struct TagSpan<'a> {
    buf: &'a [u8],
    tag: u32,
    /// Where the size varint starts.
    size_at: usize,
    /// Where the payload starts (just after the size varint).
    payload: usize,
    size: usize,
}

impl<'a> TagSpan<'a> {
    pub(crate) fn new(
        buf: &'a [u8],
        tag: u32,
        size_at: usize,
        payload: usize,
        size: usize,
    ) -> Self {
        TagSpan {
            buf,
            tag,
            size_at,
            payload,
            size,
        }
    }

    /// The tag.
    pub fn tag(&self) -> u32 {
        self.tag
    }

    /// The payload, as a range of the bytes the view was parsed from.
    pub fn payload(&self) -> std::ops::Range<usize> {
        self.payload..self.payload + self.size
    }

    fn contains(&self, r: &std::ops::Range<usize>) -> bool {
        r.start >= self.payload && r.end <= self.payload + self.size
    }
}

/// Why a [`Splice`] refused an edit or could not write its output.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpliceError {
    /// The span or tag does not point into the bytes the splice was made for (it comes from a
    /// view of other bytes, or of a sub-slice of them).
    ForeignSpan {
        /// The field (or `"tagged field"`).
        field: &'static str,
    },
    /// The value does not have the field's type (a string for an `int32`, an `i16` for an
    /// `int32`, ...).
    WrongType {
        /// The field.
        field: &'static str,
        /// The field's type.
        expected: &'static str,
        /// What was given.
        given: &'static str,
    },
    /// Null for a field that cannot be null in this version.
    NotNullable {
        /// The field.
        field: &'static str,
        /// Where the field starts.
        at: usize,
    },
    /// A string longer than 32767 bytes, or bytes longer than `i32::MAX`.
    TooLong {
        /// The field.
        field: &'static str,
        /// The length given.
        len: usize,
    },
    /// The edit overlaps one already made (the same field twice, or a tag's size).
    Overlap {
        /// The field.
        field: &'static str,
        /// Where the field starts.
        at: usize,
    },
    /// The field lies inside tagged fields and its length changes, but the tagged fields
    /// around it were not all given to [`Splice::resize_tag`] (their sizes would be wrong).
    InsideTaggedField {
        /// The field.
        field: &'static str,
        /// Where the field starts.
        at: usize,
        /// How many tagged fields enclose it.
        depth: u8,
        /// How many of them were given.
        given: u8,
    },
    /// The output would be longer than a frame can say (`i32::MAX`).
    FrameTooLong(usize),
}

impl fmt::Display for SpliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpliceError::ForeignSpan { field } => {
                write!(f, "{field}: span is not in the bytes being spliced")
            }
            SpliceError::WrongType {
                field,
                expected,
                given,
            } => write!(f, "{field}: field is {expected}, value is {given}"),
            SpliceError::NotNullable { field, at } => {
                write!(
                    f,
                    "{field} at byte {at}: field is not nullable in this version"
                )
            }
            SpliceError::TooLong { field, len } => {
                write!(f, "{field}: {len} bytes is longer than the field can carry")
            }
            SpliceError::Overlap { field, at } => {
                write!(f, "{field} at byte {at}: overlaps an earlier edit")
            }
            SpliceError::InsideTaggedField {
                field,
                at,
                depth,
                given,
            } => write!(
                f,
                "{field} at byte {at}: changes length inside {depth} tagged field(s), \
                 {given} given to resize_tag"
            ),
            SpliceError::FrameTooLong(n) => {
                write!(f, "output of {n} bytes is too long for a frame")
            }
        }
    }
}

impl std::error::Error for SpliceError {}

/// A fixed-width value a [`Splice`] can write over a field of the same schema type.
pub trait SpliceValue: Copy {
    /// The schema type (`"int32"`).
    #[doc(hidden)]
    const TYPE: &'static str;
    /// The value's big-endian bytes in `out`; returns how many.
    #[doc(hidden)]
    fn put(self, out: &mut [u8; 16]) -> usize;
}

macro_rules! splice_values {
    ($($t:ty, $name:literal;)*) => {$(
        impl SpliceValue for $t {
            const TYPE: &'static str = $name;
            fn put(self, out: &mut [u8; 16]) -> usize {
                let b = self.to_be_bytes();
                out[..b.len()].copy_from_slice(&b);
                b.len()
            }
        }
    )*};
}

splice_values! {
    i8, "int8";
    i16, "int16";
    u16, "uint16";
    i32, "int32";
    u32, "uint32";
    i64, "int64";
    f64, "float64";
}

impl SpliceValue for bool {
    const TYPE: &'static str = "bool";
    fn put(self, out: &mut [u8; 16]) -> usize {
        out[0] = u8::from(self);
        1
    }
}

impl SpliceValue for Uuid {
    const TYPE: &'static str = "uuid";
    fn put(self, out: &mut [u8; 16]) -> usize {
        *out = self.0;
        16
    }
}

impl SpliceValue for crate::ApiKey {
    const TYPE: &'static str = "int16";
    fn put(self, out: &mut [u8; 16]) -> usize {
        self.0.put(out)
    }
}

/// A list that keeps its first `N` items inline and moves to the heap past that.
#[derive(Clone)]
struct SmallList<T: Copy, const N: usize> {
    inline: [Option<T>; N],
    len: usize,
    heap: Vec<T>,
}

impl<T: Copy, const N: usize> SmallList<T, N> {
    fn new() -> Self {
        SmallList {
            inline: [None; N],
            len: 0,
            heap: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        if self.heap.is_empty() {
            self.len
        } else {
            self.heap.len()
        }
    }

    fn get(&self, i: usize) -> Option<&T> {
        if self.heap.is_empty() {
            self.inline
                .get(i)
                .and_then(Option::as_ref)
                .filter(|_| i < self.len)
        } else {
            self.heap.get(i)
        }
    }

    fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }

    fn insert(&mut self, i: usize, v: T) {
        if self.heap.is_empty() && self.len < N {
            self.inline[i..=self.len].rotate_right(1);
            self.inline[i] = Some(v);
            self.len += 1;
        } else {
            if self.heap.is_empty() {
                self.heap
                    .extend(self.inline[..self.len].iter().flatten().copied());
            }
            self.heap.insert(i, v);
        }
    }

    fn clear(&mut self) {
        self.inline = [None; N];
        self.len = 0;
        self.heap.clear();
    }
}

/// One replacement: `input[start..end]` becomes `head` followed by `data`.
#[derive(Clone, Copy)]
struct Edit<'b> {
    start: usize,
    end: usize,
    name: &'static str,
    tag_depth: u8,
    head: [u8; 16],
    head_len: u8,
    data: &'b [u8],
}

impl Edit<'_> {
    fn new_len(&self) -> usize {
        usize::from(self.head_len) + self.data.len()
    }

    /// Output length minus input length.
    fn delta(&self) -> isize {
        self.new_len() as isize - (self.end - self.start) as isize
    }
}

/// Rewrites fields of received bytes without building the owned message: collects edits
/// (each a field's [`FieldSpan`] and its new value), then writes the bytes with every edit
/// applied, each string or bytes value under the length prefix its version uses, and
/// (for [`to_frame`](Self::to_frame)) the frame's size in front.
///
/// Edits may come in any order but may not overlap. A string or bytes edit that changes a
/// field's length inside tagged fields needs those tagged fields given to
/// [`resize_tag`](Self::resize_tag), so that their sizes are rewritten too; otherwise the
/// output is refused ([`SpliceError::InsideTaggedField`]). Kafka structs carry no other byte
/// lengths, so nothing else needs patching.
///
/// Memory: the output buffer, allocated once at its exact size ([`to_vec`](Self::to_vec),
/// [`to_frame`](Self::to_frame)), or none with [`write_to`](Self::write_to) into a reused
/// `Vec`. The splice itself keeps up to 16 edits and 4 tagged fields inline and allocates a
/// list only past that.
pub struct Splice<'a, 'b> {
    input: &'a [u8],
    /// Sorted by `start`, not overlapping.
    edits: SmallList<Edit<'b>, 16>,
    /// Tagged fields to resize, in the order given.
    tags: SmallList<TagSpan<'a>, 4>,
}

impl fmt::Debug for Splice<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Splice")
            .field("input_len", &self.input.len())
            .field("edits", &self.edits.len())
            .field("tags", &self.tags.len())
            .finish()
    }
}

impl<'a, 'b> Splice<'a, 'b> {
    /// A splice of `input`: the same bytes (the same slice) the views were parsed from, for
    /// instance a response payload given to [`ResponseView::parse`](super::ResponseView::parse).
    pub fn new(input: &'a [u8]) -> Self {
        Splice {
            input,
            edits: SmallList::new(),
            tags: SmallList::new(),
        }
    }

    /// Forgets every edit, keeping the lists' memory.
    pub fn clear(&mut self) {
        self.edits.clear();
        self.tags.clear();
    }

    /// The bytes being spliced.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    fn own(&self, buf: &[u8], field: &'static str) -> Result<(), SpliceError> {
        if std::ptr::eq(buf, self.input) {
            Ok(())
        } else {
            Err(SpliceError::ForeignSpan { field })
        }
    }

    fn insert(&mut self, e: Edit<'b>) -> Result<(), SpliceError> {
        let i = self.edits.iter().take_while(|x| x.start < e.start).count();
        let clash = |x: &Edit<'_>| x.start < e.end && e.start < x.end;
        let before = i.checked_sub(1).and_then(|j| self.edits.get(j));
        if before.is_some_and(clash) || self.edits.get(i).is_some_and(clash) {
            return Err(SpliceError::Overlap {
                field: e.name,
                at: e.start,
            });
        }
        if self
            .tags
            .iter()
            .any(|t| e.start < t.payload && t.size_at < e.end)
        {
            return Err(SpliceError::Overlap {
                field: e.name,
                at: e.start,
            });
        }
        self.edits.insert(i, e);
        Ok(())
    }

    /// Writes `value` over a fixed-width field (an integer, `bool`, `float64`, `uuid`) of the
    /// same type: `splice.set(broker.port_span().unwrap(), 9092i32)`.
    pub fn set<T: SpliceValue>(
        &mut self,
        span: FieldSpan<'a>,
        value: T,
    ) -> Result<(), SpliceError> {
        self.own(span.buf, span.name)?;
        let SpanKind::Fixed { ty, width } = span.kind else {
            return Err(SpliceError::WrongType {
                field: span.name,
                expected: kind_name(span.kind),
                given: T::TYPE,
            });
        };
        if ty != T::TYPE {
            return Err(SpliceError::WrongType {
                field: span.name,
                expected: ty,
                given: T::TYPE,
            });
        }
        let mut head = [0u8; 16];
        let n = value.put(&mut head);
        debug_assert_eq!(n, usize::from(width));
        self.insert(Edit {
            start: span.at,
            end: span.at + usize::from(width),
            name: span.name,
            tag_depth: span.tag_depth,
            head,
            head_len: n as u8,
            data: &[],
        })
    }

    /// Replaces a string field: `splice.set_str(broker.host_span().unwrap(), "proxy.local")`.
    pub fn set_str(&mut self, span: FieldSpan<'a>, value: &'b str) -> Result<(), SpliceError> {
        self.set_nullable_str(span, Some(value))
    }

    /// Replaces a string field with a string or null (null only where the version allows it).
    pub fn set_nullable_str(
        &mut self,
        span: FieldSpan<'a>,
        value: Option<&'b str>,
    ) -> Result<(), SpliceError> {
        let SpanKind::Str { compact, nullable } = span.kind else {
            self.own(span.buf, span.name)?;
            return Err(SpliceError::WrongType {
                field: span.name,
                expected: kind_name(span.kind),
                given: "string",
            });
        };
        if value.is_some_and(|v| v.len() > MAX_STRING_LENGTH) {
            return Err(SpliceError::TooLong {
                field: span.name,
                len: value.map_or(0, str::len),
            });
        }
        self.length_prefixed(span, value.map(str::as_bytes), compact, nullable, false)
    }

    /// Replaces a bytes field with bytes or null (null only where the version allows it).
    pub fn set_bytes(
        &mut self,
        span: FieldSpan<'a>,
        value: Option<&'b [u8]>,
    ) -> Result<(), SpliceError> {
        let SpanKind::Bytes { compact, nullable } = span.kind else {
            self.own(span.buf, span.name)?;
            return Err(SpliceError::WrongType {
                field: span.name,
                expected: kind_name(span.kind),
                given: "bytes",
            });
        };
        if value.is_some_and(|v| v.len() > i32::MAX as usize - 1) {
            return Err(SpliceError::TooLong {
                field: span.name,
                len: value.map_or(0, <[u8]>::len),
            });
        }
        self.length_prefixed(span, value, compact, nullable, true)
    }

    fn length_prefixed(
        &mut self,
        span: FieldSpan<'a>,
        value: Option<&'b [u8]>,
        compact: bool,
        nullable: bool,
        wide: bool,
    ) -> Result<(), SpliceError> {
        self.own(span.buf, span.name)?;
        if value.is_none() && !nullable {
            return Err(SpliceError::NotNullable {
                field: span.name,
                at: span.at,
            });
        }
        let mut head = [0u8; 16];
        let head_len = match (compact, value) {
            (true, v) => {
                let n = v.map_or(0, |v| v.len() as u64 + 1);
                let mut w = &mut head[..];
                crate::varint::put_u64(&mut w, n);
                crate::varint::len_u64(n)
            }
            (false, v) if wide => {
                let n = v.map_or(-1, |v| v.len() as i32);
                head[..4].copy_from_slice(&n.to_be_bytes());
                4
            }
            (false, v) => {
                let n = v.map_or(-1, |v| v.len() as i16);
                head[..2].copy_from_slice(&n.to_be_bytes());
                2
            }
        };
        self.insert(Edit {
            start: span.at,
            end: span.end(),
            name: span.name,
            tag_depth: span.tag_depth,
            head,
            head_len: head_len as u8,
            data: value.unwrap_or_default(),
        })
    }

    /// Declares a tagged field that encloses fields being resized: its size is rewritten to
    /// fit what the edits inside it make of its payload. Give every tagged field around a
    /// resized field (its [`tag_depth`](FieldSpan::tag_depth) says how many); one that ends
    /// up unchanged is written as it was.
    pub fn resize_tag(&mut self, tag: TagSpan<'a>) -> Result<(), SpliceError> {
        self.own(tag.buf, "tagged field")?;
        let size = tag.size_at..tag.payload;
        if let Some(e) = self
            .edits
            .iter()
            .find(|e| e.start < size.end && size.start < e.end)
        {
            return Err(SpliceError::Overlap {
                field: e.name,
                at: e.start,
            });
        }
        if self.tags.iter().any(|t| t.size_at == tag.size_at) {
            return Ok(());
        }
        self.tags.insert(self.tags.len(), tag);
        Ok(())
    }

    /// The change in length the edits and resized tags make inside `range` of the input: each
    /// edit counts once, and each resized tag inside the range adds the change of its size
    /// varint's width (its payload's change is already counted by the edits in it).
    fn delta_within(&self, range: std::ops::Range<usize>) -> isize {
        let edits: isize = self
            .edits
            .iter()
            .filter(|e| e.start >= range.start && e.end <= range.end)
            .map(Edit::delta)
            .sum();
        let tags: isize = self
            .tags
            .iter()
            .filter(|t| t.size_at >= range.start && t.payload + t.size <= range.end)
            .map(|t| self.new_tag_size(t).1)
            .sum();
        edits + tags
    }

    /// A resized tag's new payload size, and how much its size varint grows (or shrinks).
    fn new_tag_size(&self, t: &TagSpan<'_>) -> (u64, isize) {
        let new = (t.size as isize + self.delta_within(t.payload())) as u64;
        let varint = crate::varint::len_u64(new) as isize - (t.payload - t.size_at) as isize;
        (new, varint)
    }

    /// Checks every length-changing edit has its enclosing tags declared.
    fn check(&self) -> Result<(), SpliceError> {
        for e in self.edits.iter() {
            if e.delta() == 0 || e.tag_depth == 0 && self.tags.len() == 0 {
                continue;
            }
            let r = e.start..e.end;
            let given = self.tags.iter().filter(|t| t.contains(&r)).count();
            if given != usize::from(e.tag_depth) {
                return Err(SpliceError::InsideTaggedField {
                    field: e.name,
                    at: e.start,
                    depth: e.tag_depth,
                    given: given.min(255) as u8,
                });
            }
        }
        Ok(())
    }

    /// The length of the output (without a frame's size prefix).
    pub fn output_len(&self) -> usize {
        (self.input.len() as isize + self.delta_within(0..self.input.len())) as usize
    }

    /// Appends the input with every edit applied to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), SpliceError> {
        self.check()?;
        out.reserve(self.output_len());
        self.write_unchecked(out);
        Ok(())
    }

    fn write_unchecked(&self, out: &mut Vec<u8>) {
        // The edits (sorted) merged with the resized tags' size varints, in input order; the
        // two never overlap.
        let mut pos = 0;
        let mut edits = self.edits.iter().peekable();
        loop {
            let tag = self
                .tags
                .iter()
                .filter(|t| t.size_at >= pos)
                .min_by_key(|t| t.size_at);
            match (edits.peek().copied(), tag) {
                (Some(e), t) if t.is_none_or(|t| e.start < t.size_at) => {
                    out.extend_from_slice(&self.input[pos..e.start]);
                    out.extend_from_slice(&e.head[..usize::from(e.head_len)]);
                    out.extend_from_slice(e.data);
                    pos = e.end;
                    edits.next();
                }
                (_, Some(t)) => {
                    out.extend_from_slice(&self.input[pos..t.size_at]);
                    crate::varint::put_u64(out, self.new_tag_size(t).0);
                    pos = t.payload;
                }
                (_, None) => break,
            }
        }
        out.extend_from_slice(&self.input[pos..]);
    }

    /// The input with every edit applied, in a new buffer of exactly its size.
    pub fn to_vec(&self) -> Result<Vec<u8>, SpliceError> {
        self.check()?;
        let mut out = Vec::with_capacity(self.output_len());
        self.write_unchecked(&mut out);
        Ok(out)
    }

    /// The input with every edit applied, as a frame: the 4-byte size, then the bytes (for a
    /// splice of a request or response payload).
    pub fn to_frame(&self) -> Result<Vec<u8>, SpliceError> {
        self.check()?;
        let len = self.output_len();
        let size = i32::try_from(len).map_err(|_| SpliceError::FrameTooLong(len))?;
        let mut out = Vec::with_capacity(len + 4);
        out.extend_from_slice(&size.to_be_bytes());
        self.write_unchecked(&mut out);
        Ok(out)
    }
}

fn kind_name(k: SpanKind) -> &'static str {
    match k {
        SpanKind::Fixed { ty, .. } => ty,
        SpanKind::Str { .. } => "string",
        SpanKind::Bytes { .. } => "bytes",
    }
}

impl<'a> super::TaggedFields<'a> {
    /// The tagged field `tag` of this section as a [`TagSpan`], to give to
    /// [`Splice::resize_tag`] before resizing a field inside it; `None` when it was not sent.
    pub fn span(&self, tag: u32) -> Option<TagSpan<'a>> {
        let mut pos = self.pos;
        for _ in 0..self.left {
            let t = get_uvarint(self.buf, &mut pos)?;
            let size_at = pos;
            let size = get_uvarint(self.buf, &mut pos)? as usize;
            if t == tag {
                return Some(TagSpan::new(self.buf, t, size_at, pos, size));
            }
            pos = pos.checked_add(size)?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tagged fields, one inside the other, around a compact string: a length change is
    /// refused until both are given, then both sizes are rewritten (the outer one's varint
    /// growing a byte).
    #[test]
    fn nested_tags_are_resized_inside_out() {
        // Outer section: 1 field, tag 0, size 7, holding an inner section: 1 field, tag 3,
        // size 4, holding the compact string "abc" (length + 1 = 4); then a byte 0x77.
        let input = [1u8, 0, 7, 1, 3, 4, 4, b'a', b'b', b'c', 0x77];
        assert_eq!(input.len(), 11);
        let outer = TagSpan::new(&input, 0, 2, 3, 7);
        let inner = TagSpan::new(&input, 3, 5, 6, 4);
        let host = span_str(&input, 6, "Host", true, false, 2).unwrap();
        assert_eq!(host.range(), 6..10);
        let long = "x".repeat(130);
        let mut s = Splice::new(&input);
        s.set_str(host, &long).unwrap();
        assert_eq!(
            s.to_vec(),
            Err(SpliceError::InsideTaggedField {
                field: "Host",
                at: 6,
                depth: 2,
                given: 0
            })
        );
        s.resize_tag(inner).unwrap();
        assert!(matches!(
            s.to_vec(),
            Err(SpliceError::InsideTaggedField { given: 1, .. })
        ));
        s.resize_tag(outer).unwrap();
        let out = s.to_vec().unwrap();
        assert_eq!(out.len(), s.output_len());
        assert_eq!(out.capacity(), out.len());
        // Inner payload: varint 131 (2 bytes) + 130 = 132 bytes (varint 2 bytes). Outer
        // payload: 1 (count) + 1 (tag) + 2 (size) + 132 = 136 (varint 2 bytes).
        let mut want = vec![1u8, 0, 0x88, 0x01, 1, 3, 0x84, 0x01, 0x83, 0x01];
        want.extend_from_slice(long.as_bytes());
        want.push(0x77);
        assert_eq!(out, want);
        // Overlaps: the same field again, an edit over a tag's size.
        assert!(matches!(
            s.set_str(host, "y"),
            Err(SpliceError::Overlap { at: 6, .. })
        ));
        let size = span_fixed(&input, 5, "Size", "int8", 1).unwrap();
        assert!(matches!(s.set(size, 1i8), Err(SpliceError::Overlap { .. })));
    }
}
