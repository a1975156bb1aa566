//! Borrowed views (`src/generated/views/`, behind the `views` feature): for every struct of
//! every message a `<Struct>View<'a>` over the received bytes.
//!
//! `walk` follows the owned decoder step by step (same checks, same error kinds, paths and
//! offsets) but stores only where each field starts; accessors then read the field from there
//! without checks that can fail, and `to_owned` rebuilds the owned struct from the accessors
//! (with the same wire bookkeeping the owned decoder keeps).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::code::Code;
use super::decode::{compact_arg, local, paren};
use super::model::{FieldModel, MessageModel, StructModel, Ty};
use super::versions::{Test, VersionSet};
use super::HEADER;
use crate::schema::Kind;

/// Method names of a view; an accessor for a field of the same name gets a suffix.
const TAKEN: &[&str] = &[
    "parse",
    "version",
    "to_owned",
    "to_owned_from",
    "owned_with",
    "as_bytes",
    "tagged_fields",
    "absent",
    "walk",
    "read",
    "at_pos",
    "locate",
    "span",
];

pub(super) fn accessor(f: &FieldModel) -> String {
    if TAKEN.contains(&f.bare.as_str()) {
        format!("{}_field", f.bare)
    } else {
        f.ident.clone()
    }
}

pub(super) fn view_name(s: &str) -> String {
    format!("{s}View")
}

/// The element type of an array of `inner` in a view.
fn elem_ty(inner: &Ty) -> String {
    match inner {
        Ty::Str => "ViewStr<'a>".into(),
        Ty::Bytes | Ty::Records => "&'a [u8]".into(),
        Ty::Struct(s) => format!("{}<'a>", view_name(s)),
        Ty::Array(_) => "()".into(),
        prim => prim.rust(),
    }
}

/// The accessor's return type (without `Option`).
fn value_ty(ty: &Ty) -> String {
    match ty {
        Ty::Array(inner) => format!("ArrayView<'a, {}>", elem_ty(inner)),
        other => elem_ty(other),
    }
}

/// A field's default, as a view value.
fn view_default(f: &FieldModel) -> String {
    let d = f
        .default
        .replace("BytesStr::default()", "ViewStr::EMPTY")
        .replace("BytesStr::from_static(", "ViewStr::from_static(")
        .replace("Bytes::new()", "EMPTY_BYTES")
        .replace("Vec::new()", "ArrayView::empty(self.buf, self.version)");
    match &f.ty {
        Ty::Struct(s) => d.replace(
            &format!("{s}::default()"),
            &format!("{}::absent(self.buf, self.version)", view_name(s)),
        ),
        _ => d,
    }
}

/// Whether a view records the length of field values of type `ty` (strings, bytes, records,
/// arrays): its `at` is then where the data starts (after the length prefix) and `len` holds
/// the length or count, so that accessors do not decode the prefix again.
fn has_len(ty: &Ty) -> bool {
    matches!(ty, Ty::Str | Ty::Bytes | Ty::Records | Ty::Array(_))
}

/// The slot in `len` of field `i` of `s` (fields without a length have none).
fn len_slot(s: &StructModel, i: usize) -> Option<usize> {
    if !has_len(&s.fields[i].ty) {
        return None;
    }
    Some(s.fields[..i].iter().filter(|f| has_len(&f.ty)).count())
}

/// How many fields of `s` have a slot in `len`.
fn len_slots(s: &StructModel) -> usize {
    s.fields.iter().filter(|f| has_len(&f.ty)).count()
}

/// A version test inside an accessor (where `version` is bound to `self.version`).
fn cond(t: Test) -> (bool, Option<String>) {
    match t {
        Test::Always => (true, None),
        Test::Never => (false, None),
        Test::When(t) => (true, Some(t)),
    }
}

/// Statements that validate one value of `f` at the cursor `c`, where `version` is in
/// `within`, mirroring the owned decoder's `value_block`.
fn check_value(m: &MessageModel, s: &StructModel, i: usize, within: &VersionSet) -> Vec<String> {
    let f = &s.fields[i];
    let j = len_slot(s, i).unwrap_or(0);
    let compact = compact_arg(f, s, within);
    let name = &f.name;
    let at = format!(".map_err(|e| e.at({name:?}))?");
    let mut out = Vec::new();
    // `Some(expr)` when the value can be null: `expr` is a bool binding.
    let null: Option<&str> = match &f.ty {
        Ty::Str | Ty::Bytes | Ty::Records => {
            let read = if f.ty == Ty::Str { "str" } else { "bytes" };
            out.push(format!("let v = c.{read}({compact}){at};"));
            out.push(format!("at[{i}] = v.at;"));
            out.push(format!("len[{j}] = v.len;"));
            out.push(NULL_VAR.into());
            Some("null")
        }
        Ty::Struct(st) => {
            let v = view_name(st);
            match f.nullable.test(within) {
                Test::Never => {
                    out.push(format!("{v}::walk(c, version){at};"));
                    None
                }
                Test::Always => {
                    out.push(format!("let null = c.struct_marker(){at};"));
                    out.push(format!("if !null {{\n    {v}::walk(c, version){at};\n}}"));
                    Some("null")
                }
                Test::When(t) => {
                    out.push(format!(
                        "let null = if {t} {{\n    let null = c.struct_marker(){at};\n    if !null {{\n        {v}::walk(c, version){at};\n    }}\n    null\n}} else {{\n    {v}::walk(c, version){at};\n    false\n}};"
                    ));
                    Some("null")
                }
            }
        }
        Ty::Array(inner) => {
            let min = m.min_element_len(inner);
            let elem = match &**inner {
                Ty::Str => format!("c.str_element({compact})"),
                Ty::Bytes | Ty::Records => {
                    format!("c.bytes({compact}).and_then(|v| c.non_null(v.len == NONE))")
                }
                Ty::Struct(st) => format!("{}::walk(c, version).map(|_| ())", view_name(st)),
                Ty::Bool => "c.bool()".into(),
                prim => format!("c.skip({})", prim.fixed_size().unwrap_or(0)),
            };
            out.push(format!("let n = c.array({compact}, {min}){at};"));
            out.push(format!("at[{i}] = c.pos() as u32;"));
            out.push(format!(
                "let null = match n {{\n    Length::Null => true,\n    Length::Len(n) => {{\n        len[{j}] = n as u32;\n        for i in 0..n {{\n            {elem}.map_err(|e| e.at_index(i).at({name:?}))?;\n        }}\n        false\n    }}\n}};"
            ));
            Some("null")
        }
        Ty::Bool => {
            out.push(format!("c.bool(){at};"));
            None
        }
        prim => {
            out.push(format!("c.skip({}){at};", prim.fixed_size().unwrap_or(0)));
            None
        }
    };
    let Some(null) = null else { return out };
    null_bits(f, within, null, true, out)
}

/// The statement that binds `null` for a string or bytes value `v` just read.
const NULL_VAR: &str = "let null = v.len == NONE;";

