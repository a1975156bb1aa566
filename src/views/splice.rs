//! Rewriting fields of received bytes in place ([`Splice`]), without the owned message.

use std::fmt;

use crate::reader::MAX_STRING_LENGTH;
use crate::types::Uuid;

use super::{get_uvarint, read_len, ABSENT};

/// The fixed-width wire types: what [`Splice::set`] writes in place. The generated spans name
/// the field's type; a [`SpliceValue`] names the value's.
///
/// Public only as the hidden [`SpliceValue::TYPE`]; the module is private, so the type cannot be
/// named (nor the trait implemented) outside this crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixedType {
    Bool,
    Int8,
    Int16,
    Uint16,
    Int32,
    Uint32,
    Int64,
    Float64,
    Uuid,
}

impl FixedType {
    /// The schema's name of the type (`"int32"`), as [`SpliceError::WrongType`] gives it.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            FixedType::Bool => "bool",
            FixedType::Int8 => "int8",
            FixedType::Int16 => "int16",
            FixedType::Uint16 => "uint16",
            FixedType::Int32 => "int32",
            FixedType::Uint32 => "uint32",
            FixedType::Int64 => "int64",
            FixedType::Float64 => "float64",
            FixedType::Uuid => "uuid",
        }
    }

    /// Bytes on the wire.
    pub(crate) const fn width(self) -> usize {
        match self {
            FixedType::Bool | FixedType::Int8 => 1,
            FixedType::Int16 | FixedType::Uint16 => 2,
            FixedType::Int32 | FixedType::Uint32 => 4,
            FixedType::Int64 | FixedType::Float64 => 8,
            FixedType::Uuid => 16,
        }
    }
}

/// What a [`FieldSpan`] holds: how its old extent is read and a new value encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpanKind {
    /// A fixed-width value.
    Fixed(FixedType),
    /// A string: compact (varint length + 1) or `int16` length prefix.
    Str { compact: bool, nullable: bool },
    /// Bytes: compact or `int32` length prefix.
    Bytes { compact: bool, nullable: bool },
}

impl SpanKind {
    /// The type's name in a [`SpliceError::WrongType`].
    fn name(self) -> &'static str {
        match self {
            SpanKind::Fixed(ty) => ty.name(),
            SpanKind::Str { .. } => "string",
            SpanKind::Bytes { .. } => "bytes",
        }
    }
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
            SpanKind::Fixed(ty) => self.at.saturating_add(ty.width()),
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

