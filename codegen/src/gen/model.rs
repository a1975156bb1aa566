//! The model every emitter reads: a message's structs and fields with their version sets
//! resolved (present, tagged, nullable, flexible), Rust names and types, and default values.
//!
//! Emitters (structs, decode, encode, sizes, test support, and any later one such as borrowed
//! views) only walk this model; none of them parses schema text or reasons about raw ranges.

use std::collections::BTreeMap;

use super::versions::VersionSet;
use crate::schema::{Field, Kind, Schema};

#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Bool,
    I8,
    I16,
    U16,
    I32,
    U32,
    I64,
    F64,
    Str,
    Uuid,
    Bytes,
    Records,
    /// An `int16` API key carried as the typed `ApiKey` (the schema's `type=ApiKey`).
    ApiKey,
    Struct(String),
    Array(Box<Ty>),
}

impl Ty {
    pub fn parse(s: &str) -> Ty {
        if let Some(inner) = s.strip_prefix("[]") {
            return Ty::Array(Box::new(Ty::parse(inner)));
        }
        match s {
            "bool" => Ty::Bool,
            "int8" => Ty::I8,
            "int16" => Ty::I16,
            "uint16" => Ty::U16,
            "int32" => Ty::I32,
            "uint32" => Ty::U32,
            "int64" => Ty::I64,
            "float64" => Ty::F64,
            "string" => Ty::Str,
            "uuid" => Ty::Uuid,
            "bytes" => Ty::Bytes,
            "records" => Ty::Records,
            other => Ty::Struct(other.to_string()),
        }
    }

    /// The Rust type of a (non-null) value.
    pub fn rust(&self) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::I8 => "i8".into(),
            Ty::I16 => "i16".into(),
            Ty::U16 => "u16".into(),
            Ty::I32 => "i32".into(),
            Ty::U32 => "u32".into(),
            Ty::I64 => "i64".into(),
            Ty::F64 => "f64".into(),
            Ty::Str => "BytesStr".into(),
            Ty::Uuid => "Uuid".into(),
            Ty::Bytes | Ty::Records => "Bytes".into(),
            Ty::ApiKey => "ApiKey".into(),
            Ty::Struct(s) => s.clone(),
            Ty::Array(inner) => format!("Vec<{}>", inner.rust()),
        }
    }

    /// Fixed-size on the wire (so a `u8`-style `put`/`get` reads or writes it).
    pub fn fixed_size(&self) -> Option<usize> {
        match self {
            Ty::Bool | Ty::I8 => Some(1),
            Ty::I16 | Ty::U16 | Ty::ApiKey => Some(2),
            Ty::I32 | Ty::U32 => Some(4),
            Ty::I64 | Ty::F64 => Some(8),
            Ty::Uuid => Some(16),
            _ => None,
        }
    }

    /// Carried with a length prefix that can say null (-1).
    pub fn has_length(&self) -> bool {
        matches!(self, Ty::Str | Ty::Bytes | Ty::Records | Ty::Array(_))
    }

    /// The name of the `Reader` / `BufMut` method for a fixed-size type.
    pub fn prim_name(&self) -> &'static str {
        match self {
            Ty::Bool => "bool",
            Ty::I8 => "i8",
            Ty::I16 => "i16",
            Ty::U16 => "u16",
            Ty::I32 => "i32",
            Ty::U32 => "u32",
            Ty::I64 => "i64",
            Ty::F64 => "f64",
            Ty::Uuid => "uuid",
            // `Reader::api_key` / `Writer::put_api_key`, from the runtime's `ApiKeyWire` / `PutApiKey`.
            Ty::ApiKey => "api_key",
            _ => "",
        }
    }
}

pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    match out.as_str() {
        "type" | "match" | "ref" | "self" | "struct" | "mod" | "use" | "fn" | "loop" | "move" => {
            format!("r#{out}")
        }
        _ => out,
    }
}

