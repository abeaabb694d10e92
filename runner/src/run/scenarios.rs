//! A cell's scenarios on a cluster that is up: each recorded in a namespace of its own (every
//! one that only runs pods at once, then each that acts on the node alone), and recorded once
//! more when a harness fault spoiled its first recording.

use sidecar_e2e_core::plan::{EffectiveMode, InjectorSpec};
use sidecar_e2e_core::recording::{Recording, ScenarioRecording};
use sidecar_e2e_core::scenario::{Scenario, Target};

use super::cleanup::Created;
use super::outcome::SetupFailure;
use super::{Phase, RunConfig};
use crate::api::{create_namespace, namespace_name, run_labels};
use crate::cluster::{ClusterAccess, NodeShell};
use crate::install::prepare_namespace;
use crate::record::{ScenarioRun, record_scenario};

/// How many times a scenario is recorded when harness faults spoil its recordings: once more
/// after a first spoiled one. A product failure is never recorded again.
const MAX_ATTEMPTS: u32 = 2;

/// What every scenario of a cell shares.
pub(super) struct CellScenarios<'a> {
    pub(super) config: &'a RunConfig,
    pub(super) client: &'a kube::Client,
    pub(super) access: &'a ClusterAccess,
    pub(super) created: &'a Created,
    /// Namespaces are registered for removal one by one (a borrowed cluster).
    pub(super) borrowed: bool,
    /// A shell on the node, for the scenarios that act on it.
    pub(super) node: Option<NodeShell>,
    pub(super) injector: InjectorSpec,
    pub(super) effective: EffectiveMode,
    /// What the scenario is judged on, to see whether a harness fault spoiled it.
    pub(super) judged_on: Option<Target>,
    /// The cell's artifacts directory (discarded attempts go to `attempts/` in it).
    pub(super) dir: std::path::PathBuf,
    /// The cell's recording with no scenario yet (for a discarded attempt's own file).
    pub(super) recording: Recording,
}

/// What recording a cell's scenarios gave: the namespaces they used, and each scenario's
/// recording or why it could not be set up.
pub(super) type Recorded = Vec<(Vec<String>, Result<ScenarioRecording, SetupFailure>)>;