/// `out` (statements that bind `null`) followed by the statements that record a null in
/// `nulls`, or refuse it (`refuse`: validation; otherwise the bytes are known valid).
fn null_bits(
    f: &FieldModel,
    within: &VersionSet,
    null: &str,
    refuse: bool,
    mut out: Vec<String>,
) -> Vec<String> {
    let quirk_unused = f.optional && f.null_quirk().intersect(within).test(within) == Test::Never;
    if quirk_unused || (!refuse && !f.optional && f.null_quirk().intersect(within).is_empty()) {
        // Null or not, nothing to remember: step over without binding the answer.
        if out.last().is_some_and(|l| l == NULL_VAR) {
            out.pop();
        } else if out.len() == 1
            || out
                .last()
                .is_some_and(|l| l.starts_with("let null = match n "))
        {
            let last = out.len() - 1;
            out[last] = out[last].replacen("let null = ", "", 1);
        }
        return out;
    }
    let quirk = f.null_quirk().intersect(within);
    let bit = format!("Self::{}", f.null_const());
    if f.optional {
        match quirk.test(within) {
            Test::Never => {}
            Test::Always => out.push(format!("if {null} {{\n    nulls |= {bit};\n}}")),
            Test::When(t) => out.push(format!(
                "if {null} && {} {{\n    nulls |= {bit};\n}}",
                paren(&t)
            )),
        }
    } else if quirk.is_empty() {
        out.push(format!(
            "if {null} {{\n    return Err(c.error(DecodeErrorKind::UnexpectedNull));\n}}"
        ));
    } else {
        out.push(format!("if {null} {{\n    nulls |= {bit};\n}}"));
    }
    out
}

/// Statements that step `pos` over one value of `f` in bytes already validated (no checks),
/// recording nulls as `check_value` does.
fn locate_value(s: &StructModel, i: usize, within: &VersionSet) -> Vec<String> {
    let f = &s.fields[i];
    let j = len_slot(s, i).unwrap_or(0);
    let compact = compact_arg(f, s, within);
    let mut out = Vec::new();
    let null: Option<&str> = match &f.ty {
        Ty::Str | Ty::Bytes | Ty::Records => {
            let wide = f.ty != Ty::Str;
            out.push(format!("let v = loc_var(buf, &mut p, {compact}, {wide});"));
            out.push(format!("at[{i}] = v.at;"));
            out.push(format!("len[{j}] = v.len;"));
            out.push(NULL_VAR.into());
            Some("null")
        }
        Ty::Struct(st) => {
            let v = view_name(st);
            let step = format!("p = {v}::skip(buf, p, version);");
            match f.nullable.test(within) {
                Test::Never => {
                    out.push(step);
                    None
                }
                Test::Always => {
                    out.push("let null = loc_marker(buf, &mut p);".into());
                    out.push(format!("if !null {{\n    {step}\n}}"));
                    Some("null")
                }
                Test::When(t) => {
                    out.push(format!(
                        "let null = if {t} {{\n    let null = loc_marker(buf, &mut p);\n    if !null {{\n        {step}\n    }}\n    null\n}} else {{\n    {step}\n    false\n}};"
                    ));
                    Some("null")
                }
            }
        }
        Ty::Array(inner) => {
            let each = match &**inner {
                Ty::Str => Some(format!("loc_str(buf, &mut p, {compact});")),
                Ty::Bytes | Ty::Records => Some(format!("loc_bytes(buf, &mut p, {compact});")),
                Ty::Struct(st) => Some(format!("p = {}::skip(buf, p, version);", view_name(st))),
                _ => None,
            };
            let body = match each {
                Some(each) => format!("for _ in 0..n {{\n        {each}\n    }}"),
                None => {
                    let size = match &**inner {
                        Ty::Bool => 1,
                        prim => prim.fixed_size().unwrap_or(0),
                    };
                    format!("loc_fixed(&mut p, n, {size});")
                }
            };
            out.push(format!("let n = loc_array(buf, &mut p, {compact});"));
            out.push(format!("at[{i}] = p as u32;"));
            out.push(format!(
                "let null = match n {{\n    None => true,\n    Some(n) => {{\n        len[{j}] = n as u32;\n        {body}\n        false\n    }}\n}};"
            ));
            Some("null")
        }
        Ty::Bool => {
            out.push("p = p.wrapping_add(1);".into());
            None
        }
        prim => {
            out.push(format!(
                "p = p.wrapping_add({});",
                prim.fixed_size().unwrap_or(0)
            ));
            None
        }
    };
    let Some(null) = null else { return out };
    null_bits(f, within, null, false, out)
}

/// `locate`: the view of bytes `walk` has already accepted, found without checks, each nested
/// array stepped over once (fixed-size elements in one step).
fn emit_locate(c: &mut Code, s: &StructModel) {
    let ctx = &s.versions;
    let flex = s.flexible.test(ctx);
    let n = s.fields.len();
    let mut body = Code::at_depth(2);
    body.line("let mut p = *pos;");
    body.line("let start = p as u32;");
    if n > 0 {
        body.line(format!("let mut at = [NONE; {n}];"));
    }
    if len_slots(s) > 0 {
        body.line(format!("let mut len = [NONE; {}];", len_slots(s)));
    }
    if s.tracks_nulls() {
        body.line("let mut nulls = 0u64;");
    }
    for (i, f) in s.fields.iter().enumerate() {
        match f.inline.test(ctx) {
            Test::Never => {}
            Test::Always => {
                if !has_len(&f.ty) {
                    body.line(format!("at[{i}] = p as u32;"));
                }
                for l in locate_value(s, i, &f.inline) {
                    body.line(l);
                }
            }
            Test::When(t) => {
                body.open(format!("if {t}"));
                if !has_len(&f.ty) {
                    body.line(format!("at[{i}] = p as u32;"));
                }
                for l in locate_value(s, i, &f.inline) {
                    body.line(l);
                }
                body.close();
            }
        }
    }
    let has_flex = flex != Test::Never;
    if has_flex {
        let tagged = s.tagged();
        match &flex {
            Test::When(t) => body.open(format!("let tags = if {t}")),
            _ => body.open("let tags ="),
        }
        body.line("let tags = p as u32;");
        let arms: Vec<(usize, &FieldModel, Option<String>)> = tagged
            .iter()
            .filter_map(|f| {
                let i = s.fields.iter().position(|x| x.name == f.name)?;
                match f.tagged.test(&s.flexible) {
                    Test::Never => None,
                    Test::Always => Some((i, *f, None)),
                    Test::When(t) => Some((i, *f, Some(t))),
                }
            })
            .collect();
        if arms.is_empty() {
            // No known tag: only the end matters (rarely any tag, stepped over out of line).
            body.line("loc_tags(buf, &mut p);");
        } else {
            body.line("let count = loc_uvarint(buf, &mut p);");
            body.open("for _ in 0..count");
            body.line("let (tag, value) = loc_tag(buf, &mut p);");
            let single = arms.len() == 1;
            if !single {
                body.open("match tag");
            }
            for (i, f, guard) in &arms {
                let tag = f.tag.unwrap_or(0);
                if single {
                    match guard {
                        Some(t) => body.open(format!("if tag == {tag} && {}", paren(t))),
                        None => body.open(format!("if tag == {tag}")),
                    }
                } else {
                    match guard {
                        Some(t) => body.open(format!("{tag} if {t} =>")),
                        None => body.open(format!("{tag} =>")),
                    }
                }
                body.line("let mut p = value;");
                if !has_len(&f.ty) {
                    body.line(format!("at[{i}] = p as u32;"));
                }
                for l in locate_value(s, *i, &f.tagged) {
                    body.line(l);
                }
                body.line("let _ = p;");
                body.close();
            }
            if !single {
                body.line("_ => {}");
                body.close();
            }
            body.close();
        }
        body.line("tags");
        match &flex {
            Test::When(_) => {
                body.reopen("else");
                body.line("NONE");
                body.close_with(";");
            }
            _ => body.close_with(";"),
        }
    }
    body.open("let view = Self");
    body.line("buf,");
    body.line("version,");
    body.line(if n > 0 { "at," } else { "at: []," });
    if len_slots(s) > 0 {
        body.line("len,");
    }
    if has_flex {
        body.line("tags,");
    }
    if s.tracks_nulls() {
        body.line("nulls,");
    }
    body.line("start,");
    body.line("end: p as u32,");
    body.close_with(";");
    body.line("*pos = p;");
    body.line("view");
    c.line("/// The view of bytes `walk` accepted at `*pos`, found without checks; moves past it.");
    c.line("#[inline(always)]");
    c.open("pub(crate) fn locate(buf: &'a [u8], pos: &mut usize, version: i16) -> Self");
    if body.mentions("flexible") {
        if let Test::When(t) = &flex {
            c.line(format!("let flexible = {t};"));
        }
    }
    c.append(body);
    c.close();
    c.blank();
}

