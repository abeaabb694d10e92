//! The cluster a suite runs on: the cell `sidecar-e2e cluster up` made, read from the environment
//! it wrote (nextest's setup script puts it there; so can `source`, `$GITHUB_ENV` or a shell).
//! Each test runs its scenario in a namespace of its own through the harness library, judges the
//! recording against the plan's expectations, and fails with the verdict's evidence.

use std::time::Duration;

use sidecar_e2e_core::plan::{Cell, EffectiveMode, ImageMap, ImageTable, Minors, plan_cell};
use sidecar_e2e_core::recording::ScenarioRecording;
use sidecar_e2e_core::report::{Colour, terminal_table};
use sidecar_e2e_core::scenario::{Scenario, Target};
use sidecar_e2e_core::verdict::{Verdict, judge_scenario};
use sidecar_e2e_runner::api::delete_namespace;
use sidecar_e2e_runner::record::ScenarioRun;
use sidecar_e2e_runner::run::run_scenario;

/// What `cluster up` exported.
#[derive(Debug, Clone)]
pub struct CellEnv {
    /// The cluster's kubeconfig.
    pub kubeconfig: String,
    /// Its context.
    pub context: Option<String>,
    /// The run id (labels).
    pub run_id: String,
    /// The cell the cluster is.
    pub cell: Cell,
    /// The layout its pods get.
    pub effective_mode: EffectiveMode,
    /// Every image.
    pub images: ImageTable,
    /// The kind cluster's name (`SIDECAR_E2E_CLUSTER`), for scenarios that act on its node.
    pub cluster: Option<String>,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} must be set: these suites run on the cluster `sidecar-e2e cluster up --env-file FILE` \
             makes; run them with `scripts/test.sh --profile e2e` (its setup script brings the cluster \
             up) or export the env file first"
        )
    })
}

/// The environment `cluster up` wrote.
///
/// # Panics
/// When a variable is missing or names an invalid cell: these tests never skip.
pub fn cell_env() -> CellEnv {
    let parse = |name: &str| var(name);
    let cell = Cell {
        k8s: parse("SIDECAR_E2E_K8S")
            .parse()
            .expect("SIDECAR_E2E_K8S must be 1.X"),
        gate: parse("SIDECAR_E2E_GATE")
            .parse()
            .expect("SIDECAR_E2E_GATE must be on, off or default"),
        injector: parse("SIDECAR_E2E_INJECTOR")
            .parse()
            .expect("SIDECAR_E2E_INJECTOR must be builtin or istio@1.X"),
        requested_mode: parse("SIDECAR_E2E_MODE")
            .parse()
            .expect("SIDECAR_E2E_MODE must be auto, native or legacy"),
        worker: None,
    };
    let planned = plan_cell(cell).expect("the cell must be plannable");
    let effective_mode = planned
        .effective_mode
        .unwrap_or_else(|| panic!("{} is not a valid cell: {:?}", cell.slug(), planned.reason));
    let rows = Minors::embedded().expect("the node-image table");
    let mut images = ImageTable::upstream_for(rows);
    if let Ok(path) = std::env::var("SIDECAR_E2E_IMAGE_MAP") {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path} must be readable: {e}"));
        images = images
            .overridden_by(ImageMap::from_yaml(&text).unwrap_or_else(|e| panic!("{path}: {e}")));
    }
    CellEnv {
        kubeconfig: var("SIDECAR_E2E_KUBECONFIG"),
        context: std::env::var("SIDECAR_E2E_CONTEXT").ok(),
        run_id: var("SIDECAR_E2E_RUN_ID"),
        cluster: std::env::var("SIDECAR_E2E_CLUSTER").ok(),
        cell,
        effective_mode,
        images,
    }
}

impl CellEnv {
    /// A shell on the cluster's node that runs the workload, through the `docker` on PATH.
    pub fn node_shell(&self) -> Option<sidecar_e2e_runner::cluster::NodeShell> {
        let cluster = self.cluster.as_deref()?;
        Some(sidecar_e2e_runner::cluster::NodeShell::workload_node(
            "docker".into(),
            cluster,
            self.cell.worker.is_some(),
        ))
    }

    /// A kube client for the cluster.
    ///
    /// # Panics
    /// When the kubeconfig cannot be used.
    pub async fn client(&self) -> kube::Client {
        sidecar_e2e_runner::cluster::ClusterAccess {
            kubeconfig: self.kubeconfig.clone().into(),
            context: self.context.clone(),
        }
        .client()
        .await
        .unwrap_or_else(|err| panic!("the cluster in {} must answer: {err}", self.kubeconfig))
    }