impl CellScenarios<'_> {
    /// Records `scenarios` in turns: every one that only runs pods at once, then each that acts
    /// on the node (a kubelet restart) alone, so that it disturbs no other. Only the latter get
    /// the node's shell.
    pub(super) async fn record_all(&self, scenarios: &[Scenario]) -> Recorded {
        let mut results = Vec::new();
        for turn in Scenario::node_turns(scenarios) {
            let runs = turn.into_iter().map(|scenario| {
                let node = scenario
                    .node()
                    .is_alone()
                    .then(|| self.node.clone())
                    .flatten();
                self.record(scenario, node)
            });
            results.extend(futures::future::join_all(runs).await);
        }
        results
    }

    /// Records `scenario` in a namespace of its own; when a harness fault left some of its
    /// checks undecided, records it again (up to [`MAX_ATTEMPTS`]) in a new namespace, keeping
    /// the spoiled attempt under `attempts/` and saying why in the one that is judged. Returns
    /// the namespaces it used, and the recording.
    async fn record(
        &self,
        scenario: Scenario,
        node: Option<NodeShell>,
    ) -> (Vec<String>, Result<ScenarioRecording, SetupFailure>) {
        let mut namespaces = Vec::new();
        let mut retried_because = Vec::new();
        let mut attempt = 1;
        loop {
            let namespace = match attempt {
                1 => namespace_name(&self.config.run_id, scenario.name()),
                n => namespace_name(&self.config.run_id, &format!("{scenario}-{n}")),
            };
            namespaces.push(namespace.clone());
            if self.borrowed {
                self.created.namespace(self.access, &namespace);
            }
            let run = ScenarioRun {
                scenario,
                injector: self.injector,
                namespace,
                mode: self.effective,
                roles: scenario.roles(self.injector),
                timeout: self.config.scenario_timeout,
                node: node.clone(),
                read_istiod_rejects: scenario.runs_istio_proxy(self.injector),
            };
            let result = run_scenario(
                self.client,
                &self.config.images,
                self.injector,
                &self.config.run_id,
                &run,
            )
            .await;
            let mut recorded = match result {
                Ok(recorded) => recorded,
                Err(failure) => return (namespaces, Err(failure)),
            };
            recorded.attempt = attempt;
            recorded.retried_because = retried_because.clone();
            let faults = self.spoiled_by(&recorded);
            if faults.is_empty() || attempt >= MAX_ATTEMPTS {
                return (namespaces, Ok(recorded));
            }
            self.keep_discarded(&recorded);
            retried_because.extend(
                faults
                    .into_iter()
                    .map(|fault| format!("attempt {attempt}: {fault}")),
            );
            attempt += 1;
        }
    }

    /// The harness faults that left checks of `recorded` undecided, in words (none: its
    /// verdict stands).
    fn spoiled_by(&self, recorded: &ScenarioRecording) -> Vec<String> {
        let Some(target) = &self.judged_on else {
            return Vec::new();
        };
        // Each fault once, with the checks it left undecided.
        let mut faults: Vec<(String, Vec<&'static str>)> = Vec::new();
        for result in sidecar_e2e_core::verdict::judge_on(recorded, target).results {
            if result.status != sidecar_e2e_core::verdict::CheckStatus::HarnessFault {
                continue;
            }
            for line in result
                .evidence
                .iter()
                .take_while(|l| l.starts_with("harness fault"))
            {
                match faults.iter_mut().find(|(fault, _)| fault == line) {
                    Some((_, checks)) => checks.push(result.check.name()),
                    None => faults.push((line.clone(), vec![result.check.name()])),
                }
            }
        }
        faults
            .into_iter()
            .map(|(fault, checks)| format!("{fault} (undecided: {})", checks.join(", ")))
            .collect()
    }

    /// Writes a spoiled attempt to `attempts/<scenario>-<attempt>.json`, a recording `verify`
    /// reads; a failure to write it is only logged (the judged attempt is what matters).
    fn keep_discarded(&self, recorded: &ScenarioRecording) {
        let recording = Recording {
            scenarios: vec![recorded.clone()],
            ..self.recording.clone()
        };
        if let Err(err) = super::artifacts::write_attempt(&self.dir, &recording) {
            tracing::warn!("{}", sidecar_e2e_core::error_chain::error_chain(&err));
        }
    }
}

/// Creates `run.namespace` (labelled with `run_id`, and with the injector's injection label when
/// the scenario is injected) and
/// records the scenario in it. The e2e suites call this directly, one namespace per test.
///
/// # Errors
/// [`SetupFailure`] when the namespace or the scenario's setup fails (not when the workload
/// misbehaves: that is in the recording).
pub async fn run_scenario(
    client: &kube::Client,
    images: &sidecar_e2e_core::plan::ImageTable,
    injector: InjectorSpec,
    run_id: &str,
    run: &ScenarioRun,
) -> Result<ScenarioRecording, SetupFailure> {
    let failure = |message: String| SetupFailure {
        phase: Phase::Scenarios,
        scenario: Some(run.scenario),
        message,
    };
    let labels = run_labels(run_id);
    // The known-bug scenarios write their own sidecars: no injector adds one to their pods, so
    // their namespaces do not opt in.
    if run.scenario.injected() {
        prepare_namespace(client, injector, images, &run.namespace, labels)
            .await
            .map_err(|err| failure(sidecar_e2e_core::error_chain::error_chain(&err)))?;
    } else {
        create_namespace(client, &run.namespace, labels)
            .await
            .map_err(|err| failure(sidecar_e2e_core::error_chain::error_chain(&err)))?;
    }
    record_scenario(client, images, run)
        .await
        .map_err(|err| failure(sidecar_e2e_core::error_chain::error_chain(&err)))
}
