//! Owned decoding: each field is read into a local, in wire order, and the struct is built
//! from them at the end. Wire bookkeeping (nulls where the schema says non-nullable, tagged
//! fields sent at their default, unknown tagged fields) is gathered in locals and stored out of
//! line only when something was seen.

use super::code::Code;
use super::model::{FieldModel, MessageModel, StructModel, Ty};
use super::versions::{Test, VersionSet};

/// Names the generated decoder uses for itself; a field with one of them gets a suffix.
const RESERVED: &[&str] = &[
    "r",
    "version",
    "flexible",
    "nulls",
    "unknown",
    "tags_present",
    "count",
    "last",
    "tag",
    "sub",
    "e",
    "v",
    "run",
];

pub fn local(f: &FieldModel) -> String {
    if RESERVED.contains(&f.ident.as_str()) {
        format!("{}_", f.ident)
    } else {
        f.ident.clone()
    }
}

/// The `compact` argument for reading or writing `f` where `version` is in `within`.
pub fn compact_arg(f: &FieldModel, s: &StructModel, within: &VersionSet) -> &'static str {
    match f.compact.test(within) {
        Test::Always => "true",
        Test::Never => "false",
        // `compact` is the struct's flexible set restricted to the field, so the local holds it.
        Test::When(_) => {
            debug_assert_eq!(f.compact.intersect(within), s.flexible.intersect(within));
            "flexible"
        }
    }
}

/// An expression of type `Result<T, DecodeError>` (or `Result<Option<T>, _>` when the second
/// value is true) reading one value of `ty`.
fn read_value(m: &MessageModel, ty: &Ty, compact: &str, nullable: Test) -> (String, bool) {
    match ty {
        Ty::Str => (format!("read_str(r, {compact})"), true),
        Ty::Bytes | Ty::Records => (format!("read_bytes(r, {compact})"), true),
        Ty::Struct(s) => match nullable {
            Test::Always => (format!("read_nullable_struct(r, version, {s}::decode)"), true),
            Test::Never => (format!("{s}::decode(r, version)"), false),
            Test::When(t) => (
                format!(
                    "if {t} {{\n    read_nullable_struct(r, version, {s}::decode)\n}} else {{\n    {s}::decode(r, version).map(Some)\n}}"
                ),
                true,
            ),
        },
        Ty::Array(inner) if inner.fixed_size().is_some() && **inner != Ty::Bool => {
            let n = inner.fixed_size().unwrap_or(1);
            let from = match &**inner {
                Ty::Uuid => "Uuid".to_string(),
                Ty::F64 => "|b| f64::from_bits(u64::from_be_bytes(b))".to_string(),
                Ty::ApiKey => "|b| ApiKey(i16::from_be_bytes(b))".to_string(),
                t => format!("{}::from_be_bytes", t.prim_name()),
            };
            (format!("read_fixed_array::<_, {n}>(r, {compact}, {from})"), true)
        }
        Ty::Array(inner) => {
            let min = m.min_element_len(inner);
            let elem = match &**inner {
                Ty::Str => format!("|r| read_str(r, {compact})?.ok_or_else(|| null_element(r))"),
                Ty::Bytes | Ty::Records => {
                    format!("|r| read_bytes(r, {compact})?.ok_or_else(|| null_element(r))")
                }
                Ty::Struct(s) => format!("|r| {s}::decode(r, version)"),
                Ty::Array(_) => "|_| unreachable_nested()".into(),
                prim => format!("Reader::{}", prim.prim_name()),
            };
            (format!("read_array(r, {compact}, {min}, {elem})"), true)
        }
        prim => (format!("r.{}()", prim.prim_name()), false),
    }
}

/// Statements leaving the value of `f` (read where `version` is in `within`) as the block's
/// final expression.
fn value_block(
    m: &MessageModel,
    s: &StructModel,
    f: &FieldModel,
    within: &VersionSet,
) -> Vec<String> {
    let compact = compact_arg(f, s, within);
    let (expr, yields_option) = read_value(m, &f.ty, compact, f.nullable.test(within));
    let read = if expr.contains('\n') {
        format!("({expr})")
    } else {
        expr
    };
    let read = format!("{read}.in_field({:?})?", f.name);
    let quirk = f.null_quirk().intersect(within);
    let l = local(f);
    match (yields_option, f.optional) {
        (false, false) => vec![read],
        (false, true) => vec![format!("Some({read})")],
        (true, true) => match quirk.test(within) {
            Test::Never => vec![read],
            Test::Always => vec![
                format!("let {l} = {read};"),
                format!(
                    "if {l}.is_none() {{\n    nulls |= Self::{};\n}}",
                    f.null_const()
                ),
                l,
            ],
            Test::When(t) => vec![
                format!("let {l} = {read};"),
                format!(
                    "if {l}.is_none() && {} {{\n    nulls |= Self::{};\n}}",
                    paren(&t),
                    f.null_const()
                ),
                l,
            ],
        },
        (true, false) => {
            if quirk.is_empty() {
                // Null cannot be kept here (a tagged field): refuse it.
                vec![format!("{read}.ok_or_else(|| null_element(r))?")]
            } else {
                vec![format!(
                    "match {read} {{\n    Some(v) => v,\n    None => {{\n        nulls |= Self::{};\n        {}\n    }}\n}}",
                    f.null_const(),
                    f.default
                )]
            }
        }
    }
}

