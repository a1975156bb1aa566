//! Struct definitions: fields with their docs, `Default`, the `with_*` setters, and the named
//! bits of the wire bookkeeping.

use super::code::Code;
use super::model::{FieldModel, MessageModel, StructModel, Ty};
use crate::schema::Kind;

fn struct_doc(c: &mut Code, m: &MessageModel, s: &StructModel) {
    if s.top {
        let what = match m.kind {
            Kind::Request => format!(
                "A {} request body (API key {}).",
                m.name.trim_end_matches("Request"),
                m.api_key.unwrap_or(-1)
            ),
            Kind::Response => format!(
                "A {} response body (API key {}).",
                m.name.trim_end_matches("Response"),
                m.api_key.unwrap_or(-1)
            ),
            Kind::Header => format!("The {}.", m.name),
            Kind::Data => format!("The `{}` payload.", m.name),
        };
        if let Some(d) = &m.doc {
            c.line(format!("/// {d}"));
            c.line("///");
        }
        c.line(format!("/// {what}"));
        c.line("///");
        c.line(format!(
            "/// Versions {}; flexible versions {}.",
            m.versions.render(),
            m.flexible.render()
        ));
    } else {
        c.line(format!(
            // Nested structs live in their message's module: link the message directly.
            "/// `{}`, part of [`{}`] (versions {}).",
            s.name,
            m.name,
            s.versions.render()
        ));
        if let Some((field, d)) = &s.held_by {
            c.line("///");
            c.line(format!("/// Held by `{field}`: {d}"));
        }
    }
    c.line("///");
    c.line("/// Build one with [`Default`] and the `with_*` setters (or by assigning fields): the");
    c.line("/// struct is `#[non_exhaustive]`, so later Kafka versions can add fields.");
}

fn field_rust_ty(f: &FieldModel) -> String {
    if f.optional {
        format!("Option<{}>", f.ty.rust())
    } else {
        f.ty.rust()
    }
}

/// Whether every field's default is its type's own `Default` (then `Default` is derived).
fn derivable_default(s: &StructModel) -> bool {
    s.fields.iter().all(|f| {
        matches!(
            f.default.as_str(),
            "false"
                | "0"
                | "0.0"
                | "None"
                | "BytesStr::default()"
                | "Bytes::new()"
                | "Vec::new()"
                | "Uuid::NIL"
        ) || f.default == format!("{}::default()", f.ty.rust())
    })
}

pub fn emit(c: &mut Code, m: &MessageModel, s: &StructModel) {
    struct_doc(c, m, s);
    let derive_default = derivable_default(s);
    if derive_default {
        c.line("#[derive(Clone, Debug, Default, PartialEq)]");
    } else {
        c.line("#[derive(Clone, Debug, PartialEq)]");
    }
    c.line("#[cfg_attr(feature = \"serde\", derive(serde::Serialize, serde::Deserialize))]");
    c.line("#[cfg_attr(feature = \"serde\", serde(default, rename_all = \"snake_case\"))]");
    c.line("#[cfg_attr(any(test, feature = \"arbitrary\"), derive(arbitrary::Arbitrary))]");
    c.line("#[non_exhaustive]");
    c.open(format!("pub struct {}", s.name));
    for f in &s.fields {
        if let Some(d) = &f.description {
            c.line(format!("/// {d}"));
            c.line("///");
        }
        c.line(format!("/// {}", f.doc));
        if matches!(f.ty, Ty::Bytes | Ty::Records) {
            let (ser, arb) = if f.optional {
                ("opt_hex_bytes", "arbitrary_opt_bytes")
            } else {
                ("hex_bytes", "arbitrary_bytes")
            };
            c.line(format!(
                "#[cfg_attr(feature = \"serde\", serde(with = \"crate::support::{ser}\"))]"
            ));
            c.line(format!(
                "#[cfg_attr(any(test, feature = \"arbitrary\"), arbitrary(with = crate::support::{arb}))]"
            ));
        }
        c.line(format!("pub {}: {},", f.ident, field_rust_ty(f)));
    }
    c.line("/// What the decoder saw beyond field values (unknown tagged fields, defaults sent");
    c.line("/// explicitly, nulls in non-nullable fields), so that re-encoding is byte-exact.");
    c.line("#[cfg_attr(feature = \"serde\", serde(skip_serializing_if = \"Wire::is_canonical\"))]");
    c.line("pub wire: Wire,");
    c.close();
    c.blank();

    if !derive_default {
        c.block(format!("impl Default for {}", s.name), |c| {
            c.block("fn default() -> Self", |c| {
                c.block("Self", |c| {
                    for f in &s.fields {
                        c.line(format!("{}: {},", f.ident, f.default));
                    }
                    c.line("wire: Wire::default(),");
                });
            });
        });
        c.blank();
    }

    c.block(format!("impl {}", s.name), |c| {
        for (i, f) in s.fields.iter().enumerate() {
            if i > 0 {
                c.blank();
            }
            if f.ident.starts_with("r#") {
                // Intra-doc links cannot name a raw identifier.
                c.line(format!("/// Sets the `{}` field.", f.bare));
            } else {
                c.line(format!("/// Sets [`{0}`](Self::{0}).", f.ident));
            }
            c.line("#[must_use]");
            c.block(
                format!(
                    "pub fn with_{}(mut self, value: {}) -> Self",
                    f.bare,
                    field_rust_ty(f)
                ),
                |c| {
                    c.line(format!("self.{} = value;", f.ident));
                    c.line("self");
                },
            );
        }
    });
    c.blank();

    let nulls: Vec<&FieldModel> = s
        .fields
        .iter()
        .filter(|f| !f.null_quirk().is_empty())
        .collect();
    let tags = s.tagged();
    if !nulls.is_empty() || !tags.is_empty() {
        c.block(format!("impl {}", s.name), |c| {
            if !nulls.is_empty() {
                c.line("// Bits of `WireExtras::nulls_in_non_nullable`: the field's position.");
            }
            for f in &nulls {
                c.line(format!("const {}: u64 = 1 << {};", f.null_const(), f.index));
            }
            if !tags.is_empty() {
                c.line("// Bits of `WireExtras::tags_present`: the field's tag.");
            }
            for f in &tags {
                c.line(format!(
                    "const {}: u64 = 1 << {};",
                    f.tag_const(),
                    f.tag.unwrap_or(0)
                ));
            }
        });
        c.blank();
    }
}
