//! One cell, start to end: cluster up, probe, images, injector, scenarios (in parallel), judge,
//! write, and — on failure — collect the cluster's logs; then tear down, or keep for inspection.
//! A phase that fails ends the cell as a setup failure (never as a verdict: a cluster that did
//! not come up proves nothing about sidecars).

use std::fmt::Display;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::runtime::watcher;

use super::artifacts::{cell_dir, write_recordings, write_timings};
use super::cleanup::Created;
use super::id::cluster_name;
use super::{Phase, ProgressEvent, Provider, RunConfig};
use crate::api::{await_all, create_namespace, describe_node, node_ready, run_labels};
use crate::cluster::{
    ClusterAccess, CreateCluster, KindProvider, check_probe, kind_config_with_labels, measure,
};
use crate::install::{INJECTION_LABEL, ISTIO_INJECTION_LABEL, injector_mode, install_builtin};
use crate::record::{ScenarioRun, record_scenario};
use sidecar_e2e_core::plan::{Cell, EffectiveMode, InjectorSpec, PlannedCell};
use sidecar_e2e_core::pod::{is_finished, is_ready};
use sidecar_e2e_core::recording::{ClusterFacts, RECORDING_VERSION, Recording, ScenarioRecording};
use sidecar_e2e_core::scenario::{Scenario, Target};
use sidecar_e2e_core::verdict::{Verdict, judge};

/// How long a new cluster's node and system pods may take to be Ready (2 cores, 2 clusters).
const CLUSTER_READY_TIMEOUT: Duration = Duration::from_secs(300);

/// A phase (or one scenario's setup) that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupFailure {
    /// The phase.
    pub phase: Phase,
    /// The scenario, when one scenario's setup failed.
    pub scenario: Option<Scenario>,
    /// What went wrong, with causes.
    pub message: String,
}

impl Display for SetupFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.scenario {
            Some(scenario) => write!(f, "{} ({scenario}): {}", self.phase.name(), self.message),
            None => write!(f, "{}: {}", self.phase.name(), self.message),
        }
    }
}

/// How one cell ended.
#[derive(Debug, Clone)]
pub struct CellOutcome {
    /// The cell.
    pub cell: Cell,
    /// The cell's slug.
    pub slug: String,
    /// What was recorded (scenarios whose setup failed are missing).
    pub recording: Option<Recording>,
    /// The verdict of what was recorded.
    pub verdict: Option<Verdict>,
    /// Phases that failed.
    pub setup_failures: Vec<SetupFailure>,
    /// How long each phase took.
    pub timings: Vec<(Phase, Duration)>,
    /// When the cell's cluster or namespaces were kept: how to inspect and remove them.
    pub kept: Option<String>,
    /// The slug of the cell whose cluster and recording this cell's result comes from, when
    /// both boot the same cluster (1.33+: gate on and default); `None` when it ran itself.
    pub same_cluster_as: Option<String>,
}

impl CellOutcome {
    /// Nothing broke, and every check that ran met its expectation (`cluster up` runs none).
    pub fn passed(&self) -> bool {
        self.setup_failures.is_empty() && self.verdict.as_ref().is_none_or(Verdict::passed)
    }

    /// This outcome reported under `other`, a cell that boots the same cluster and runs the
    /// same thing: its recording relabelled and judged as `other` (so the plan's expectations
    /// for that cell are the ones checked), written to `other`'s own artifacts directory.
    pub fn stand_in_for(&self, other: &PlannedCell, artifacts: &Path) -> CellOutcome {
        let slug = other.cell.slug();
        let mut outcome = CellOutcome {
            cell: other.cell,
            slug: slug.clone(),
            recording: None,
            verdict: None,
            setup_failures: self.setup_failures.clone(),
            timings: self.timings.clone(),
            kept: None,
            same_cluster_as: Some(self.slug.clone()),
        };
        if let Some(recording) = &self.recording {
            let mut recording = recording.clone();
            recording.cell = other.cell;
            if let Err(err) = write_recordings(&cell_dir(artifacts, &slug), &recording) {
                outcome.setup_failures.push(SetupFailure {
                    phase: Phase::Scenarios,
                    scenario: None,
                    message: sidecar_e2e_core::error_chain::error_chain(&err),
                });
            }
            match judge(&recording) {
                Ok(verdict) => outcome.verdict = Some(verdict),
                Err(err) => outcome.setup_failures.push(SetupFailure {
                    phase: Phase::Scenarios,
                    scenario: None,
                    message: sidecar_e2e_core::error_chain::error_chain(&err),
                }),
            }
            outcome.recording = Some(recording);
        }
        outcome
    }
}