/// Statements that step `p` over one value of `f` (validated bytes, nothing recorded).
fn skip_value(s: &StructModel, f: &FieldModel, within: &VersionSet) -> Vec<String> {
    let compact = compact_arg(f, s, within);
    match &f.ty {
        Ty::Str => vec![format!("loc_str(buf, &mut p, {compact});")],
        Ty::Bytes | Ty::Records => vec![format!("loc_bytes(buf, &mut p, {compact});")],
        Ty::Struct(st) => {
            let step = format!("p = {}::skip(buf, p, version);", view_name(st));
            match f.nullable.test(within) {
                Test::Never => vec![step],
                Test::Always => vec![format!("if !loc_marker(buf, &mut p) {{\n    {step}\n}}")],
                Test::When(t) => vec![format!(
                    "if !({t}) || !loc_marker(buf, &mut p) {{\n    {step}\n}}"
                )],
            }
        }
        Ty::Array(inner) => {
            let body = match &**inner {
                Ty::Str => {
                    format!("for _ in 0..n {{\n        loc_str(buf, &mut p, {compact});\n    }}")
                }
                Ty::Bytes | Ty::Records => {
                    format!("for _ in 0..n {{\n        loc_bytes(buf, &mut p, {compact});\n    }}")
                }
                Ty::Struct(st) => format!(
                    "for _ in 0..n {{\n        p = {}::skip(buf, p, version);\n    }}",
                    view_name(st)
                ),
                other => format!("loc_fixed(&mut p, n, {});", fixed_width(other)),
            };
            vec![format!(
                "if let Some(n) = loc_array(buf, &mut p, {compact}) {{\n    {body}\n}}"
            )]
        }
        other => vec![format!("p = p.wrapping_add({});", fixed_width(other))],
    }
}

/// Bytes of a fixed-size value (`bool` included).
fn fixed_width(ty: &Ty) -> usize {
    match ty {
        Ty::Bool => 1,
        prim => prim.fixed_size().unwrap_or(0),
    }
}

/// `skip`: steps over a nested struct of bytes `walk` accepted, recording nothing (what a
/// parent's `locate` does for the structs it holds; tagged fields are jumped by their size).
/// Fixed-size fields next to each other are one addition.
fn emit_skip(c: &mut Code, s: &StructModel) {
    let ctx = &s.versions;
    let flex = s.flexible.test(ctx);
    let mut body = Code::at_depth(2);
    // Bytes of fixed-size fields seen and not yet added to `p`.
    let mut pending = 0usize;
    let flush = |body: &mut Code, pending: &mut usize| {
        if *pending > 0 {
            body.line(format!("p = p.wrapping_add({pending});"));
            *pending = 0;
        }
    };
    for f in &s.fields {
        match f.inline.test(ctx) {
            Test::Never => {}
            Test::Always => {
                if f.ty.fixed_size().is_some() {
                    pending += fixed_width(&f.ty);
                    continue;
                }
                flush(&mut body, &mut pending);
                for l in skip_value(s, f, &f.inline) {
                    body.line(l);
                }
            }
            Test::When(t) => {
                flush(&mut body, &mut pending);
                let lines = skip_value(s, f, &f.inline);
                // One `if` inside the version test: one `if` with both conditions.
                let nested_if = match lines.as_slice() {
                    [one] if one.starts_with("if !") => one[3..].split_once(" {\n"),
                    _ => None,
                };
                match nested_if {
                    Some((cond, rest)) => {
                        body.line(format!("if {} && {} {{\n{rest}", paren(&t), paren(cond)))
                    }
                    None => {
                        body.open(format!("if {t}"));
                        for l in lines {
                            body.line(l);
                        }
                        body.close();
                    }
                }
            }
        }
    }
    flush(&mut body, &mut pending);
    match &flex {
        Test::Never => {}
        Test::Always => body.line("loc_tags(buf, &mut p);"),
        Test::When(t) => {
            body.open(format!("if {t}"));
            body.line("loc_tags(buf, &mut p);");
            body.close();
        }
    }
    body.line("p");
    c.line("/// Steps over this struct at `p` in bytes `walk` accepted, recording nothing; where it ends.");
    c.line("#[inline(always)]");
    let uses = body.mentions("version");
    c.open(format!(
        "pub(crate) fn skip(buf: &'a [u8], p: usize, {}: i16) -> usize",
        if uses { "version" } else { "_version" }
    ));
    if body.mentions("flexible") {
        if let Test::When(t) = &flex {
            c.line(format!("let flexible = {t};"));
        }
    }
    if !body.mentions("buf") {
        c.line("let _ = buf;");
    }
    if body.text().contains("p = ") || body.text().contains("&mut p") {
        c.line("let mut p = p;");
    }
    c.append(body);
    c.close();
    c.blank();
}