pub fn screaming(name: &str) -> String {
    snake(name).trim_start_matches("r#").to_uppercase()
}

/// One field of a struct, with every version question answered as a set.
#[derive(Clone, Debug)]
pub struct FieldModel {
    /// Schema name (`GroupId`), used in error paths.
    pub name: String,
    /// Rust field name (`group_id`).
    pub ident: String,
    /// Name without a raw-identifier prefix, for setters and constants.
    pub bare: String,
    pub ty: Ty,
    /// Position in schema order (the bit of `WireExtras::nulls_in_non_nullable`).
    pub index: usize,
    /// Whether the Rust type is an `Option`.
    pub optional: bool,
    /// Versions (within the struct's) in which the field exists.
    pub present: VersionSet,
    /// ... and is carried in the tagged-field section.
    pub tagged: VersionSet,
    /// ... and is carried in the main body (present minus tagged).
    pub inline: VersionSet,
    /// ... and may be null.
    pub nullable: VersionSet,
    /// ... and uses compact (flexible) encodings.
    pub compact: VersionSet,
    pub tag: Option<u32>,
    pub ignorable: bool,
    /// The default as a Rust expression.
    pub default: String,
    /// A Rust boolean expression over `{v}` (a place) that is true when it holds the default.
    pub is_default: String,
    /// The wire facts, one line (`` `HighWatermark`: int64, versions 0+. ``).
    pub doc: String,
    /// What the field means, from the schema or `schemas/common-docs.txt` (one line).
    pub description: Option<String>,
}

impl FieldModel {
    /// Whether the default-check expression for the value at `place`.
    pub fn is_default_at(&self, place: &str) -> String {
        self.is_default.replace("{v}", place)
    }

    /// Constant naming this field's bit in `nulls_in_non_nullable`.
    pub fn null_const(&self) -> String {
        format!("NULL_{}", self.bare.to_uppercase())
    }

    /// Constant naming this field's bit in `tags_present`.
    pub fn tag_const(&self) -> String {
        format!("TAG_{}", self.bare.to_uppercase())
    }

    /// Versions in which the body may carry null for a field the schema says is not nullable
    /// there (peers do this); decoding remembers it so the bytes come back the same.
    pub fn null_quirk(&self) -> VersionSet {
        if self.ty.has_length() {
            self.present.subtract(&self.nullable)
        } else {
            VersionSet::empty()
        }
    }
}

#[derive(Clone, Debug)]
pub struct StructModel {
    pub name: String,
    /// The message itself (as opposed to a nested struct).
    pub top: bool,
    /// Versions in which this struct can be decoded or encoded.
    pub versions: VersionSet,
    /// Of those, the flexible ones.
    pub flexible: VersionSet,
    pub fields: Vec<FieldModel>,
    /// For a nested struct: the first field (in schema order) holding it that has a
    /// description, as (field name, description).
    pub held_by: Option<(String, String)>,
}

impl StructModel {
    /// Known tagged fields, by tag.
    pub fn tagged(&self) -> Vec<&FieldModel> {
        let mut t: Vec<&FieldModel> = self
            .fields
            .iter()
            .filter(|f| !f.tagged.is_empty())
            .collect();
        t.sort_by_key(|f| f.tag);
        t
    }

    /// Whether any field can record a null where the schema says non-nullable.
    pub fn tracks_nulls(&self) -> bool {
        self.fields.iter().any(|f| !f.null_quirk().is_empty())
    }
}

#[derive(Clone, Debug)]
pub struct MessageModel {
    pub kind: Kind,
    pub name: String,
    pub api_key: Option<i16>,
    pub family: String,
    /// What the message is for (the schema's declaration-line description).
    pub doc: Option<String>,
    pub versions: VersionSet,
    pub flexible: VersionSet,
    pub module: String,
    /// The message first, then nested structs by name.
    pub structs: Vec<StructModel>,
}

impl MessageModel {
    pub fn min_version(&self) -> i16 {
        self.versions.min().unwrap_or(0)
    }

