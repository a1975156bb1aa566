//! Encoding and exact sizes. Both walk the fields in the same order with the same version
//! tests, so [`emit`] writes them from one description of each field: a write statement and a
//! length expression.

use super::code::Code;
use super::decode::{compact_arg, paren};
use super::model::{FieldModel, StructModel, Ty};
use super::versions::{Test, VersionSet};

/// How one field value is written and measured, where `version` is in some known set.
struct Wr {
    /// A statement (with `;`).
    write: String,
    /// An expression of type `usize`.
    len: String,
    /// `len` is a constant.
    fixed: Option<usize>,
}

/// Writes a fixed-size value; `v` is the value, or a reference to it when `by_ref`.
fn prim_write(ty: &Ty, v: &str, by_ref: bool) -> String {
    match (ty, by_ref) {
        (Ty::Uuid, true) => format!("w.put_uuid({v})"),
        (Ty::Uuid, false) => format!("w.put_uuid(&{v})"),
        (other, true) => format!("w.put_{}(*{v})", other.prim_name()),
        (other, false) => format!("w.put_{}({v})", other.prim_name()),
    }
}

/// Array elements written by `put_fixed_array`: numbers (and uuids) as their big-endian bytes,
/// all after one bounds check (the counterpart of the decoder's `read_fixed_array`).
fn fixed_elements(inner: &Ty) -> bool {
    inner.fixed_size().is_some() && *inner != Ty::Bool
}

fn at(f: &FieldModel) -> String {
    format!(".in_field({:?})?;", f.name)
}

/// Whether the decoder saw null in this non-nullable field: a bit of `wire_nulls`, which
/// [`header_locals`] reads from the wire bookkeeping once per struct, not once per field.
fn has_null(f: &FieldModel) -> String {
    format!("wire_nulls & Self::{} != 0", f.null_const())
}

