//! The compatibility grid: one row per Kubernetes version (and injector and mode, when a run has
//! several), one column per gate setting, each cell pass / fail / broken / refused with the
//! reason, beside the Kubernetes patch the API server reported and the node image. The shape of
//! the support tables kind and Istio publish, for what this harness proved.

use crate::plan::{Cell, Gate};

/// How one cell of a run came out, for the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompatResult {
    /// Every check met its expectation.
    Passed {
        /// Checks that passed.
        passed: usize,
        /// Checks that were not applicable.
        not_applicable: usize,
        /// Checks that showed the known bug their cell expects.
        known_bugs: usize,
        /// Of those, the ones whose bug is open upstream (no released patch has the fix).
        open_upstream: usize,
    },
    /// Some check did not.
    Failed {
        /// Checks that failed.
        failed: usize,
        /// Checks decided (passed or failed).
        decided: usize,
    },
    /// No check failed, but a harness fault left some undecided: the cell proves nothing
    /// about them.
    Undecided {
        /// Checks a harness fault left undecided.
        harness_faults: usize,
        /// Checks that passed.
        passed: usize,
    },
    /// The cell could not be set up (a setup phase failed): it proves nothing.
    Broken {
        /// The first failed phase.
        phase: String,
    },
    /// The plan refuses the cell, with the real reason (a locked or removed gate).
    Refused {
        /// Why.
        reason: String,
    },
}

/// One cell of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatCell {
    /// The cell.
    pub cell: Cell,
    /// How it came out.
    pub result: CompatResult,
    /// The API server's `gitVersion`, when the cell got that far.
    pub server_version: Option<String>,
    /// The node image it booted.
    pub node_image: Option<String>,
    /// The cell whose run this one's result comes from (same cluster), if any.
    pub same_cluster_as: Option<String>,
}

impl CompatResult {
    fn text(&self) -> String {
        match self {
            CompatResult::Passed {
                passed,
                not_applicable,
                known_bugs,
                open_upstream,
            } => {
                let mut text = format!("pass ({passed} checks");
                if *known_bugs > 0 {
                    text.push_str(&format!(", {known_bugs} known bug"));
                    if *known_bugs > 1 {
                        text.push('s');
                    }
                    if *open_upstream > 0 {
                        text.push_str(&format!(" ({open_upstream} open upstream)"));
                    }
                }
                if *not_applicable > 0 {
                    text.push_str(&format!(", {not_applicable} n/a"));
                }
                text.push(')');
                text
            }
            CompatResult::Failed { failed, decided } => {
                format!("**FAIL** ({failed} of {decided} checks)")
            }
            CompatResult::Undecided {
                harness_faults,
                passed,
            } => format!(
                "**harness fault** ({harness_faults} checks undecided, {passed} passed): retry the cell"
            ),
            CompatResult::Broken { phase } => format!("**broken** at {phase}"),
            CompatResult::Refused { reason } => format!("refused: {reason}"),
        }
    }
}

