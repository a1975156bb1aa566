//! Every field of every view, through the test-support `ViewFields` (generated for every
//! struct view and body view enum): each scalar field's span must hold exactly the bytes its
//! accessor's value encodes to, and a splice writing every field back must give the input; a
//! field rewritten by a splice must read back as the new value with every other field
//! unchanged (enclosing tagged fields found and resized, as many as its span's `tag_depth`
//! says); every nested struct view's `to_owned_from` must equal its `to_owned`, its bytes lie
//! in the input and its version be the message's. Run on the default and arbitrary values of
//! every (message, version) and on every captured frame.

use std::ops::Range;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use kafka_codec::__private::support::Conform;
use kafka_codec::views::fields::{FieldValue, FieldVisitor, ViewFields};
use kafka_codec::views::{
    visit_views, FieldSpan, HasView, MessageView, RequestView, ResponseView, Splice, SpliceError,
    TagSpan, TaggedFields, ViewVisitor,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// One scalar field as a visit found it.
#[derive(Clone, Copy, Debug)]
struct Field<'a> {
    name: &'static str,
    span: Option<FieldSpan<'a>>,
    value: FieldValue<'a>,
}

/// What the checks saw, summed over every input.
#[derive(Default, Debug)]
struct Counts {
    messages: usize,
    views: usize,
    fields: usize,
    spans: usize,
    /// Nulls in fields that cannot be null (read as "", not rewritten back).
    null_quirks: usize,
    rewritten: usize,
    rewritten_in_tags: usize,
    refused_in_tags: usize,
    nulled: usize,
    owned_checked: usize,
}

/// Collects the scalar fields of a view and of the views nested in it (depth first, schema
/// order), checking each view on the way.
struct Collect<'a, 's> {
    input: &'a [u8],
    /// With `Some`, every view's `to_owned_from(src)` is compared with its `to_owned()`.
    src: Option<&'s Bytes>,
    version: Option<i16>,
    fields: Vec<Field<'a>>,
    /// The tagged fields of every view visited.
    tags: Vec<TagSpan<'a>>,
    views: usize,
    owned_checked: usize,
}

impl<'a, 's> Collect<'a, 's> {
    fn new(input: &'a [u8], src: Option<&'s Bytes>) -> Self {
        Collect {
            input,
            src,
            version: None,
            fields: Vec::new(),
            tags: Vec::new(),
            views: 0,
            owned_checked: 0,
        }
    }

    /// Visits `view` (a message, a header or a body) and checks its own `to_owned_from`.
    fn root(&mut self, view: &dyn ViewFields<'a>) {
        self.version = None;
        self.nested(view);
    }

    fn range_of(&self, b: &[u8]) -> Range<usize> {
        let start = (b.as_ptr() as usize).wrapping_sub(self.input.as_ptr() as usize);
        start..start.wrapping_add(b.len())
    }
}

impl<'a> FieldVisitor<'a> for Collect<'a, '_> {
    fn view(&mut self, version: i16, bytes: &'a [u8], tags: Option<TaggedFields<'a>>) {
        self.views += 1;
        assert_eq!(*self.version.get_or_insert(version), version, "nested view");
        let r = self.range_of(bytes);
        assert!(r.end <= self.input.len(), "as_bytes outside the input");
        if let Some(section) = tags {
            for (tag, payload) in section.clone() {
                let span = section.span(tag).expect("a tag's span");
                assert_eq!(span.tag(), tag);
                assert_eq!(span.payload(), self.range_of(payload), "tag {tag}");
                self.tags.push(span);
            }
        }
    }

    fn scalar(&mut self, name: &'static str, span: Option<FieldSpan<'a>>, value: FieldValue<'a>) {
        self.fields.push(Field { name, span, value });
    }

    fn nested(&mut self, view: &dyn ViewFields<'a>) {
        view.visit_fields(self);
        if let Some(src) = self.src {
            assert!(view.owned_from_agrees(src), "to_owned_from differs");
            self.owned_checked += 1;
        }
    }
}

/// Whether tagged field `t`'s payload holds `r`.
fn encloses(t: &TagSpan<'_>, r: &Range<usize>) -> bool {
    t.payload().start <= r.start && r.end <= t.payload().end
}

