//! `ViewFields` for every struct view and body view enum (`src/generated/views/fields.rs`,
//! test support: property tests and fuzzing): each scalar field with its accessor and span,
//! each nested struct view, so that a test reaches every field of every view without naming
//! one. The runtime is `src/views/fields.rs`.

use super::bodies::family_cfg;
use super::code::Code;
use super::model::{FieldModel, MessageModel, StructModel, Ty};
use super::views::{accessor, fixed_type, variant, view_name};
use super::HEADER;
use crate::schema::Kind;

/// The statement visiting field `f`, if it is visited.
fn visit_field(f: &FieldModel) -> Option<String> {
    let get = format!("self.{}()", accessor(f));
    let nested = |e: &str| format!("v.nested(&{e});");
    Some(match &f.ty {
        Ty::Str | Ty::Bytes => scalar(f, &get),
        Ty::Struct(_) if f.optional => {
            format!("if let Some(e) = {get} {{\n    {}\n}}", nested("e"))
        }
        Ty::Struct(_) => nested(&get),
        Ty::Array(inner) if matches!(**inner, Ty::Struct(_)) => {
            let each = format!("for e in a.iter() {{\n    {}\n}}", nested("e"));
            if f.optional {
                format!(
                    "if let Some(a) = {get} {{\n    {}\n}}",
                    each.replace('\n', "\n    ")
                )
            } else {
                format!("let a = {get};\n{each}")
            }
        }
        ty => {
            fixed_type(ty)?;
            scalar(f, &get)
        }
    })
}

fn scalar(f: &FieldModel, get: &str) -> String {
    format!(
        "v.scalar({:?}, self.{}_span(), {get}.into());",
        f.name,
        accessor(f)
    )
}

fn emit_struct(c: &mut Code, s: &StructModel) {
    let tags = if s.flexible.is_empty() {
        "None"
    } else {
        "Some(self.tagged_fields())"
    };
    c.open(format!(
        "impl<'a> ViewFields<'a> for {}<'a>",
        view_name(&s.name)
    ));
    c.open("fn visit_fields(&self, v: &mut dyn FieldVisitor<'a>)");
    c.line(format!("v.view(self.version(), self.as_bytes(), {tags});"));
    for f in &s.fields {
        if let Some(stmt) = visit_field(f) {
            c.line(stmt);
        }
    }
    c.close();
    c.blank();
    c.open("fn owned_from_agrees(&self, src: &Bytes) -> bool");
    c.line("same(&self.to_owned_from(src), &self.to_owned())");
    c.close();
    c.close();
}

/// The whole file.
pub fn gen(models: &[MessageModel]) -> String {
    let mut c = Code::new();
    c.line(HEADER.trim_end());
    c.line(
        "//! `ViewFields` for every view: each field with its accessor and span (tests and fuzzing",
    );
    c.line("//! only; see `src/views/fields.rs`).");
    c.blank();
    c.line("use bytes::Bytes;");
    c.blank();
    c.line("use crate::views::fields::*;");
    c.line("use crate::views::{RequestBodyView, ResponseBodyView};");
    for m in models {
        c.blank();
        c.line(family_cfg(&m.family).trim_end());
        c.open(format!("mod {}", m.module));
        c.line("use super::*;");
        c.line(format!("use crate::generated_views::{}::*;", m.module));
        for s in &m.structs {
            c.blank();
            emit_struct(&mut c, s);
        }
        c.close();
    }
    for (kind, name) in [
        (Kind::Request, "RequestBodyView"),
        (Kind::Response, "ResponseBodyView"),
    ] {
        let items: Vec<&MessageModel> = models.iter().filter(|m| m.kind == kind).collect();
        let arms = |call: &str, raw: &str| {
            let mut arms: Vec<String> = items
                .iter()
                .map(|m| {
                    format!(
                        "{}Self::{}(b) => b.{call},",
                        family_cfg(&m.family),
                        variant(m)
                    )
                })
                .collect();
            arms.push(format!("Self::Raw(_) => {raw},"));
            arms.join("\n")
        };
        c.blank();
        c.open(format!("impl<'a> ViewFields<'a> for {name}<'a>"));
        c.open("fn visit_fields(&self, v: &mut dyn FieldVisitor<'a>)");
        c.open("match self");
        c.line(arms("visit_fields(v)", "{}"));
        c.close();
        c.close();
        c.blank();
        c.open("fn owned_from_agrees(&self, src: &Bytes) -> bool");
        c.open("match self");
        c.line(arms("owned_from_agrees(src)", "true"));
        c.close();
        c.close();
        c.close();
    }
    c.finish()
}
