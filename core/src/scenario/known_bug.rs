//! Known kubelet bugs a scenario can show: which upstream issue, and on which patches it is
//! expected. A check that expects one passes as a known bug where it shows, and fails where it
//! was expected and did not show: a surprise that means this table must be updated (with the
//! evidence), never silently accepted. Sources: `docs/sidecar-semantics.md` §8.

use serde::Serialize;

use super::target::Target;

/// A Kubernetes patch release, `1.33.4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Patch {
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl std::fmt::Display for Patch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "1.{}.{}", self.minor, self.patch)
    }
}

/// `Patch` in a const context.
const fn p(minor: u32, patch: u32) -> Patch {
    Patch { minor, patch }
}

/// One upstream bug.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownBug {
    /// `kubernetes#132826`.
    pub id: &'static str,
    /// The address.
    pub url: &'static str,
    /// What goes wrong, in a line.
    pub title: &'static str,
    /// The first release that has it, when it is a regression (`None`: present since the feature).
    pub introduced_in: Option<Patch>,
    /// The first fixed patch of each minor that carries the fix, ascending by minor. A minor
    /// newer than the last one listed is fixed; a minor older than the first, or between
    /// listed ones without an entry, is not.
    pub fixed_in: &'static [Patch],
    /// Whether its trigger is a race the workload cannot always win: where it is expected and
    /// does not show, one run proves no fix, so nothing is asserted (instead of a failure).
    pub racy: bool,
}

impl KnownBug {
    /// Whether the bug is expected on `minor`.`patch` (an unknown patch: the minor's `.0`).
    pub fn present_on(&self, minor: u32, patch: Option<u32>) -> bool {
        let here = p(minor, patch.unwrap_or(0));
        if self.introduced_in.is_some_and(|first| here < first) {
            return false;
        }
        if let Some(fix) = self.fixed_in.iter().find(|f| f.minor == minor) {
            return here < *fix;
        }
        self.fixed_in
            .last()
            .is_none_or(|newest| minor <= newest.minor)
    }

    /// Whether the bug is expected on `target`.
    pub fn present_on_target(&self, target: &Target) -> bool {
        self.present_on(target.k8s.minor, target.patch)
    }

    /// `kubernetes#132826, fixed in 1.33.4, 1.34.1, 1.35.0`.
    pub fn describe(&self) -> String {
        let fixed: Vec<String> = self.fixed_in.iter().map(ToString::to_string).collect();
        format!("{} ({}), fixed in {}", self.id, self.url, fixed.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUG: KnownBug = KnownBug {
        id: "kubernetes#1",
        url: "https://github.com/kubernetes/kubernetes/issues/1",
        title: "test",
        introduced_in: None,
        fixed_in: &[p(33, 4), p(34, 1), p(35, 0)],
        racy: false,
    };

    #[test]
    fn backports_fix_their_own_minor_from_their_patch() {
        assert!(BUG.present_on(32, Some(13)), "no backport to 1.32");
        assert!(BUG.present_on(33, Some(3)));
        assert!(!BUG.present_on(33, Some(4)));
        assert!(!BUG.present_on(34, Some(12)));
        assert!(!BUG.present_on(35, Some(0)));
        assert!(!BUG.present_on(37, Some(2)), "newer minors are fixed");
    }

    #[test]
    fn a_regression_is_absent_before_it_was_introduced() {
        const REGRESSION: KnownBug = KnownBug {
            introduced_in: Some(p(35, 0)),
            fixed_in: &[p(35, 1)],
            ..BUG
        };
        let regression = REGRESSION;
        assert!(!regression.present_on(34, Some(12)));
        assert!(regression.present_on(35, Some(0)));
        assert!(!regression.present_on(35, Some(8)));
        assert!(!regression.present_on(36, Some(5)));
    }
}
