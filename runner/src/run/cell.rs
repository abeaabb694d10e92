//! One cell, start to end: cluster up, probe, images, injector, scenarios, judge, write, and —
//! on failure — collect the cluster's logs; then tear down, or keep for inspection. A phase that
//! fails ends the cell as a setup failure (never as a verdict: a cluster that did not come up
//! proves nothing about sidecars). The cluster is one value ([`CellCluster`]) whose methods do
//! what differs between a kind cluster and a borrowed one.

use std::path::PathBuf;

use sidecar_e2e_core::plan::{EffectiveMode, InjectorSpec, PlannedCell};
use sidecar_e2e_core::recording::{ClusterFacts, RECORDING_VERSION, Recording, ScenarioRecording};
use sidecar_e2e_core::scenario::{Scenario, Target};
use sidecar_e2e_core::verdict::{judge, on_reported_patch};

use super::artifacts::{PhaseDetails, cell_dir, write_recordings, write_timings};
use super::cell_cluster::{CellCluster, system_pods_ready};
use super::cleanup::Created;
use super::id::cluster_name;
use super::outcome::CellOutcome;
use super::phases::{BoxError, Phases};
use super::scenarios::CellScenarios;
use super::{Phase, Provider, RunConfig};
use crate::cluster::{ClusterAccess, check_probe, measure};
use crate::install::install_injector;

/// One cell's run: what it was given, its cluster, and the phases so far.
struct CellRun<'a> {
    config: &'a RunConfig,
    planned: &'a PlannedCell,
    created: &'a Created,
    cluster: CellCluster<'a>,
    phases: Phases<'a>,
    /// The cell's artifacts directory.
    dir: PathBuf,
    /// Every namespace its scenarios used.
    namespaces: Vec<String>,
    /// What timings.json says beyond the phases' lengths.
    details: PhaseDetails,
}

/// Runs one valid cell (the caller plans; invalid cells never get here).
pub async fn run_cell(
    config: &RunConfig,
    planned: &PlannedCell,
    created: &Created,
    progress: &super::Progress,
) -> CellOutcome {
    let slug = planned.cell.slug();
    let cluster = match &config.provider {
        Provider::Kind(kind) => CellCluster::Kind {
            kind,
            name: cluster_name(&config.run_id, &slug),
        },
        Provider::Existing(access) => CellCluster::Borrowed { access },
    };
    let outcome = CellOutcome {
        cell: planned.cell,
        slug: slug.clone(),
        recording: None,
        verdict: None,
        setup_failures: Vec::new(),
        timings: Vec::new(),
        kept: None,
        same_cluster_as: None,
    };
    CellRun {
        config,
        planned,
        created,
        cluster,
        dir: cell_dir(&config.artifacts, &slug),
        phases: Phases::new(slug, progress, outcome),
        namespaces: Vec::new(),
        details: PhaseDetails::default(),
    }
    .run()
    .await
}