/// Times phases and tells progress about them.
struct Phases<'a> {
    slug: String,
    progress: &'a super::Progress,
    outcome: CellOutcome,
}

impl Phases<'_> {
    async fn run<T, E: Into<BoxError>>(
        &mut self,
        phase: Phase,
        work: impl Future<Output = Result<T, E>>,
    ) -> Option<T> {
        (self.progress)(ProgressEvent::Started {
            cell: self.slug.clone(),
            phase,
        });
        let started = Instant::now();
        let result = work.await.map_err(Into::into);
        let took = started.elapsed();
        self.outcome.timings.push((phase, took));
        let error = result
            .as_ref()
            .err()
            .map(|e: &BoxError| sidecar_e2e_core::error_chain::error_chain(e.as_ref()));
        (self.progress)(ProgressEvent::Finished {
            cell: self.slug.clone(),
            phase,
            took,
            error: error.clone(),
        });
        if let Some(message) = error {
            self.outcome.setup_failures.push(SetupFailure {
                phase,
                scenario: None,
                message,
            });
        }
        result.ok()
    }

    fn note(&self, text: String) {
        (self.progress)(ProgressEvent::Note {
            cell: self.slug.clone(),
            text,
        });
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs one valid cell (the caller plans; invalid cells never get here).
pub async fn run_cell(
    config: &RunConfig,
    planned: &PlannedCell,
    created: &Created,
    progress: &super::Progress,
) -> CellOutcome {
    let slug = planned.cell.slug();
    let mut phases = Phases {
        slug: slug.clone(),
        progress,
        outcome: CellOutcome {
            cell: planned.cell,
            slug: slug.clone(),
            recording: None,
            verdict: None,
            setup_failures: Vec::new(),
            timings: Vec::new(),
            kept: None,
            same_cluster_as: None,
        },
    };
    let dir = cell_dir(&config.artifacts, &slug);
    let kind_cluster = match &config.provider {
        Provider::Kind(_) => Some(cluster_name(&config.run_id, &slug)),
        Provider::Existing(_) => None,
    };
    let access = bring_up(
        config,
        planned,
        &dir,
        kind_cluster.as_deref(),
        created,
        &mut phases,
    )
    .await;
    let mut namespaces = Vec::new();
    if let Some(access) = &access {
        run_on_cluster(
            config,
            planned,
            access,
            kind_cluster.as_deref(),
            created,
            &mut phases,
            &mut namespaces,
        )
        .await;
    }
    let failed = !phases.outcome.passed();
    if let (true, Provider::Kind(kind), Some(name)) = (failed, &config.provider, &kind_cluster) {
        let logs = dir.join("kind-logs");
        phases
            .run(Phase::CollectLogs, kind.export_logs(name, &logs))
            .await;
    }
    if (config.keep_cluster && !failed) || (failed && config.keep_on_failure) {
        phases.outcome.kept = Some(keep(
            config,
            kind_cluster.as_deref(),
            access.as_ref(),
            &namespaces,
            created,
        ));
        if let Some(kept) = &phases.outcome.kept {
            phases.note(kept.clone());
        }
    } else {
        teardown(
            config,
            kind_cluster.as_deref(),
            access.as_ref(),
            &namespaces,
            created,
            &mut phases,
        )
        .await;
    }
    // Every phase, teardown included (BENCHMARKS.md reads these).
    let _ = write_timings(&dir, &phases.outcome.timings);
    progress(ProgressEvent::CellFinished {
        cell: slug,
        passed: phases.outcome.passed(),
    });
    phases.outcome
}

/// Cluster up: kind create (registered first), node and system pods Ready; or the user's cluster.
async fn bring_up(
    config: &RunConfig,
    planned: &PlannedCell,
    dir: &Path,
    kind_cluster: Option<&str>,
    created: &Created,
    phases: &mut Phases<'_>,
) -> Option<ClusterAccess> {
    match (&config.provider, kind_cluster) {
        (Provider::Kind(kind), Some(name)) => {
            created.kind_cluster(name);
            phases
                .run(
                    Phase::ClusterUp,
                    create_kind_cluster(config, planned, kind, name, dir),
                )
                .await
        }
        (Provider::Existing(access), _) => Some(access.clone()),
        (Provider::Kind(_), None) => None,
    }
}

async fn create_kind_cluster(
    config: &RunConfig,
    planned: &PlannedCell,
    kind: &KindProvider,
    name: &str,
    dir: &Path,
) -> Result<ClusterAccess, BoxError> {
    let spec = planned.cluster.as_ref().ok_or("the cell has no cluster")?;
    std::fs::create_dir_all(dir)?;
    let config_path = dir.join("kind-config.yaml");
    // Only the run id: the kubelet refuses node labels in the kubernetes.io namespaces.
    let labels = std::collections::BTreeMap::from([(
        crate::api::RUN_ID_LABEL.to_owned(),
        config.run_id.clone(),
    )]);
    // From `docker info` at preflight: on a cgroup v1 host a 1.35+ kubelet needs failCgroupV1.
    let host = kind.host_cgroup();
    std::fs::write(
        &config_path,
        kind_config_with_labels(spec, &labels, host).yaml,
    )?;
    let node_image = config
        .images
        .node_images
        .get(&planned.cell.k8s)
        .cloned()
        .unwrap_or_else(|| spec.node_image.clone());
    let request = CreateCluster {
        name: name.to_owned(),
        config: config_path,
        node_image: Some(node_image),
        kubeconfig: dir.join("kubeconfig"),
        retain_on_failure: true,
    };
    let access = kind.create(&request).await?;
    let client = access.client().await?;
    await_all(
        Api::<Node>::all(client.clone()),
        watcher::Config::default(),
        "the cluster's nodes Ready",
        1,
        CLUSTER_READY_TIMEOUT,
        node_ready,
        describe_node,
    )
    .await?;
    // CoreDNS needs the CNI: when every system pod is Ready the network works too.
    await_all(
        Api::<Pod>::namespaced(client, "kube-system"),
        watcher::Config::default(),
        "the kube-system pods Ready",
        1,
        CLUSTER_READY_TIMEOUT,
        |pod| is_ready(pod) || is_finished(pod),
        |pod| sidecar_e2e_core::pod::phase(pod).to_owned(),
    )
    .await?;
    Ok(access)
}

/// Probe, images, injector and scenarios on a cluster that is up (`kind_cluster`: the kind
/// cluster's name, when the run made it).
async fn run_on_cluster(
    config: &RunConfig,
    planned: &PlannedCell,
    access: &ClusterAccess,
    kind_cluster: Option<&str>,
    created: &Created,
    phases: &mut Phases<'_>,
    namespaces: &mut Vec<String>,
) {
    let cell = planned.cell;
    let Some(effective) = planned.effective_mode else {
        return;
    };
    let Some((client, mut facts)) = phases.run(Phase::Probe, probe(access, planned)).await else {
        return;
    };
    facts.injected_mode = Some(match injector_mode(effective) {
        sidecar_injector::config::Mode::Native => EffectiveMode::Native,
        sidecar_injector::config::Mode::Legacy => EffectiveMode::Legacy,
    });
    if let (Provider::Kind(kind), Some(name)) = (&config.provider, kind_cluster) {
        let images = images_to_load(&config.images, cell.injector);
        let load = kind.load_images(name, &images, &config.artifacts);
        if phases.run(Phase::LoadImages, load).await.is_none() {
            return;
        }
    }
    let installed = match cell.injector {
        InjectorSpec::Builtin => phases
            .run(
                Phase::Install,
                install_builtin(&client, &config.images, effective, &config.run_id),
            )
            .await
            .is_some(),
        InjectorSpec::Istio { minor } => match &config.istioctl {
            Some(istioctl) => {
                let settings = crate::install::IstioSettings::for_cell(
                    &config.images,
                    minor,
                    injector_mode(effective),
                );
                phases
                    .run(Phase::Install, istioctl.install_with(access, &settings))
                    .await
                    .is_some()
            }
            None => {
                phases.outcome.setup_failures.push(SetupFailure {
                    phase: Phase::Install,
                    scenario: None,
                    message: "no istioctl (pass --istioctl)".to_owned(),
                });
                false
            }
        },
    };
    // A scenario that does not run in this cell (it needs native sidecars and the gate is off)
    // is left out; `plan --format json` says why under `notRun`.
    let target = Target::of(planned);
    let scenarios: Vec<Scenario> = config
        .scenarios
        .iter()
        .copied()
        .filter(|s| target.is_some_and(|t| s.expectation(&t).is_ok()))
        .collect();
    if !installed || scenarios.is_empty() {
        return;
    }
    // A shell on the node for the scenarios that act on it: only on a kind cluster the run made.
    let node = match (&config.provider, kind_cluster) {
        (Provider::Kind(kind), Some(name)) => Some(kind.node_shell(name)),
        _ => None,
    };
    // Judged as `judge` will judge the recording: on the patch the kubelet reported.
    let judged_on = target.map(|t| {
        t.on_reported_version(
            facts
                .kubelet_versions
                .first()
                .unwrap_or(&facts.server_version),
        )
    });
    let shared = SharedScenarioSetup {
        config,
        client: &client,
        access,
        created,
        injector: cell.injector,
        effective,
        judged_on,
        dir: cell_dir(&config.artifacts, &phases.slug),
        recording: Recording {
            version: RECORDING_VERSION,
            cell,
            cluster: facts.clone(),
            scenarios: Vec::new(),
        },
    };
    // Turns: every scenario that only runs pods at once, then each that acts on the node (a
    // kubelet restart) alone, so that it disturbs no other. A scenario that cannot be set up is
    // reported with the others below, not as the phase's error: the rest still run and are
    // judged.
    let turns = Scenario::node_turns(&scenarios);
    let all = async {
        let mut results = Vec::new();
        for turn in turns {
            let runs = turn.into_iter().map(|scenario| {
                let node = scenario
                    .def()
                    .node
                    .is_alone()
                    .then(|| node.clone())
                    .flatten();
                shared.record(scenario, node)
            });
            results.extend(futures::future::join_all(runs).await);
        }
        Ok::<_, std::convert::Infallible>(results)
    };
    let results = phases.run(Phase::Scenarios, all).await.unwrap_or_default();
    let mut recorded: Vec<ScenarioRecording> = Vec::new();
    for (used, result) in results {
        namespaces.extend(used);
        match result {
            Ok(scenario) => recorded.push(scenario),
            Err(failure) => phases.outcome.setup_failures.push(failure),
        }
    }
    let recording = Recording {
        version: RECORDING_VERSION,
        cell,
        cluster: facts,
        scenarios: recorded,
    };
    if let Err(err) = write_recordings(&cell_dir(&config.artifacts, &phases.slug), &recording) {
        phases.outcome.setup_failures.push(SetupFailure {
            phase: Phase::Scenarios,
            scenario: None,
            message: sidecar_e2e_core::error_chain::error_chain(&err),
        });
    }
    match judge(&recording) {
        Ok(verdict) => phases.outcome.verdict = Some(verdict),
        Err(err) => phases.outcome.setup_failures.push(SetupFailure {
            phase: Phase::Scenarios,
            scenario: None,
            message: sidecar_e2e_core::error_chain::error_chain(&err),
        }),
    }
    phases.outcome.recording = Some(recording);
}

/// The probe and versions, checked against the plan: a gate that did not take effect fails here.
async fn probe(
    access: &ClusterAccess,
    planned: &PlannedCell,
) -> Result<(kube::Client, ClusterFacts), BoxError> {
    let client = access.client().await?;
    let facts = measure(&client, "default").await?;
    if let Some(spec) = &planned.cluster {
        check_probe(spec, facts.native_sidecars_supported == Some(true))?;
    }
    Ok((client, facts))
}

/// The images a cell loads into its kind cluster: the workloads', and the injector's (the
/// builtin's webhook and Envoy; Istio's pilot and proxyv2 when the image table names them).
pub fn images_to_load(
    images: &sidecar_e2e_core::plan::ImageTable,
    injector: InjectorSpec,
) -> Vec<String> {
    let w = &images.workloads;
    let mut load = vec![w.curl.clone(), w.httpbin.clone()];
    match injector {
        InjectorSpec::Builtin => load.extend([w.injector.clone(), w.envoy.clone()]),
        InjectorSpec::Istio { minor } => {
            load.extend(images.istio_for(minor).into_iter().flat_map(|i| i.all()));
        }
    }
    load
}

/// How many times a scenario is recorded when harness faults spoil its recordings: once more
/// after a first spoiled one. A product failure is never recorded again.
const MAX_ATTEMPTS: u32 = 2;

/// What every scenario of a cell shares.
struct SharedScenarioSetup<'a> {
    config: &'a RunConfig,
    client: &'a kube::Client,
    access: &'a ClusterAccess,
    created: &'a Created,
    injector: InjectorSpec,
    effective: EffectiveMode,
    /// What the scenario is judged on, to see whether a harness fault spoiled it.
    judged_on: Option<Target>,
    /// The cell's artifacts directory (discarded attempts go to `attempts/` in it).
    dir: std::path::PathBuf,
    /// The cell's recording with no scenario yet (for a discarded attempt's own file).
    recording: Recording,
}