/// A string or bytes value (`None`: null) under each prefix it can have: compact (varint of
/// length + 1), then `int16` (strings) or `int32` (bytes).
fn encodings(v: Option<&[u8]>, wide: bool) -> [Vec<u8>; 2] {
    let mut compact = Vec::new();
    kafka_codec::__private::varint::put_u64(&mut compact, v.map_or(0, |v| v.len() as u64 + 1));
    let n = v.map_or(-1, |v| v.len() as i64);
    let mut classic = if wide {
        (n as i32).to_be_bytes().to_vec()
    } else {
        (n as i16).to_be_bytes().to_vec()
    };
    for e in [&mut compact, &mut classic] {
        e.extend_from_slice(v.unwrap_or_default());
    }
    [compact, classic]
}

enum Held {
    Yes,
    /// A null in a field that cannot be null, which the accessor reads as "".
    NullQuirk,
    No,
}

/// Whether a span's `bytes` are what `value` encodes to.
fn held(bytes: &[u8], value: FieldValue<'_>) -> Held {
    let is = |b: &[u8]| if bytes == b { Held::Yes } else { Held::No };
    let prefixed = |v: Option<&[u8]>, wide: bool| {
        if encodings(v, wide).iter().any(|e| e == bytes) {
            Held::Yes
        } else if v == Some(&[][..]) && encodings(None, wide).iter().any(|e| e == bytes) {
            Held::NullQuirk
        } else {
            Held::No
        }
    };
    match value {
        FieldValue::Bool(v) => is(&[u8::from(v)]),
        FieldValue::I8(v) => is(&v.to_be_bytes()),
        FieldValue::I16(v) => is(&v.to_be_bytes()),
        FieldValue::U16(v) => is(&v.to_be_bytes()),
        FieldValue::I32(v) => is(&v.to_be_bytes()),
        FieldValue::U32(v) => is(&v.to_be_bytes()),
        FieldValue::I64(v) => is(&v.to_be_bytes()),
        FieldValue::F64(v) => is(&v.to_be_bytes()),
        FieldValue::Uuid(v) => is(&v.0),
        FieldValue::Str(v) => prefixed(v.map(|s| s.as_bytes()), false),
        FieldValue::Bytes(v) => prefixed(v, true),
    }
}

/// Gives `splice` the field's own value (strings that are not UTF-8 are left out).
fn write_back<'a>(splice: &mut Splice<'a, 'a>, f: &Field<'a>) -> Result<(), SpliceError> {
    let span = f.span.expect("a span");
    match f.value {
        FieldValue::Bool(v) => splice.set(span, v),
        FieldValue::I8(v) => splice.set(span, v),
        FieldValue::I16(v) => splice.set(span, v),
        FieldValue::U16(v) => splice.set(span, v),
        FieldValue::I32(v) => splice.set(span, v),
        FieldValue::U32(v) => splice.set(span, v),
        FieldValue::I64(v) => splice.set(span, v),
        FieldValue::F64(v) => splice.set(span, v),
        FieldValue::Uuid(v) => splice.set(span, v),
        FieldValue::Str(Some(s)) => match s.to_str() {
            Ok(s) => splice.set_str(span, s),
            Err(_) => Ok(()),
        },
        FieldValue::Str(None) => splice.set_nullable_str(span, None),
        FieldValue::Bytes(v) => splice.set_bytes(span, v),
    }
}

/// Every field's span holds its value's encoding, under the tag depth its enclosing tagged
/// fields give; a splice writing every field back gives the input.
fn check_fields(what: &str, c: &Collect<'_, '_>, counts: &mut Counts) {
    let mut splice = Splice::new(c.input);
    for f in &c.fields {
        counts.fields += 1;
        let Some(span) = f.span else {
            continue;
        };
        counts.spans += 1;
        let r = span.range();
        assert_eq!(span.name(), f.name, "{what}");
        let bytes = c.input.get(r.clone());
        let bytes = bytes.unwrap_or_else(|| panic!("{what}: {}: {r:?} outside", f.name));
        match held(bytes, f.value) {
            Held::Yes => write_back(&mut splice, f)
                .unwrap_or_else(|e| panic!("{what}: {} written back: {e}", f.name)),
            Held::NullQuirk => counts.null_quirks += 1,
            Held::No => panic!(
                "{what}: {} at {r:?} is {bytes:?}, not {:?}",
                f.name, f.value
            ),
        }
        if matches!(f.value, FieldValue::Str(_) | FieldValue::Bytes(_)) {
            let around = c.tags.iter().filter(|t| encloses(t, &r)).count();
            assert_eq!(
                around,
                usize::from(span.tag_depth()),
                "{what}: {}: tagged fields around it",
                f.name
            );
        }
    }
    assert_eq!(splice.output_len(), c.input.len(), "{what}");
    assert!(
        splice.to_vec().unwrap() == c.input,
        "{what}: fields written back differ"
    );
    counts.views += c.views;
    counts.owned_checked += c.owned_checked;
}