fn emit_walk(c: &mut Code, m: &MessageModel, s: &StructModel) {
    let ctx = &s.versions;
    let flex = s.flexible.test(ctx);
    let n = s.fields.len();
    let mut body = Code::at_depth(2);
    body.line("let start = c.pos() as u32;");
    if n > 0 {
        body.line(format!("let mut at = [NONE; {n}];"));
    }
    if len_slots(s) > 0 {
        body.line(format!("let mut len = [NONE; {}];", len_slots(s)));
    }
    if s.tracks_nulls() {
        body.line("let mut nulls = 0u64;");
    }
    for (i, f) in s.fields.iter().enumerate() {
        match f.inline.test(ctx) {
            Test::Never => {}
            Test::Always => {
                if !has_len(&f.ty) {
                    body.line(format!("at[{i}] = c.pos() as u32;"));
                }
                for l in check_value(m, s, i, &f.inline) {
                    body.line(l);
                }
            }
            Test::When(t) => {
                body.open(format!("if {t}"));
                if !has_len(&f.ty) {
                    body.line(format!("at[{i}] = c.pos() as u32;"));
                }
                for l in check_value(m, s, i, &f.inline) {
                    body.line(l);
                }
                body.close();
            }
        }
    }
    let has_flex = flex != Test::Never;
    if has_flex {
        let tagged = s.tagged();
        match &flex {
            Test::When(t) => body.open(format!("let tags = if {t}")),
            _ => body.open("let tags ="),
        }
        body.line("let tags = c.pos() as u32;");
        body.line("let count = c.tag_count()?;");
        body.line("let mut last = None;");
        body.open("for _ in 0..count");
        if tagged.is_empty() {
            body.line("c.tag(&mut last)?;");
        } else {
            body.line("let (tag, mut sub) = c.tag(&mut last)?;");
            // (field index, tag, version guard) of each tag known in some flexible version.
            let arms: Vec<(usize, &FieldModel, Option<String>)> = tagged
                .iter()
                .filter_map(|f| {
                    let i = s.fields.iter().position(|x| x.name == f.name)?;
                    match f.tagged.test(&s.flexible) {
                        Test::Never => None,
                        Test::Always => Some((i, *f, None)),
                        Test::When(t) => Some((i, *f, Some(t))),
                    }
                })
                .collect();
            let single = arms.len() == 1;
            if !single {
                body.open("match tag");
            }
            for (i, f, guard) in &arms {
                let tag = f.tag.unwrap_or(0);
                if single {
                    match guard {
                        Some(t) => body.open(format!("if tag == {tag} && {}", paren(t))),
                        None => body.open(format!("if tag == {tag}")),
                    }
                } else {
                    match guard {
                        Some(t) => body.open(format!("{tag} if {t} =>")),
                        None => body.open(format!("{tag} =>")),
                    }
                }
                body.line("let c = &mut sub;");
                body.line("let payload = c.pos();");
                if !has_len(&f.ty) {
                    body.line(format!("at[{i}] = payload as u32;"));
                }
                for l in check_value(m, s, *i, &f.tagged) {
                    body.line(l);
                }
                body.line(format!(
                    "c.tag_end(payload, tag).map_err(|e| e.at({:?}))?;",
                    f.name
                ));
                body.close();
            }
            if !single {
                body.line("_ => {}");
                body.close();
            }
        }
        body.close();
        body.line("tags");
        match &flex {
            Test::When(_) => {
                body.reopen("else");
                body.line("NONE");
                body.close_with(";");
            }
            _ => body.close_with(";"),
        }
    }
    body.open("Ok(Self");
    body.line("buf: c.buf(),");
    body.line("version,");
    body.line(if n > 0 { "at," } else { "at: []," });
    if len_slots(s) > 0 {
        body.line("len,");
    }
    if has_flex {
        body.line("tags,");
    }
    if s.tracks_nulls() {
        body.line("nulls,");
    }
    body.line("start,");
    body.line("end: c.pos() as u32,");
    body.close_with(")");
    c.open("pub(crate) fn walk(c: &mut ViewCursor<'a>, version: i16) -> Result<Self, DecodeError>");
    if body.mentions("flexible") {
        if let Test::When(t) = &flex {
            c.line(format!("let flexible = {t};"));
        }
    }
    c.append(body);
    c.close();
    c.blank();
}

/// Whether reading field `f` at `ABSENT` (past the end of any input a view accepts) gives its
/// default already, so that its accessor needs no test for a field the bytes do not hold:
/// integers read past the end are 0, strings, bytes and arrays fall back to the default.
fn reads_default_when_absent(f: &FieldModel) -> bool {
    let d = view_default(f);
    match &f.ty {
        Ty::Struct(_) => false,
        Ty::Str | Ty::Bytes | Ty::Records | Ty::Array(_) => !f.optional || d == "None",
        Ty::Bool => d == "false",
        Ty::Uuid => d == "Uuid::NIL",
        Ty::F64 => d == "0.0",
        Ty::ApiKey => d == "ApiKey(0)",
        _ => d == "0",
    }
}

/// The accessor of field `i`.
fn emit_accessor(c: &mut Code, s: &StructModel, i: usize, f: &FieldModel) {
    let vt = value_ty(&f.ty);
    let ret = if f.optional {
        format!("Option<{vt}>")
    } else {
        vt
    };
    let mut body = Code::at_depth(2);
    let absent_test = !reads_default_when_absent(f);
    if absent_test || !has_len(&f.ty) {
        body.line(format!("let at = self.at[{i}] as usize;"));
    }
    if absent_test {
        body.open("if at == ABSENT");
        body.line(format!("return {};", view_default(f)));
        body.close();
    }
    let compact = match f.compact.test(&f.present) {
        Test::Always => "true".to_string(),
        Test::Never => "false".to_string(),
        Test::When(t) => t,
    };
    let wrap = |e: String| {
        if f.optional {
            format!("Some({e})")
        } else {
            e
        }
    };
    match &f.ty {
        Ty::Str | Ty::Bytes | Ty::Records | Ty::Array(_) => {
            let j = len_slot(s, i).unwrap_or(0);
            let (at, len) = (format!("self.at[{i}]"), format!("self.len[{j}]"));
            let get = match &f.ty {
                Ty::Str => format!("get_str(self.buf, {at}, {len})"),
                Ty::Array(inner) => {
                    // Only strings and bytes elements read a length prefix of their own.
                    let compact = match &**inner {
                        Ty::Str | Ty::Bytes | Ty::Records => compact.as_str(),
                        _ => "false",
                    };
                    format!("get_array(self.buf, {at}, {len}, {compact}, self.version)")
                }
                _ => format!("get_bytes(self.buf, {at}, {len})"),
            };
            if f.optional {
                body.line(get);
            } else {
                body.line(format!("{get}.unwrap_or({})", view_default(f)));
            }
        }
        Ty::Struct(st) => {
            let v = view_name(st);
            let present = format!("{v}::at_pos(self.buf, at, self.version)");
            let after_marker = format!("{v}::at_pos(self.buf, at + 1, self.version)");
            let marked = format!(
                "if marker_is_null(self.buf, at) {{\n    None\n}} else {{\n    Some({after_marker})\n}}"
            );
            match (f.nullable.test(&f.present), f.optional) {
                (Test::Never, _) => body.line(wrap(present)),
                (Test::Always, true) => body.line(marked),
                (Test::When(t), true) => {
                    body.line(format!(
                        "if {t} {{\n    {}\n}} else {{\n    Some({present})\n}}",
                        marked.replace('\n', "\n    ")
                    ));
                }
                // Nullable but not optional cannot happen (nullable makes the field optional).
                (_, false) => body.line(present),
            }
        }
        prim => body.line(wrap(format!("get_{}(self.buf, at)", prim.prim_name()))),
    }
    // What the field means, then its wire facts (which may span lines, each with its `///`).
    if let Some(d) = &f.description {
        c.line(format!("/// {d}"));
        c.line("///");
    }
    for l in f.doc.lines() {
        c.line(format!("/// {l}").trim_end());
    }
    c.line("#[inline]");
    c.open(format!("pub fn {}(&self) -> {ret}", accessor(f)));
    if uses_version(&body) {
        c.line("let version = self.version;");
    }
    c.append(body);
    c.close();
    c.blank();
}