fn value(s: &StructModel, f: &FieldModel, within: &VersionSet) -> Wr {
    let c = compact_arg(f, s, within);
    let v = format!("self.{}", f.ident);
    let quirk = !f.null_quirk().intersect(within).is_empty();
    // Whether null may be written: the schema allows it here, or the decoder saw it.
    let allow = match f.nullable.test(within) {
        Test::Always => "true".to_string(),
        Test::Never if quirk => has_null(f),
        Test::Never => "false".to_string(),
        Test::When(t) if quirk => format!("{} || {}", paren(&t), has_null(f)),
        Test::When(t) => t,
    };
    if let Some(n) = f.ty.fixed_size() {
        return Wr {
            write: format!("{};", prim_write(&f.ty, &v, false)),
            len: n.to_string(),
            fixed: Some(n),
        };
    }
    let (put, put_opt, len, len_opt) = match &f.ty {
        Ty::Str => ("put_str", "put_opt_str", "str_len", "opt_str_len"),
        Ty::Array(inner) if fixed_elements(inner) => (
            "put_fixed_array",
            "put_opt_fixed_array",
            "array_len",
            "opt_array_len",
        ),
        Ty::Bytes | Ty::Records => ("put_bytes", "put_opt_bytes", "bytes_len", "opt_bytes_len"),
        Ty::Array(_) => ("put_array", "put_opt_array", "array_len", "opt_array_len"),
        Ty::Struct(_) => ("", "", "", ""),
        _ => unreachable!("fixed-size types return above"),
    };
    let (elem_w, elem_l) = match &f.ty {
        Ty::Array(inner) => {
            let (w, l) = match &**inner {
                Ty::Str => (
                    format!("|w, x| put_str(w, x, {c})"),
                    format!("|x| str_len(x, {c})"),
                ),
                Ty::Bytes | Ty::Records => (
                    format!("|w, x| put_bytes(w, x, {c})"),
                    format!("|x| bytes_len(x, {c})"),
                ),
                Ty::Struct(_) => (
                    "|w, x| x.write_to(w, version)".to_string(),
                    "|x| x.encoded_len(version)".to_string(),
                ),
                Ty::Array(_) => ("|_, _| Ok(())".to_string(), "|_| 0".to_string()),
                prim if fixed_elements(prim) => {
                    let to = match prim {
                        Ty::Uuid => "|x| x.0".to_string(),
                        Ty::F64 => "|x| x.to_bits().to_be_bytes()".to_string(),
                        Ty::ApiKey => "|x| x.0.to_be_bytes()".to_string(),
                        _ => "|x| x.to_be_bytes()".to_string(),
                    };
                    (to, format!("|_| {}", prim.fixed_size().unwrap_or(0)))
                }
                prim => (
                    format!(
                        "|w, x| {{\n    {};\n    Ok(())\n}}",
                        prim_write(prim, "x", true)
                    ),
                    format!("|_| {}", prim.fixed_size().unwrap_or(0)),
                ),
            };
            (format!(", {w}"), format!(", {l}"))
        }
        _ => (String::new(), String::new()),
    };
    if let Ty::Struct(_) = &f.ty {
        if !f.optional {
            return Wr {
                write: format!("{v}.write_to(w, version){}", at(f)),
                len: format!("{v}.encoded_len(version)"),
                fixed: None,
            };
        }
        let nullable = format!("put_nullable_struct(w, {v}.as_ref(), version)");
        let required = format!("put_required_struct(w, {v}.as_ref(), version)");
        let nlen = format!("nullable_struct_len({v}.as_ref(), version)");
        let rlen = format!("required_struct_len({v}.as_ref(), version)");
        return match f.nullable.test(within) {
            Test::Always => Wr {
                write: format!("{nullable}{}", at(f)),
                len: nlen,
                fixed: None,
            },
            Test::Never => Wr {
                write: format!("{required}{}", at(f)),
                len: rlen,
                fixed: None,
            },
            Test::When(t) => Wr {
                write: format!("(if {t} {{ {nullable} }} else {{ {required} }}){}", at(f)),
                len: format!("if {t} {{ {nlen} }} else {{ {rlen} }}"),
                fixed: None,
            },
        };
    }
    let as_opt = |x: &str| -> String {
        if matches!(f.ty, Ty::Array(_)) {
            format!("{x}.map(Vec::as_slice)")
        } else {
            x.to_string()
        }
    };
    if f.optional {
        let o = if matches!(f.ty, Ty::Array(_)) {
            format!("{v}.as_deref()")
        } else {
            format!("{v}.as_ref()")
        };
        Wr {
            write: format!("{put_opt}(w, {o}, {allow}, {c}{elem_w}){}", at(f)),
            len: format!("{len_opt}({o}, {c}{elem_l})"),
            fixed: None,
        }
    } else if quirk {
        let o = as_opt(&format!("unless_null(&{v}, {})", has_null(f)));
        Wr {
            write: format!("{put_opt}(w, {o}, true, {c}{elem_w}){}", at(f)),
            len: format!("{len_opt}({o}, {c}{elem_l})"),
            fixed: None,
        }
    } else {
        Wr {
            write: format!("{put}(w, &{v}, {c}{elem_w}){}", at(f)),
            len: format!("{len}(&{v}, {c}{elem_l})"),
            fixed: None,
        }
    }
}

fn negate(test: &str) -> String {
    if let Some(rest) = test.strip_prefix('!') {
        return rest.to_string();
    }
    if !test.contains("&&") && !test.contains("||") {
        if test.contains(" == ") {
            return test.replacen(" == ", " != ", 1);
        }
        if let Some(x) = test.strip_suffix(".is_none()") {
            return format!("{x}.is_some()");
        }
    }
    format!("!{test}")
}

#[derive(PartialEq, Clone, Copy)]
enum Pass {
    Encode,
    Len,
}

/// One step of the main body: statements, under a version test or not, and for encoding an
/// `else if` refusing a non-default value where the field does not exist.
struct Step {
    test: Option<String>,
    body: Vec<String>,
    /// (condition, statement) of the `else if`.
    refuse: Option<(String, String)>,
}