/// Parenthesised when it is a disjunction, so it can sit after `&&`.
pub fn paren(t: &str) -> String {
    if t.contains("||") {
        format!("({t})")
    } else {
        t.to_string()
    }
}

/// Writes `head` + a value block + `;` as a statement.
fn assign(c: &mut Code, head: &str, block: Vec<String>) {
    if block.len() == 1 {
        c.line(format!("{head}{};", block[0]));
    } else {
        c.open(head.trim_end_matches(' '));
        for l in block {
            c.line(l);
        }
        c.close_with(";");
    }
}

/// Whether `f` can be read as part of a run of fixed-size fields (a bool cannot: each byte is
/// checked to be 0 or 1), and under which test.
fn run_test(f: &FieldModel, ctx: &VersionSet) -> Option<Test> {
    let fits =
        f.ty.fixed_size().is_some() && f.ty != Ty::Bool && !f.optional && f.tagged.is_empty();
    match f.inline.test(ctx) {
        Test::Never => None,
        t if fits => Some(t),
        _ => None,
    }
}

/// Whether `f` leaves no trace in the decoder's body (absent from every version here, and not
/// tagged): a run may pass over it.
fn invisible(f: &FieldModel, ctx: &VersionSet) -> bool {
    f.inline.test(ctx) == Test::Never && f.tagged.is_empty()
}

/// Runs of at least two consecutive fixed-size fields read under the same test: for each, the
/// index of its first and of its last field.
fn runs(s: &StructModel) -> Vec<(usize, usize)> {
    let ctx = &s.versions;
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.fields.len() {
        let Some(test) = run_test(&s.fields[i], ctx) else {
            i += 1;
            continue;
        };
        let (mut last, mut count, mut j) = (i, 1, i + 1);
        while j < s.fields.len() {
            let f = &s.fields[j];
            if run_test(f, ctx).as_ref() == Some(&test) {
                last = j;
                count += 1;
            } else if !invisible(f, ctx) {
                break;
            }
            j += 1;
        }
        if count >= 2 {
            out.push((i, last));
        }
        i = last + 1;
    }
    out
}

/// The value of fixed-size field `f` from the bytes of its run, at `at`.
fn from_run(f: &FieldModel, at: usize) -> String {
    match f.ty {
        Ty::Uuid => format!("Uuid(chunk(&run, {at}))"),
        Ty::F64 => format!("f64::from_bits(u64::from_be_bytes(chunk(&run, {at})))"),
        Ty::ApiKey => format!("ApiKey(i16::from_be_bytes(chunk(&run, {at})))"),
        ref t => format!("{}::from_be_bytes(chunk(&run, {at}))", t.prim_name()),
    }
}

/// Reads fields `first..=last` (a run) with one bounds check.
fn emit_run(body: &mut Code, s: &StructModel, first: usize, last: usize) {
    let ctx = &s.versions;
    let fields: Vec<&FieldModel> = s.fields[first..=last]
        .iter()
        .filter(|f| !invisible(f, ctx))
        .collect();
    let total: usize = fields.iter().filter_map(|f| f.ty.fixed_size()).sum();
    let names: Vec<String> = fields
        .iter()
        .map(|f| format!("({:?}, {})", f.name, f.ty.fixed_size().unwrap_or(0)))
        .collect();
    let read = format!("let run = r.run::<{total}>(&[{}])?;", names.join(", "));
    let mut at = 0;
    let mut values = Vec::new();
    for f in &fields {
        values.push((local(f), from_run(f, at), f.default.clone()));
        at += f.ty.fixed_size().unwrap_or(0);
    }
    match fields[0].inline.test(ctx) {
        Test::When(t) => {
            let tuple = |xs: Vec<String>| format!("({})", xs.join(", "));
            body.open(format!(
                "let {} = if {t}",
                tuple(values.iter().map(|v| v.0.clone()).collect())
            ));
            body.line(read);
            body.line(tuple(values.iter().map(|v| v.1.clone()).collect()));
            body.reopen("else");
            body.line(tuple(values.iter().map(|v| v.2.clone()).collect()));
            body.close_with(";");
        }
        _ => {
            body.line(read);
            for (l, v, _) in values {
                body.line(format!("let {l} = {v};"));
            }
        }
    }
}

