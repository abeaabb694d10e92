//! Known kubelet bugs a scenario can show: which upstream issue, and on which patches it is
//! expected. A check that expects one passes as a known bug where it shows, and fails where it
//! was expected and did not show: a surprise that means this table must be updated (with the
//! evidence), never silently accepted. A bug no released patch has fixed is open upstream
//! ([`PendingFix`]): expected on every patch since it came, and every report says so.
//! Sources: `docs/sidecar-semantics.md` §8.

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

/// Patches of one minor that do not have a bug although they come after it was introduced and
/// before the minor's fix (`1.36.0`–`1.36.2` for kubernetes#140881: they escaped it by accident).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchRange {
    /// The first patch without it.
    pub first: Patch,
    /// The last patch without it (same minor as `first`).
    pub last: Patch,
}

impl PatchRange {
    fn contains(&self, patch: Patch) -> bool {
        self.first <= patch && patch <= self.last
    }
}

impl std::fmt::Display for PatchRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}–{}", self.first, self.last)
    }
}

/// A bug that is **open upstream**: a fix exists (merged on a branch, or proposed) but no released
/// patch of any minor carries it, so the bug is expected on every patch from its introduction.
/// The day a pinned patch shows the healthy behaviour, its check fails with that recording as
/// the evidence, and the bug gets its `fixed_in` patches instead.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingFix {
    /// The fix's pull request.
    pub pr: &'static str,
    /// Where it stands, in a line: which branches have it, which cherry-picks are open.
    pub status: &'static str,
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
    /// Patches after `introduced_in` that do not have it all the same (empty for most bugs).
    #[serde(skip_serializing_if = "<[PatchRange]>::is_empty")]
    pub absent_in: &'static [PatchRange],
    /// The first fixed patch of each minor that carries the fix, ascending by minor. A minor
    /// newer than the last one listed is fixed; a minor older than the first, or between
    /// listed ones without an entry, is not. Empty exactly when the bug is open upstream.
    pub fixed_in: &'static [Patch],
    /// `Some` when the bug is open upstream: no released patch has the fix (`fixed_in` is then
    /// empty, which [`KnownBug::consistency`] holds every bug to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_upstream: Option<PendingFix>,
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
        if self.absent_in.iter().any(|range| range.contains(here)) {
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

    /// `kubernetes#132826 (https://…), fixed in 1.33.4, 1.34.1, 1.35.0`, or for a bug open
    /// upstream `kubernetes#141155 (https://…), open upstream: …`.
    pub fn describe(&self) -> String {
        format!("{} ({}), {}", self.id, self.url, self.fix_status())
    }

    /// Where the fix stands: `fixed in 1.33.6, 1.34.2, 1.35.0`, or `open upstream: no released
    /// patch has the fix (pending: <pr>; <status>)`.
    pub fn fix_status(&self) -> String {
        match &self.open_upstream {
            Some(fix) => format!(
                "open upstream: no released patch has the fix (pending: {}; {})",
                fix.pr, fix.status
            ),
            None => {
                let fixed: Vec<String> = self.fixed_in.iter().map(ToString::to_string).collect();
                format!("fixed in {}", fixed.join(", "))
            }
        }
    }

    /// Whether no released patch has the fix yet.
    pub fn is_open_upstream(&self) -> bool {
        self.open_upstream.is_some()
    }

    /// Whether the definition says one thing: a bug open upstream lists no fixed patch, a fixed
    /// one lists at least one, in ascending minors, one each; every absent range lies in one
    /// minor, after the bug was introduced and before that minor's fix.
    ///
    /// # Errors
    /// What contradicts what.
    pub fn consistency(&self) -> Result<(), String> {
        let id = self.id;
        match (&self.open_upstream, self.fixed_in.is_empty()) {
            (Some(_), false) => {
                return Err(format!(
                    "{id} is open upstream but lists fixed patches {:?}",
                    self.fixed_in
                ));
            }
            (None, true) => {
                return Err(format!(
                    "{id} lists no fixed patch: say it is open upstream (with the pending fix)"
                ));
            }
            _ => {}
        }
        if self.fixed_in.windows(2).any(|w| w[0].minor >= w[1].minor) {
            return Err(format!(
                "{id}: fixed_in must ascend by minor, one patch each"
            ));
        }
        for range in self.absent_in {
            let fix = self.fixed_in.iter().find(|f| f.minor == range.first.minor);
            if range.first.minor != range.last.minor
                || range.first > range.last
                || self.introduced_in.is_some_and(|i| range.first < i)
                || fix.is_some_and(|f| range.last >= *f)
            {
                return Err(format!(
                    "{id}: the absent range {range} is not inside the bug's span"
                ));
            }
        }
        Ok(())
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
        absent_in: &[],
        fixed_in: &[p(33, 4), p(34, 1), p(35, 0)],
        open_upstream: None,
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

    #[test]
    fn a_bug_open_upstream_is_present_from_its_introduction_on_every_minor() {
        const OPEN: KnownBug = KnownBug {
            introduced_in: Some(p(35, 0)),
            fixed_in: &[],
            open_upstream: Some(PendingFix {
                pr: "https://github.com/kubernetes/kubernetes/pull/2",
                status: "merged on master",
            }),
            ..BUG
        };
        assert!(!OPEN.present_on(34, Some(12)));
        for minor in 35..=40 {
            assert!(OPEN.present_on(minor, Some(99)), "1.{minor}");
        }
        assert!(OPEN.is_open_upstream() && !BUG.is_open_upstream());
        assert!(
            OPEN.describe()
                .contains("open upstream: no released patch has the fix (pending: https://github.com/kubernetes/kubernetes/pull/2"),
            "{}",
            OPEN.describe()
        );
        assert_eq!(
            BUG.describe(),
            "kubernetes#1 (https://github.com/kubernetes/kubernetes/issues/1), fixed in 1.33.4, 1.34.1, 1.35.0"
        );
        assert_eq!(OPEN.consistency(), Ok(()));
        const FIXED_AND_OPEN: KnownBug = KnownBug {
            fixed_in: &[p(38, 0)],
            ..OPEN
        };
        let fixed_and_open = FIXED_AND_OPEN;
        assert!(fixed_and_open.consistency().is_err());
        let neither = KnownBug {
            open_upstream: None,
            ..OPEN
        };
        assert!(neither.consistency().is_err());
    }

    #[test]
    fn patches_that_escaped_a_bug_are_absent_inside_its_span() {
        const GAP: KnownBug = KnownBug {
            introduced_in: Some(p(35, 0)),
            absent_in: &[PatchRange {
                first: p(36, 0),
                last: p(36, 2),
            }],
            fixed_in: &[p(37, 0)],
            ..BUG
        };
        assert!(GAP.present_on(35, Some(8)));
        assert!(!GAP.present_on(36, Some(0)));
        assert!(!GAP.present_on(36, Some(2)));
        assert!(GAP.present_on(36, Some(3)));
        assert!(GAP.present_on(36, Some(5)));
        assert!(!GAP.present_on(37, Some(0)));
        assert_eq!(GAP.consistency(), Ok(()));
        const OUTSIDE: KnownBug = KnownBug {
            absent_in: &[PatchRange {
                first: p(37, 0),
                last: p(37, 1),
            }],
            ..GAP
        };
        let outside = OUTSIDE;
        assert!(outside.consistency().is_err(), "after the fix");
    }

    /// Every bug a scenario can expect, found through the registry on every minor and patch a
    /// cell could report, says one consistent thing.
    #[test]
    fn every_registered_known_bug_is_consistent() {
        use crate::plan::{EffectiveMode, InjectorSpec, K8sVersion};
        use crate::scenario::Scenario;
        let mut seen: Vec<&'static KnownBug> = Vec::new();
        for minor in 28..=40 {
            for patch in 0..=40 {
                let target = Target {
                    k8s: K8sVersion::new(minor),
                    patch: Some(patch),
                    sidecars_on: true,
                    mode: EffectiveMode::Native,
                    injector: InjectorSpec::builtin(),
                    api_server: K8sVersion::new(minor),
                };
                for scenario in Scenario::ALL {
                    for bug in scenario
                        .expectation(&target)
                        .map(|e| e.known_bugs)
                        .unwrap_or_default()
                    {
                        if !seen.contains(&bug) {
                            seen.push(bug);
                        }
                    }
                }
            }
        }
        assert!(seen.len() >= 4, "{seen:?}");
        for bug in seen {
            assert_eq!(bug.consistency(), Ok(()), "{}", bug.id);
        }
    }
}
