//! `Conform` impls (property tests and fuzzing), generated into their own file so the message
//! modules hold only what a build ships.

use super::code::Code;
use super::model::{FieldModel, MessageModel, StructModel, Ty};
use super::versions::Test;

fn conform_present(c: &mut Code, f: &FieldModel) {
    let v = format!("self.{}", f.ident);
    if f.optional {
        // A null the version cannot carry becomes a value.
        match f.present.subtract(&f.nullable).test(&f.present) {
            Test::Never => {}
            Test::Always => c.block(format!("if {v}.is_none()"), |c| {
                c.line(format!("{v} = Some(Default::default());"))
            }),
            Test::When(t) => c.block(
                format!("if {} && {v}.is_none()", super::decode::paren(&t)),
                |c| c.line(format!("{v} = Some(Default::default());")),
            ),
        }
    }
    let stmt = match f.ty {
        _ if f.optional => {
            let Some(inner) = conform_ref(&f.ty, "x") else {
                return;
            };
            format!(
                "if let Some(x) = {v}.as_mut() {{\n    {}\n}}",
                inner.replace('\n', "\n    ")
            )
        }
        Ty::Str => format!("conform_str(&mut {v});"),
        Ty::Struct(_) => format!("{v}.conform(version);"),
        Ty::F64 => format!("if {v}.is_nan() {{\n    {v} = 0.0;\n}}"),
        _ => match conform_ref(&f.ty, &format!("&mut {v}")) {
            Some(s) => s,
            None => return,
        },
    };
    c.line(stmt);
}

/// Statements conforming the value behind `x`, a `&mut` of the field's type.
fn conform_ref(ty: &Ty, x: &str) -> Option<String> {
    Some(match ty {
        Ty::Str => format!("conform_str({x});"),
        Ty::Struct(_) => format!("{x}.conform(version);"),
        Ty::F64 => format!("if {x}.is_nan() {{\n    *{x} = 0.0;\n}}"),
        Ty::Array(inner) => {
            let e = conform_ref(inner, "e")?;
            let x = x.strip_prefix("&mut ").unwrap_or(x);
            format!(
                "for e in {x}.iter_mut() {{\n    {}\n}}",
                e.replace('\n', "\n    ")
            )
        }
        _ => return None,
    })
}

fn emit_struct(c: &mut Code, s: &StructModel) {
    let ctx = &s.versions;
    let mut body = Code::at_depth(2);
    for f in &s.fields {
        let mut present = Code::at_depth(0);
        conform_present(&mut present, f);
        let reset = format!("self.{} = {};", f.ident, f.default);
        match f.present.test(ctx) {
            Test::Never => body.line(&reset),
            Test::Always => body.line(present.text().trim_end()),
            Test::When(t) => {
                if present.text().is_empty() {
                    if let Test::When(a) = ctx.subtract(&f.present).test(ctx) {
                        body.block(format!("if {a}"), |c| c.line(&reset));
                    }
                } else {
                    body.open(format!("if {t}"));
                    body.line(present.text().trim_end());
                    body.reopen("else");
                    body.line(&reset);
                    body.close();
                }
            }
        }
    }
    let flex = match s.flexible.test(ctx) {
        Test::Always => "true".to_string(),
        Test::Never => "false".to_string(),
        Test::When(t) => t,
    };
    let known: Vec<String> = s
        .tagged()
        .iter()
        .filter_map(|f| {
            let tag = f.tag.unwrap_or(0);
            match f.tagged.test(&s.flexible) {
                Test::Never => None,
                Test::Always => Some(format!("t == {tag}")),
                Test::When(t) => Some(format!("(t == {tag} && {})", super::decode::paren(&t))),
            }
        })
        .collect();
    let known = if known.is_empty() {
        "|_| false".to_string()
    } else {
        let known: Vec<String> = if known.len() == 1 {
            known
                .iter()
                .map(|k| k.trim_start_matches('(').trim_end_matches(')').to_string())
                .collect()
        } else {
            known
        };
        format!("|t| {}", known.join(" || "))
    };
    body.line(format!("conform_wire(&mut self.wire, {flex}, {known});"));
    let version = if body.mentions("version") {
        "version"
    } else {
        "_version"
    };
    c.open(format!("impl Conform for {}", s.name));
    c.open(format!("fn conform(&mut self, {version}: i16)"));
    c.append(body);
    c.close();
    c.close();
}

/// One module per message, behind the message's family feature.
pub fn emit(c: &mut Code, m: &MessageModel) {
    if m.family != "core" {
        c.line(format!("#[cfg(feature = \"{}\")]", m.family));
    }
    c.open(format!("mod {}", m.module));
    c.line(format!("use crate::generated::{}::*;", m.module));
    c.line("use crate::support::*;");
    for s in &m.structs {
        c.blank();
        emit_struct(c, s);
    }
    c.close();
    c.blank();
}
