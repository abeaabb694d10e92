//! `sidecar-e2e plan`: every cell of a matrix, as a table or JSON.

use clap::ValueEnum;

use super::errors::ExpectedError;
use super::input::InputLimits;
use super::matrix::MatrixOpts;
use super::output::write_stdout;
use super::scenario_files::ScenarioOpts;
use std::collections::BTreeMap;

use serde::Serialize;

use sidecar_e2e_core::plan::{
    EffectiveMode, Minors, Plan, PlannedCell, rule_lines, same_cluster_groups,
};
use sidecar_e2e_core::scenario::file::ScenarioFiles;
use sidecar_e2e_core::scenario::{
    KnownBug, PlanColumn, ProxyPlace, Scenario, ScenarioExpectation, Target, proxy_expectation,
};

#[derive(Debug, clap::Args)]
pub(super) struct PlanOpts {
    #[command(flatten)]
    matrix: MatrixOpts,
    #[command(flatten)]
    scenarios: ScenarioOpts,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

impl PlanOpts {
    pub(super) fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        let plan = self
            .matrix
            .to_request(limits)?
            .resolve()
            .map_err(ExpectedError::Plan)?;
        self.scenarios.load(limits)?;
        let text = match self.format {
            Format::Json => {
                let json = serde_json::to_string_pretty(&plan_json(&plan)).unwrap_or_default();
                format!("{json}\n")
            }
            Format::Table => plan_table(&plan),
        };
        write_stdout(&text)
    }
}

/// One cell of `plan --format json`: the planned cell and, per scenario, what it should show
/// there (an absent scenario does not run in the cell; `notRun` says why).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CellJson<'p> {
    #[serde(flatten)]
    cell: &'p PlannedCell,
    scenarios: BTreeMap<Scenario, ScenarioExpectation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    not_run: BTreeMap<Scenario, &'static str>,
}

fn plan_json(plan: &Plan) -> Vec<CellJson<'_>> {
    plan.cells
        .iter()
        .map(|cell| {
            let mut scenarios = BTreeMap::new();
            let mut not_run = BTreeMap::new();
            if let Some(target) = Target::of(cell) {
                for scenario in Scenario::every() {
                    match scenario.expectation(&target) {
                        Ok(expected) => {
                            scenarios.insert(scenario, expected);
                        }
                        Err(why) => {
                            not_run.insert(scenario, why);
                        }
                    }
                }
            }
            CellJson {
                cell,
                scenarios,
                not_run,
            }
        })
        .collect()
}

/// The columns every row has before the scenarios' own.
const CELL_HEADERS: [&str; 6] = ["K8S", "GATE", "INJECTOR", "REQUESTED", "EFFECTIVE", "PROXY"];

/// The plan as an aligned text table, one row per cell, then a legend. The scenario columns
/// and the known bugs come from the scenarios' definitions.
pub fn plan_table(plan: &Plan) -> String {
    let columns: Vec<(Scenario, &PlanColumn)> = Scenario::ALL
        .into_iter()
        .filter_map(|s| s.plan_column().map(|c| (s, c)))
        .collect();
    let mut header: Vec<&str> = CELL_HEADERS.to_vec();
    header.extend(columns.iter().map(|(_, c)| c.header));
    header.extend(["KNOWN BUGS", "NOTE"]);
    // A cell that boots the same cluster as an earlier one says which: one run stands for both.
    let mut same_as: Vec<Option<String>> = vec![None; plan.cells.len()];
    for group in same_cluster_groups(plan) {
        let first = &plan.cells[group.runs];
        for index in group.also {
            same_as[index] = Some(format!(
                "same cluster as {} {}",
                first.cell.k8s, first.cell.gate
            ));
        }
    }
    let rows: Vec<Vec<String>> = plan
        .cells
        .iter()
        .zip(same_as)
        .map(|(cell, same)| table_row(cell, &columns, same))
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:<w$}"))
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    for row in &rows {
        line(row);
    }
    out.push('\n');
    out.push_str(LEGEND);
    for bug in open_upstream_bugs(plan) {
        out.push_str(&format!("{}: {}\n", bug.id, bug.fix_status()));
    }
    // Each injector's rules, from its profile: what decides the layouts above.
    let mut injectors: Vec<_> = plan.cells.iter().map(|c| c.cell.injector).collect();
    injectors.sort();
    injectors.dedup();
    for injector in injectors {
        out.push('\n');
        for rule in rule_lines(injector) {
            out.push_str(&rule);
            out.push('\n');
        }
    }
    out.push_str(&file_lines(plan));
    out
}

