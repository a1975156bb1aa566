//! The project's schema format (documented in schemas/README.md): parsing and printing.
//!
//! ```text
//! request FetchRequest key=1 versions=0-18 flexible=12+ family=fetch
//!   ClusterId string 12+ nullable=12+ tagged=12+ tag=0 default=null ignorable
//!   Topics []FetchTopic 0+
//!     Topic string 0-12 ignorable
//! struct SomeCommonStruct
//!   Field int32 0+
//! ```

use std::fmt::Write as _;

/// An inclusive version range; `max == None` means "and every later version".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versions {
    pub min: i16,
    pub max: Option<i16>,
}

impl Versions {
    pub fn parse(s: &str) -> Result<Option<Versions>, String> {
        let s = s.trim();
        if s == "none" {
            return Ok(None);
        }
        let num = |t: &str| t.parse::<i16>().map_err(|_| format!("bad version {t:?}"));
        if let Some(min) = s.strip_suffix('+') {
            return Ok(Some(Versions {
                min: num(min)?,
                max: None,
            }));
        }
        if let Some((a, b)) = s.split_once('-') {
            return Ok(Some(Versions {
                min: num(a)?,
                max: Some(num(b)?),
            }));
        }
        let v = num(s)?;
        Ok(Some(Versions {
            min: v,
            max: Some(v),
        }))
    }

    pub fn contains(&self, v: i16) -> bool {
        v >= self.min && self.max.is_none_or(|m| v <= m)
    }

