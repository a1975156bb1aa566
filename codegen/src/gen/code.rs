//! An indent-aware writer for generated Rust.

use std::fmt::Write as _;

/// Generated source under construction. Blocks opened with [`Code::open`] indent what follows
/// until the matching [`Code::close`].
#[derive(Default)]
pub struct Code {
    out: String,
    depth: usize,
}

impl Code {
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer whose lines start `depth` levels in (to be [`append`](Self::append)ed there).
    pub fn at_depth(depth: usize) -> Self {
        Code {
            out: String::new(),
            depth,
        }
    }

    /// The text so far.
    pub fn text(&self) -> &str {
        &self.out
    }

    /// Whether the text so far uses `ident` as a whole word (a variable, not part of a name).
    pub fn mentions(&self, ident: &str) -> bool {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        self.out.match_indices(ident).any(|(i, _)| {
            let before = self.out[..i].chars().next_back();
            let after = self.out[i + ident.len()..].chars().next();
            !before.is_some_and(word) && !after.is_some_and(word)
        })
    }

    /// Adds what `other` wrote (its depth should match this writer's).
    pub fn append(&mut self, other: Code) {
        self.out.push_str(&other.out);
    }

    /// One line at the current depth (several when `text` holds newlines).
    pub fn line(&mut self, text: impl AsRef<str>) {
        for l in text.as_ref().split('\n') {
            if l.is_empty() {
                self.out.push('\n');
            } else {
                let _ = writeln!(self.out, "{}{l}", "    ".repeat(self.depth));
            }
        }
    }

    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `head {`, then indents.
    pub fn open(&mut self, head: impl AsRef<str>) {
        self.line(format!("{} {{", head.as_ref()));
        self.depth += 1;
    }

    /// `}` + `tail` at the enclosing depth.
    pub fn close_with(&mut self, tail: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.line(format!("}}{tail}"));
    }

    pub fn close(&mut self) {
        self.close_with("");
    }

    /// `} head {`: closes a block and opens the next at the same depth (`else`, `else if`).
    pub fn reopen(&mut self, head: impl AsRef<str>) {
        self.depth = self.depth.saturating_sub(1);
        self.line(format!("}} {} {{", head.as_ref()));
        self.depth += 1;
    }

    /// A block: `head {`, the body, `}`.
    pub fn block(&mut self, head: impl AsRef<str>, body: impl FnOnce(&mut Self)) {
        self.open(head);
        body(self);
        self.close();
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_blocks() {
        let mut c = Code::new();
        c.block("fn f()", |c| {
            c.open("if x");
            c.line("a();");
            c.reopen("else");
            c.line("b();");
            c.close();
        });
        assert_eq!(
            c.finish(),
            "fn f() {\n    if x {\n        a();\n    } else {\n        b();\n    }\n}\n"
        );
    }
}