/// For each struct, by version: how many tagged fields enclose it (`u8::MAX` when that
/// depends on which field holds it).
type Depths = HashMap<String, BTreeMap<i16, u8>>;

fn tag_depths(m: &MessageModel) -> Depths {
    fn visit(m: &MessageModel, s: &StructModel, v: i16, d: u8, out: &mut Depths) {
        let e = out.entry(s.name.clone()).or_default().entry(v).or_insert(d);
        if *e != d {
            *e = u8::MAX;
        }
        for f in s.fields.iter().filter(|f| f.present.contains(v)) {
            let child = match &f.ty {
                Ty::Struct(n) => n,
                Ty::Array(inner) => match &**inner {
                    Ty::Struct(n) => n,
                    _ => continue,
                },
                _ => continue,
            };
            let d = if f.tagged.contains(v) {
                d.saturating_add(1)
            } else {
                d
            };
            if let Some(c) = m.structs.iter().find(|x| &x.name == child) {
                visit(m, c, v, d, out);
            }
        }
    }
    let mut out = Depths::new();
    for s in m.structs.iter().filter(|s| s.top) {
        for v in s.versions.iter() {
            visit(m, s, v, 0, &mut out);
        }
    }
    out
}

/// The number of tagged fields around struct `s` in `version`, as a `u8` expression.
fn depth_expr(s: &StructModel, depths: &Depths) -> String {
    let mut by_depth: BTreeMap<u8, VersionSet> = BTreeMap::new();
    for (&v, &d) in depths.get(&s.name).into_iter().flatten() {
        let set = by_depth.entry(d).or_insert_with(VersionSet::empty);
        *set = set.union(&VersionSet::range(v, v));
    }
    by_depth.remove(&0);
    let mut expr = "0".to_string();
    for (d, set) in by_depth.iter().rev() {
        let d = if *d == u8::MAX {
            "u8::MAX".to_string()
        } else {
            d.to_string()
        };
        expr = match set.test(&s.versions) {
            Test::Never => expr,
            Test::Always => d,
            Test::When(t) => format!("if {t} {{ {d} }} else {{ {expr} }}"),
        };
    }
    expr
}

/// The `FixedType` variant (in `src/views/splice.rs`) of a fixed-width type.
pub(super) fn fixed_type(ty: &Ty) -> Option<&'static str> {
    Some(match ty {
        Ty::Bool => "Bool",
        Ty::I8 => "Int8",
        Ty::I16 | Ty::ApiKey => "Int16",
        Ty::U16 => "Uint16",
        Ty::I32 => "Int32",
        Ty::U32 => "Uint32",
        Ty::I64 => "Int64",
        Ty::F64 => "Float64",
        Ty::Uuid => "Uuid",
        Ty::Str | Ty::Bytes | Ty::Records | Ty::Struct(_) | Ty::Array(_) => return None,
    })
}

/// `<field>_span`: where a scalar field lies, for `Splice` (strings, bytes, fixed-width).
fn emit_span(c: &mut Code, s: &StructModel, i: usize, depth: &str) {
    let f = &s.fields[i];
    let name = &f.name;
    let test = |set: &VersionSet| match set.test(&f.present) {
        Test::Always => "true".to_string(),
        Test::Never => "false".to_string(),
        Test::When(t) => t,
    };
    let call = match &f.ty {
        Ty::Str | Ty::Bytes => {
            let depth = match (depth, f.tagged.test(&f.present)) {
                (d, Test::Never) => d.to_string(),
                ("0", Test::Always) => "1".to_string(),
                ("0", Test::When(t)) => format!("u8::from({t})"),
                (d, Test::Always) => format!("({d}).saturating_add(1)"),
                (d, Test::When(t)) => format!("({d}).saturating_add(u8::from({t}))"),
            };
            // The span starts at the length prefix: found back from where the data starts.
            let j = len_slot(s, i).unwrap_or(0);
            let compact = test(&f.compact);
            let wide = f.ty != Ty::Str;
            format!(
                "span_{}(self.buf, prefix_at(self.at[{i}], self.len[{j}], {compact}, {wide}), {name:?}, {compact}, {}, {depth})",
                if f.ty == Ty::Str { "str" } else { "bytes" },
                test(&f.nullable)
            )
        }
        ty => {
            let Some(fixed) = fixed_type(ty) else { return };
            format!("span_fixed(self.buf, self.at[{i}] as usize, {name:?}, FixedType::{fixed})")
        }
    };
    c.line(format!(
        "/// Where `{name}` lies in the parsed bytes, for a [`Splice`]; `None` when absent."
    ));
    c.open(format!(
        "pub fn {}_span(&self) -> Option<FieldSpan<'a>>",
        accessor(f)
    ));
    let mut probe = Code::new();
    probe.line(call.replace("self.version", "self.v"));
    if probe.mentions("version") {
        c.line("let version = self.version;");
    }
    c.line(call);
    c.close();
    c.blank();
}

/// Whether generated code uses a local `version` (not just `self.version`).
fn uses_version(body: &Code) -> bool {
    let mut probe = Code::new();
    probe.line(body.text().replace("self.version", "self.v"));
    probe.mentions("version")
}