impl CellRun<'_> {
    async fn run(mut self) -> CellOutcome {
        let access = self.bring_up().await;
        if let Some(access) = &access {
            self.on_cluster(access).await;
        }
        let failed = !self.phases.outcome.passed();
        if failed && let Some(export) = self.cluster.export_logs(&self.dir.join("kind-logs")) {
            self.phases.run(Phase::CollectLogs, export).await;
        }
        let config = self.config;
        if (config.keep_cluster && !failed) || (failed && config.keep_on_failure) {
            let kept = self
                .cluster
                .keep(access.as_ref(), &self.namespaces, self.created);
            self.phases.note(kept.clone());
            self.phases.outcome.kept = Some(kept);
        } else {
            let tear_down = self
                .cluster
                .tear_down(access.as_ref(), &self.namespaces, self.created);
            self.phases.run(Phase::Teardown, tear_down).await;
        }
        // Every phase, teardown included (BENCHMARKS.md reads these).
        let _ = write_timings(&self.dir, &self.phases.outcome.timings, &self.details);
        self.phases.finished();
        self.phases.outcome
    }

    /// Cluster up: kind create (registered first), node and system pods Ready; or the user's
    /// cluster.
    async fn bring_up(&mut self) -> Option<ClusterAccess> {
        let Some(spec) = &self.planned.cluster else {
            self.phases
                .fail(Phase::ClusterUp, "the cell has no cluster".to_owned());
            return None;
        };
        let up = self.cluster.up(
            spec,
            &self.config.run_id,
            &self.dir,
            self.created,
            &mut self.details.cluster_up,
        );
        self.phases.run(Phase::ClusterUp, up).await
    }

    /// Probe, images, injector and scenarios on a cluster whose nodes are Ready. Its system pods
    /// become Ready meanwhile: they are awaited beside the probe, the images and the install, and
    /// before the scenarios (BENCHMARKS.md, "Nothing to load, and the floor beside a cell").
    async fn on_cluster(&mut self, access: &ClusterAccess) {
        let (config, planned) = (self.config, self.planned);
        let cell = planned.cell;
        let Some(effective) = planned.effective_mode else {
            return;
        };
        let system = system_pods_ready(self.cluster.is_borrowed(), access.clone());
        let (system, prepared) = tokio::join!(system, self.prepare(access, effective));
        match system {
            Ok(Some(took)) => self.details.cluster_up.push((
                "kube-system Ready (beside probe, load images, install)",
                took,
            )),
            Ok(None) => {}
            Err(err) => {
                self.phases.fail(
                    Phase::ClusterUp,
                    sidecar_e2e_core::error_chain::error_chain(err.as_ref()),
                );
                return;
            }
        }
        let Some((client, facts)) = prepared else {
            return;
        };
        // A scenario that does not run in this cell (it needs native sidecars and the gate is
        // off) is left out; `plan --format json` says why under `notRun`.
        let target = Target::of(planned);
        let scenarios: Vec<Scenario> = config
            .scenarios
            .iter()
            .copied()
            .filter(|s| target.is_some_and(|t| s.expectation(&t).is_ok()))
            .collect();
        if scenarios.is_empty() {
            return;
        }
        // Judged as `judge` will judge the recording: on the patch the kubelet reported.
        let judged_on = target.map(|t| on_reported_patch(t, &facts));
        let empty = Recording {
            version: RECORDING_VERSION,
            cell,
            cluster: facts,
            scenarios: Vec::new(),
        };
        let cell_scenarios = CellScenarios {
            config,
            client: &client,
            access,
            created: self.created,
            borrowed: self.cluster.is_borrowed(),
            node: self.cluster.node_shell(cell.worker.is_some()),
            injector: cell.injector,
            effective,
            judged_on,
            dir: self.dir.clone(),
            recording: empty.clone(),
        };
        // A scenario that cannot be set up is reported with the others below, not as the
        // phase's error: the rest still run and are judged.
        let all = async {
            Ok::<_, std::convert::Infallible>(cell_scenarios.record_all(&scenarios).await)
        };
        let results = self
            .phases
            .run(Phase::Scenarios, all)
            .await
            .unwrap_or_default();
        let mut recorded: Vec<ScenarioRecording> = Vec::new();
        for (used, result) in results {
            self.namespaces.extend(used);
            match result {
                Ok(scenario) => recorded.push(scenario),
                Err(failure) => self.phases.outcome.setup_failures.push(failure),
            }
        }
        let recording = Recording {
            scenarios: recorded,
            ..empty
        };
        if let Err(err) = write_recordings(&self.dir, &recording) {
            self.phases.fail(
                Phase::Scenarios,
                sidecar_e2e_core::error_chain::error_chain(&err),
            );
        }
        match judge(&recording) {
            Ok(verdict) => self.phases.outcome.verdict = Some(verdict),
            Err(err) => self.phases.fail(
                Phase::Scenarios,
                sidecar_e2e_core::error_chain::error_chain(&err),
            ),
        }
        self.phases.outcome.recording = Some(recording);
    }

    /// Probe, images and the injector's install; the client and the cluster's facts when all
    /// went well.
    async fn prepare(
        &mut self,
        access: &ClusterAccess,
        effective: EffectiveMode,
    ) -> Option<(kube::Client, ClusterFacts)> {
        let (config, planned) = (self.config, self.planned);
        let (client, mut facts) = self
            .phases
            .run(Phase::Probe, probe(access, planned))
            .await?;
        // A rejected cell is one where native was asked for and the API server refuses it.
        facts.injected_mode = Some(match effective {
            EffectiveMode::Native | EffectiveMode::Rejected => EffectiveMode::Native,
            EffectiveMode::Legacy => EffectiveMode::Legacy,
        });
        let images = images_to_load(&config.images, planned.cell.injector);
        if let Some(load) = self.cluster.load_images(&images, &config.artifacts) {
            self.details.load = Some(self.phases.run(Phase::LoadImages, load).await?);
        }
        self.install(&client, access, effective)
            .await
            .then_some((client, facts))
    }

    /// Installs the cell's injector as its profile says and proves it answers; false when it
    /// did not.
    async fn install(
        &mut self,
        client: &kube::Client,
        access: &ClusterAccess,
        effective: EffectiveMode,
    ) -> bool {
        let config = self.config;
        let install = install_injector(
            client,
            access,
            self.planned.cell.injector,
            &config.images,
            effective,
            config.istioctl.as_ref(),
            &config.run_id,
        );
        self.phases.run(Phase::Install, install).await.is_some()
    }
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

/// The images a cell loads into its kind cluster: the workloads', and those the injector's
/// profile names (the builtin's webhook and Envoy; Istio's pilot and proxyv2, or another
/// injector's built images, when the image table names them).
pub fn images_to_load(
    images: &sidecar_e2e_core::plan::ImageTable,
    injector: InjectorSpec,
) -> Vec<String> {
    let w = &images.workloads;
    let mut load = vec![w.curl.clone(), w.httpbin.clone()];
    for (_, image) in images.injector_images(injector) {
        if !load.contains(&image) {
            load.push(image);
        }
    }
    load
}
