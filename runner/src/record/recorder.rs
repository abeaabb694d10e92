//! The recorder: runs one scenario in its namespace and writes down what happened. It applies
//! httpbin and waits for it, starts watching the scenario's pods and the namespace's events,
//! applies the workload, and keeps every watch event (numbered in arrival order) until the
//! scenario's [`super::end_condition`] or its deadline; then it takes a last look at the pods
//! and reads every container's log.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event as CoreEvent, Pod};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ListParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, ResourceExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::istiod::read_xds_rejects;
use super::logs::{fetch_pod_logs, follow_log};
use super::server_rows::{ServerRows, Table, list_rows, watch_rows};
use crate::api::{
    ApplyError, WaitError, apply_manifest, await_all, deployment_available, describe_deployment,
};
use crate::cluster::NodeShell;
use sidecar_e2e_core::plan::{EffectiveMode, ImageTable, InjectorSpec, UnknownImageVariable};
use sidecar_e2e_core::pod::PodRoles;
use sidecar_e2e_core::recording::{
    ActionRecord, ContainerLog, EventRecord, FaultKind, HarnessFault, PhaseTiming, PodSnapshot,
    ScenarioRecording,
};
use sidecar_e2e_core::scenario::{
    EndCondition, HTTPBIN_MANIFEST, Progress, Scenario, needs_upstream, render_workload,
};

/// How long httpbin, the upstream, may take to become available.
const HTTPBIN_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the followed logs of a deleted pod may take to end after it is gone.
const FOLLOW_GRACE: Duration = Duration::from_secs(10);
/// How long, after the end condition, the server's Table watch may take to deliver the rows of
/// snapshots the pod watch already delivered (two watches, two connections: one can lag).
const ROWS_CATCH_UP: Duration = Duration::from_secs(3);
/// How many distinct faults one scenario keeps (a watch that keeps breaking says the same thing).
const MAX_FAULTS: usize = 20;

/// One scenario to record.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// Which scenario.
    pub scenario: Scenario,
    /// The cell's injector (how the workload makes traffic through its sidecar).
    pub injector: InjectorSpec,
    /// Its namespace (already created, with the injection label).
    pub namespace: String,
    /// The layout its pods should get (for the end condition).
    pub mode: EffectiveMode,
    /// Which containers are sidecars and which apps.
    pub roles: PodRoles,
    /// When to give up and record what there is.
    pub timeout: Duration,
    /// A shell on the node, for scenarios that act on it: given only to a scenario that declares
    /// it ([`sidecar_e2e_core::scenario::NodeUse::Alone`]) on a kind cluster the run made, which then has
    /// the node to itself.
    pub node: Option<NodeShell>,
    /// Whether to ask istiod, at the end, which xDS responses this namespace's proxies refused
    /// (Istio cells).
    pub read_istiod_rejects: bool,
}

/// The scenario could not be set up (not a verdict: the harness or the cluster broke).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A manifest names an image the table does not know.
    #[error("cannot fill the {scenario} manifests")]
    Images {
        /// Which scenario.
        scenario: Scenario,
        /// Why.
        #[source]
        source: UnknownImageVariable,
    },
    /// httpbin could not be applied or never became available.
    #[error("{scenario}: httpbin, the upstream, is not available")]
    Upstream {
        /// Which scenario.
        scenario: Scenario,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The workload could not be applied for a reason that is not the cluster's answer.
    #[error("cannot apply the {scenario} workload")]
    Apply {
        /// Which scenario.
        scenario: Scenario,
        /// Why.
        #[source]
        source: ApplyError,
    },
    /// A watch failed.
    #[error("{scenario}: the watch failed")]
    Watch {
        /// Which scenario.
        scenario: Scenario,
        /// Why.
        #[source]
        source: watcher::Error,
    },
}

/// Resolves when `signal` fires; never when there is none or its sender is gone. Once the
/// receiver has answered, either way, the slot is emptied: a oneshot receiver polled again after
/// its answer panics ("called after complete"), and the watch loop polls this on every turn.
/// (Whole matrix at `--parallel 3`, 2026-12-07: a log follower ended without the app's start,
/// the next turn polled its spent receiver and the run died with three clusters left behind.)
async fn fired(signal: &mut Option<oneshot::Receiver<()>>) {
    let Some(rx) = signal.as_mut() else {
        return std::future::pending().await;
    };
    let answer = rx.await;
    *signal = None;
    if answer.is_err() {
        std::future::pending::<()>().await;
    }
}