/// Writes the steps, merging neighbours under the same test (and their constant sizes).
fn render_steps(out: &mut Code, steps: Vec<Step>, pass: Pass) {
    let mut merged: Vec<Step> = Vec::new();
    for st in steps {
        if let Some(last) = merged.last_mut() {
            if last.test.is_some() && last.test == st.test && last.refuse.is_none() {
                last.body.extend(st.body);
                last.refuse = st.refuse;
                continue;
            }
        }
        merged.push(st);
    }
    for st in merged {
        let body = if pass == Pass::Len {
            fold_constants(st.body)
        } else {
            st.body
        };
        match st.test {
            None => {
                for l in body {
                    out.line(l);
                }
            }
            Some(t) => {
                out.open(format!("if {t}"));
                for l in body {
                    out.line(l);
                }
                if let Some((cond, refuse)) = &st.refuse {
                    out.reopen(format!("else if {cond}"));
                    out.line(refuse);
                }
                out.close();
            }
        }
    }
}

/// `n += 4; n += 8;` becomes `n += 12;`.
fn fold_constants(lines: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending = 0usize;
    for l in lines {
        let k = l
            .strip_prefix("n += ")
            .and_then(|x| x.strip_suffix(';'))
            .and_then(|x| x.parse::<usize>().ok());
        match k {
            Some(k) => pending += k,
            None => out.push(l),
        }
    }
    if pending > 0 {
        out.insert(0, format!("n += {pending};"));
    }
    out
}

fn emit_pass(s: &StructModel, pass: Pass) -> Code {
    let ctx = &s.versions;
    let mut b = Code::at_depth(2);
    let mut fixed_total = 0usize;
    let mut lines = Code::at_depth(2);
    let mut steps: Vec<Step> = Vec::new();
    for f in &s.fields {
        let absent = ctx.subtract(&f.present);
        let check_absent = pass == Pass::Encode && !f.ignorable && !absent.is_empty();
        let not_default = negate(&f.is_default_at(&format!("self.{}", f.ident)));
        let refuse = format!("return Err(not_in_version().at({:?}));", f.name);
        match f.inline.test(ctx) {
            Test::Never => {
                if check_absent {
                    let cond = match absent.test(ctx) {
                        Test::When(t) => format!("{} && {not_default}", paren(&t)),
                        _ => not_default.clone(),
                    };
                    steps.push(Step {
                        test: Some(cond),
                        body: vec![refuse],
                        refuse: None,
                    });
                }
            }
            test => {
                let w = value(s, f, &f.inline);
                let stmt = match pass {
                    Pass::Encode => w.write.clone(),
                    Pass::Len => format!("n += {};", w.len),
                };
                match test {
                    Test::Always => match (pass, w.fixed) {
                        (Pass::Len, Some(k)) => fixed_total += k,
                        _ => steps.push(Step {
                            test: None,
                            body: vec![stmt],
                            refuse: None,
                        }),
                    },
                    Test::When(t) => {
                        let refuse = check_absent.then(|| {
                            let rest = ctx.subtract(&f.inline);
                            let cond = match absent.test(&rest) {
                                Test::When(ta) => format!("{} && {not_default}", paren(&ta)),
                                _ => not_default.clone(),
                            };
                            (cond, refuse.clone())
                        });
                        steps.push(Step {
                            test: Some(t),
                            body: vec![stmt],
                            refuse,
                        });
                    }
                    Test::Never => unreachable!(),
                }
            }
        }
    }
    render_steps(&mut lines, steps, pass);
    // The tagged-field section.
    let flex = s.flexible.test(ctx);
    if flex != Test::Never {
        if let Test::When(t) = &flex {
            lines.open(format!("if {t}"));
        }
        let tagged = s.tagged();
        let live: Vec<_> = tagged
            .iter()
            .filter_map(|f| match f.tagged.test(&s.flexible) {
                Test::Never => None,
                t => Some((*f, t)),
            })
            .collect();
        if live.is_empty() {
            match pass {
                Pass::Encode => {
                    lines.line("put_unknown_tags(w, self.wire.unknown_tagged_fields());")
                }
                Pass::Len => {
                    lines.line("n += unknown_tags_len(self.wire.unknown_tagged_fields());")
                }
            }
        } else {
            let mut count = vec!["self.wire.unknown_tagged_fields().len()".to_string()];
            for (f, t) in &live {
                let send = format!(
                    "{} || wire_tags & Self::{} != 0",
                    negate(&f.is_default_at(&format!("self.{}", f.ident))),
                    f.tag_const()
                );
                let send = match t {
                    Test::When(t) => format!("{} && ({send})", paren(t)),
                    _ => send,
                };
                lines.line(format!("let send_{} = {send};", f.bare));
                count.push(format!("usize::from(send_{})", f.bare));
            }
            lines.line(format!("let count = {};", count.join(" + ")));
            match pass {
                Pass::Encode => {
                    lines.line("put_tag_count(w, count);");
                    lines.line(
                        "let mut unknown = self.wire.unknown_tagged_fields().iter().peekable();",
                    );
                }
                Pass::Len => {
                    lines.line("n += tag_count_len(count);");
                    lines.line(
                        "n += self.wire.unknown_tagged_fields().iter().map(raw_tagged_len).sum::<usize>();",
                    );
                }
            }
            for (f, _) in &live {
                let tag = f.tag.unwrap_or(0);
                let w = value(s, f, &f.tagged);
                lines.open(format!("if send_{}", f.bare));
                match pass {
                    Pass::Encode => {
                        lines.line(format!("put_unknown_before(w, &mut unknown, {tag});"));
                        lines.line(format!("put_tag_header(w, {tag}, {});", w.len));
                        lines.line(&w.write);
                    }
                    Pass::Len => lines.line(format!("n += tagged_len({tag}, {});", w.len)),
                }
                lines.close();
            }
            if pass == Pass::Encode {
                lines.block("for u in unknown", |c| c.line("put_raw_tagged(w, u);"));
            }
        }
        if let Test::When(_) = &flex {
            if pass == Pass::Encode {
                // A non-flexible version has no place for them: refuse rather than drop.
                lines.reopen("else if !self.wire.unknown_tagged_fields().is_empty()");
                lines.line("return Err(tagged_fields_not_in_version());");
            }
            lines.close();
        }
    }
    if pass == Pass::Len {
        if lines.text().is_empty() {
            b.line(fixed_total.to_string());
            return b;
        }
        b.line(format!("let mut n = {fixed_total};"));
    }
    b.append(lines);
    match pass {
        Pass::Encode => b.line("Ok(())"),
        Pass::Len => b.line("n"),
    }
    b
}