/// The owned value of field `f` from its accessor's value `v`, strings, bytes and records
/// taken through `src` (a `Src`: copied, or sliced out of the source `Bytes`).
fn to_owned_expr(f: &FieldModel, v: &str) -> String {
    let one = |ty: &Ty, x: &str| -> String {
        match ty {
            Ty::Str => format!("src.str({x}.as_bytes())"),
            Ty::Bytes | Ty::Records => format!("src.bytes({x})"),
            Ty::Struct(_) => format!("{x}.owned_with(src)"),
            Ty::Array(inner) => match &**inner {
                Ty::Str => format!("{x}.map_vec(|x| src.str(x.as_bytes()))"),
                Ty::Bytes | Ty::Records => format!("{x}.map_vec(|x| src.bytes(x))"),
                Ty::Struct(_) => format!("{x}.map_vec(|x| x.owned_with(src))"),
                _ => format!("{x}.map_vec(|x| x)"),
            },
            _ => x.to_string(),
        }
    };
    if f.optional && !matches!(f.ty, Ty::Bool) && f.ty.fixed_size().is_none() {
        let inner = one(&f.ty, "v");
        if inner == "v" {
            v.to_string()
        } else {
            format!("{v}.map(|v| {inner})")
        }
    } else {
        one(&f.ty, v)
    }
}

fn emit_to_owned(c: &mut Code, s: &StructModel) {
    let mut body = Code::at_depth(2);
    for f in &s.fields {
        let l = local(f);
        let ty = if f.optional {
            format!("Option<{}>", f.ty.rust())
        } else {
            f.ty.rust()
        };
        body.line(format!(
            "let {l}: {ty} = {};",
            to_owned_expr(f, &format!("self.{}()", accessor(f)))
        ));
    }
    let tagged = s.tagged();
    let tags_present = if tagged.is_empty() {
        "0"
    } else {
        body.line("let mut tags_present = 0u64;");
        for f in &tagged {
            let i = s.fields.iter().position(|x| x.name == f.name).unwrap_or(0);
            let (possible, test) = cond(f.tagged.test(&s.versions));
            if !possible {
                continue;
            }
            let mut conds = Vec::new();
            if let Some(t) = test {
                conds.push(paren(&t));
            }
            conds.push(format!("self.at[{i}] != NONE"));
            conds.push(paren(&f.is_default_at(&local(f))));
            body.open(format!("if {}", conds.join(" && ")));
            body.line(format!("tags_present |= 1 << {};", f.tag.unwrap_or(0)));
            body.close();
        }
        "tags_present"
    };
    let unknown = if s.flexible.is_empty() {
        "Vec::new()".to_string()
    } else {
        let mut known = Vec::new();
        for f in &tagged {
            let tag = f.tag.unwrap_or(0);
            match f.tagged.test(&s.flexible) {
                Test::Never => {}
                Test::Always => known.push(format!("tag == {tag}")),
                Test::When(t) => known.push(format!("tag == {tag} && {}", paren(&t))),
            }
        }
        if known.is_empty() {
            "unknown_tags(src, self.buf, self.tags as usize, |_| false)".to_string()
        } else {
            format!(
                "unknown_tags(src, self.buf, self.tags as usize, |tag| {})",
                known.join(" || ")
            )
        }
    };
    let nulls = if s.tracks_nulls() { "self.nulls" } else { "0" };
    body.open(&s.name);
    for f in &s.fields {
        let l = local(f);
        if l == f.ident {
            body.line(format!("{l},"));
        } else {
            body.line(format!("{}: {l},", f.ident));
        }
    }
    body.line(format!(
        "wire: Wire::from_parts({unknown}, {tags_present}, {nulls}),"
    ));
    body.close();
    let n = &s.name;
    c.line(format!(
        "/// The owned [`{n}`]: what the owned decoder returns for the same bytes (strings and bytes copied)."
    ));
    c.open(format!("pub fn to_owned(&self) -> {n}"));
    c.line("self.owned_with(Src::COPY)");
    c.close();
    c.blank();
    c.line(format!(
        "/// The owned [`{n}`], strings and bytes sliced out of `src` (the `Bytes` parsed) without copying."
    ));
    c.open(format!("pub fn to_owned_from(&self, src: &Bytes) -> {n}"));
    c.line("self.owned_with(Src::from(src))");
    c.close();
    c.blank();
    // A struct of numbers only (no strings, bytes, structs or tagged fields) needs no source.
    let src = if body.mentions("src") { "src" } else { "_" };
    c.open(format!(
        "pub(crate) fn owned_with(&self, {src}: Src<'_>) -> {n}"
    ));
    if uses_version(&body) {
        c.line("let version = self.version;");
    }
    c.append(body);
    c.close();
    c.blank();
}

/// Whether some field of the message holds `name` directly (not in an array): its view then
/// needs `absent` (the default) and `at_pos`.
/// Whether a struct other than the message's own holds `name` (directly or in an array), so
/// that its `locate` or `skip` steps over it.
fn stepped_over(m: &MessageModel, name: &str) -> bool {
    m.structs
        .iter()
        .filter(|s| !s.top)
        .flat_map(|s| &s.fields)
        .any(|f| match &f.ty {
            Ty::Struct(n) => n == name,
            Ty::Array(inner) => matches!(&**inner, Ty::Struct(n) if n == name),
            _ => false,
        })
}

fn held_directly(m: &MessageModel, name: &str) -> bool {
    m.structs
        .iter()
        .flat_map(|s| &s.fields)
        .any(|f| matches!(&f.ty, Ty::Struct(n) if n == name))
}

/// `absent` (every field at its default) and `at_pos` (the view at a validated position).
fn emit_absent(c: &mut Code, m: &MessageModel, s: &StructModel) {
    let n = s.fields.len();
    // `absent` is the default of a field that holds the struct and can be missing (not of
    // one that can be null, whose default is `None`).
    let absent = format!("{}::absent(", view_name(&s.name));
    let used = m.structs.iter().flat_map(|s| &s.fields).any(|f| {
        matches!(&f.ty, Ty::Struct(n) if *n == s.name) && view_default(f).contains(&absent)
    });
    if used {
        emit_absent_fn(c, s, n);
    }
    c.line("/// The view of validated bytes at `pos`.");
    c.line("#[inline]");
    c.open("pub(crate) fn at_pos(buf: &'a [u8], pos: usize, version: i16) -> Self");
    c.line("Self::locate(buf, &mut { pos }, version)");
    c.close();
    c.blank();
}

fn emit_absent_fn(c: &mut Code, s: &StructModel, n: usize) {
    c.line("/// A view in which every field holds its default.");
    c.open("pub(crate) fn absent(buf: &'a [u8], version: i16) -> Self");
    c.open("Self");
    c.line("buf,");
    c.line("version,");
    c.line(format!("at: [NONE; {n}],"));
    if len_slots(s) > 0 {
        c.line(format!("len: [NONE; {}],", len_slots(s)));
    }
    if !s.flexible.is_empty() {
        c.line("tags: NONE,");
    }
    if s.tracks_nulls() {
        c.line("nulls: 0,");
    }
    c.line("start: 0,");
    c.line("end: 0,");
    c.close();
    c.close();
    c.blank();
}

