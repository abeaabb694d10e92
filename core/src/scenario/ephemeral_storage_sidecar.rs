//! `ephemeral-storage-sidecar` (kubernetes#138371): a native sidecar that writes past its own
//! `ephemeral-storage` limit is evicted. Up to 1.36 the eviction manager's per-container check
//! walks the regular containers only; a control pod whose only limit is the sidecar's is evicted
//! by the pod-level check on every version, which proves the cluster enforces limits at all.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, guarding};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::is_finished;

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "ephemeral-storage-sidecar",
    summary: "a sidecar over its ephemeral-storage limit is evicted, as an app would be",
    caption: "Two pods' sidecars write 50 MiB over a 10 MiB ephemeral-storage limit; in one \
              the app's 1 GiB limit hides it from the pod-level check. Fixed: both are \
              evicted. kubernetes#138371: only the control is; the sidecar writes on.",
    manifest: include_str!("ephemeral-storage-sidecar.yaml"),
    injected: false,
    // It only runs pods; 100 MiB on the node's disk for a minute.
    node: NodeUse::Shared,
    expectation: |target| guarding(&SIDECAR_STORAGE_LIMIT_IGNORED, target),
    checks,
    end,
    plan_column: None,
};

/// The eviction manager ignores a native sidecar's own `ephemeral-storage` limit.
pub(super) const SIDECAR_STORAGE_LIMIT_IGNORED: KnownBug = KnownBug {
    id: "kubernetes#138371",
    url: "https://github.com/kubernetes/kubernetes/issues/138371",
    title: "a native sidecar over its own ephemeral-storage limit is not evicted (the \
            per-container check reads regular containers only)",
    // containerEphemeralStorageLimitEviction builds its map from pod.Spec.Containers only
    // (eviction_manager.go: 1.28.15 :541, 1.32.13 :576, 1.35.8 and 1.36.5 :583).
    introduced_in: None,
    absent_in: &[],
    // #138462 (1.37.0, CHANGELOG-1.37.md:626) adds the restartable init containers (1.37.2
    // eviction_manager.go:604-612). No pick in any pinned 1.3x patch.
    fixed_in: &[Patch {
        minor: 37,
        patch: 0,
    }],
    open_upstream: None,
    racy: false,
};

/// The pod only the container check can catch.
pub(super) const SUBJECT: &str = "ephemeral-storage-sidecar";
/// The pod the pod-level check catches on every version.
pub(super) const CONTROL: &str = "ephemeral-storage-control";
/// How long after the control's eviction the subject must still run to count as not evicted:
/// both filled their disks within a second of each other, usage is sampled every 10 s and the
/// eviction manager runs every 10 s, so a working check catches it within ~20 s of the control.
pub(super) const PATIENCE_SECONDS: u32 = 30;

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::Evicted {
            pod: CONTROL,
            after: None,
            // Its sidecar fills its disk 3 s after it starts; then a usage refresh and an
            // eviction round, 10 s each.
            patience_seconds: 60,
            known_bug: None,
        },
        Check::Evicted {
            pod: SUBJECT,
            after: Some(CONTROL),
            patience_seconds: PATIENCE_SECONDS,
            known_bug: expected.expects(&SIDECAR_STORAGE_LIMIT_IGNORED),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    // Both pods run until evicted (restartPolicy Always), so a finished pod is an evicted one;
    // its status need not say so (1.35.8 left an evicted pod `Succeeded`, see the decider).
    let evicted = |name: &str| {
        progress
            .pods
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some(name) && is_finished(p))
    };
    match (evicted(CONTROL), evicted(SUBJECT)) {
        (true, true) => Some(EndCondition::After(Duration::from_secs(2))),
        (true, false) => Some(EndCondition::After(Duration::from_secs(
            u64::from(PATIENCE_SECONDS) + 5,
        ))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_up_to_1_36() {
        let on = |minor, patch| {
            SIDECAR_STORAGE_LIMIT_IGNORED.present_on_target(&Target::native(minor, Some(patch)))
        };
        assert!(on(28, 15) && on(32, 13) && on(35, 8) && on(36, 5));
        assert!(!on(37, 0) && !on(37, 2));
        assert_eq!(SIDECAR_STORAGE_LIMIT_IGNORED.consistency(), Ok(()));
    }
}