pub fn emit(c: &mut Code, m: &MessageModel, s: &StructModel) {
    let ctx = &s.versions;
    let flex = s.flexible.test(ctx);
    let tagged = s.tagged();
    let mut body = Code::at_depth(2);
    if s.tracks_nulls() {
        body.line("let mut nulls = 0u64;");
    }
    let runs = runs(s);
    let mut skip_to = 0;
    for (i, f) in s.fields.iter().enumerate() {
        if i < skip_to {
            continue;
        }
        if let Some(&(first, last)) = runs.iter().find(|r| r.0 == i) {
            emit_run(&mut body, s, first, last);
            skip_to = last + 1;
            continue;
        }
        let l = local(f);
        let mutable = if f.tagged.is_empty() { "" } else { "mut " };
        match f.inline.test(ctx) {
            Test::Never => {
                if !f.tagged.is_empty() {
                    body.line(format!("let mut {l} = {};", f.default));
                }
            }
            Test::Always => {
                let block = value_block(m, s, f, &f.inline);
                // `let x = ...; <bookkeeping on x>; x` needs no block of its own here.
                let flat = block.len() > 1 && block[0].starts_with(&format!("let {l} = "));
                if flat && mutable.is_empty() {
                    for line in &block[..block.len() - 1] {
                        body.line(line);
                    }
                } else {
                    assign(&mut body, &format!("let {mutable}{l} = "), block);
                }
            }
            Test::When(t) => {
                body.open(format!("let {mutable}{l} = if {t}"));
                for line in value_block(m, s, f, &f.inline) {
                    body.line(line);
                }
                body.reopen("else");
                body.line(&f.default);
                body.close_with(";");
            }
        }
    }
    let flex_ctx = s.flexible.clone();
    let has_flex = flex != Test::Never;
    let mut wire_parts = ("Vec::new()", "0", "0");
    if has_flex {
        if tagged.is_empty() {
            match &flex {
                Test::Always => body.line("let unknown = read_unknown_tags(r)?;"),
                Test::When(t) => {
                    body.line(format!(
                        "let unknown = if {t} {{ read_unknown_tags(r)? }} else {{ Vec::new() }};"
                    ));
                }
                Test::Never => {}
            }
        } else {
            body.line("let mut unknown = Vec::new();");
            body.line("let mut tags_present = 0u64;");
            if let Test::When(t) = &flex {
                body.open(format!("if {t}"));
            }
            body.line("let count = read_tag_count(r)?;");
            body.line("let mut last = None;");
            body.open("for _ in 0..count");
            body.line("let (tag, mut sub) = read_tag(r, &mut last)?;");
            body.open("match tag");
            for f in &tagged {
                let tag = f.tag.unwrap_or(0);
                let guard = match f.tagged.test(&flex_ctx) {
                    Test::Never => continue,
                    Test::Always => String::new(),
                    Test::When(t) => format!(" if {t}"),
                };
                body.open(format!("{tag}{guard} =>"));
                body.line("let r = &mut sub;");
                assign(
                    &mut body,
                    &format!("{} = ", local(f)),
                    value_block(m, s, f, &f.tagged),
                );
                body.line(format!("tag_end(r, tag).in_field({:?})?;", f.name));
                body.open(format!("if {}", f.is_default_at(&local(f))));
                body.line(format!("tags_present |= Self::{};", f.tag_const()));
                body.close();
                body.close();
            }
            body.line("_ => unknown.push(RawTaggedField { tag, data: sub.rest() }),");
            body.close();
            body.close();
            if let Test::When(_) = &flex {
                body.close();
            }
            wire_parts.1 = "tags_present";
        }
        wire_parts.0 = "unknown";
    }
    if s.tracks_nulls() {
        wire_parts.2 = "nulls";
    }
    let wire = if wire_parts == ("Vec::new()", "0", "0") {
        "Wire::default()".to_string()
    } else {
        format!(
            "wire_from({}, {}, {})",
            wire_parts.0, wire_parts.1, wire_parts.2
        )
    };
    body.open("Ok(Self");
    for f in &s.fields {
        let l = local(f);
        if f.inline.is_empty() && f.tagged.is_empty() {
            body.line(format!("{}: {},", f.ident, f.default));
        } else if l == f.ident {
            body.line(format!("{l},"));
        } else {
            body.line(format!("{}: {l},", f.ident));
        }
    }
    body.line(format!("wire: {wire},"));
    body.close_with(")");

    let uses_flexible = body.mentions("flexible");
    let uses_version = uses_flexible || body.mentions("version");
    let version = if uses_version { "version" } else { "_version" };
    if s.top {
        c.open(format!("impl {}", s.name));
        c.open(format!(
            "fn decode_fields(r: &mut Reader, {version}: i16) -> Result<Self, DecodeError>"
        ));
    } else {
        c.open(format!("impl Decode for {}", s.name));
        c.open(format!(
            "fn decode(r: &mut Reader, {version}: i16) -> Result<Self, DecodeError>"
        ));
    }
    if uses_flexible {
        if let Test::When(t) = &flex {
            c.line(format!("let flexible = {t};"));
        }
    }
    c.append(body);
    c.close();
    c.close();
    c.blank();
}