/// One watch event, of any of the three streams.
enum Seen {
    Pod(Box<Event<Pod>>),
    Event(Box<Event<CoreEvent>>),
    /// A pod row as the API server printed it, or why the Table watch broke.
    Rows(Result<Table, String>),
}

/// Runs `run.scenario` in `run.namespace` and records it.
///
/// # Errors
/// [`RecordError`] when the scenario could not be set up or watched; what the workload itself
/// does (refusals included) goes into the recording.
pub async fn record_scenario(
    client: &kube::Client,
    images: &ImageTable,
    run: &ScenarioRun,
) -> Result<ScenarioRecording, RecordError> {
    let scenario = run.scenario;
    let ns = run.namespace.as_str();
    let images_error = |source| RecordError::Images { scenario, source };
    let httpbin = images
        .render_manifest(HTTPBIN_MANIFEST)
        .map_err(images_error)?;
    let workload =
        render_workload(scenario.manifest(), run.injector, images).map_err(images_error)?;
    let mut rec = Recorder::new(run);

    let started = Instant::now();
    let upstream_error = |source: Box<dyn std::error::Error + Send + Sync>| RecordError::Upstream {
        scenario,
        source,
    };
    // Only the proxy scenarios call httpbin, and only through a proxy (a collector's records go
    // to the collector itself); the known-bug ones need no upstream.
    if scenario.injected() && needs_upstream(run.injector) {
        deploy_upstream(client, &httpbin, ns)
            .await
            .map_err(upstream_error)?;
    }
    rec.timing("upstream", started);

    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let mut stream = watch_streams(client, ns, scenario, &mut rec.server_rows).await;
    rec.until_listed(&mut stream).await?;

    let started = Instant::now();
    let manifest = scenario.manifest_path();
    match apply_manifest(client, &manifest, &workload, Some(ns)).await {
        Ok(_) => {}
        Err(err) => match err.refusal() {
            Some(message) => rec.apply_errors.push(message.to_owned()),
            None => {
                return Err(RecordError::Apply {
                    scenario,
                    source: err,
                });
            }
        },
    }
    rec.timing("apply", started);

    let started = Instant::now();
    rec.watch(&mut stream, &pods).await?;
    rec.catch_up_rows(&mut stream).await;
    rec.timing("watch", started);

    let started = Instant::now();
    let logs = rec.collect_logs(client, &pods).await;
    rec.timing("logs", started);
    let xds_rejects = if run.read_istiod_rejects {
        let started = Instant::now();
        let rejects = read_xds_rejects(client, ns).await;
        rec.timing("xds-rejects", started);
        Some(rejects)
    } else {
        None
    };
    Ok(ScenarioRecording {
        xds_rejects,
        ..rec.into_recording(logs)
    })
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies httpbin, the upstream, and waits until it is available.
async fn deploy_upstream(client: &kube::Client, httpbin: &str, ns: &str) -> Result<(), BoxError> {
    apply_manifest(client, "core/src/scenario/httpbin.yaml", httpbin, Some(ns))
        .await
        .map_err(|err| Box::new(err) as BoxError)?;
    await_all(
        Api::<Deployment>::namespaced(client.clone(), ns),
        watcher::Config::default().fields("metadata.name=httpbin"),
        "httpbin",
        1,
        HTTPBIN_TIMEOUT,
        deployment_available,
        describe_deployment,
    )
    .await
    .map_err(|err: WaitError| Box::new(err) as BoxError)?;
    // An available Deployment is not yet a routable Service: a workload whose first request
    // comes at once (init-traffic's init container) was refused before the Service had a ready
    // endpoint (seen live on a two-node cluster). Wait for one, as kube-proxy does.
    await_all(
        Api::<EndpointSlice>::namespaced(client.clone(), ns),
        watcher::Config::default().labels("kubernetes.io/service-name=httpbin"),
        "httpbin's Service endpoint",
        1,
        HTTPBIN_TIMEOUT,
        has_ready_endpoint,
        |slice| format!("{} endpoint(s), none ready", slice.endpoints.len()),
    )
    .await
    .map_err(|err: WaitError| Box::new(err) as BoxError)?;
    Ok(())
}

/// Whether an EndpointSlice lists a ready endpoint (an absent condition means ready, as the
/// API documents).
fn has_ready_endpoint(slice: &EndpointSlice) -> bool {
    slice.endpoints.iter().any(|endpoint| {
        endpoint
            .conditions
            .as_ref()
            .and_then(|c| c.ready)
            .unwrap_or(true)
    })
}

/// Pods labelled `app=<scenario>`, every event in the namespace, and the server's printed rows
/// of those pods, as one stream. A Table watch the server refuses is noted in `rows` and left
/// out: the recording then lacks server rows, which `printer-agrees` reports.
async fn watch_streams(
    client: &kube::Client,
    ns: &str,
    scenario: Scenario,
    rows: &mut ServerRows,
) -> impl Stream<Item = watcher::Result<Seen>> + Unpin + use<> {
    let selector = format!("app={scenario}");
    // A watch that breaks is re-listed after a back-off (what it missed in between is a fault
    // the recording keeps), rather than ending the scenario.
    let pods = watcher::watcher(
        Api::<Pod>::namespaced(client.clone(), ns),
        watcher::Config::default().labels(&selector),
    )
    .default_backoff()
    .map(|e| e.map(|event| Seen::Pod(Box::new(event))));
    let events = watcher::watcher(
        Api::<CoreEvent>::namespaced(client.clone(), ns),
        watcher::Config::default(),
    )
    .default_backoff()
    .map(|e| e.map(|event| Seen::Event(Box::new(event))));
    let printed = match watch_rows(client, ns, &selector).await {
        Ok(stream) => stream.map(|row| Ok(Seen::Rows(row))).boxed(),
        Err(problem) => {
            rows.problem(problem);
            futures::stream::empty().boxed()
        }
    };
    futures::stream::select_all([pods.boxed(), events.boxed(), printed])
}

struct Recorder<'r> {
    run: &'r ScenarioRun,
    seq: u64,
    snapshots: Vec<PodSnapshot>,
    events: Vec<EventRecord>,
    apply_errors: Vec<String>,
    timings: Vec<PhaseTiming>,
    /// The scenario's pods as last seen, by name.
    current: BTreeMap<String, Pod>,
    /// Every pod ever seen, as last seen (for logs).
    ever: BTreeMap<String, Pod>,
    /// The pod being deleted, and its followed logs.
    stopping: Option<Stopping>,
    /// What the recorder did to the workload.
    actions: Vec<ActionRecord>,
    /// The node's kubelet was restarted (or that was tried).
    kubelet_restarted: bool,
    timed_out: bool,
    /// The server's rows of the scenario's pods.
    server_rows: ServerRows,
    /// What could not be observed or done.
    faults: Vec<HarnessFault>,
}