fn header_locals(c: &mut Code, s: &StructModel, body: &Code) -> &'static str {
    if body.mentions("wire_nulls") {
        c.line("let wire_nulls = self.wire.nulls_in_non_nullable();");
    }
    if body.mentions("wire_tags") {
        c.line("let wire_tags = self.wire.tags_present();");
    }
    let uses_flexible = body.mentions("flexible");
    if uses_flexible {
        if let Test::When(t) = s.flexible.test(&s.versions) {
            c.line(format!("let flexible = {t};"));
        }
    }
    if uses_flexible || body.mentions("version") {
        "version"
    } else {
        "_version"
    }
}

pub fn emit(c: &mut Code, s: &StructModel) {
    let (enc_name, len_name) = if s.top {
        ("encode_fields", "fields_len")
    } else {
        ("write_to", "encoded_len")
    };
    if s.top {
        c.open(format!("impl {}", s.name));
    } else {
        c.open(format!("impl Encode for {}", s.name));
    }
    for pass in [Pass::Encode, Pass::Len] {
        let body = emit_pass(s, pass);
        let mut head = Code::at_depth(2);
        let version = header_locals(&mut head, s, &body);
        let w = if pass == Pass::Encode && !body.mentions("w") {
            "_w"
        } else {
            "w"
        };
        match pass {
            Pass::Encode => c.open(format!(
                "fn {enc_name}(&self, {w}: &mut Writer<'_>, {version}: i16) -> Result<(), EncodeError>"
            )),
            Pass::Len => c.open(format!("fn {len_name}(&self, {version}: i16) -> usize")),
        }
        c.append(head);
        c.append(body);
        c.close();
        if pass == Pass::Encode {
            c.blank();
        }
    }
    c.close();
    c.blank();
}
