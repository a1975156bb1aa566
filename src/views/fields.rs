//! Every field of a view, for tests and fuzzing (not part of the API): the generated
//! `src/generated/views/fields.rs` implements [`ViewFields`] for every struct view and body
//! view enum, so that a test can read every scalar field with its [`FieldSpan`], reach every
//! nested struct view, and call each view's own methods, without naming any of them.

use std::fmt;

use bytes::Bytes;

use super::{FieldSpan, TaggedFields, ViewStr};
use crate::api_key::ApiKey;
use crate::types::Uuid;

/// A scalar field's value, as its accessor returns it.
#[derive(Clone, Copy, Debug)]
pub enum FieldValue<'a> {
    Bool(bool),
    I8(i8),
    I16(i16),
    U16(u16),
    I32(i32),
    U32(u32),
    I64(i64),
    F64(f64),
    Uuid(Uuid),
    /// A string (`None`: null).
    Str(Option<ViewStr<'a>>),
    /// Bytes (`None`: null).
    Bytes(Option<&'a [u8]>),
}

impl PartialEq for FieldValue<'_> {
    /// Equal values; a float64 by its bits (a NaN equals itself).
    fn eq(&self, other: &Self) -> bool {
        use FieldValue::*;
        match (self, other) {
            (Bool(a), Bool(b)) => a == b,
            (I8(a), I8(b)) => a == b,
            (I16(a), I16(b)) => a == b,
            (U16(a), U16(b)) => a == b,
            (I32(a), I32(b)) => a == b,
            (U32(a), U32(b)) => a == b,
            (I64(a), I64(b)) => a == b,
            (F64(a), F64(b)) => a.to_bits() == b.to_bits(),
            (Uuid(a), Uuid(b)) => a == b,
            (Str(a), Str(b)) => a.map(|s| s.as_bytes()) == b.map(|s| s.as_bytes()),
            (Bytes(a), Bytes(b)) => a == b,
            _ => false,
        }
    }
}

macro_rules! field_values {
    ($($t:ty => $v:ident;)*) => {$(
        impl From<$t> for FieldValue<'_> {
            fn from(v: $t) -> Self {
                FieldValue::$v(v)
            }
        }
    )*};
}

field_values! {
    bool => Bool;
    i8 => I8;
    i16 => I16;
    u16 => U16;
    i32 => I32;
    u32 => U32;
    i64 => I64;
    f64 => F64;
    Uuid => Uuid;
}

impl From<ApiKey> for FieldValue<'_> {
    fn from(v: ApiKey) -> Self {
        FieldValue::I16(v.0)
    }
}

impl<'a> From<ViewStr<'a>> for FieldValue<'a> {
    fn from(v: ViewStr<'a>) -> Self {
        FieldValue::Str(Some(v))
    }
}

impl<'a> From<Option<ViewStr<'a>>> for FieldValue<'a> {
    fn from(v: Option<ViewStr<'a>>) -> Self {
        FieldValue::Str(v)
    }
}

impl<'a> From<&'a [u8]> for FieldValue<'a> {
    fn from(v: &'a [u8]) -> Self {
        FieldValue::Bytes(Some(v))
    }
}

impl<'a> From<Option<&'a [u8]>> for FieldValue<'a> {
    fn from(v: Option<&'a [u8]>) -> Self {
        FieldValue::Bytes(v)
    }
}

/// What a view's generated [`ViewFields::visit_fields`] calls, in schema order.
pub trait FieldVisitor<'a> {
    /// The view itself, first: its `version()`, `as_bytes()` and `tagged_fields()` (`None` for
    /// a struct without flexible versions).
    fn view(&mut self, version: i16, bytes: &'a [u8], tags: Option<TaggedFields<'a>>);
    /// A scalar field (string, bytes, integer, `bool`, `float64`, `uuid`): its schema name, its
    /// `<field>_span()` and its accessor's value.
    fn scalar(&mut self, name: &'static str, span: Option<FieldSpan<'a>>, value: FieldValue<'a>);
    /// A nested struct's view: a struct field (when present), each element of an array of
    /// structs.
    fn nested(&mut self, view: &dyn ViewFields<'a>);
}

/// A view whose fields a test can visit.
pub trait ViewFields<'a> {
    /// Calls `v.view(..)`, then `v.scalar(..)` or `v.nested(..)` for each field in schema order
    /// (arrays of scalars are left out).
    fn visit_fields(&self, v: &mut dyn FieldVisitor<'a>);

    /// Whether `to_owned_from(src)` gives what `to_owned()` gives.
    fn owned_from_agrees(&self, src: &Bytes) -> bool;
}

/// Equal, or equal once printed (a float64 NaN is not equal to itself).
pub fn same<T: PartialEq + fmt::Debug>(a: &T, b: &T) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
}