/// The span of a fixed-width field at `at` (`None` when absent). Its tag depth is 0: a
/// fixed-width edit never changes a length, so no tagged field around it needs resizing.
#[inline]
pub(crate) fn span_fixed<'a>(
    buf: &'a [u8],
    at: usize,
    name: &'static str,
    ty: FixedType,
) -> Option<FieldSpan<'a>> {
    (at != ABSENT).then_some(FieldSpan {
        buf,
        at,
        name,
        kind: SpanKind::Fixed(ty),
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
///
/// Implemented for the integer types, `f64`, `bool`, [`Uuid`] and [`ApiKey`](crate::ApiKey)
/// (an `int16`); not implementable outside this crate.
pub trait SpliceValue: Copy {
    /// The wire type.
    #[doc(hidden)]
    const TYPE: FixedType;
    /// The value's big-endian bytes in `out`; returns how many.
    #[doc(hidden)]
    fn put(self, out: &mut [u8; 16]) -> usize;
}

macro_rules! splice_values {
    ($($t:ty, $ty:ident;)*) => {$(
        impl SpliceValue for $t {
            const TYPE: FixedType = FixedType::$ty;
            fn put(self, out: &mut [u8; 16]) -> usize {
                let b = self.to_be_bytes();
                out[..b.len()].copy_from_slice(&b);
                b.len()
            }
        }
    )*};
}

splice_values! {
    i8, Int8;
    i16, Int16;
    u16, Uint16;
    i32, Int32;
    u32, Uint32;
    i64, Int64;
    f64, Float64;
}

impl SpliceValue for bool {
    const TYPE: FixedType = FixedType::Bool;
    fn put(self, out: &mut [u8; 16]) -> usize {
        out[0] = u8::from(self);
        1
    }
}

impl SpliceValue for Uuid {
    const TYPE: FixedType = FixedType::Uuid;
    fn put(self, out: &mut [u8; 16]) -> usize {
        *out = self.0;
        16
    }
}

impl SpliceValue for crate::ApiKey {
    const TYPE: FixedType = FixedType::Int16;
    fn put(self, out: &mut [u8; 16]) -> usize {
        self.0.put(out)
    }
}

/// A list kept in an array while it holds at most `N` items, in a `Vec` past that.
///
/// A splice borrows the bytes it rewrites, so every frame needs a splice of its own; this is
/// what lets one that makes a few edits (a proxy's hosts and ports) allocate nothing but its
/// output, and nothing at all with [`Splice::write_to`].
struct InlineVec<T, const N: usize> {
    len: usize,
    array: [T; N],
    /// Every item once there are more than `N` (`clear` keeps its memory).
    vec: Vec<T>,
}

impl<T: Copy + Default, const N: usize> InlineVec<T, N> {
    fn new() -> Self {
        InlineVec {
            len: 0,
            array: [T::default(); N],
            vec: Vec::new(),
        }
    }

    fn as_slice(&self) -> &[T] {
        if self.len <= N {
            &self.array[..self.len]
        } else {
            &self.vec
        }
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        if self.len <= N {
            &mut self.array[..self.len]
        } else {
            &mut self.vec
        }
    }

    fn insert(&mut self, i: usize, item: T) {
        if self.len < N {
            self.array.copy_within(i..self.len, i + 1);
            self.array[i] = item;
        } else {
            if self.len == N {
                self.vec.extend_from_slice(&self.array);
            }
            self.vec.insert(i, item);
        }
        self.len += 1;
    }

    fn clear(&mut self) {
        self.len = 0;
        self.vec.clear();
    }
}

/// One replacement: `input[start..end]` becomes `head` followed by `data`.
#[derive(Clone, Copy, Default)]
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

/// A tagged field given to [`Splice::resize_tag`], with the size its payload will have.
#[derive(Clone, Copy, Default)]
struct Tag {
    /// Where its size varint starts.
    size_at: usize,
    /// Where its payload starts (just after the size varint) and ends.
    payload: usize,
    end: usize,
    /// The payload's size with the edits inside it applied and the size varints of the
    /// resized tags inside it rewritten; kept up to date as edits and tags are added.
    new_size: usize,
}

impl Tag {
    /// Whether `start..end` lies inside the payload.
    fn encloses(&self, start: usize, end: usize) -> bool {
        start >= self.payload && end <= self.end
    }

    /// Whether `start..end` shares a byte with the tagged field (size varint or payload).
    fn touches(&self, start: usize, end: usize) -> bool {
        start < self.end && self.size_at < end
    }

    /// How much the size varint grows (or shrinks) when `new_size` is written.
    fn varint_growth(&self) -> isize {
        crate::varint::len_u64(self.new_size as u64) as isize
            - (self.payload - self.size_at) as isize
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
///
/// Cost: each edit and each tagged field is placed once (a tagged field's new size is
/// updated as edits inside it arrive, inner ones first), and the output is written in one
/// pass over the input.
pub struct Splice<'a, 'b> {
    input: &'a [u8],
    /// Sorted by `start`, not overlapping.
    edits: InlineVec<Edit<'b>, 16>,
    /// Tagged fields to resize, sorted by `size_at`; two are nested or apart, and an edit is
    /// inside a tag's payload or apart from the tag.
    tags: InlineVec<Tag, 4>,
}

impl fmt::Debug for Splice<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Splice")
            .field("input_len", &self.input.len())
            .field("edits", &self.edits.as_slice().len())
            .field("tags", &self.tags.as_slice().len())
            .finish()
    }
}

impl<'a, 'b> Splice<'a, 'b> {
    /// A splice of `input`: the same bytes (the same slice) the views were parsed from, for
    /// instance a response payload given to [`ResponseView::parse`](super::ResponseView::parse).
    pub fn new(input: &'a [u8]) -> Self {
        Splice {
            input,
            edits: InlineVec::new(),
            tags: InlineVec::new(),
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
        let edits = self.edits.as_slice();
        let i = edits.partition_point(|x| x.start < e.start);
        let clash = |x: &Edit<'_>| x.start < e.end && e.start < x.end;
        let before = i.checked_sub(1).map(|j| &edits[j]);
        let crosses_tag = |t: &Tag| t.touches(e.start, e.end) && !t.encloses(e.start, e.end);
        if before.is_some_and(clash)
            || edits.get(i).is_some_and(clash)
            || self.tags.as_slice().iter().any(crosses_tag)
        {
            return Err(SpliceError::Overlap {
                field: e.name,
                at: e.start,
            });
        }
        self.edits.insert(i, e);
        self.grow_tags(e.start, e.end, e.delta());
        Ok(())
    }

    /// Adds `delta` bytes, made at `start..end`, to the new sizes of the tags around it, inner
    /// ones first, each passing on its size varint's growth to the tags around it.
    fn grow_tags(&mut self, start: usize, end: usize, mut delta: isize) {
        // Sorted by where they start, so the inner of two nested tags comes later.
        for t in self.tags.as_mut_slice().iter_mut().rev() {
            if delta == 0 {
                break;
            }
            if t.encloses(start, end) {
                let before = t.varint_growth();
                t.new_size = (t.new_size as isize + delta) as usize;
                delta += t.varint_growth() - before;
            }
        }
    }

    /// Writes `value` over a fixed-width field (an integer, `bool`, `float64`, `uuid`) of the
    /// same type: `splice.set(broker.port_span().unwrap(), 9092i32)`.
    pub fn set<T: SpliceValue>(
        &mut self,
        span: FieldSpan<'a>,
        value: T,
    ) -> Result<(), SpliceError> {
        self.own(span.buf, span.name)?;
        if span.kind != SpanKind::Fixed(T::TYPE) {
            return Err(SpliceError::WrongType {
                field: span.name,
                expected: span.kind.name(),
                given: T::TYPE.name(),
            });
        }
        let mut head = [0u8; 16];
        let n = value.put(&mut head);
        debug_assert_eq!(n, T::TYPE.width());
        self.insert(Edit {
            start: span.at,
            end: span.at + n,
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
                expected: span.kind.name(),
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
                expected: span.kind.name(),
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
    /// up unchanged is written as it was. Tags and edits may come in any order.
    pub fn resize_tag(&mut self, tag: TagSpan<'a>) -> Result<(), SpliceError> {
        self.own(tag.buf, "tagged field")?;
        let mut t = Tag {
            size_at: tag.size_at,
            payload: tag.payload,
            end: tag.payload + tag.size,
            new_size: tag.size,
        };
        let tags = self.tags.as_slice();
        let i = tags.partition_point(|u| u.size_at < t.size_at);
        if tags
            .get(i)
            .is_some_and(|u| u.size_at == t.size_at && u.end == t.end)
        {
            return Ok(()); // given before
        }
        let edits = self.edits.as_slice();
        if let Some(e) = edits
            .iter()
            .find(|e| t.touches(e.start, e.end) && !t.encloses(e.start, e.end))
        {
            return Err(SpliceError::Overlap {
                field: e.name,
                at: e.start,
            });
        }
        let nested = |u: &Tag| u.encloses(t.size_at, t.end) || t.encloses(u.size_at, u.end);
        if tags
            .iter()
            .any(|u| u.touches(t.size_at, t.end) && !nested(u))
        {
            return Err(SpliceError::Overlap {
                field: "tagged field",
                at: t.size_at,
            });
        }
        let inside: isize = edits
            .iter()
            .filter(|e| t.encloses(e.start, e.end))
            .map(Edit::delta)
            .chain(
                tags.iter()
                    .filter(|u| t.encloses(u.size_at, u.end))
                    .map(Tag::varint_growth),
            )
            .sum();
        t.new_size = (t.new_size as isize + inside) as usize;
        self.tags.insert(i, t);
        self.grow_tags(t.size_at, t.end, t.varint_growth());
        Ok(())
    }

    /// Checks every length-changing edit has its enclosing tags declared.
    fn check(&self) -> Result<(), SpliceError> {
        let tags = self.tags.as_slice();
        for e in self.edits.as_slice() {
            if e.delta() == 0 || e.tag_depth == 0 && tags.is_empty() {
                continue;
            }
            let given = tags.iter().filter(|t| t.encloses(e.start, e.end)).count();
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
        let edits: isize = self.edits.as_slice().iter().map(Edit::delta).sum();
        let tags: isize = self.tags.as_slice().iter().map(Tag::varint_growth).sum();
        (self.input.len() as isize + edits + tags) as usize
    }

    /// Appends the input with every edit applied to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), SpliceError> {
        self.check()?;
        out.reserve(self.output_len());
        self.write_unchecked(out);
        Ok(())
    }

    fn write_unchecked(&self, out: &mut Vec<u8>) {
        // The edits merged with the resized tags' size varints, both in input order; the two
        // never overlap.
        let (mut edits, mut tags) = (self.edits.as_slice(), self.tags.as_slice());
        let mut pos = 0;
        loop {
            match (edits.split_first(), tags.split_first()) {
                (Some((e, rest)), t) if t.is_none_or(|(t, _)| e.start < t.size_at) => {
                    out.extend_from_slice(&self.input[pos..e.start]);
                    out.extend_from_slice(&e.head[..usize::from(e.head_len)]);
                    out.extend_from_slice(e.data);
                    pos = e.end;
                    edits = rest;
                }
                (_, Some((t, rest))) => {
                    out.extend_from_slice(&self.input[pos..t.size_at]);
                    crate::varint::put_u64(out, t.new_size as u64);
                    pos = t.payload;
                    tags = rest;
                }
                (_, None) => break, // no edit left either (the first arm takes it)
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

    /// Outer section: 1 field, tag 0, size 7, holding an inner section: 1 field, tag 3, size
    /// 4, holding the compact string "abc" (length + 1 = 4); then a byte 0x77.
    const NESTED: [u8; 11] = [1, 0, 7, 1, 3, 4, 4, b'a', b'b', b'c', 0x77];

    fn nested_spans(input: &[u8]) -> (TagSpan<'_>, TagSpan<'_>, FieldSpan<'_>) {
        let outer = TagSpan::new(input, 0, 2, 3, 7);
        let inner = TagSpan::new(input, 3, 5, 6, 4);
        let host = span_str(input, 6, "Host", true, false, 2).unwrap();
        (outer, inner, host)
    }

    /// What the nested input becomes with the string set to `long`: inner payload varint 131
    /// (2 bytes) + 130 = 132 bytes (varint 2 bytes); outer payload 1 (count) + 1 (tag) + 2
    /// (size) + 132 = 136 (varint 2 bytes).
    fn nested_want(long: &str) -> Vec<u8> {
        let mut want = vec![1u8, 0, 0x88, 0x01, 1, 3, 0x84, 0x01, 0x83, 0x01];
        want.extend_from_slice(long.as_bytes());
        want.push(0x77);
        want
    }

    /// Two tagged fields, one inside the other, around a compact string: a length change is
    /// refused until both are given, then both sizes are rewritten (the outer one's varint
    /// growing a byte).
    #[test]
    fn nested_tags_are_resized_inside_out() {
        let input = NESTED;
        let (outer, inner, host) = nested_spans(&input);
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
        // Given again: nothing changes.
        s.resize_tag(inner).unwrap();
        let out = s.to_vec().unwrap();
        assert_eq!(out.len(), s.output_len());
        assert_eq!(out.capacity(), out.len());
        assert_eq!(out, nested_want(&long));
        // Overlaps: the same field again, an edit over a tag's size.
        assert!(matches!(
            s.set_str(host, "y"),
            Err(SpliceError::Overlap { at: 6, .. })
        ));
        let size = span_fixed(&input, 5, "Size", FixedType::Int8).unwrap();
        assert!(matches!(s.set(size, 1i8), Err(SpliceError::Overlap { .. })));
    }

    /// The edit and the two tags in each of the six orders give the same bytes.
    #[test]
    fn edits_and_tags_in_any_order() {
        let input = NESTED;
        let (outer, inner, host) = nested_spans(&input);
        let long = "x".repeat(130);
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for order in orders {
            let mut s = Splice::new(&input);
            for step in order {
                match step {
                    0 => s.set_str(host, &long).unwrap(),
                    1 => s.resize_tag(inner).unwrap(),
                    _ => s.resize_tag(outer).unwrap(),
                }
            }
            assert_eq!(s.to_vec().unwrap(), nested_want(&long), "{order:?}");
            assert_eq!(s.output_len(), nested_want(&long).len());
            // Cleared and reused with a value of the same length: the sizes are written as
            // they were.
            s.clear();
            s.resize_tag(outer).unwrap();
            s.set_str(host, "xyz").unwrap();
            s.resize_tag(inner).unwrap();
            let mut same = input;
            same[7..10].copy_from_slice(b"xyz");
            assert_eq!(s.to_vec().unwrap(), same, "{order:?}");
        }
    }

    /// An edit that crosses a tag's end, or a tag that crosses another, is refused (views of
    /// one slice read at different versions could give such spans).
    #[test]
    fn crossing_spans_are_refused() {
        let input = NESTED;
        let (outer, _, host) = nested_spans(&input);
        // A tag whose payload ends inside the string.
        let short = TagSpan::new(&input, 3, 5, 6, 2);
        let mut s = Splice::new(&input);
        s.resize_tag(short).unwrap();
        assert!(matches!(
            s.set_str(host, "q"),
            Err(SpliceError::Overlap { field: "Host", .. })
        ));
        let mut s = Splice::new(&input);
        s.set_str(host, "q").unwrap();
        assert!(matches!(
            s.resize_tag(short),
            Err(SpliceError::Overlap { field: "Host", .. })
        ));
        // Tags: one that starts inside the outer payload and ends past it.
        let crossing = TagSpan::new(&input, 9, 9, 10, 1);
        let mut s = Splice::new(&input);
        s.resize_tag(outer).unwrap();
        assert!(matches!(
            s.resize_tag(crossing),
            Err(SpliceError::Overlap {
                field: "tagged field",
                at: 9
            })
        ));
    }

    /// Past 16 edits the list moves to a `Vec`, in order wherever the items are inserted;
    /// `clear` goes back to the array.
    #[test]
    fn inline_vec_spills_and_comes_back() {
        let mut v: InlineVec<u32, 4> = InlineVec::new();
        for round in 0..2 {
            for x in [5, 1, 9, 3, 7, 0, 8] {
                let i = v.as_slice().partition_point(|&y| y < x);
                v.insert(i, x);
            }
            assert_eq!(v.as_slice(), [0, 1, 3, 5, 7, 8, 9], "round {round}");
            v.as_mut_slice()[0] = 2;
            assert_eq!(v.as_slice()[0], 2);
            v.clear();
            assert!(v.as_slice().is_empty());
            v.insert(0, 4);
            v.insert(0, 3);
            assert_eq!(v.as_slice(), [3, 4]);
            v.clear();
        }
    }

    #[test]
    fn fixed_types_name_their_schema_type_and_width() {
        for (ty, name, width) in [
            (FixedType::Bool, "bool", 1),
            (FixedType::Int8, "int8", 1),
            (FixedType::Int16, "int16", 2),
            (FixedType::Uint16, "uint16", 2),
            (FixedType::Int32, "int32", 4),
            (FixedType::Uint32, "uint32", 4),
            (FixedType::Int64, "int64", 8),
            (FixedType::Float64, "float64", 8),
            (FixedType::Uuid, "uuid", 16),
        ] {
            assert_eq!((ty.name(), ty.width()), (name, width));
        }
        let mut out = [0u8; 16];
        assert_eq!(crate::ApiKey(3).put(&mut out), FixedType::Int16.width());
        assert_eq!(Uuid([7; 16]).put(&mut out), 16);
        assert_eq!(true.put(&mut out), 1);
    }
}