struct Stopping {
    pod: String,
    gone: bool,
    followers: Vec<(Followed, JoinHandle<ContainerLog>)>,
}

/// Which container a follower reads.
struct Followed {
    name: String,
    init: bool,
}

impl<'r> Recorder<'r> {
    fn new(run: &'r ScenarioRun) -> Self {
        Recorder {
            run,
            seq: 0,
            snapshots: Vec::new(),
            events: Vec::new(),
            apply_errors: Vec::new(),
            timings: Vec::new(),
            current: BTreeMap::new(),
            ever: BTreeMap::new(),
            stopping: None,
            actions: Vec::new(),
            kubelet_restarted: false,
            timed_out: false,
            server_rows: ServerRows::default(),
            faults: Vec::new(),
        }
    }

    /// Notes what the harness could not observe or do (each distinct fault once).
    fn fault(&mut self, what: FaultKind, detail: String) {
        let fault = HarnessFault { what, detail };
        if self.faults.len() < MAX_FAULTS && !self.faults.contains(&fault) {
            tracing::warn!(scenario = %self.run.scenario, "{}: {}", what.describe(), fault.detail);
            self.faults.push(fault);
        }
    }

    fn timing(&mut self, phase: &str, since: Instant) {
        self.timings.push(PhaseTiming {
            phase: phase.to_owned(),
            millis: u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Drives both watches through their initial lists, so nothing the workload does is missed.
    async fn until_listed(
        &mut self,
        stream: &mut (impl Stream<Item = watcher::Result<Seen>> + Unpin),
    ) -> Result<(), RecordError> {
        let mut listed = 0;
        while listed < 2 {
            match stream.next().await {
                Some(Ok(seen)) => {
                    let done = match &seen {
                        Seen::Pod(event) => matches!(**event, Event::InitDone),
                        Seen::Event(event) => matches!(**event, Event::InitDone),
                        Seen::Rows(_) => false,
                    };
                    if done {
                        listed += 1;
                    }
                    self.keep(seen);
                }
                Some(Err(source)) => {
                    return Err(RecordError::Watch {
                        scenario: self.run.scenario,
                        source,
                    });
                }
                None => break,
            }
        }
        Ok(())
    }

    fn keep(&mut self, seen: Seen) {
        match seen {
            Seen::Pod(event) => self.keep_pod(*event),
            Seen::Event(event) => self.keep_event(*event),
            Seen::Rows(Ok(table)) => self.server_rows.keep(table),
            Seen::Rows(Err(problem)) => self.server_rows.problem(problem),
        }
    }

    /// Whether every snapshot so far has the server's row.
    fn rows_complete(&self) -> bool {
        self.snapshots.iter().all(|s| {
            let meta = &s.pod.metadata;
            match (meta.name.as_deref(), meta.resource_version.as_deref()) {
                (Some(name), Some(rv)) => self.server_rows.row(name, rv).is_some(),
                _ => true,
            }
        })
    }

    /// Lets the Table watch catch up with the pod watch, for at most [`ROWS_CATCH_UP`].
    async fn catch_up_rows(
        &mut self,
        stream: &mut (impl Stream<Item = watcher::Result<Seen>> + Unpin),
    ) {
        let until = tokio::time::Instant::now() + ROWS_CATCH_UP;
        while !self.rows_complete() {
            match tokio::time::timeout_at(until, stream.next()).await {
                Ok(Some(Ok(seen))) => self.keep(seen),
                Ok(Some(Err(_)) | None) | Err(_) => return,
            }
        }
    }

    fn keep_pod(&mut self, event: Event<Pod>) {
        match event {
            Event::Apply(pod) | Event::InitApply(pod) => {
                let name = pod.name_any();
                self.snapshot(pod.clone());
                self.ever.insert(name.clone(), pod.clone());
                self.current.insert(name, pod);
            }
            Event::Delete(pod) => {
                let name = pod.name_any();
                self.snapshot(pod.clone());
                self.ever.insert(name.clone(), pod);
                self.current.remove(&name);
                if let Some(stopping) = self.stopping.as_mut()
                    && stopping.pod == name
                    && !stopping.gone
                {
                    stopping.gone = true;
                    self.act("gone", name);
                }
            }
            Event::Init | Event::InitDone => {}
        }
    }

    fn keep_event(&mut self, event: Event<CoreEvent>) {
        let (Event::Apply(event) | Event::InitApply(event)) = event else {
            return;
        };
        let seq = self.next_seq();
        let object = format!(
            "{}/{}",
            event.involved_object.kind.as_deref().unwrap_or("?"),
            event.involved_object.name.as_deref().unwrap_or("?")
        );
        self.events.push(EventRecord {
            seq,
            type_: event.type_.unwrap_or_default(),
            reason: event.reason.unwrap_or_default(),
            message: event.message.unwrap_or_default(),
            object,
            count: event.count.unwrap_or(1),
        });
    }

    fn snapshot(&mut self, mut pod: Pod) {
        // Who wrote which field says nothing about sidecars, and is most of a pod's bytes.
        pod.metadata.managed_fields = None;
        let seq = self.next_seq();
        self.snapshots.push(PodSnapshot {
            seq,
            observed_at: MicroTime(Timestamp::now()),
            pod,
            server_row: None,
        });
    }

    /// Notes an action (or its end) with the time and a sequence number.
    fn act(&mut self, action: &str, pod: String) {
        let seq = self.next_seq();
        self.actions.push(ActionRecord {
            seq,
            at: MicroTime(Timestamp::now()),
            action: action.to_owned(),
            pod,
        });
    }

    fn end(&self) -> EndCondition {
        let pods: Vec<&Pod> = self.current.values().collect();
        let progress = Progress {
            pods: &pods,
            apply_refused: !self.apply_errors.is_empty(),
            failed_create: self.events.iter().any(|e| e.reason == "FailedCreate"),
            deleted_pod_gone: self.stopping.as_ref().is_some_and(|s| s.gone),
            kubelet_restarted: self.kubelet_restarted,
            roles: self.run.roles,
            mode: self.run.mode,
        };
        self.run.scenario.end_condition(&progress)
    }

    /// Keeps every event until the end condition holds or the deadline passes.
    async fn watch(
        &mut self,
        stream: &mut (impl Stream<Item = watcher::Result<Seen>> + Unpin),
        pods: &Api<Pod>,
    ) -> Result<(), RecordError> {
        let deadline = tokio::time::Instant::now() + self.run.timeout;
        let mut settle: Option<tokio::time::Instant> = None;
        // Fires when the app prints that it is up (its SIGTERM trap is set).
        let mut app_started: Option<oneshot::Receiver<()>> = None;
        loop {
            match self.end() {
                EndCondition::Done => return Ok(()),
                // The earliest stop wins: a refusal seen during a rejected cell's long look
                // ends it sooner.
                EndCondition::After(more) => {
                    let at = tokio::time::Instant::now() + more;
                    settle = Some(settle.map_or(at, |s| s.min(at)));
                }
                EndCondition::DeletePod { on_app_started } if self.stopping.is_none() => {
                    app_started = self.start_stopping(pods);
                    if !on_app_started {
                        app_started = None;
                        self.delete_stopping_pod(pods).await;
                    }
                }
                EndCondition::RestartKubelet if !self.kubelet_restarted => {
                    self.restart_kubelet().await;
                }
                EndCondition::RebootLeavingCreatedApp { app } if !self.kubelet_restarted => {
                    self.reboot_leaving_created_app(app).await;
                }
                EndCondition::DeletePod { .. }
                | EndCondition::RestartKubelet
                | EndCondition::RebootLeavingCreatedApp { .. }
                | EndCondition::Watch => {}
            }
            let wake = settle.map_or(deadline, |s| s.min(deadline));
            tokio::select! {
                seen = stream.next() => match seen {
                    Some(Ok(seen)) => self.keep(seen),
                    // The watcher re-lists after its back-off; what it missed is unknown.
                    Some(Err(err)) => self.fault(FaultKind::Watch, err.to_string()),
                    None => return Ok(()),
                },
                () = fired(&mut app_started) => {
                    app_started = None;
                    self.delete_stopping_pod(pods).await;
                }
                () = tokio::time::sleep_until(wake) => {
                    if settle.is_none_or(|s| s > deadline) {
                        self.timed_out = true;
                    }
                    return Ok(());
                }
            }
        }
    }

    /// Follows the pod's logs (they vanish with it); the returned signal fires once the app
    /// says it is up.
    fn start_stopping(&mut self, pods: &Api<Pod>) -> Option<oneshot::Receiver<()>> {
        let pod = self.current.values().next()?;
        let name = pod.name_any();
        let spec = pod.spec.clone().unwrap_or_default();
        let (tx, rx) = oneshot::channel();
        let mut marker = Some((
            format!("scenario={} step=app-started", self.run.scenario),
            tx,
        ));
        let mut followers = Vec::new();
        let init = spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| (c.name.clone(), true));
        let regular = spec.containers.iter().map(|c| (c.name.clone(), false));
        for (container, is_init) in init.chain(regular) {
            let is_app = !is_init && self.run.roles.is_app(&container);
            let marker = if is_app { marker.take() } else { None };
            let followed = Followed {
                name: container.clone(),
                init: is_init,
            };
            followers.push((
                followed,
                tokio::spawn(follow_log(
                    pods.clone(),
                    name.clone(),
                    container,
                    is_init,
                    marker,
                )),
            ));
        }
        self.stopping = Some(Stopping {
            pod: name,
            gone: false,
            followers,
        });
        Some(rx)
    }

    /// Restarts the node's kubelet once, noting when (`restart-kubelet`, then `kubelet-back`); a
    /// run without a node shell, or a failed restart, is a fault: the scenario's trigger never
    /// came.
    async fn restart_kubelet(&mut self) {
        self.kubelet_restarted = true;
        let Some(node) = self.run.node.clone() else {
            let why = if self.run.scenario.node().is_alone() {
                "this scenario restarts the node's kubelet: it needs a kind cluster the run made, \
                 not --kubeconfig"
            } else {
                "this scenario asked to restart the node's kubelet but does not declare \
                 `node: NodeUse::Alone`, so it shares the node and gets no shell on it"
            };
            self.fault(FaultKind::Action, why.to_owned());
            return;
        };
        self.act("restart-kubelet", node.container.clone());
        match node.restart_kubelet().await {
            Ok(()) => self.act("kubelet-back", node.container),
            Err(err) => self.fault(
                FaultKind::Action,
                format!(
                    "restarting the kubelet on {} failed: {}",
                    node.container,
                    sidecar_e2e_core::error_chain::error_chain(&err)
                ),
            ),
        }
    }

    /// Reboots the node as the kubelet sees it, once, leaving a created instance of `app`
    /// behind (`reboot-node`, then `node-back`); a run without a node shell, or a failed step, is
    /// a fault: the scenario's trigger never came.
    async fn reboot_leaving_created_app(&mut self, app: &str) {
        self.kubelet_restarted = true;
        let Some(node) = self.run.node.clone() else {
            self.fault(
                FaultKind::Action,
                "this scenario reboots the node: it needs a kind cluster the run made, not \
                 --kubeconfig, and `node: NodeUse::Alone`"
                    .to_owned(),
            );
            return;
        };
        let Some(pod) = self.current.values().next().map(ResourceExt::name_any) else {
            self.fault(FaultKind::Action, "no pod to reboot under".to_owned());
            return;
        };
        self.act("reboot-node", pod.clone());
        match node
            .reboot_leaving_created_app(&self.run.namespace, &pod, app)
            .await
        {
            Ok(()) => self.act("node-back", node.container),
            Err(err) => self.fault(
                FaultKind::Action,
                format!(
                    "rebooting {} (leaving {app} of {pod} created) failed: {}",
                    node.container,
                    sidecar_e2e_core::error_chain::error_chain(&err)
                ),
            ),
        }
    }

    async fn delete_stopping_pod(&mut self, pods: &Api<Pod>) {
        let Some(stopping) = self.stopping.as_mut() else {
            return;
        };
        let pod = stopping.pod.clone();
        self.act("delete", pod.clone());
        if let Err(err) = pods.delete(&pod, &DeleteParams::default()).await {
            self.fault(
                FaultKind::Action,
                format!("deleting pod {pod} failed: {err}"),
            );
        }
    }

    /// A last look at the pods (a pod that stops changing sends no more events, and the legacy
    /// Job's verdict needs to know it is still Running), then every log.
    async fn collect_logs(&mut self, client: &kube::Client, pods: &Api<Pod>) -> Vec<ContainerLog> {
        let selector = format!("app={}", self.run.scenario);
        // The server's rows first: a pod that changes between the two lists gets a snapshot
        // whose row is missing, which printer-agrees reports rather than mismatches.
        match list_rows(client, &self.run.namespace, &selector).await {
            Ok(table) => self.server_rows.keep(table),
            Err(problem) => self.server_rows.problem(problem),
        }
        match pods.list(&ListParams::default().labels(&selector)).await {
            Ok(list) => {
                for pod in list.items {
                    self.ever.insert(pod.name_any(), pod.clone());
                    self.snapshot(pod);
                }
            }
            Err(err) => self.fault(FaultKind::LastLook, err.to_string()),
        }
        let mut logs = Vec::new();
        let followed: Vec<String> = match self.stopping.take() {
            Some(stopping) => {
                for (container, mut follower) in stopping.followers {
                    let ended = tokio::time::timeout(FOLLOW_GRACE, &mut follower).await;
                    if ended.is_err() {
                        follower.abort();
                    }
                    match ended {
                        Ok(Ok(log)) => logs.push(log),
                        Ok(Err(join)) => logs.push(ContainerLog {
                            pod: stopping.pod.clone(),
                            container: container.name,
                            init: container.init,
                            previous: false,
                            text: String::new(),
                            read_error: Some(format!("following the log failed: {join}")),
                        }),
                        Err(_) => logs.push(ContainerLog {
                            pod: stopping.pod.clone(),
                            container: container.name,
                            init: container.init,
                            previous: false,
                            text: String::new(),
                            read_error: Some(format!(
                                "the followed log did not end within {}s of the pod's deletion",
                                FOLLOW_GRACE.as_secs()
                            )),
                        }),
                    }
                }
                vec![stopping.pod]
            }
            None => Vec::new(),
        };
        for (name, pod) in &self.ever {
            if !followed.contains(name) {
                logs.extend(fetch_pod_logs(pods, pod).await);
            }
        }
        logs
    }

    fn into_recording(mut self, logs: Vec<ContainerLog>) -> ScenarioRecording {
        for snapshot in &mut self.snapshots {
            let meta = &snapshot.pod.metadata;
            if let (Some(name), Some(rv)) = (meta.name.as_deref(), meta.resource_version.as_deref())
            {
                snapshot.server_row = self.server_rows.row(name, rv).cloned();
            }
        }
        for problem in &self.server_rows.problems {
            tracing::warn!(scenario = %self.run.scenario, "server rows: {problem}");
        }
        ScenarioRecording {
            scenario: self.run.scenario,
            namespace: self.run.namespace.clone(),
            apply_errors: self.apply_errors,
            snapshots: self.snapshots,
            events: self.events,
            logs,
            timings: self.timings,
            timed_out: self.timed_out,
            actions: self.actions,
            xds_rejects: None,
            faults: self.faults,
            attempt: 1,
            retried_because: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The watch loop's turns: `fired` raced against a short sleep, as `select!` races it
    /// against the next watch event.
    async fn turns(slot: &mut Option<oneshot::Receiver<()>>, turns: usize) -> usize {
        let mut fired_in = 0;
        for _ in 0..turns {
            tokio::select! {
                () = fired(slot) => fired_in += 1,
                () = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
        }
        fired_in
    }

    #[tokio::test]
    async fn a_signal_whose_sender_is_gone_never_fires_and_is_not_polled_again() {
        let (tx, rx) = oneshot::channel::<()>();
        drop(tx);
        let mut slot = Some(rx);
        // Polling a spent receiver again would panic on the second turn.
        assert_eq!(turns(&mut slot, 3).await, 0);
        assert!(slot.is_none(), "the spent receiver is dropped");
    }

    #[tokio::test]
    async fn a_signal_fires_once() {
        let (tx, rx) = oneshot::channel::<()>();
        tx.send(()).expect("receiver alive");
        let mut slot = Some(rx);
        assert_eq!(turns(&mut slot, 3).await, 1);
        assert!(slot.is_none());
        let mut none = None;
        assert_eq!(turns(&mut none, 2).await, 0, "no signal: never fires");
    }

    #[test]
    fn an_endpoint_slice_is_routable_once_an_endpoint_is_ready() {
        let slice = |endpoints: serde_json::Value| -> EndpointSlice {
            serde_json::from_value(serde_json::json!({
                "addressType": "IPv4",
                "endpoints": endpoints,
            }))
            .expect("slice")
        };
        assert!(!has_ready_endpoint(&slice(serde_json::json!([]))));
        assert!(!has_ready_endpoint(&slice(serde_json::json!([
            {"addresses": ["10.244.1.5"], "conditions": {"ready": false}}
        ]))));
        assert!(has_ready_endpoint(&slice(serde_json::json!([
            {"addresses": ["10.244.1.5"], "conditions": {"ready": false}},
            {"addresses": ["10.244.1.6"], "conditions": {"ready": true}}
        ]))));
        assert!(
            has_ready_endpoint(&slice(serde_json::json!([
                {"addresses": ["10.244.1.6"]}
            ]))),
            "no condition: ready"
        );
    }
}
