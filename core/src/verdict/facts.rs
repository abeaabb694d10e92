//! Whether a recording's cell is the cluster it recorded. The cell is a claim (an edited file, or
//! `run` relabelling one cell's recording for another that boots the same cluster); the cluster
//! block holds what the cluster itself reported in the same run: its versions, the capability
//! probe, the mode the injector was configured for. A recording whose claim contradicts its own
//! facts would be judged against the wrong expectations, so it is not judged at all.

use super::types::VerdictError;
use crate::plan::EffectiveMode;
use crate::recording::Recording;
use crate::scenario::Target;

/// Checks the recording's facts against its planned cell, `target`.
///
/// Facts the recording does not have (no kubelet versions, no probe, no injected mode: older
/// and synthetic recordings) are not checked; a server version is always recorded, so it must
/// read as a Kubernetes version.
///
/// # Errors
/// [`VerdictError::Contradicted`] naming the first field that disagrees.
pub(super) fn check_facts(recording: &Recording, target: &Target) -> Result<(), VerdictError> {
    let cell = recording.cell;
    let facts = &recording.cluster;
    let contradicted = |claim: String, fact: String| VerdictError::Contradicted {
        cell: cell.slug(),
        claim,
        fact,
    };
    let claim = || format!("cell.k8s says {}", cell.k8s);
    if minor_of(&facts.server_version) != Some(cell.k8s.minor) {
        return Err(contradicted(
            claim(),
            format!("cluster.serverVersion is {}", shown(&facts.server_version)),
        ));
    }
    // The nodes are the control plane's minor and, where the cell has a worker, the worker's:
    // a node of any other minor is a different cluster from the one the cell names.
    let minors: Vec<u32> = std::iter::once(cell.k8s)
        .chain(cell.worker)
        .map(|k| k.minor)
        .collect();
    if let Some(other) = facts
        .kubelet_versions
        .iter()
        .find(|v| minor_of(v).is_none_or(|m| !minors.contains(&m)))
    {
        let claim = match cell.worker {
            Some(worker) => format!("cell.k8s says {} with a {worker} worker", cell.k8s),
            None => claim(),
        };
        return Err(contradicted(
            claim,
            format!("cluster.kubeletVersions has {}", shown(other)),
        ));
    }
    if let Some(worker) = cell.worker
        && !facts.kubelet_versions.is_empty()
        && !facts
            .kubelet_versions
            .iter()
            .any(|v| minor_of(v) == Some(worker.minor))
    {
        return Err(contradicted(
            format!("cell.worker says {worker}"),
            format!(
                "cluster.kubeletVersions is {}",
                facts.kubelet_versions.join(", ")
            ),
        ));
    }
    if let Some(supported) = facts.native_sidecars_supported
        && supported != target.sidecars_on
    {
        return Err(contradicted(
            format!(
                "gate {} on {} turns native sidecars {}",
                cell.gate,
                cell.k8s,
                if target.sidecars_on { "on" } else { "off" }
            ),
            format!("cluster.nativeSidecarsSupported is {supported}"),
        ));
    }
    // The run configures the injector for native wherever the plan's mode needs a restartable
    // proxy, including where the API server then rejects it.
    let configured = match target.mode {
        EffectiveMode::Native | EffectiveMode::Rejected => EffectiveMode::Native,
        EffectiveMode::Legacy => EffectiveMode::Legacy,
    };
    if let Some(injected) = facts.injected_mode
        && injected != configured
        && injected != target.mode
    {
        return Err(contradicted(
            format!(
                "the plan's {} mode for this cell configures the injector for {configured}",
                target.mode
            ),
            format!("cluster.injectedMode is {injected}"),
        ));
    }
    Ok(())
}

/// The minor of a reported version: 37 of `v1.37.2`, `v1.37.2+k3s1` or `1.37.0-rc.1`; `None`
/// for anything that is not a 1.x version.
fn minor_of(version: &str) -> Option<u32> {
    let mut parts = version.strip_prefix('v').unwrap_or(version).split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let digits = minor
        .find(|c: char| !c.is_ascii_digit())
        .map_or(minor, |end| &minor[..end]);
    (major == "1" && !digits.is_empty())
        .then(|| digits.parse().ok())
        .flatten()
}

/// A reported value as a message shows it: as is, or `empty`.
fn shown(value: &str) -> String {
    if value.is_empty() {
        "empty".to_owned()
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Gate;
    use crate::verdict::judge;

    fn committed(path: &str) -> Recording {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/recordings")
            .join(path);
        let text = std::fs::read_to_string(&path).expect("a committed recording");
        Recording::from_json(&text, "committed").expect("a recording")
    }

    // `run` reports a 1.33+ `default` cell from the `on` cell's run (the same cluster): the
    // relabelled recording is judged, and passes this check, as the cell it now names. A
    // relabelling across clusters that differ is caught by the same check.
    #[test]
    fn a_relabelled_recording_is_judged_only_where_the_cluster_is_the_same() {
        let mut same = committed("live-1.33/1-33-on-builtin-auto/sleep.json");
        same.cell.gate = Gate::Default;
        judge(&same).expect("1.33 on and default boot the same cluster");

        let mut other = committed("live-1.32/1-32-on-builtin-auto/sleep.json");
        other.cell.gate = Gate::Off;
        let err = judge(&other).expect_err("1.32 off turns native sidecars off");
        assert_eq!(
            err.to_string(),
            "the recording's cell (1-32-off-builtin-auto) is not the cluster it recorded: gate \
             off on 1.32 turns native sidecars off but cluster.nativeSidecarsSupported is true"
        );
    }

    // A cell with a worker: the recording must show a node of each minor, and no other.
    #[test]
    fn a_worker_cell_needs_a_node_of_each_minor_and_no_other() {
        let mut mixed = committed("live-1.33/1-33-on-builtin-auto/sleep.json");
        mixed.cell.worker = Some(crate::plan::K8sVersion::new(32));
        let err = judge(&mixed).expect_err("one 1.33 node, no worker");
        assert!(err.to_string().contains("cell.worker says 1.32"), "{err}");
        mixed.cluster.kubelet_versions.push("v1.32.13".to_owned());
        judge(&mixed).expect("a 1.33 control plane and a 1.32 worker");
        mixed.cluster.kubelet_versions.push("v1.31.14".to_owned());
        let err = judge(&mixed).expect_err("a third minor");
        assert!(
            err.to_string().contains("with a 1.32 worker") && err.to_string().contains("v1.31.14"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_minor_of_what_clusters_report() {
        for (version, minor) in [
            ("v1.37.2", Some(37)),
            ("v1.28.15", Some(28)),
            ("1.33.0-rc.1", Some(33)),
            ("v1.31.14+k3s1", Some(31)),
            ("v2.1.0", None),
            ("", None),
            ("v1.", None),
            ("garbage", None),
        ] {
            assert_eq!(minor_of(version), minor, "{version}");
        }
    }
}