    pub fn render(&self) -> String {
        match self.max {
            None => format!("{}+", self.min),
            Some(m) if m == self.min => format!("{m}"),
            Some(m) => format!("{}-{m}", self.min),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Request,
    Response,
    Header,
    Data,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Response => "response",
            Kind::Header => "header",
            Kind::Data => "data",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// As written: `int32`, `[]int32`, `[]FetchTopic`, `ReplicaState`, ...
    pub ty: String,
    pub versions: Versions,
    pub nullable: Option<Versions>,
    pub tagged: Option<Versions>,
    pub tag: Option<u32>,
    pub default: Option<String>,
    pub ignorable: bool,
    /// Field-level `flexible=none`: always the non-compact encoding.
    pub never_flexible: bool,
    /// `type=T`: the Rust type the generator uses instead of the wire type's own (only
    /// `ApiKey` over `int16` is understood).
    pub rust_type: Option<String>,
    /// What the field means (the ` -- text` suffix), in our own words.
    pub doc: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    pub kind: Kind,
    pub name: String,
    pub api_key: Option<i16>,
    pub versions: Versions,
    pub flexible: Option<Versions>,
    pub family: String,
    /// What the message is for (the declaration line's ` -- text` suffix).
    pub doc: Option<String>,
    pub fields: Vec<Field>,
    pub common_structs: Vec<StructDef>,
}

fn render_attr(out: &mut String, key: &str, value: &str) {
    if value.is_empty() || value.contains(char::is_whitespace) || value.contains('"') {
        let _ = write!(
            out,
            " {key}=\"{}\"",
            value.replace('\\', "\\\\").replace('"', "\\\"")
        );
    } else {
        let _ = write!(out, " {key}={value}");
    }
}

fn render_fields(out: &mut String, fields: &[Field], depth: usize) {
    for f in fields {
        let _ = write!(
            out,
            "{}{} {} {}",
            "  ".repeat(depth),
            f.name,
            f.ty,
            f.versions.render()
        );
        if let Some(n) = f.nullable {
            render_attr(out, "nullable", &n.render());
        }
        if let Some(t) = f.tagged {
            render_attr(out, "tagged", &t.render());
        }
        if let Some(t) = f.tag {
            render_attr(out, "tag", &t.to_string());
        }
        if let Some(d) = &f.default {
            render_attr(out, "default", d);
        }
        if f.ignorable {
            out.push_str(" ignorable");
        }
        if f.never_flexible {
            out.push_str(" flexible=none");
        }
        if let Some(t) = &f.rust_type {
            render_attr(out, "type", t);
        }
        if let Some(d) = &f.doc {
            let _ = write!(out, " -- {d}");
        }
        out.push('\n');
        render_fields(out, &f.fields, depth + 1);
    }
}

impl Schema {
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# kafka-codec schema (format: schemas/README.md)\n");
        let _ = write!(out, "{} {}", self.kind.as_str(), self.name);
        if let Some(k) = self.api_key {
            let _ = write!(out, " key={k}");
        }
        let _ = write!(out, " versions={}", self.versions.render());
        let _ = write!(
            out,
            " flexible={}",
            self.flexible.map_or("none".to_string(), |f| f.render())
        );
        let _ = write!(out, " family={}", self.family);
        if let Some(d) = &self.doc {
            let _ = write!(out, " -- {d}");
        }
        out.push('\n');
        render_fields(&mut out, &self.fields, 1);
        for s in &self.common_structs {
            let _ = writeln!(out, "struct {}", s.name);
            render_fields(&mut out, &s.fields, 1);
        }
        out
    }

    pub fn parse(text: &str) -> Result<Schema, String> {
        let mut schema: Option<Schema> = None;
        // Stack of (depth, path into the tree) for attaching children.
        let mut current_struct: Option<usize> = None; // index into common_structs
        for (lineno, raw) in text.lines().enumerate() {
            let err = |m: String| format!("line {}: {m}", lineno + 1);
            let line = raw.trim_end();
            if line.trim_start().starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if indent % 2 != 0 {
                return Err(err("indentation must be a multiple of two spaces".into()));
            }
            let depth = indent / 2;
            let (toks, doc) = tokenize(line.trim_start()).map_err(&err)?;
            if toks.is_empty() {
                return Err(err("a description without a declaration or field".into()));
            }
            if depth == 0 {
                let (head, name) = (toks[0].as_str(), toks.get(1).cloned().unwrap_or_default());
                if head == "struct" {
                    if doc.is_some() {
                        return Err(err("a `struct` line takes no description".into()));
                    }
                    let s = schema
                        .as_mut()
                        .ok_or_else(|| err("struct before message".into()))?;
                    s.common_structs.push(StructDef {
                        name,
                        fields: vec![],
                    });
                    current_struct = Some(s.common_structs.len() - 1);
                    continue;
                }
                let kind = match head {
                    "request" => Kind::Request,
                    "response" => Kind::Response,
                    "header" => Kind::Header,
                    "data" => Kind::Data,
                    _ => return Err(err(format!("unknown declaration {head:?}"))),
                };
                if schema.is_some() {
                    return Err(err("one message per file".into()));
                }
                let mut s = Schema {
                    kind,
                    name,
                    api_key: None,
                    versions: Versions { min: 0, max: None },
                    flexible: None,
                    family: String::new(),
                    doc,
                    fields: vec![],
                    common_structs: vec![],
                };
                for t in &toks[2..] {
                    let (k, v) = t
                        .split_once('=')
                        .ok_or_else(|| err(format!("expected key=value: {t}")))?;
                    match k {
                        "key" => {
                            s.api_key = Some(v.parse().map_err(|_| err(format!("bad key {v}")))?)
                        }
                        "versions" => {
                            s.versions = Versions::parse(v)
                                .map_err(&err)?
                                .ok_or_else(|| err("versions=none".into()))?
                        }
                        "flexible" => s.flexible = Versions::parse(v).map_err(&err)?,
                        "family" => s.family = v.to_string(),
                        _ => return Err(err(format!("unknown attribute {k}"))),
                    }
                }
                schema = Some(s);
                continue;
            }
            let s = schema
                .as_mut()
                .ok_or_else(|| err("field before message".into()))?;
            if toks.len() < 3 {
                return Err(err("a field is NAME TYPE VERSIONS [attributes]".into()));
            }
            let mut f = Field {
                name: toks[0].clone(),
                ty: toks[1].clone(),
                versions: Versions::parse(&toks[2])
                    .map_err(&err)?
                    .ok_or_else(|| err("field versions none".into()))?,
                nullable: None,
                tagged: None,
                tag: None,
                default: None,
                ignorable: false,
                never_flexible: false,
                rust_type: None,
                doc,
                fields: vec![],
            };
            for t in &toks[3..] {
                match t.split_once('=') {
                    None if t == "ignorable" => f.ignorable = true,
                    Some(("nullable", v)) => f.nullable = Versions::parse(v).map_err(&err)?,
                    Some(("tagged", v)) => f.tagged = Versions::parse(v).map_err(&err)?,
                    Some(("tag", v)) => {
                        f.tag = Some(v.parse().map_err(|_| err(format!("bad tag {v}")))?)
                    }
                    Some(("default", v)) => f.default = Some(v.to_string()),
                    Some(("flexible", "none")) => f.never_flexible = true,
                    Some(("type", v)) => f.rust_type = Some(v.to_string()),
                    _ => return Err(err(format!("unknown field attribute {t}"))),
                }
            }
            let root: &mut Vec<Field> = match current_struct {
                Some(i) => &mut s.common_structs[i].fields,
                None => &mut s.fields,
            };
            let mut list = root;
            for _ in 1..depth {
                list = &mut list
                    .last_mut()
                    .ok_or_else(|| err("indented field without a parent".into()))?
                    .fields;
            }
            list.push(f);
        }
        schema.ok_or_else(|| "empty schema".to_string())
    }
}

/// Checks a description: one line of prose that rustdoc shows as written, so no brackets or
/// angle brackets (they would be read as links or HTML).
pub fn check_doc(doc: &str) -> Result<(), String> {
    if doc.is_empty() {
        return Err("empty description after `--`".into());
    }
    if let Some(c) = doc.chars().find(|c| matches!(c, '[' | ']' | '<' | '>')) {
        return Err(format!("description contains {c:?}: {doc}"));
    }
    if !doc.matches('`').count().is_multiple_of(2) {
        return Err(format!("description has an unpaired backtick: {doc}"));
    }
    Ok(())
}

/// Splits on whitespace; `key="quoted value"` keeps its spaces, `\"` and `\\` are escapes. A
/// `--` token (outside quotes) ends the tokens: the rest of the line is the description.
fn tokenize(line: &str) -> Result<(Vec<String>, Option<String>), String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                quoted = true;
            }
            '\\' if in_quotes => cur.push(chars.next().ok_or("dangling escape")?),
            c if c.is_whitespace() && !in_quotes => {
                if cur == "--" && !quoted {
                    let doc = chars.collect::<String>().trim().to_string();
                    check_doc(&doc)?;
                    return Ok((out, Some(doc)));
                }
                if !cur.is_empty() || quoted {
                    out.push(std::mem::take(&mut cur));
                    quoted = false;
                }
            }
            c => cur.push(c),
        }
    }
    if in_quotes {
        return Err("unterminated quote".into());
    }
    if cur == "--" && !quoted {
        return Err("empty description after `--`".into());
    }
    if !cur.is_empty() || quoted {
        out.push(cur);
    }
    Ok((out, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_parse_round_trip() {
        let text = r#"# kafka-codec schema (format: schemas/README.md)
request FetchRequest key=1 versions=0-18 flexible=12+ family=fetch -- Asks for records.
  ClusterId string 12+ nullable=12+ tagged=12+ tag=0 default=null ignorable
  Topics []FetchTopic 0+
    Topic string 0-12 ignorable -- The topic's name -- not its id.
    RackId string 11+ default="a -- b" ignorable
  Key int16 0+ type=ApiKey -- Which API.
struct Common
  X int32 0+
"#;
        let s = Schema::parse(text).unwrap();
        assert_eq!(s.doc.as_deref(), Some("Asks for records."));
        let topic = &s.fields[1].fields[0];
        assert_eq!(
            topic.doc.as_deref(),
            Some("The topic's name -- not its id.")
        );
        assert_eq!(s.fields[1].fields[1].default.as_deref(), Some("a -- b"));
        assert_eq!(s.fields[1].fields[1].doc, None);
        assert_eq!(s.fields[2].rust_type.as_deref(), Some("ApiKey"));
        assert_eq!(s.render(), text);
    }

    /// Every committed schema file is exactly what `render` writes for it, so `import` (which
    /// writes files with `render`) keeps descriptions and overrides byte for byte.
    #[test]
    fn committed_schemas_render_back_unchanged() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "schema") {
                let text = std::fs::read_to_string(&p).unwrap();
                let s = Schema::parse(&text).unwrap();
                assert_eq!(s.render(), text, "{}", p.display());
                n += 1;
            }
        }
        assert!(n > 100, "only {n} schema files");
    }

    #[test]
    fn descriptions_are_checked() {
        for bad in [
            "header H versions=0 flexible=none family=core\n  X int32 0+ --\n",
            "header H versions=0 flexible=none family=core\n  X int32 0+ -- see [Y]\n",
            "header H versions=0 flexible=none family=core\n  X int32 0+ -- a `b\n",
            "header H versions=0 flexible=none family=core\n  -- orphan\n",
        ] {
            assert!(Schema::parse(bad).is_err(), "{bad}");
        }
    }
}