/// Under the table: each loaded scenario file, where it runs and what it checks there (the
/// known bugs it expects are in the table's column).
fn file_lines(plan: &Plan) -> String {
    let mut out = String::new();
    for scenario in ScenarioFiles::all() {
        let Some(file) = scenario.file() else {
            continue;
        };
        let targets: Vec<(&PlannedCell, Target)> = plan
            .cells
            .iter()
            .filter_map(|cell| Target::of(cell).map(|t| (cell, t)))
            .collect();
        let runs: Vec<String> = targets
            .iter()
            .filter(|(_, t)| scenario.expectation(t).is_ok())
            .map(|(cell, t)| {
                let checks: Vec<&str> = scenario.checks(t).iter().map(|c| c.name()).collect();
                format!(
                    "  {} {} {}: {}",
                    Minors::label_of(cell.cell.k8s),
                    cell.cell.gate,
                    cell.cell.injector,
                    checks.join(", ")
                )
            })
            .collect();
        out.push_str(&format!(
            "\nscenario {} ({}): {}\n",
            file.name, file.source, file.summary
        ));
        if runs.is_empty() {
            let why = targets
                .iter()
                .find_map(|(_, t)| scenario.expectation(t).err())
                .unwrap_or("no valid cell in this plan");
            out.push_str(&format!("  runs in no cell here: {why}\n"));
        }
        for line in runs {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Under the table: the yes/no columns are what the plan expects, which a reader new to it
/// could take for results.
const LEGEND: &str = "\
INIT-TRAFFIC, JOB and SHUTDOWN are expectations, not results: yes = the init container's request
succeeds / the Job completes / the request during shutdown succeeds; no = it fails (the legacy
failure the run must show); - = not asserted. `sidecar-e2e verify` checks a recording against them.
KNOWN BUGS lists the upstream bugs a scenario is expected to show on the patch of the table's node
image: there its check passes as a known bug, and fails if the bug does not show. A recording is
judged against the patch its kubelet reported (docs/sidecar-semantics.md §8). (open) marks a bug
open upstream: no released patch has its fix, so it is expected on every patch since it came.
\"same cluster as\" marks a cell whose cluster and workload equal an earlier cell's (from 1.33, gate
on and default write the same kind config): one run stands for both.
";

/// The known bugs open upstream that some cell of the plan expects, once each, by id.
fn open_upstream_bugs(plan: &Plan) -> Vec<&'static KnownBug> {
    let mut bugs: Vec<&'static KnownBug> = plan
        .cells
        .iter()
        .filter_map(Target::of)
        .flat_map(|t| {
            Scenario::ALL
                .into_iter()
                .filter_map(move |s| s.expectation(&t).ok())
        })
        .flat_map(|e| e.known_bugs)
        .filter(|bug| bug.is_open_upstream())
        .collect();
    bugs.sort_by_key(|bug| bug.id);
    bugs.dedup_by_key(|bug| bug.id);
    bugs
}

fn table_row(
    cell: &PlannedCell,
    columns: &[(Scenario, &PlanColumn)],
    same_cluster_as: Option<String>,
) -> Vec<String> {
    let yes_no = |v: Option<bool>| match v {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => "-".to_owned(),
    };
    let target = Target::of(cell);
    let expected = |s: Scenario| target.as_ref().and_then(|t| s.expectation(t).ok());
    let mode = match cell.effective_mode {
        Some(EffectiveMode::Native) => "native",
        Some(EffectiveMode::Legacy) => "legacy",
        Some(EffectiveMode::Rejected) => "rejected",
        None => "invalid",
    };
    let proxy = match target.map(|t| proxy_expectation(t.mode).0) {
        Some(Some(ProxyPlace::RestartableInitContainer)) => "init (Always)",
        Some(Some(ProxyPlace::Container)) => "container",
        _ => "-",
    };
    let mut bugs: Vec<String> = Scenario::every()
        .into_iter()
        .filter_map(expected)
        .flat_map(|e| e.known_bugs)
        .map(|bug| {
            if bug.is_open_upstream() {
                format!("{} (open)", bug.id)
            } else {
                bug.id.to_owned()
            }
        })
        .collect();
    bugs.sort_unstable();
    bugs.dedup();
    let note = match (&cell.reason, cell.effective_mode) {
        (Some(reason), _) => reason.clone(),
        (None, Some(EffectiveMode::Rejected)) => {
            "API server drops restartPolicy, then refuses the probes: no pod".to_owned()
        }
        _ => same_cluster_as.unwrap_or_default(),
    };
    let k8s = match cell.cell.worker {
        Some(worker) => format!("{}+w{}", Minors::label_of(cell.cell.k8s), worker),
        None => Minors::label_of(cell.cell.k8s),
    };
    let mut row = vec![
        k8s,
        cell.cell.gate.to_string(),
        cell.cell.injector.to_string(),
        cell.cell.requested_mode.to_string(),
        mode.to_owned(),
        proxy.to_owned(),
    ];
    row.extend(
        columns
            .iter()
            .map(|(s, column)| yes_no(expected(*s).and_then(|e| (column.value)(&e)))),
    );
    row.push(if bugs.is_empty() {
        "-".to_owned()
    } else {
        bugs.join(" ")
    });
    row.push(note);
    row
}
