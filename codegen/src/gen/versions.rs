//! Sets of versions, and the shortest Rust condition that tells them apart.
//!
//! Every version-dependent decision in the generator (is the field present, tagged, nullable,
//! is the message flexible) is a [`VersionSet`]. Sets are intersected and subtracted first;
//! only then is a condition written, against the versions still possible at that point of the
//! generated code ([`VersionSet::test`]). So a test that is always true is never written, and
//! a branch that can never run is never emitted.

use crate::schema::Versions;

/// The highest version a set can name; "and every later version" is clamped to it.
pub const TOP: i16 = i16::MAX;

/// A set of versions: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VersionSet {
    ranges: Vec<(i16, i16)>,
}

/// What a version test reduces to in a given context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// True for every version possible here: no test needed.
    Always,
    /// False for every version possible here: the code it guards is never emitted.
    Never,
    /// A boolean Rust expression over `version`.
    When(String),
}

impl VersionSet {
    pub fn empty() -> Self {
        VersionSet { ranges: Vec::new() }
    }

    pub fn range(lo: i16, hi: i16) -> Self {
        if lo > hi {
            return Self::empty();
        }
        VersionSet {
            ranges: vec![(lo, hi)],
        }
    }

    /// From a schema range (`None` is the empty set).
    pub fn of(v: Option<Versions>) -> Self {
        match v {
            None => Self::empty(),
            Some(v) => Self::range(v.min, v.max.unwrap_or(TOP)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn contains(&self, v: i16) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= v && v <= hi)
    }

    pub fn min(&self) -> Option<i16> {
        self.ranges.first().map(|r| r.0)
    }

    pub fn max(&self) -> Option<i16> {
        self.ranges.last().map(|r| r.1)
    }

    /// Every version in the set (the set must be bounded by a message's range).
    pub fn iter(&self) -> impl Iterator<Item = i16> + '_ {
        self.ranges.iter().flat_map(|&(lo, hi)| lo..=hi)
    }

    fn normalize(mut ranges: Vec<(i16, i16)>) -> Self {
        ranges.retain(|r| r.0 <= r.1);
        ranges.sort();
        let mut out: Vec<(i16, i16)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some(last) if lo as i32 <= last.1 as i32 + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        VersionSet { ranges: out }
    }

    pub fn union(&self, other: &Self) -> Self {
        Self::normalize(self.ranges.iter().chain(&other.ranges).copied().collect())
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        for &(a, b) in &self.ranges {
            for &(c, d) in &other.ranges {
                let (lo, hi) = (a.max(c), b.min(d));
                if lo <= hi {
                    out.push((lo, hi));
                }
            }
        }
        Self::normalize(out)
    }

    pub fn subtract(&self, other: &Self) -> Self {
        let mut cur = self.ranges.clone();
        for &(c, d) in &other.ranges {
            let mut next = Vec::new();
            for (a, b) in cur {
                if d < a || c > b {
                    next.push((a, b));
                    continue;
                }
                if a < c {
                    next.push((a, c - 1));
                }
                if d < b {
                    next.push((d + 1, b));
                }
            }
            cur = next;
        }
        Self::normalize(cur)
    }

    pub fn is_subset(&self, other: &Self) -> bool {
        self.subtract(other).is_empty()
    }

    /// The test for "`version` is in this set", knowing that `version` is in `ctx`.
    ///
    /// Picks the shortest form that is exact on `ctx`: a bound (`version >= 3`), a single
    /// version, a contiguous range, or failing those a disjunction of ranges.
    pub fn test(&self, ctx: &VersionSet) -> Test {
        let yes = self.intersect(ctx);
        if yes.is_empty() {
            return Test::Never;
        }
        if yes == *ctx {
            return Test::Always;
        }
        let (lo, hi) = (yes.min().unwrap_or(0), yes.max().unwrap_or(0));
        let (ctx_lo, ctx_hi) = (ctx.min().unwrap_or(0), ctx.max().unwrap_or(0));
        // Exact on ctx with one comparison?
        if yes == ctx.intersect(&Self::range(lo, TOP)) && lo > ctx_lo {
            return Test::When(format!("version >= {lo}"));
        }
        if yes == ctx.intersect(&Self::range(i16::MIN, hi)) && hi < ctx_hi {
            return Test::When(format!("version <= {hi}"));
        }
        if lo == hi {
            return Test::When(format!("version == {lo}"));
        }
        if yes == ctx.intersect(&Self::range(lo, hi)) {
            return Test::When(format!("({lo}..={hi}).contains(&version)"));
        }
        let parts: Vec<String> = yes
            .ranges
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    format!("version == {a}")
                } else if a <= ctx_lo {
                    format!("version <= {b}")
                } else if b >= ctx_hi {
                    format!("version >= {a}")
                } else {
                    format!("({a}..={b}).contains(&version)")
                }
            })
            .collect();
        Test::When(parts.join(" || "))
    }

    /// As written in schemas and docs: `0-4`, `3+`, `7`, or `0-2, 5+`.
    pub fn render(&self) -> String {
        if self.is_empty() {
            return "none".into();
        }
        self.ranges
            .iter()
            .map(|&(a, b)| match (a, b) {
                (a, TOP) => format!("{a}+"),
                (a, b) if a == b => format!("{a}"),
                (a, b) => format!("{a}-{b}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(lo: i16, hi: i16) -> VersionSet {
        VersionSet::range(lo, hi)
    }

    #[test]
    fn algebra() {
        let a = s(0, 10);
        assert_eq!(a.subtract(&s(3, 5)).render(), "0-2, 6-10");
        assert_eq!(a.intersect(&s(8, TOP)).render(), "8-10");
        assert_eq!(s(0, 2).union(&s(3, 4)).render(), "0-4");
        assert!(s(12, 12).subtract(&s(12, TOP)).is_empty());
        assert!(s(3, 4).is_subset(&a));
    }

    #[test]
    fn tests_are_minimal_in_context() {
        let ctx = s(0, 18);
        assert_eq!(s(0, TOP).test(&ctx), Test::Always);
        assert_eq!(s(19, TOP).test(&ctx), Test::Never);
        assert_eq!(s(12, TOP).test(&ctx), Test::When("version >= 12".into()));
        assert_eq!(s(0, 12).test(&ctx), Test::When("version <= 12".into()));
        assert_eq!(s(4, 4).test(&ctx), Test::When("version == 4".into()));
        assert_eq!(
            s(4, 7).test(&ctx),
            Test::When("(4..=7).contains(&version)".into())
        );
        // Inside a branch that already knows `version >= 12`, "12+" needs no test.
        assert_eq!(s(12, TOP).test(&s(12, 18)), Test::Always);
        // After `if version >= 12`, the else branch knows `version <= 11`.
        assert_eq!(s(0, 11).test(&s(0, 11)), Test::Always);
        // A hole: 0-2 and 5+ within 0-9 is "not 3-4", written as ranges.
        assert_eq!(
            s(0, 2).union(&s(5, TOP)).test(&s(0, 9)),
            Test::When("version <= 2 || version >= 5".into())
        );
    }
}