/// The grid as Markdown, titled with `when` (the run's date).
pub fn compat_markdown(cells: &[CompatCell], when: &str) -> String {
    let mut gates: Vec<Gate> = Vec::new();
    for c in cells {
        if !gates.contains(&c.cell.gate) {
            gates.push(c.cell.gate);
        }
    }
    gates.sort_by_key(|g| match g {
        Gate::On => 0,
        Gate::Off => 1,
        Gate::Default => 2,
    });
    // Rows: version, then injector and mode where the run had more than one of them.
    let several = |f: fn(&Cell) -> String| {
        let mut seen: Vec<String> = cells.iter().map(|c| f(&c.cell)).collect();
        seen.sort();
        seen.dedup();
        seen.len() > 1
    };
    let label_injector = several(|c| c.injector.to_string());
    let label_mode = several(|c| c.requested_mode.to_string());
    let row_key = |c: &Cell| {
        let mut key = crate::plan::Minors::label_of(c.k8s);
        if label_injector {
            key.push_str(&format!(" {}", c.injector));
        }
        if label_mode {
            key.push_str(&format!(" {}", c.requested_mode));
        }
        key
    };
    let mut rows: Vec<(Cell, String)> = Vec::new();
    for c in cells {
        let key = row_key(&c.cell);
        if !rows.iter().any(|(_, k)| *k == key) {
            rows.push((c.cell, key));
        }
    }
    rows.sort_by_key(|(cell, key)| (cell.k8s, key.clone()));

    let mut out = format!("# Compatibility: what this run proved ({when})\n\n");
    out.push_str("| Kubernetes | patch (API server) | node image |");
    for gate in &gates {
        out.push_str(&format!(" gate {gate} |"));
    }
    out.push_str("\n|---|---|---|");
    for _ in &gates {
        out.push_str("---|");
    }
    out.push('\n');
    for (_, key) in &rows {
        let in_row: Vec<&CompatCell> = cells.iter().filter(|c| row_key(&c.cell) == *key).collect();
        let first = |f: fn(&CompatCell) -> Option<&String>| {
            in_row
                .iter()
                .find_map(|c| f(c))
                .map_or("–".to_owned(), |s| format!("`{s}`"))
        };
        out.push_str(&format!(
            "| {key} | {} | {} |",
            first(|c| c.server_version.as_ref()),
            first(|c| c.node_image.as_ref())
        ));
        for gate in &gates {
            let text = match in_row.iter().find(|c| c.cell.gate == *gate) {
                None => "not run".to_owned(),
                Some(c) => {
                    let mut text = c.result.text().replace('|', "\\|");
                    if let Some(other) = &c.same_cluster_as {
                        text.push_str(&format!(" (same cluster as `{other}`)"));
                    }
                    text
                }
            };
            out.push_str(&format!(" {text} |"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{InjectorSpec, K8sVersion, RequestedMode};

    fn cell(minor: u32, gate: Gate) -> Cell {
        Cell {
            k8s: K8sVersion::new(minor),
            gate,
            injector: InjectorSpec::builtin(),
            requested_mode: RequestedMode::Auto,
            worker: None,
        }
    }

    fn ran(minor: u32, gate: Gate, result: CompatResult) -> CompatCell {
        CompatCell {
            cell: cell(minor, gate),
            result,
            server_version: Some(format!("v1.{minor}.2")),
            node_image: Some(format!("sidecar-e2e.local/kind-node:v1.{minor}.2")),
            same_cluster_as: None,
        }
    }

    #[test]
    fn one_row_per_version_one_column_per_gate_with_every_outcome_kind() {
        let mut same = ran(
            37,
            Gate::Default,
            CompatResult::Passed {
                passed: 20,
                not_applicable: 0,
                known_bugs: 0,
                open_upstream: 0,
            },
        );
        same.same_cluster_as = Some("1-37-on-builtin-auto".to_owned());
        let cells = [
            ran(
                37,
                Gate::On,
                CompatResult::Passed {
                    passed: 20,
                    not_applicable: 0,
                    known_bugs: 0,
                    open_upstream: 0,
                },
            ),
            same,
            CompatCell {
                cell: cell(37, Gate::Off),
                result: CompatResult::Refused {
                    reason: "unrecognized feature gate: SidecarContainers".to_owned(),
                },
                server_version: None,
                node_image: None,
                same_cluster_as: None,
            },
            ran(
                32,
                Gate::Off,
                CompatResult::Failed {
                    failed: 1,
                    decided: 17,
                },
            ),
            ran(
                32,
                Gate::On,
                CompatResult::Broken {
                    phase: "cluster up".to_owned(),
                },
            ),
        ];
        let grid = compat_markdown(&cells, "2026-12-04");
        let open = CompatResult::Passed {
            passed: 30,
            not_applicable: 0,
            known_bugs: 2,
            open_upstream: 1,
        };
        assert_eq!(
            open.text(),
            "pass (30 checks, 2 known bugs (1 open upstream))"
        );
        let lines: Vec<&str> = grid.lines().collect();
        assert_eq!(
            lines[0],
            "# Compatibility: what this run proved (2026-12-04)"
        );
        assert_eq!(
            lines[2],
            "| Kubernetes | patch (API server) | node image | gate on | gate off | gate default |"
        );
        // 1.32 before 1.37, whatever the order the cells came in.
        assert!(lines[4].starts_with("| 1.32 | `v1.32.2` |"), "{grid}");
        assert!(
            lines[4].contains("**broken** at cluster up | **FAIL** (1 of 17 checks) | not run |"),
            "{grid}"
        );
        assert!(lines[5].starts_with("| 1.37 | `v1.37.2` | `sidecar-e2e.local/kind-node:v1.37.2` | pass (20 checks) | refused: unrecognized feature gate: SidecarContainers | pass (20 checks) (same cluster as `1-37-on-builtin-auto`) |"), "{grid}");
    }
}