fn emit_struct(c: &mut Code, m: &MessageModel, s: &StructModel, depths: &Depths) {
    let v = view_name(&s.name);
    let n = s.fields.len();
    let has_flex = !s.flexible.is_empty();
    let what = if s.top {
        format!(
            "A borrowed, validated view of a [`{n}`] (versions {}).",
            s.versions.render(),
            n = s.name
        )
    } else {
        format!(
            "A borrowed view of a [`{n}`], part of [`{m}View`] (versions {}).",
            s.versions.render(),
            n = s.name,
            m = m.name
        )
    };
    c.line(format!("/// {what}"));
    c.line("#[derive(Clone)]");
    c.open(format!("pub struct {v}<'a>"));
    c.line("buf: &'a [u8],");
    c.line("version: i16,");
    c.line("/// Where each field starts (`NONE` when the version does not carry it); for strings,");
    c.line("/// bytes and arrays, where their data starts, after the length prefix.");
    c.line(format!("at: [u32; {n}],"));
    if len_slots(s) > 0 {
        c.line("/// The length (or count) of each string, bytes and array field, in field order");
        c.line("/// (`NONE`: null, or not carried).");
        c.line(format!("len: [u32; {}],", len_slots(s)));
    }
    if has_flex {
        c.line("/// Where the tagged-field section starts (`NONE` in non-flexible versions).");
        c.line("tags: u32,");
    }
    if s.tracks_nulls() {
        c.line("/// Nulls seen in fields the schema says are not nullable (bit = field position).");
        c.line("nulls: u64,");
    }
    c.line("start: u32,");
    c.line("end: u32,");
    c.close();
    c.blank();

    c.open(format!("impl<'a> {v}<'a>"));
    for f in s.fields.iter().filter(|f| !f.null_quirk().is_empty()) {
        c.line(format!("const {}: u64 = 1 << {};", f.null_const(), f.index));
    }
    if held_directly(m, &s.name) {
        emit_absent(c, m, s);
    }
    emit_walk(c, m, s);
    // The message's own struct is never an element or a field of another: it is only ever
    // validated (`walk`), so it has no `locate`, and a struct is skipped only by the `locate`
    // or `skip` of a parent that is not the message itself.
    if !s.top {
        emit_locate(c, s);
    }
    if stepped_over(m, &s.name) {
        emit_skip(c, s);
    }
    if s.top {
        let (min, max) = (m.min_version(), m.max_version());
        let name = &m.name;
        c.line(format!(
            "/// Validates `buf` as a whole `{name}` of `version` (every byte must belong to it)"
        ));
        c.line("/// and returns its view. Fails as the owned decoder does, with the same error.");
        c.open("pub fn parse(buf: &'a [u8], version: i16) -> Result<Self, DecodeError>");
        c.line("let mut c = ViewCursor::new(buf, 0);");
        c.line("let v = Self::read(&mut c, version)?;");
        c.line(format!(
            "c.trailing().map_err(|e| e.in_message({name:?}, version))?;"
        ));
        c.line("Ok(v)");
        c.close();
        c.blank();
        c.line("/// Validates the message at the cursor, leaving what follows.");
        c.open(
            "pub(crate) fn read(c: &mut ViewCursor<'a>, version: i16) -> Result<Self, DecodeError>",
        );
        c.line(format!(
            "check_size(c).map_err(|e| e.in_message({name:?}, version))?;"
        ));
        c.open(format!("if !({min}..={max}).contains(&version)"));
        c.line(format!(
            "return Err(unsupported(c.pos(), version, {min}, {max}).in_message({name:?}, version));"
        ));
        c.close();
        c.line(format!(
            "Self::walk(c, version).map_err(|e| e.in_message({name:?}, version))"
        ));
        c.close();
        c.blank();
    }
    c.line("/// The version the bytes were validated for.");
    c.open("pub fn version(&self) -> i16");
    c.line("self.version");
    c.close();
    c.blank();
    c.line("/// The bytes of this struct, exactly as received.");
    c.open("pub fn as_bytes(&self) -> &'a [u8]");
    c.line("self.buf.get(self.start as usize..self.end as usize).unwrap_or_default()");
    c.close();
    c.blank();
    if has_flex {
        c.line(
            "/// The tagged fields sent with this struct, known and unknown, as `(tag, payload)`.",
        );
        c.open("pub fn tagged_fields(&self) -> TaggedFields<'a>");
        c.line("TaggedFields::at(self.buf, self.tags as usize)");
        c.close();
        c.blank();
    }
    let depth = depth_expr(s, depths);
    for (i, f) in s.fields.iter().enumerate() {
        emit_accessor(c, s, i, f);
        emit_span(c, s, i, &depth);
    }
    emit_to_owned(c, s);
    c.close();
    c.blank();

    if !s.top {
        c.open(format!("impl<'a> ViewElement<'a> for {v}<'a>"));
        c.line("#[inline(always)]");
        c.open(
            "fn read_element(buf: &'a [u8], pos: &mut usize, version: i16, _: bool) -> Option<Self>",
        );
        c.line("Some(Self::locate(buf, pos, version))");
        c.close();
        c.close();
        c.blank();
    }

    c.open(format!("impl std::fmt::Debug for {v}<'_>"));
    c.open("fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result");
    let mut chain = format!("f.debug_struct({v:?})");
    for f in &s.fields {
        let _ = write!(chain, "\n    .field({:?}, &self.{}())", f.bare, accessor(f));
    }
    chain.push_str("\n    .finish()");
    c.line(chain);
    c.close();
    c.close();
    c.blank();
}

/// One message's view module.
pub fn gen_message(m: &MessageModel) -> String {
    let mut c = Code::new();
    c.line(HEADER.trim_end());
    c.line(format!(
        "//! Borrowed views of `{}` (see `kafka_codec::views`).",
        m.name
    ));
    c.blank();
    c.line(format!("use crate::generated::{}::*;", m.module));
    c.line("use crate::support::*;");
    c.line("use crate::views::*;");
    c.blank();
    let depths = tag_depths(m);
    for s in &m.structs {
        emit_struct(&mut c, m, s, &depths);
    }
    let (n, v) = (&m.name, view_name(&m.name));
    c.open(format!("impl<'a> MessageView<'a> for {v}<'a>"));
    c.line(format!("type Owned = {n};"));
    c.blank();
    c.open("fn parse(buf: &'a [u8], version: i16) -> Result<Self, DecodeError>");
    c.line("Self::parse(buf, version)");
    c.close();
    c.blank();
    c.open(format!("fn to_message(&self) -> {n}"));
    c.line("Self::to_owned(self)");
    c.close();
    c.blank();
    c.open(format!("fn to_message_from(&self, src: &Bytes) -> {n}"));
    c.line("Self::to_owned_from(self, src)");
    c.close();
    c.close();
    c.blank();
    c.open(format!("impl HasView for {n}"));
    c.line(format!("type View<'a> = {v}<'a>;"));
    c.close();
    c.finish()
}