/// A field's value after a rewrite.
#[derive(Debug)]
enum NewValue {
    Fixed(FieldValue<'static>),
    Str(Option<Vec<u8>>),
    Bytes(Option<Vec<u8>>),
}

impl NewValue {
    fn is(&self, v: FieldValue<'_>) -> bool {
        match (self, v) {
            (NewValue::Fixed(a), b) => *a == b,
            (NewValue::Str(a), FieldValue::Str(b)) => a.as_deref() == b.map(|s| s.as_bytes()),
            (NewValue::Bytes(a), FieldValue::Bytes(b)) => a.as_deref() == b,
            _ => false,
        }
    }
}

/// The fields of `bytes` parsed again (`None` if refused).
type Reparse<'r> = &'r dyn for<'b> Fn(&'b [u8]) -> Option<Vec<Field<'b>>>;

/// At most this many fields of one message are rewritten (each rewrite parses it again).
const MAX_REWRITES: usize = 24;

/// Rewrites fields one at a time (strings and bytes longer, their length prefix growing a
/// byte, or null): parsed again, the field reads as the new value and every other field as
/// before. A length change inside tagged fields is refused until the tagged fields around it
/// (as many as its span's depth) are given to `resize_tag`.
fn check_rewrites(what: &str, c: &Collect<'_, '_>, reparse: Reparse<'_>, counts: &mut Counts) {
    let spans: Vec<usize> = (0..c.fields.len())
        .filter(|&i| c.fields[i].span.is_some())
        .collect();
    let step = spans.len().div_ceil(MAX_REWRITES).max(1);
    for &k in spans.iter().step_by(step) {
        let f = c.fields[k];
        let span = f.span.unwrap();
        if let Held::NullQuirk = held(&c.input[span.range()], f.value) {
            continue;
        }
        let longer = |v: &[u8]| [v, &[b'~'; 130]].concat();
        let mut edits: Vec<NewValue> = Vec::new();
        match f.value {
            FieldValue::Bool(v) => edits.push(NewValue::Fixed(FieldValue::Bool(!v))),
            FieldValue::I8(v) => edits.push(NewValue::Fixed(FieldValue::I8(v ^ 1))),
            FieldValue::I16(v) => edits.push(NewValue::Fixed(FieldValue::I16(v ^ 1))),
            FieldValue::U16(v) => edits.push(NewValue::Fixed(FieldValue::U16(v ^ 1))),
            FieldValue::I32(v) => edits.push(NewValue::Fixed(FieldValue::I32(v ^ 1))),
            FieldValue::U32(v) => edits.push(NewValue::Fixed(FieldValue::U32(v ^ 1))),
            FieldValue::I64(v) => edits.push(NewValue::Fixed(FieldValue::I64(v ^ 1))),
            FieldValue::F64(v) => edits.push(NewValue::Fixed(FieldValue::F64(if v == 1.5 {
                2.5
            } else {
                1.5
            }))),
            FieldValue::Uuid(mut v) => {
                v.0[0] ^= 0xff;
                edits.push(NewValue::Fixed(FieldValue::Uuid(v)));
            }
            FieldValue::Str(v) => {
                let v = String::from_utf8_lossy(v.map_or(&[][..], |s| s.as_bytes()));
                edits.push(NewValue::Str(Some(longer(v.as_bytes()))));
                edits.push(NewValue::Str(None));
            }
            FieldValue::Bytes(v) => {
                edits.push(NewValue::Bytes(Some(longer(v.unwrap_or_default()))));
                edits.push(NewValue::Bytes(None));
            }
        }
        for new in edits {
            let mut s = Splice::new(c.input);
            let set = match &new {
                NewValue::Fixed(FieldValue::Bool(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::I8(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::I16(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::U16(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::I32(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::U32(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::I64(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::F64(v)) => s.set(span, *v),
                NewValue::Fixed(FieldValue::Uuid(v)) => s.set(span, *v),
                NewValue::Fixed(_) => unreachable!(),
                NewValue::Str(v) => {
                    let v = v.as_deref().map(|v| std::str::from_utf8(v).unwrap());
                    s.set_nullable_str(span, v)
                }
                NewValue::Bytes(v) => s.set_bytes(span, v.as_deref()),
            };
            match (set, &new) {
                (Ok(()), _) => {}
                // Null where the version does not allow it.
                (
                    Err(SpliceError::NotNullable { .. }),
                    NewValue::Str(None) | NewValue::Bytes(None),
                ) => continue,
                (Err(e), _) => panic!("{what}: {} set to {new:?}: {e}", f.name),
            }
            // A fixed-width field refuses a value of another type.
            if let NewValue::Fixed(v) = &new {
                let other = if matches!(v, FieldValue::I64(_)) {
                    Splice::new(c.input).set(span, 0i32)
                } else {
                    Splice::new(c.input).set(span, 0i64)
                };
                assert!(
                    matches!(other, Err(SpliceError::WrongType { .. })),
                    "{what}: {}",
                    f.name
                );
            }
            let r = span.range();
            let around: Vec<TagSpan<'_>> =
                c.tags.iter().filter(|t| encloses(t, &r)).copied().collect();
            // A change of length inside tagged fields (a fixed-width value never changes one).
            if !around.is_empty() && s.output_len() != c.input.len() {
                assert!(
                    matches!(
                        s.to_vec(),
                        Err(SpliceError::InsideTaggedField { given: 0, .. })
                    ),
                    "{what}: {} inside {} tagged field(s)",
                    f.name,
                    around.len()
                );
                counts.refused_in_tags += 1;
                for t in around {
                    s.resize_tag(t).unwrap();
                }
                counts.rewritten_in_tags += 1;
            }
            let out = s
                .to_vec()
                .unwrap_or_else(|e| panic!("{what}: {}: {e}", f.name));
            assert_eq!(out.len(), s.output_len(), "{what}");
            let back = reparse(&out);
            let back = back.unwrap_or_else(|| panic!("{what}: {} = {new:?} refused", f.name));
            assert_eq!(back.len(), c.fields.len(), "{what}: {}", f.name);
            for (i, (a, b)) in c.fields.iter().zip(&back).enumerate() {
                assert_eq!(a.name, b.name, "{what}");
                if i == k {
                    assert!(
                        new.is(b.value),
                        "{what}: {} reads {:?}, not {new:?}",
                        f.name,
                        b.value
                    );
                } else {
                    assert!(
                        a.value == b.value,
                        "{what}: {} rewritten, {} reads {:?}, was {:?}",
                        f.name,
                        a.name,
                        b.value,
                        a.value
                    );
                }
            }
            match new {
                NewValue::Str(None) | NewValue::Bytes(None) => counts.nulled += 1,
                _ => counts.rewritten += 1,
            }
        }
    }
}

/// The fields of a message of type `T`, parsed from `bytes` (`None` if refused).
fn fields_of<T: HasView>(bytes: &[u8], version: i16) -> Option<Vec<Field<'_>>>
where
    for<'a> T::View<'a>: ViewFields<'a>,
{
    let view = <T::View<'_> as MessageView>::parse(bytes, version).ok()?;
    let mut c = Collect::new(bytes, None);
    c.root(&view);
    Some(c.fields)
}

/// Encodes `m`, then every check above.
fn check_message<T: HasView>(m: &T, version: i16, counts: &mut Counts)
where
    for<'a> T::View<'a>: ViewFields<'a>,
{
    let what = format!("{} v{version}", T::NAME);
    let mut buf = BytesMut::new();
    m.encode(&mut buf, version).unwrap();
    let bytes = buf.freeze();
    let view = <T::View<'_> as MessageView>::parse(&bytes, version).unwrap();
    let mut c = Collect::new(&bytes, Some(&bytes));
    c.root(&view);
    check_fields(&what, &c, counts);
    check_rewrites(&what, &c, &|b| fields_of::<T>(b, version), counts);
    counts.messages += 1;
}

struct EveryField {
    cases: u32,
    pairs: usize,
    counts: Counts,
}

impl ViewVisitor for EveryField {
    fn visit<T: HasView + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self)
    where
        for<'a> T::View<'a>: ViewFields<'a>,
    {
        for version in T::MIN_VERSION..=T::MAX_VERSION {
            let mut d = T::default();
            d.conform(version);
            check_message(&d, version, &mut self.counts);
            let mut runner = TestRunner::new(Config {
                cases: self.cases,
                failure_persistence: None,
                ..Config::default()
            });
            // Bytes whose lowest bit is mostly set: `arbitrary` then keeps adding elements to
            // an array three times in four and makes most optional values present. Half the
            // inputs end in zeros, from which `arbitrary` takes the sizes of strings and bytes
            // (empty then), leaving the rest for arrays: structs nested two and three deep
            // get elements, which a parent's `locate` steps over with their `skip`.
            let byte = (any::<u8>(), 0..4u8).prop_map(|(b, k)| if k == 0 { b & !1 } else { b | 1 });
            let strategy = (proptest::collection::vec(byte, 64..1024), any::<bool>()).prop_map(
                |(mut raw, deep)| {
                    if deep {
                        raw.extend_from_slice(&[0; 512]);
                    }
                    raw
                },
            );
            let counts = std::cell::RefCell::new(std::mem::take(&mut self.counts));
            runner
                .run(&strategy, |raw| {
                    let mut u = arbitrary::Unstructured::new(&raw);
                    if let Ok(mut m) = T::arbitrary(&mut u) {
                        m.conform(version);
                        check_message(&m, version, &mut counts.borrow_mut());
                    }
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{} v{version}: {e}", T::NAME));
            self.counts = counts.into_inner();
            self.pairs += 1;
        }
    }
}

/// The default and arbitrary values of every (message, version).
#[test]
fn every_field_of_every_message_and_version() {
    let mut t = EveryField {
        cases: 8,
        pairs: 0,
        counts: Counts::default(),
    };
    visit_views(&mut t);
    let c = &t.counts;
    println!("{} (message, version) pairs: {c:?}", t.pairs);
    let want = if cfg!(feature = "all-apis") { 762 } else { 300 };
    assert!(t.pairs >= want, "only {} (message, version) pairs", t.pairs);
    assert!(c.spans > 30_000 && c.views > 2 * c.messages, "{c:?}");
    assert!(c.rewritten > 20_000 && c.nulled > 1000, "{c:?}");
    assert!(
        c.rewritten_in_tags > 50 && c.refused_in_tags == c.rewritten_in_tags,
        "{c:?}"
    );
    assert!(c.owned_checked >= c.views, "{c:?}");
}

/// Every captured request and response (`testdata/captures`): header and body.
#[test]
fn every_field_of_captured_frames() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
    let mut reqs = Vec::new();
    super::frames(&root, &mut reqs);
    let mut counts = Counts::default();
    for req_path in &reqs {
        let what = req_path.display().to_string();
        let frame = std::fs::read(req_path).unwrap();
        let src = Bytes::copy_from_slice(&frame[4..]);
        let Ok(request) = RequestView::parse(&src) else {
            continue;
        };
        let mut c = Collect::new(&src, Some(&src));
        c.root(&request.header);
        c.root(&request.body);
        check_fields(&what, &c, &mut counts);
        counts.messages += 1;
        let Ok(resp) = std::fs::read(what.replace(".req.bin", ".resp.bin")) else {
            continue;
        };
        let src = Bytes::copy_from_slice(&resp[4..]);
        let Ok(response) = ResponseView::parse(&src, request.api_key, request.api_version) else {
            continue;
        };
        let mut c = Collect::new(&src, Some(&src));
        c.root(&response.header);
        c.root(&response.body);
        check_fields(&what.replace(".req.bin", ".resp.bin"), &c, &mut counts);
        counts.messages += 1;
    }
    println!("{counts:?}");
    assert!(counts.messages > 2500, "{counts:?}");
    assert!(
        counts.spans > 30_000 && counts.owned_checked >= counts.views,
        "{counts:?}"
    );
}
