//! Descriptions shared by field name (`schemas/common-docs.txt`) and the coverage rule: which
//! families must have a description on every message and field.

use std::collections::BTreeMap;
use std::path::Path;

use crate::schema::{check_doc, Field, Schema};

/// The families whose every message and field has a description (checked by a test and by
/// `check`): all of them.
pub const DESCRIBED_FAMILIES: &[&str] = &[
    "core",
    "fetch",
    "list-offsets",
    "metadata",
    "produce",
    "group",
    "offset",
    "security",
    "transactions",
    "admin",
    "telemetry",
    "share-groups",
    "kraft",
    "broker-internal",
    "streams-groups",
];

/// Field name → description, from `common-docs.txt`.
pub type Common = BTreeMap<String, String>;

/// Parses `common-docs.txt`: `Name -- description` per line, `#` comments, blank lines.
pub fn parse_common(text: &str) -> Result<Common, String> {
    let mut out = Common::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |m: String| format!("common-docs.txt line {}: {m}", i + 1);
        let (name, doc) = line
            .split_once(" -- ")
            .ok_or_else(|| err("expected `Name -- description`".into()))?;
        let (name, doc) = (name.trim(), doc.trim());
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(err(format!("bad field name {name:?}")));
        }
        check_doc(doc).map_err(&err)?;
        if out.insert(name.to_string(), doc.to_string()).is_some() {
            return Err(err(format!("{name} described twice")));
        }
    }
    Ok(out)
}

/// Reads `common-docs.txt` from the schemas folder (none there: no shared descriptions).
pub fn load_common(schemas: &Path) -> Result<Common, String> {
    match std::fs::read_to_string(schemas.join("common-docs.txt")) {
        Ok(t) => parse_common(&t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Common::new()),
        Err(e) => Err(format!("common-docs.txt: {e}")),
    }
}

fn fill(fields: &mut [Field], common: &Common) {
    for f in fields {
        if f.doc.is_none() {
            f.doc = common.get(&f.name).cloned();
        }
        fill(&mut f.fields, common);
    }
}

/// Gives every field without its own description the shared one for its name.
pub fn apply(schema: &mut Schema, common: &Common) {
    fill(&mut schema.fields, common);
    for s in &mut schema.common_structs {
        fill(&mut s.fields, common);
    }
}

fn missing_in(fields: &[Field], path: &str, out: &mut Vec<String>) {
    for f in fields {
        let here = format!("{path}.{}", f.name);
        if f.doc.is_none() {
            out.push(here.clone());
        }
        missing_in(&f.fields, &here, out);
    }
}

/// What has no description in `schema` (after [`apply`]): `Message` or `Message.Path.Field`.
pub fn missing(schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    if schema.doc.is_none() {
        out.push(format!("{} (the message)", schema.name));
    }
    missing_in(&schema.fields, &schema.name, &mut out);
    for s in &schema.common_structs {
        missing_in(&s.fields, &format!("{}.{}", schema.name, s.name), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_descriptions_fill_gaps_and_lose_to_own_ones() {
        let common =
            parse_common("# shared\nErrorCode -- The error, 0 if none.\nName -- A name.\n")
                .unwrap();
        let mut s = Schema::parse(
            "response XResponse key=99 versions=0 flexible=none family=admin -- Says X.\n\
             \x20 ErrorCode int16 0+\n\
             \x20 Items []Item 0+\n\
             \x20   Name string 0+ -- The item's own name.\n\
             \x20   Size int32 0+\n",
        )
        .unwrap();
        apply(&mut s, &common);
        assert_eq!(s.fields[0].doc.as_deref(), Some("The error, 0 if none."));
        assert_eq!(
            s.fields[1].fields[0].doc.as_deref(),
            Some("The item's own name.")
        );
        assert_eq!(missing(&s), ["XResponse.Items", "XResponse.Items.Size"]);
    }

    #[test]
    fn common_docs_format_is_checked() {
        for bad in ["ErrorCode", "A B -- x", "X -- [link]", "X -- a\nX -- b"] {
            assert!(parse_common(bad).is_err(), "{bad}");
        }
    }

    /// Every message and field of the families in [`DESCRIBED_FAMILIES`] has a description.
    #[test]
    fn every_field_of_a_covered_family_is_described() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let schemas = crate::gen::load(&dir).unwrap();
        let common = load_common(&dir).unwrap();
        let mut checked = 0;
        let mut gaps = Vec::new();
        for mut s in schemas {
            if !DESCRIBED_FAMILIES.contains(&s.family.as_str()) {
                continue;
            }
            apply(&mut s, &common);
            checked += 1;
            gaps.extend(missing(&s));
        }
        assert!(
            checked > 100,
            "only {checked} schemas in the covered families"
        );
        assert!(
            gaps.is_empty(),
            "{} without a description (add one to the schema line or schemas/common-docs.txt):\n{}",
            gaps.len(),
            gaps.join("\n")
        );
    }
}