pub(super) fn variant(m: &MessageModel) -> String {
    m.name
        .trim_end_matches(if m.kind == Kind::Request {
            "Request"
        } else {
            "Response"
        })
        .to_string()
}

/// Where the owned message type lives.
fn crate_path(m: &MessageModel) -> String {
    format!("crate::generated::{}", m.module)
}

fn cfg_of(m: &MessageModel) -> String {
    super::bodies::family_cfg(&m.family)
}

/// `mod.rs` of the views and the body view enums.
pub fn gen_mod(models: &[MessageModel]) -> String {
    let mut c = Code::new();
    c.line(HEADER.trim_end());
    c.line("//! Generated borrowed views: one module per message (see `kafka_codec::views`).");
    c.blank();
    for m in models {
        c.line(format!("{}pub mod {};", cfg_of(m), m.module).trim_start());
    }
    c.blank();
    for m in models {
        c.line(format!("{}pub use {}::{};", cfg_of(m), m.module, view_name(&m.name)).trim_start());
    }
    c.blank();
    c.line("#[cfg(any(test, feature = \"arbitrary\"))]");
    c.line("mod fields;");
    c.blank();
    c.line("/// Visits every top-level message type that has a view (tests and fuzzing).");
    c.line("#[cfg(any(test, feature = \"arbitrary\"))]");
    c.line("#[doc(hidden)]");
    c.open("pub fn visit_views(v: &mut impl crate::views::ViewVisitor)");
    for m in models {
        c.line(format!("{}v.visit::<{}::{}>();", cfg_of(m), crate_path(m), m.name).trim_start());
    }
    c.close();
    c.blank();
    c.line("use crate::support::*;");
    c.line("use crate::views::{Src, ViewCursor};");
    c.line("use crate::{RequestBody, ResponseBody};");
    c.blank();
    for (kind, name, owned) in [
        (Kind::Request, "RequestBodyView", "RequestBody"),
        (Kind::Response, "ResponseBodyView", "ResponseBody"),
    ] {
        let mut items: Vec<&MessageModel> = models.iter().filter(|m| m.kind == kind).collect();
        items.sort_by_key(|m| m.api_key);
        c.line(format!(
            "/// The body of a {} as a view, for the APIs and versions this build decodes.",
            if kind == Kind::Request {
                "request"
            } else {
                "response"
            }
        ));
        c.line("#[derive(Clone, Debug)]");
        c.line("#[non_exhaustive]");
        c.open(format!("pub enum {name}<'a>"));
        for m in &items {
            c.line(format!(
                "/// {} (API key {}).",
                m.name,
                m.api_key.unwrap_or(-1)
            ));
            c.line(format!(
                "{}{}({}<'a>),",
                cfg_of(m),
                variant(m),
                view_name(&m.name)
            ));
        }
        c.line("/// An API or version this build does not decode: the body's bytes.");
        c.line("Raw(&'a [u8]),");
        c.close();
        c.blank();
        c.open(format!("impl<'a> {name}<'a>"));
        c.line("/// Validates the body of `api_key` at `version` (raw when this build does not decode it).");
        c.open(
            "pub(crate) fn read(api_key: ApiKey, version: i16, c: &mut ViewCursor<'a>) -> Result<Self, DecodeError>",
        );
        c.open("Ok(match api_key.0");
        for m in &items {
            c.line(format!(
                "{}{} if ({}..={}).contains(&version) => Self::{}({}::read(c, version)?),",
                cfg_of(m),
                m.api_key.unwrap_or(-1),
                m.min_version(),
                m.max_version(),
                variant(m),
                view_name(&m.name)
            ));
        }
        c.line("_ => Self::Raw(c.rest()),");
        c.close_with(")");
        c.close();
        c.blank();
        c.line("/// The owned body: what the owned decoder returns for the same bytes (strings and bytes copied).");
        c.open(format!("pub fn to_owned(&self) -> {owned}"));
        c.line("self.owned_with(Src::COPY)");
        c.close();
        c.blank();
        c.line("/// The owned body, strings and bytes sliced out of `src` (the `Bytes` parsed) without copying.");
        c.open(format!(
            "pub fn to_owned_from(&self, src: &Bytes) -> {owned}"
        ));
        c.line("self.owned_with(Src::from(src))");
        c.close();
        c.blank();
        c.open(format!(
            "pub(crate) fn owned_with(&self, src: Src<'_>) -> {owned}"
        ));
        c.open("match self");
        for m in &items {
            c.line(format!(
                "{}Self::{v}(b) => {owned}::{v}(b.owned_with(src)),",
                cfg_of(m),
                v = variant(m)
            ));
        }
        c.line(format!("Self::Raw(b) => {owned}::Raw(src.bytes(b)),"));
        c.close();
        c.close();
        c.close();
        c.blank();
    }
    c.finish()
}

#[cfg(test)]
mod golden {
    use std::path::Path;

    /// The view module for `tests/golden/tiny.schema` is exactly `tests/golden/tiny_view.rs`.
    /// After an intended change to the output, run with `UPDATE_GOLDEN=1` and review the diff.
    #[test]
    fn tiny_schema_view_renders_as_committed() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
        let text = std::fs::read_to_string(dir.join("tiny.schema")).unwrap();
        let schema = crate::schema::Schema::parse(&text).unwrap();
        let model = super::super::model::build(&schema).unwrap();
        let raw = super::gen_message(&model);
        let out = super::super::rustfmt(&raw).unwrap();
        let golden = dir.join("tiny_view.rs");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &out).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        assert!(
            out == expected,
            "generated view differs from {}; rerun with UPDATE_GOLDEN=1 if intended",
            golden.display()
        );
        // The tagged field is found by tag, the version tests are exact, nothing is dead.
        for want in [
            "if tag == 0",
            "pub fn hint(&self) -> Option<ViewStr<'a>>",
            // A tagged string's span counts its tag (a splice must resize it); it starts at
            // the length prefix, found back from the data and length the view records.
            r#"span_str(self.buf, prefix_at(self.at[5], self.len[2], true, false), "Hint", true, true, 1)"#,
            // A fixed-width span names its wire type.
            r#"span_fixed(self.buf, self.at[1] as usize, "Epoch", FixedType::Int32)"#,
            "fn to_owned(&self) -> TinyRequest",
            // One body for both: `to_owned` copies, `to_owned_from` slices the source.
            "self.owned_with(Src::COPY)",
            "fn to_owned_from(&self, src: &Bytes) -> TinyRequest",
            "self.hint().map(|v| src.str(v.as_bytes()))",
        ] {
            assert!(out.contains(want) || raw.contains(want), "{want}");
        }
        for dead in ["!(true)", "let _ = flexible", "else if !("] {
            assert!(!out.contains(dead), "{dead}");
        }
        // The message's own struct is only validated: nothing would call its `locate`.
        assert!(!out.contains("impl<'a> ViewElement<'a> for TinyRequestView<'a>"));
    }
}