    pub fn max_version(&self) -> i16 {
        self.versions.max().unwrap_or(0)
    }

    fn find(&self, name: &str) -> Option<&StructModel> {
        self.structs.iter().find(|s| s.name == name)
    }

    /// Fewest bytes one value of `ty` takes at `version` (checks hostile array counts).
    fn min_len_at(&self, ty: &Ty, version: i16, compact: bool, nullable: bool) -> usize {
        if let Some(n) = ty.fixed_size() {
            return n;
        }
        match ty {
            Ty::Str if compact => 1,
            Ty::Str => 2,
            Ty::Bytes | Ty::Records | Ty::Array(_) if compact => 1,
            Ty::Bytes | Ty::Records | Ty::Array(_) => 4,
            Ty::Struct(_) if nullable => 1,
            Ty::Struct(s) => self.min_struct_len(s, version),
            _ => 1,
        }
    }

    fn min_struct_len(&self, name: &str, version: i16) -> usize {
        let Some(s) = self.find(name) else { return 1 };
        let flex = s.flexible.contains(version);
        let mut n = usize::from(flex);
        for f in &s.fields {
            if f.inline.contains(version) {
                n += self.min_len_at(
                    &f.ty,
                    version,
                    f.compact.contains(version),
                    f.nullable.contains(version),
                );
            }
        }
        n
    }

    /// A lower bound on one array element's size in any version (at least 1).
    pub fn min_element_len(&self, ty: &Ty) -> usize {
        match ty {
            Ty::Struct(s) => self
                .find(s)
                .map(|st| {
                    st.versions
                        .iter()
                        .map(|v| self.min_struct_len(s, v))
                        .min()
                        .unwrap_or(1)
                })
                .unwrap_or(1)
                .max(1),
            Ty::Str | Ty::Bytes | Ty::Records | Ty::Array(_) => 1,
            other => other.fixed_size().unwrap_or(1),
        }
    }
}

