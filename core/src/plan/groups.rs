//! Cells that boot the same cluster and run the same thing: from 1.33 `--gate on` and `--gate
//! default` write the same kind config (the gate is left out, §1.1), so one run can stand for
//! both. A runner runs [`CellGroup::runs`] and reports the result under every `also` cell's name
//! too; `plan` says so in its NOTE column, and the e2e workflow runs one job per group.

use super::EffectiveMode;
use super::build::{Plan, PlannedCell};

/// Runnable cells of a plan that would run identically: same cluster, same injector and mode,
/// same expectations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellGroup {
    /// Index (in [`Plan::cells`]) of the cell actually run: the group's first in plan order.
    pub runs: usize,
    /// Indices of the cells reported under their own names with the same result, in plan order.
    pub also: Vec<usize>,
}

/// Groups the plan's valid cells by what decides what runs: the cluster (Kubernetes version,
/// node image, kind release and the gate value written; not the gate word asked for), the
/// injector, the requested and effective mode, and every scenario's expectation. Invalid cells
/// belong to no group. Groups are in the order of their first cell.
pub fn same_cluster_groups(plan: &Plan) -> Vec<CellGroup> {
    group_cells(&plan.cells)
}

/// [`same_cluster_groups`] over any list of planned cells (indices into `cells`).
pub fn group_cells(cells: &[PlannedCell]) -> Vec<CellGroup> {
    let mut groups: Vec<CellGroup> = Vec::new();
    for (index, cell) in cells.iter().enumerate() {
        if !cell.valid || cell.cluster.is_none() {
            continue;
        }
        match groups
            .iter_mut()
            .find(|group| runs_the_same(&cells[group.runs], cell))
        {
            Some(group) => group.also.push(index),
            None => groups.push(CellGroup {
                runs: index,
                also: Vec::new(),
            }),
        }
    }
    groups
}

/// The order to start the groups in when cells run several at a time: the longest first, so
/// that the short ones fill the gaps at the end instead of a long one starting last and running
/// alone (longest-processing-time-first scheduling). A native cell runs every scenario, the ones
/// that act on the node one after another at the end; a legacy or rejected one shows its failure
/// in seconds (the whole matrix, 2026-12-07: 150-170 s of scenarios against 22-43 s). Plan order
/// within each kind. Only the start order: outcomes are still reported in plan order.
pub fn longest_first(cells: &[PlannedCell], groups: &[CellGroup]) -> Vec<usize> {
    let mut order: Vec<usize> = groups.iter().map(|g| g.runs).collect();
    // Stable: plan order within each kind.
    order.sort_by_key(|&index| cells[index].effective_mode != Some(EffectiveMode::Native));
    order
}

/// Whether two valid cells would boot the same cluster and run the same thing in it.
fn runs_the_same(a: &PlannedCell, b: &PlannedCell) -> bool {
    let same_cluster = match (&a.cluster, &b.cluster) {
        (Some(x), Some(y)) => {
            x.k8s == y.k8s
                && x.feature_gate == y.feature_gate
                && x.node_image == y.node_image
                && x.kind_release == y.kind_release
                && x.worker == y.worker
        }
        _ => false,
    };
    same_cluster
        && a.cell.injector == b.cell.injector
        && a.cell.requested_mode == b.cell.requested_mode
        && a.effective_mode == b.effective_mode
        && a.sidecars_enabled == b.sidecars_enabled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Gate, InjectorSpec, K8sVersion, PlanRequest, RequestedMode};

    fn plan(minors: &[u32], gates: &[Gate], injectors: &[InjectorSpec]) -> Plan {
        PlanRequest {
            k8s: minors.iter().copied().map(K8sVersion::new).collect(),
            gates: gates.to_vec(),
            injectors: injectors.to_vec(),
            modes: vec![RequestedMode::Auto],
            workers: Vec::new(),
        }
        .resolve()
        .expect("plans")
    }

    /// `(k8s, gate)` of each cell a group names, for readable assertions.
    fn names(plan: &Plan, groups: &[CellGroup]) -> Vec<(String, Vec<String>)> {
        let name = |i: usize| format!("{} {}", plan.cells[i].cell.k8s, plan.cells[i].cell.gate);
        groups
            .iter()
            .map(|g| (name(g.runs), g.also.iter().map(|&i| name(i)).collect()))
            .collect()
    }

    #[test]
    fn native_cells_start_first_and_each_kind_keeps_plan_order() {
        let plan = plan(
            &[28, 32, 37],
            &[Gate::On, Gate::Off, Gate::Default],
            &[InjectorSpec::builtin()],
        );
        let groups = same_cluster_groups(&plan);
        let order: Vec<String> = longest_first(&plan.cells, &groups)
            .into_iter()
            .map(|i| format!("{} {}", plan.cells[i].cell.k8s, plan.cells[i].cell.gate))
            .collect();
        assert_eq!(
            order,
            [
                // Native: 1.28 on, 1.32 on and default (beta: on), 1.37 on (default with it).
                "1.28 on",
                "1.32 on",
                "1.32 default",
                "1.37 on",
                // Legacy: 1.28 off and default (alpha: off), 1.32 off.
                "1.28 off",
                "1.28 default",
                "1.32 off",
            ]
        );
        assert_eq!(order.len(), groups.len(), "every group once");
    }

    #[test]
    fn on_and_default_share_a_cluster_from_1_33() {
        let plan = plan(
            &[32, 33, 37],
            &[Gate::On, Gate::Off, Gate::Default],
            &[InjectorSpec::builtin()],
        );
        let groups = same_cluster_groups(&plan);
        let named = names(&plan, &groups);
        let expect = |runs: &str, also: &[&str]| {
            (
                runs.to_owned(),
                also.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            named,
            vec![
                // 1.32 writes `true`, `false`, or nothing: three clusters.
                expect("1.32 on", &[]),
                expect("1.32 off", &[]),
                expect("1.32 default", &[]),
                // 1.33 and 1.37 `off` cannot boot: no group.
                expect("1.33 on", &["1.33 default"]),
                expect("1.37 on", &["1.37 default"]),
            ]
        );
    }

    #[test]
    fn another_injector_or_gate_order_keeps_its_own_group() {
        let plan = plan(
            &[33],
            &[Gate::Default, Gate::On],
            &[InjectorSpec::builtin(), InjectorSpec::istio(28)],
        );
        let groups = same_cluster_groups(&plan);
        // Axis order is gate, then injector: default/builtin, default/istio, on/builtin, on/istio.
        assert_eq!(
            groups,
            vec![
                CellGroup {
                    runs: 0,
                    also: vec![2]
                },
                CellGroup {
                    runs: 1,
                    also: vec![3]
                },
            ]
        );
    }

    #[test]
    fn every_valid_cell_is_in_exactly_one_group() {
        let plan = plan(
            &[28, 29, 33, 36, 37],
            &[Gate::On, Gate::Off, Gate::Default],
            &[InjectorSpec::builtin()],
        );
        let groups = same_cluster_groups(&plan);
        let mut seen: Vec<usize> = groups
            .iter()
            .flat_map(|g| std::iter::once(g.runs).chain(g.also.iter().copied()))
            .collect();
        seen.sort_unstable();
        let valid: Vec<usize> = (0..plan.cells.len())
            .filter(|&i| plan.cells[i].valid)
            .collect();
        assert_eq!(seen, valid);
    }
}
