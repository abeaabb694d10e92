//! Builders for synthetic recordings: pods in the states a scenario goes through, written as
//! compact YAML. Synthetic by construction; the rules they exercise cite sidecar-semantics.md.
#![allow(dead_code)] // each test binary uses a different part

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use sidecar_e2e_core::plan::{Cell, Gate, InjectorSpec, K8sVersion, RequestedMode, plan_cell};
use sidecar_e2e_core::recording::{
    ClusterFacts, ContainerLog, EventRecord, PodSnapshot, RECORDING_VERSION, Recording,
    ScenarioRecording, ServerRow,
};
use sidecar_e2e_core::scenario::Scenario;

pub const BASE_SECOND: i64 = 1_763_928_000; // 2025-11-23T20:00:00Z

pub fn cell(minor: u32, gate: Gate, requested_mode: RequestedMode) -> Cell {
    Cell {
        k8s: K8sVersion::new(minor),
        gate,
        injector: InjectorSpec::builtin(),
        requested_mode,
        worker: None,
    }
}

pub fn pod(yaml: &str) -> Pod {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("test pod must parse: {e}\n{yaml}"))
}

pub fn snapshot(seq: u64, second: i64, yaml: &str) -> PodSnapshot {
    PodSnapshot {
        seq,
        observed_at: MicroTime(Timestamp::from_second(BASE_SECOND + second).expect("timestamp")),
        pod: pod(yaml),
        server_row: None,
    }
}

pub fn log(container: &str, init: bool, text: &str) -> ContainerLog {
    ContainerLog {
        pod: "p".to_owned(),
        container: container.to_owned(),
        init,
        previous: false,
        text: text.to_owned(),
        read_error: None,
    }
}

pub fn scenario(
    scenario: Scenario,
    snapshots: Vec<PodSnapshot>,
    logs: Vec<ContainerLog>,
) -> ScenarioRecording {
    ScenarioRecording {
        snapshots,
        logs,
        ..ScenarioRecording::empty(scenario, format!("sidecar-e2e-{}", scenario.name()))
    }
}

pub fn recording(cell: Cell, scenarios: Vec<ScenarioRecording>) -> Recording {
    Recording {
        version: RECORDING_VERSION,
        cell,
        cluster: ClusterFacts {
            server_version: format!("v{}.10", cell.k8s),
            kubelet_versions: vec![format!("v{}.10", cell.k8s)],
            nodes: Vec::new(),
            // What the probe of a cluster booted for this cell saw (a recording that says
            // otherwise is not judged).
            native_sidecars_supported: plan_cell(cell).ok().and_then(|p| p.sidecars_enabled),
            injected_mode: None,
        },
        scenarios,
    }
}

pub fn failed_create(message: &str) -> EventRecord {
    EventRecord {
        seq: 1,
        type_: "Warning".to_owned(),
        reason: "FailedCreate".to_owned(),
        message: message.to_owned(),
        object: "Job/job".to_owned(),
        count: 1,
    }
}

/// A native Job pod: `proxy` is the init status YAML, `app` the container status YAML.
pub fn native_job_pod(phase: &str, proxy: &str, app: &str, restart_policy: &str) -> String {
    // The kubelet sets Initialized once every init container is done or (sidecars) started.
    let initialized = if phase == "Pending" && proxy.contains("started: false") {
        "False"
    } else {
        "True"
    };
    format!(
        "metadata: {{name: job-abcde, labels: {{app: job}}, resourceVersion: '100'}}
spec:
  restartPolicy: Never
  initContainers: [{{name: sidecar-proxy, image: envoy{restart_policy}}}]
  containers: [{{name: app, image: curl}}]
status:
  phase: {phase}
  conditions: [{{type: Initialized, status: '{initialized}'}}]
  initContainerStatuses: [{proxy}]
  containerStatuses: [{app}]
"
    )
}

pub const RP_ALWAYS: &str = ", restartPolicy: Always";