    /// A namespace name for this test process: `se2e-<run id>-<what>-<pid>`.
    pub fn namespace(&self, what: &str) -> String {
        sidecar_e2e_runner::api::namespace_name(
            &self.run_id,
            &format!("{what}-{}", std::process::id()),
        )
    }
}

/// Whether `SIDECAR_E2E_KEEP=1` asks to keep namespaces for inspection.
pub fn keep() -> bool {
    std::env::var_os("SIDECAR_E2E_KEEP").is_some_and(|v| v == "1")
}

/// Why `scenario` does not run in the cell's cluster, if it does not.
///
/// # Panics
/// When the cell's environment is missing (see [`cell_env`]).
pub fn not_run_reason(scenario: Scenario) -> Option<&'static str> {
    let env = cell_env();
    let planned = plan_cell(env.cell).expect("the cell must be plannable");
    let target = Target::of(&planned)?;
    scenario.expectation(&target).err()
}

/// Runs `scenario` on the cell's cluster in a namespace of its own, judges it, and panics with
/// the verdict (every check, its evidence, the pod's watch line and container timeline) and the
/// recording's events and logs when a check fails. The namespace is deleted unless the test
/// failed and `SIDECAR_E2E_KEEP=1`.
///
/// # Panics
/// When the scenario cannot be set up, or a check does not meet its expectation.
pub fn assert_scenario(scenario: Scenario) {
    let env = cell_env();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let client = env.client().await;
        let run = ScenarioRun {
            scenario,
            injector: env.cell.injector,
            namespace: env.namespace(scenario.name()),
            mode: env.effective_mode,
            roles: scenario.roles(env.cell.injector),
            timeout: Duration::from_secs(180),
            // The suites run on a cluster `cluster up` made: its node is the kind cluster's. Only
            // a scenario that declares it acts on the node gets a shell there; nextest runs it
            // with no other test beside it (`.config/nextest.toml`).
            node: scenario
                .node()
                .is_alone()
                .then(|| env.node_shell())
                .flatten(),
            read_istiod_rejects: scenario.runs_istio_proxy(env.cell.injector),
        };
        let recorded = run_scenario(&client, &env.images, env.cell.injector, &env.run_id, &run)
            .await
            .unwrap_or_else(|failure| panic!("{scenario} must set up on {}: {failure}", env.cell.slug()));
        let verdict = Verdict {
            cell: env.cell,
            effective_mode: env.effective_mode,
            scenarios: vec![judge_scenario(&recorded, &env.cell, env.effective_mode)],
        };
        let passed = verdict.passed();
        if passed || !keep() {
            let _ = delete_namespace(&client, &run.namespace).await;
        } else {
            eprintln!(
                "SIDECAR_E2E_KEEP=1: kept namespace {}; inspect: kubectl --kubeconfig {} -n {} get pods,events",
                run.namespace, env.kubeconfig, run.namespace
            );
        }
        assert!(
            passed,
            "{scenario} on {} did not meet its expectations:\n{}\n{}",
            env.cell.slug(),
            terminal_table(&verdict, Colour::Plain),
            dump(&recorded)
        );
    });
}

/// The recording's apply errors, events and logs, for a failing test's output.
pub fn dump(recorded: &ScenarioRecording) -> String {
    let mut out = String::new();
    for error in &recorded.apply_errors {
        out.push_str(&format!("apply error: {error}\n"));
    }
    for event in &recorded.events {
        out.push_str(&format!(
            "event #{} {} {} {}: {}\n",
            event.seq, event.type_, event.reason, event.object, event.message
        ));
    }
    for fault in &recorded.faults {
        out.push_str(&format!(
            "harness fault: {}: {}\n",
            fault.what.describe(),
            fault.detail
        ));
    }
    for log in &recorded.logs {
        out.push_str(&format!(
            "--- log {}/{}{}{}\n{}",
            log.pod,
            log.container,
            if log.init { " (init)" } else { "" },
            if log.previous { " (previous)" } else { "" },
            log.text
        ));
        if let Some(error) = log.read_error() {
            out.push_str(&format!("(could not read this log: {error})\n"));
        }
    }
    if recorded.timed_out {
        out.push_str("the recorder stopped at its deadline\n");
    }
    out
}
