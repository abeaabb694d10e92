//! `sidecar-e2e plan`: every cell of a matrix, as a table or JSON.

use clap::ValueEnum;

use super::errors::ExpectedError;
use super::matrix::MatrixOpts;
use super::output::write_stdout;
use crate::plan::{EffectiveMode, Plan, PlannedCell, ProxyPlace, same_cluster_groups};
use crate::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub(super) struct PlanOpts {
    #[command(flatten)]
    matrix: MatrixOpts,
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
    pub(super) fn exec(self) -> Result<(), ExpectedError> {
        let plan = self
            .matrix
            .to_request()?
            .resolve()
            .map_err(ExpectedError::Plan)?;
        let text = match self.format {
            Format::Json => {
                let json = serde_json::to_string_pretty(&plan).unwrap_or_default();
                format!("{json}\n")
            }
            Format::Table => plan_table(&plan),
        };
        write_stdout(&text)
    }
}

/// The plan as an aligned text table, one row per cell, then a legend.
pub fn plan_table(plan: &Plan) -> String {
    let header = [
        "K8S",
        "GATE",
        "INJECTOR",
        "REQUESTED",
        "EFFECTIVE",
        "PROXY",
        "INIT-TRAFFIC",
        "JOB",
        "SHUTDOWN",
        "NOTE",
    ];
    // A cell that boots the same cluster as an earlier one says which: one run stands for both.
    let mut same_as: Vec<Option<String>> = vec![None; plan.cells.len()];
    for group in same_cluster_groups(plan) {
        let first = &plan.cells[group.runs];
        for index in group.also {
            same_as[index] = Some(format!("same cluster as {} {}", first.k8s, first.gate));
        }
    }
    let rows: Vec<[String; 10]> = plan
        .cells
        .iter()
        .zip(same_as)
        .map(|(cell, same)| table_row(cell, same))
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&header.map(str::to_owned));
    for row in &rows {
        line(row);
    }
    out.push('\n');
    out.push_str(LEGEND);
    out
}

/// Under the table: the yes/no columns are what the plan expects, which a reader new to it
/// could take for results.
const LEGEND: &str = "\
INIT-TRAFFIC, JOB and SHUTDOWN are expectations, not results: yes = the init container's request
succeeds / the Job completes / the request during shutdown succeeds; no = it fails (the legacy
failure the run must show); - = not asserted. `sidecar-e2e verify` checks a recording against them.
\"same cluster as\" marks a cell whose cluster and workload equal an earlier cell's (from 1.33, gate
on and default write the same kind config): one run stands for both.
";

fn table_row(cell: &PlannedCell, same_cluster_as: Option<String>) -> [String; 10] {
    let yes_no = |v: Option<bool>| match v {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => "-".to_owned(),
    };
    let scenario = |s: Scenario| cell.scenarios.get(&s);
    let mode = match cell.effective_mode {
        Some(EffectiveMode::Native) => "native",
        Some(EffectiveMode::Legacy) => "legacy",
        Some(EffectiveMode::Rejected) => "rejected",
        None => "invalid",
    };
    let proxy = match scenario(Scenario::Sleep).and_then(|o| o.proxy) {
        Some(ProxyPlace::RestartableInitContainer) => "init (Always)",
        Some(ProxyPlace::Container) => "container",
        None => "-",
    };
    let note = match (&cell.reason, cell.effective_mode) {
        (Some(reason), _) => reason.clone(),
        (None, Some(EffectiveMode::Rejected)) => {
            "API server drops restartPolicy, then refuses the probes: no pod".to_owned()
        }
        _ => same_cluster_as.unwrap_or_default(),
    };
    [
        cell.k8s.to_string(),
        cell.gate.to_string(),
        cell.injector.to_string(),
        cell.requested_mode.to_string(),
        mode.to_owned(),
        proxy.to_owned(),
        yes_no(scenario(Scenario::InitTraffic).and_then(|o| o.succeeds)),
        yes_no(scenario(Scenario::Job).and_then(|o| o.completes)),
        yes_no(scenario(Scenario::ShutdownTraffic).and_then(|o| o.succeeds)),
        note,
    ]
}