pub fn proxy_running(started: bool, at: &str) -> String {
    format!(
        "{{name: sidecar-proxy, started: {started}, ready: {started}, restartCount: 0, image: x, imageID: x, state: {{running: {{startedAt: '{at}'}}}}}}"
    )
}

pub const PROXY_DONE: &str = "{name: sidecar-proxy, started: false, ready: false, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 0, reason: Completed}}}";
pub const APP_WAITING: &str = "{name: app, ready: false, restartCount: 0, image: x, imageID: x, state: {waiting: {reason: PodInitializing}}}";

pub fn app_running(at: &str) -> String {
    format!(
        "{{name: app, ready: true, started: true, restartCount: 0, image: x, imageID: x, state: {{running: {{startedAt: '{at}'}}}}}}"
    )
}

pub const APP_DONE: &str = "{name: app, ready: false, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 0, reason: Completed, startedAt: '2025-11-23T20:00:03Z', finishedAt: '2025-11-23T20:00:04Z'}}}";

pub const EVIDENCE_OK: &str =
    "sidecar-e2e evidence scenario=job step=request curl_exit=0 http_status=200\n";
pub const EVIDENCE_FAILED: &str =
    "sidecar-e2e evidence scenario=job step=request curl_exit=7 http_status=000\n";
pub const ACCESS_LINE: &str = "[2025-11-23T20:00:03.512Z] \"GET /get HTTP/1.1\" 200 - via_upstream - \"-\" 0 256 3 2 \"-\" \"curl/8.10.1\" \"b3853ced-1eec-4178-af5f-e2da3bf0e800\" \"httpbin.sidecar-e2e-job.svc.cluster.local:8000\" \"10.96.12.7:8000\" dynamic_forward_proxy_cluster 10.244.0.9:44936 127.0.0.1:15001 127.0.0.1:44948 - outbound\n";

/// A native Job that behaves: proxy started first, request 200, access log, Succeeded.
pub fn good_native_job() -> ScenarioRecording {
    let t0 = "2025-11-23T20:00:01Z";
    let mut recorded = scenario(
        Scenario::Job,
        vec![
            snapshot(
                1,
                1,
                &native_job_pod("Pending", &proxy_running(false, t0), APP_WAITING, RP_ALWAYS),
            ),
            snapshot(
                2,
                2,
                &native_job_pod("Pending", &proxy_running(true, t0), APP_WAITING, RP_ALWAYS),
            ),
            snapshot(
                3,
                3,
                &native_job_pod(
                    "Running",
                    &proxy_running(true, t0),
                    &app_running("2025-11-23T20:00:03Z"),
                    RP_ALWAYS,
                ),
            ),
            snapshot(
                4,
                4,
                &native_job_pod("Running", &proxy_running(true, t0), APP_DONE, RP_ALWAYS),
            ),
            snapshot(
                5,
                5,
                &native_job_pod("Succeeded", PROXY_DONE, APP_DONE, RP_ALWAYS),
            ),
        ],
        vec![
            log("app", false, EVIDENCE_OK),
            log("sidecar-proxy", true, ACCESS_LINE),
        ],
    );
    // What a 1.29 API server prints for each of these pod versions (its Table rows), written
    // out by hand, not computed by the harness's printer.
    let printed = [
        ("0/2", "Init:0/1"),
        ("1/2", "PodInitializing"),
        ("2/2", "Running"),
        ("1/2", "Completed"),
        ("0/2", "Completed"),
    ];
    for (snapshot, (ready, status)) in recorded.snapshots.iter_mut().zip(printed) {
        snapshot.server_row = Some(server_row(ready, status, "0"));
    }
    recorded
}

/// A row as the API server prints it.
pub fn server_row(ready: &str, status: &str, restarts: &str) -> ServerRow {
    ServerRow {
        ready: ready.to_owned(),
        status: status.to_owned(),
        restarts: restarts.to_owned(),
    }
}