fn parse_int(d: &str) -> Option<i128> {
    let (neg, body) = match d.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, d),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else {
        body.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// The default value of a field as a Rust expression, and a test for it over `{v}`.
fn default_of(f: &Field, ty: &Ty, optional: bool) -> Result<(String, String), String> {
    let d = f.default.as_deref();
    if d == Some("null") {
        if !optional {
            return Err(format!("{}: default null on a non-nullable field", f.name));
        }
        return Ok(("None".into(), "{v}.is_none()".into()));
    }
    let wrap = |e: String, test: &str| -> (String, String) {
        if optional {
            (
                format!("Some({e})"),
                format!("{{v}}.as_ref().is_some_and(|x| {test})").replace("{x}", "x"),
            )
        } else {
            (e, test.replace("*{x}", "{v}").replace("{x}", "{v}"))
        }
    };
    Ok(match ty {
        Ty::Bool => match d {
            None | Some("false") => ("false".into(), "!{v}".into()),
            Some("true") => ("true".into(), "{v}".into()),
            Some(o) => return Err(format!("{}: bad bool default {o}", f.name)),
        },
        Ty::I8 | Ty::I16 | Ty::U16 | Ty::I32 | Ty::U32 | Ty::I64 => {
            let v = match d {
                None => 0,
                Some(s) => {
                    parse_int(s).ok_or_else(|| format!("{}: bad int default {s}", f.name))?
                }
            };
            let ok = match ty {
                Ty::I8 => i8::try_from(v).is_ok(),
                Ty::I16 => i16::try_from(v).is_ok(),
                Ty::U16 => u16::try_from(v).is_ok(),
                Ty::I32 => i32::try_from(v).is_ok(),
                Ty::U32 => u32::try_from(v).is_ok(),
                _ => i64::try_from(v).is_ok(),
            };
            if !ok {
                return Err(format!("{}: default {v} out of range", f.name));
            }
            let e = if v == i64::MIN as i128 && *ty == Ty::I64 {
                "i64::MIN".to_string()
            } else if v == i64::MAX as i128 && *ty == Ty::I64 {
                "i64::MAX".to_string()
            } else if v == i32::MAX as i128 && *ty == Ty::I32 {
                "i32::MAX".to_string()
            } else {
                format!("{v}")
            };
            (e.clone(), format!("{{v}} == {e}"))
        }
        Ty::F64 => {
            let v: f64 = match d {
                None => 0.0,
                Some(s) => s
                    .parse()
                    .map_err(|_| format!("{}: bad float default", f.name))?,
            };
            (
                format!("{v:?}"),
                format!("{{v}}.to_bits() == {v:?}f64.to_bits()"),
            )
        }
        Ty::Str => match d {
            None | Some("") => wrap("BytesStr::default()".into(), "{x}.is_empty()"),
            Some(s) => wrap(
                format!("BytesStr::from_static({s:?})"),
                &format!("*{{x}} == *{s:?}"),
            ),
        },
        Ty::Uuid => ("Uuid::NIL".into(), "{v}.is_nil()".into()),
        Ty::ApiKey => {
            let v = match d {
                None => 0,
                Some(s) => i16::try_from(
                    parse_int(s).ok_or_else(|| format!("{}: bad int default {s}", f.name))?,
                )
                .map_err(|_| format!("{}: default {s} out of range", f.name))?,
            };
            (format!("ApiKey({v})"), format!("{{v}} == ApiKey({v})"))
        }
        Ty::Bytes => wrap("Bytes::new()".into(), "{x}.is_empty()"),
        // Kafka's default for records is null.
        Ty::Records if optional => ("None".into(), "{v}.is_none()".into()),
        Ty::Records => ("Bytes::new()".into(), "{v}.is_empty()".into()),
        Ty::Array(_) => wrap("Vec::new()".into(), "{x}.is_empty()"),
        Ty::Struct(s) => wrap(
            format!("{s}::default()"),
            &format!("*{{x}} == {s}::default()"),
        ),
    })
}

/// The wire facts of a field for its doc comment.
fn field_doc(f: &Field) -> String {
    let mut s = format!("`{}`: {}, versions {}", f.name, f.ty, f.versions.render());
    if let Some(n) = f.nullable {
        s.push_str(&format!(", nullable in {}", n.render()));
    }
    if let (Some(t), Some(tag)) = (f.tagged, f.tag) {
        s.push_str(&format!(", tagged field {tag} in {}", t.render()));
    }
    if let Some(d) = &f.default {
        s.push_str(&format!(
            ", default `{}`",
            if d.is_empty() { "\"\"" } else { d }
        ));
    }
    if f.ignorable {
        s.push_str(", ignorable");
    }
    s.push('.');
    s
}

struct Builder<'a> {
    schema: &'a Schema,
    /// Struct name → its schema fields.
    defs: BTreeMap<String, &'a [Field]>,
    /// Struct name → versions in which some field holding it exists.
    used: BTreeMap<String, VersionSet>,
}

impl<'a> Builder<'a> {
    fn collect(&mut self, fields: &'a [Field], within: &VersionSet) -> Result<(), String> {
        for f in fields {
            let mut t = Ty::parse(&f.ty);
            while let Ty::Array(inner) = t {
                t = *inner;
            }
            let Ty::Struct(name) = t else { continue };
            if !f.fields.is_empty() {
                if self.defs.insert(name.clone(), &f.fields).is_some() {
                    return Err(format!("{}: struct {name} defined twice", self.schema.name));
                }
            } else if !self.defs.contains_key(&name) {
                return Err(format!("{}: unknown struct {name}", self.schema.name));
            }
            let v = VersionSet::of(Some(f.versions)).intersect(within);
            let e = self.used.entry(name.clone()).or_default();
            *e = e.union(&v);
            let fs: &'a [Field] = self.defs[&name];
            self.collect(fs, &v)?;
        }
        Ok(())
    }