impl SharedScenarioSetup<'_> {
    /// Records `scenario` in a namespace of its own; when a harness fault left some of its
    /// checks undecided, records it again (up to [`MAX_ATTEMPTS`]) in a new namespace, keeping
    /// the spoiled attempt under `attempts/` and saying why in the one that is judged. Returns
    /// the namespaces it used, and the recording.
    async fn record(
        &self,
        scenario: Scenario,
        node: Option<crate::cluster::NodeShell>,
    ) -> (Vec<String>, Result<ScenarioRecording, SetupFailure>) {
        let mut namespaces = Vec::new();
        let mut retried_because = Vec::new();
        let mut attempt = 1;
        loop {
            let namespace = match attempt {
                1 => format!("se2e-{}-{scenario}", self.config.run_id),
                n => format!("se2e-{}-{scenario}-{n}", self.config.run_id),
            };
            namespaces.push(namespace.clone());
            if matches!(self.config.provider, Provider::Existing(_)) {
                self.created.namespace(self.access, &namespace);
            }
            let run = ScenarioRun {
                scenario,
                namespace,
                mode: self.effective,
                roles: sidecar_e2e_core::pod::PodRoles::proxy(
                    sidecar_e2e_core::scenario::proxy_name(self.injector),
                ),
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
        let mut faults: Vec<String> = Vec::new();
        for result in sidecar_e2e_core::verdict::judge_on(recorded, target).results {
            if result.status != sidecar_e2e_core::verdict::CheckStatus::HarnessFault {
                continue;
            }
            for line in result
                .evidence
                .iter()
                .take_while(|l| l.starts_with("harness fault"))
            {
                let line = format!("{}: {line}", result.check.name());
                if !faults.contains(&line) {
                    faults.push(line);
                }
            }
        }
        faults
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
    let mut labels = run_labels(run_id);
    // The known-bug scenarios write their own sidecars: no injector adds a proxy to their pods.
    if run.scenario.injected() {
        let (key, value) = match injector {
            InjectorSpec::Builtin => INJECTION_LABEL,
            InjectorSpec::Istio { .. } => ISTIO_INJECTION_LABEL,
        };
        labels.insert(key.to_owned(), value.to_owned());
    }
    create_namespace(client, &run.namespace, labels)
        .await
        .map_err(|err| failure(sidecar_e2e_core::error_chain::error_chain(&err)))?;
    record_scenario(client, images, run)
        .await
        .map_err(|err| failure(sidecar_e2e_core::error_chain::error_chain(&err)))
}

/// Keeps a failed cell's cluster or namespaces and says how to look at them and remove them.
fn keep(
    config: &RunConfig,
    kind_cluster: Option<&str>,
    access: Option<&ClusterAccess>,
    namespaces: &[String],
    created: &Created,
) -> String {
    let flags = access.map(ClusterAccess::kubectl_flags).unwrap_or_default();
    match (&config.provider, kind_cluster) {
        (Provider::Kind(kind), Some(name)) => {
            created.forget_cluster(name);
            format!(
                "kept kind cluster {name}; inspect: kubectl {flags} get pods -A; remove: {} delete cluster --name {name}",
                kind.kind().bin.display()
            )
        }
        _ => {
            for ns in namespaces {
                created.forget_namespace(ns);
            }
            format!(
                "kept namespaces {}; inspect: kubectl {flags} get pods -n <namespace>; remove: sidecar-e2e gc {flags}",
                namespaces.join(", ")
            )
        }
    }
}

async fn teardown(
    config: &RunConfig,
    kind_cluster: Option<&str>,
    access: Option<&ClusterAccess>,
    namespaces: &[String],
    created: &Created,
    phases: &mut Phases<'_>,
) {
    match (&config.provider, kind_cluster) {
        (Provider::Kind(kind), Some(name)) => {
            if phases
                .run(Phase::Teardown, kind.delete(name))
                .await
                .is_some()
            {
                created.forget_cluster(name);
            }
        }
        _ => {
            let Some(access) = access else { return };
            let remove = async {
                let client = access.client().await?;
                for ns in namespaces {
                    crate::api::delete_namespace(&client, ns).await?;
                    created.forget_namespace(ns);
                }
                Ok::<(), BoxError>(())
            };
            phases.run(Phase::Teardown, remove).await;
        }
    }
}