    fn build_struct(
        &self,
        name: &str,
        top: bool,
        fields: &[Field],
        versions: &VersionSet,
        flexible: &VersionSet,
    ) -> Result<StructModel, String> {
        if fields.len() > 64 {
            return Err(format!("{name}: more than 64 fields"));
        }
        let mut out = Vec::new();
        for (index, f) in fields.iter().enumerate() {
            let ty = match (f.rust_type.as_deref(), Ty::parse(&f.ty)) {
                (None, ty) => ty,
                (Some("ApiKey"), Ty::I16) => Ty::ApiKey,
                (Some(t), _) => {
                    return Err(format!(
                    "{name}.{}: type={t} over {} is not supported (only type=ApiKey over int16)",
                    f.name, f.ty
                ))
                }
            };
            let present = VersionSet::of(Some(f.versions)).intersect(versions);
            let tagged = VersionSet::of(f.tagged).intersect(&present);
            if !tagged.is_subset(flexible) {
                return Err(format!(
                    "{name}.{}: tagged outside flexible versions",
                    f.name
                ));
            }
            let tag = f.tag;
            if !tagged.is_empty() {
                match tag {
                    None => return Err(format!("{name}.{}: tagged without tag", f.name)),
                    Some(t) if t >= 64 => return Err(format!("{name}.{}: tag {t} >= 64", f.name)),
                    _ => {}
                }
            }
            let optional = f.nullable.is_some();
            let (default, is_default) = default_of(f, &ty, optional)?;
            let compact = if f.never_flexible {
                VersionSet::empty()
            } else {
                flexible.intersect(&present)
            };
            let ident = snake(&f.name);
            out.push(FieldModel {
                name: f.name.clone(),
                bare: ident.trim_start_matches("r#").to_string(),
                ident,
                ty,
                index,
                optional,
                inline: present.subtract(&tagged),
                nullable: VersionSet::of(f.nullable).intersect(&present),
                present,
                tagged,
                compact,
                tag,
                ignorable: f.ignorable,
                default,
                is_default,
                doc: field_doc(f),
                description: f.doc.clone(),
            });
        }
        Ok(StructModel {
            name: name.to_string(),
            top,
            versions: versions.clone(),
            flexible: flexible.intersect(versions),
            fields: out,
            held_by: None,
        })
    }
}

/// The first described field (depth first, schema order) whose type is `name` or `[]name`.
fn holder(fields: &[Field], name: &str) -> Option<(String, String)> {
    fields.iter().find_map(|f| match &f.doc {
        Some(d) if f.ty.trim_start_matches("[]") == name => Some((f.name.clone(), d.clone())),
        _ => holder(&f.fields, name),
    })
}

pub fn build(schema: &Schema) -> Result<MessageModel, String> {
    let versions = VersionSet::of(Some(schema.versions));
    let flexible = VersionSet::of(schema.flexible).intersect(&versions);
    let mut b = Builder {
        schema,
        defs: BTreeMap::new(),
        used: BTreeMap::new(),
    };
    for s in &schema.common_structs {
        b.defs.insert(s.name.clone(), &s.fields);
    }
    b.collect(&schema.fields, &versions)?;
    let mut structs =
        vec![b.build_struct(&schema.name, true, &schema.fields, &versions, &flexible)?];
    for (name, fields) in &b.defs {
        // A common struct nothing uses is not generated.
        let Some(used) = b.used.get(name) else {
            continue;
        };
        let mut st = b.build_struct(name, false, fields, used, &flexible)?;
        st.held_by = holder(&schema.fields, name).or_else(|| {
            schema
                .common_structs
                .iter()
                .find_map(|c| holder(&c.fields, name))
        });
        structs.push(st);
    }
    Ok(MessageModel {
        kind: schema.kind,
        name: schema.name.clone(),
        api_key: schema.api_key,
        family: schema.family.clone(),
        doc: schema.doc.clone(),
        versions,
        flexible,
        module: snake(&schema.name),
        structs,
    })
}
