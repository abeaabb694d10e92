//! Every check, once passing and once failing, on synthetic recordings.

mod support;

use sidecar_e2e_core::plan::{EffectiveMode, Gate, RequestedMode};
use sidecar_e2e_core::recording::ScenarioRecording;
use sidecar_e2e_core::scenario::Check;
use sidecar_e2e_core::scenario::Scenario;
use sidecar_e2e_core::verdict::{CheckStatus, judge, judge_scenario};
use support::*;

fn status_of(
    recorded: &ScenarioRecording,
    minor: u32,
    mode: EffectiveMode,
    check: &str,
) -> (CheckStatus, Vec<String>) {
    let verdict = judge_scenario(
        recorded,
        &cell(minor, Gate::Default, RequestedMode::Auto),
        mode,
    );
    let result = verdict
        .results
        .iter()
        .find(|r| r.check.name() == check)
        .unwrap_or_else(|| panic!("no {check} check in {:?}", verdict.results));
    (result.status, result.evidence.clone())
}

fn native(recorded: &ScenarioRecording, check: &str) -> (CheckStatus, Vec<String>) {
    status_of(recorded, 29, EffectiveMode::Native, check)
}

#[test]
fn a_good_native_job_passes_every_check() {
    let verdict = judge_scenario(
        &good_native_job(),
        &cell(29, Gate::Default, RequestedMode::Auto),
        EffectiveMode::Native,
    );
    for result in &verdict.results {
        assert_eq!(
            result.status,
            CheckStatus::Pass,
            "{:?}: {:?}",
            result.check,
            result.evidence
        );
    }
    assert_eq!(
        verdict.watch,
        [
            "job-abcde: 0/2 Init:0/1 → 1/2 PodInitializing → 2/2 Running → 1/2 Completed → 0/2 Completed"
        ]
    );
}

#[test]
fn proxy_layout_fails_when_the_api_server_dropped_restart_policy() {
    let mut recorded = good_native_job();
    let t0 = "2025-11-23T20:00:01Z";
    recorded.snapshots[0] = snapshot(
        1,
        1,
        &native_job_pod("Pending", &proxy_running(false, t0), APP_WAITING, ""),
    );
    let (status, evidence) = native(&recorded, "proxy-layout");
    assert_eq!(status, CheckStatus::Fail);
    assert!(evidence[0].contains("restartPolicy unset"), "{evidence:?}");
}

#[test]
fn startup_order_fails_when_the_app_runs_before_the_proxy_started() {
    let mut recorded = good_native_job();
    let t0 = "2025-11-23T20:00:01Z";
    recorded.snapshots[1] = snapshot(
        2,
        2,
        &native_job_pod(
            "Running",
            &proxy_running(false, t0),
            &app_running(t0),
            RP_ALWAYS,
        ),
    );
    let (status, evidence) = native(&recorded, "startup-order");
    assert_eq!(status, CheckStatus::Fail, "{evidence:?}");
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("before the proxy was seen started")),
        "{evidence:?}"
    );
}

#[test]
fn startup_order_fails_on_an_earlier_app_timestamp_even_in_watch_order() {
    let mut recorded = good_native_job();
    let t0 = "2025-11-23T20:00:05Z";
    recorded.snapshots[1] = snapshot(
        2,
        2,
        &native_job_pod("Pending", &proxy_running(true, t0), APP_WAITING, RP_ALWAYS),
    );
    recorded.snapshots[2] = snapshot(
        3,
        3,
        &native_job_pod(
            "Running",
            &proxy_running(true, t0),
            &app_running("2025-11-23T20:00:03Z"),
            RP_ALWAYS,
        ),
    );
    let (status, evidence) = native(&recorded, "startup-order");
    assert_eq!(status, CheckStatus::Fail, "{evidence:?}");
    assert!(
        evidence.iter().any(|e| e.contains("is before the proxy's")),
        "{evidence:?}"
    );
}

#[test]
fn request_check_reads_evidence_lines_both_ways() {
    let mut recorded = good_native_job();
    recorded.logs[0] = log("app", false, EVIDENCE_FAILED);
    let (status, evidence) = native(&recorded, "request");
    assert_eq!(status, CheckStatus::Fail);
    assert!(evidence[0].contains("curl_exit=7"), "{evidence:?}");

    recorded.logs[0] = log("app", false, "no evidence here\n");
    let (status, evidence) = native(&recorded, "request");
    assert_eq!(status, CheckStatus::Fail);
    assert!(evidence[0].contains("no evidence line"), "{evidence:?}");
}

#[test]
fn access_log_check_needs_the_request_in_the_proxy_log() {
    let mut recorded = good_native_job();
    recorded.logs[1] = log(
        "sidecar-proxy",
        true,
        &ACCESS_LINE.replace("\" 200 ", "\" 503 "),
    );
    let (status, evidence) = native(&recorded, "access-log");
    assert_eq!(status, CheckStatus::Fail);
    assert!(
        evidence[0].contains("1 access-log line(s), none GET /get 200"),
        "{evidence:?}"
    );
    recorded.logs.pop();
    assert_eq!(native(&recorded, "access-log").0, CheckStatus::Fail);
}

#[test]
fn job_completes_fails_when_the_pod_never_succeeds() {
    let mut recorded = good_native_job();
    recorded.snapshots.pop();
    let (status, evidence) = native(&recorded, "job-completes");
    assert_eq!(status, CheckStatus::Fail);
    assert!(
        evidence[0].contains("never Succeeded; last seen phase Running"),
        "{evidence:?}"
    );
}

fn legacy_job(last_second: i64, last_phase: &str) -> ScenarioRecording {
    let pod = |phase: &str, app: &str| {
        format!(
            "metadata: {{name: job-xyz, labels: {{app: job}}}}
spec:
  restartPolicy: Never
  containers: [{{name: app}}, {{name: sidecar-proxy}}]
status:
  phase: {phase}
  conditions: [{{type: Ready, status: 'False'}}]
  containerStatuses:
  - {app}
  - {{name: sidecar-proxy, ready: true, restartCount: 0, image: x, imageID: x, state: {{running: {{}}}}}}
"
        )
    };
    let proxy_log = log("sidecar-proxy", false, ACCESS_LINE);
    scenario(
        Scenario::Job,
        vec![
            snapshot(1, 2, &pod("Running", &app_running("2025-11-23T20:00:02Z"))),
            snapshot(2, 4, &pod("Running", APP_DONE)),
            snapshot(3, last_second, &pod(last_phase, APP_DONE)),
        ],
        vec![log("app", false, EVIDENCE_OK), proxy_log],
    )
}

// §6.2: a legacy Job pod stays Running (1/2 NotReady) after its app exits.
#[test]
fn legacy_job_pod_keeps_running_passes_and_fails() {
    let legacy =
        |r: &ScenarioRecording| status_of(r, 29, EffectiveMode::Legacy, "job-pod-keeps-running");
    let (status, evidence) = legacy(&legacy_job(20, "Running"));
    assert_eq!(status, CheckStatus::Pass, "{evidence:?}");
    assert!(
        evidence[1].contains("16s later: phase Running") && evidence[1].contains("1/2 NotReady"),
        "{evidence:?}"
    );

    assert_eq!(
        legacy(&legacy_job(20, "Succeeded")).0,
        CheckStatus::Fail,
        "a legacy job that completed"
    );
    let (status, evidence) = legacy(&legacy_job(8, "Running"));
    assert_eq!(status, CheckStatus::Fail);
    assert!(
        evidence.iter().any(|e| e.contains("recorded only 4s")),
        "{evidence:?}"
    );
}

// §2: a native proxy on a gate-off cluster: the pod is refused.
#[test]
fn rejected_cell_passes_when_nothing_runs_and_fails_when_an_app_ran() {
    let mut refused = scenario(Scenario::Job, vec![], vec![]);
    refused.events.push(failed_create(
        "Error creating: Pod \"job-abcde\" is invalid: spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
    ));
    let (status, evidence) = status_of(&refused, 28, EffectiveMode::Rejected, "pod-never-runs");
    assert_eq!(status, CheckStatus::Pass);
    assert!(
        evidence[0].contains("FailedCreate") && evidence[0].contains("Forbidden"),
        "{evidence:?}"
    );

    let ran = good_native_job();
    let (status, evidence) = status_of(&ran, 28, EffectiveMode::Rejected, "pod-never-runs");
    assert_eq!(status, CheckStatus::Fail);
    assert!(
        evidence.iter().any(|e| e.contains("an app container ran")),
        "{evidence:?}"
    );
}

fn init_traffic(evidence: &str) -> ScenarioRecording {
    scenario(
        Scenario::InitTraffic,
        vec![snapshot(
            1,
            1,
            "metadata: {name: init-traffic, labels: {app: init-traffic}}\nspec: {containers: [{name: app}]}\n",
        )],
        vec![log("fetch", true, evidence)],
    )
}

// Legacy: init containers run before the proxy exists, so their request must fail.
#[test]
fn legacy_init_traffic_must_fail() {
    let failed = init_traffic(
        "sidecar-e2e evidence scenario=init-traffic step=init-request curl_exit=7 http_status=000\n",
    );
    assert_eq!(
        status_of(&failed, 29, EffectiveMode::Legacy, "request").0,
        CheckStatus::Pass
    );
    let worked = init_traffic(
        "sidecar-e2e evidence scenario=init-traffic step=init-request curl_exit=0 http_status=200\n",
    );
    assert_eq!(
        status_of(&worked, 29, EffectiveMode::Legacy, "request").0,
        CheckStatus::Fail
    );
}

#[test]
fn shutdown_traffic_on_1_28_is_not_applicable() {
    let recorded = scenario(Scenario::ShutdownTraffic, vec![], vec![]);
    let (status, evidence) = status_of(&recorded, 28, EffectiveMode::Native, "request");
    assert_eq!(status, CheckStatus::NotApplicable);
    assert!(evidence[0].contains("1.28"), "{evidence:?}");
}

#[test]
fn judge_refuses_a_recording_of_an_invalid_cell() {
    let rec = recording(
        cell(33, Gate::Off, RequestedMode::Auto),
        vec![good_native_job()],
    );
    let err = judge(&rec).expect_err("invalid cell");
    assert!(err.to_string().contains("locked"), "{err}");
}

#[test]
fn judge_uses_the_cells_effective_mode() {
    let rec = recording(
        cell(29, Gate::Off, RequestedMode::Auto),
        vec![good_native_job()],
    );
    let verdict = judge(&rec).expect("valid");
    assert_eq!(verdict.effective_mode, EffectiveMode::Legacy);
    // A native-looking recording in a legacy cell fails the layout check.
    let layout = &verdict.scenarios[0].results[0];
    assert_eq!(layout.check.name(), "proxy-layout");
    assert!(matches!(layout.check, Check::ProxyLayout { .. }));
    assert_eq!(layout.status, CheckStatus::Fail);
    assert!(!verdict.passed());
}

#[test]
fn verdict_carries_the_container_timeline_in_watch_order() {
    let verdict = judge_scenario(
        &good_native_job(),
        &cell(29, Gate::Default, RequestedMode::Auto),
        EffectiveMode::Native,
    );
    let timeline = verdict.timeline.join("\n");
    let proxy_started = timeline
        .find("init:sidecar-proxy  running+ready")
        .expect("proxy ready line");
    let app_running = timeline
        .find("  app  running+ready")
        .expect("app running line");
    assert!(proxy_started < app_running, "{timeline}");
    assert!(
        timeline.contains("seq 1  job-abcde  init:sidecar-proxy  running  (2025-11-23T20:00:01Z)"),
        "{timeline}"
    );
    assert!(
        timeline.contains("app  terminated(0, Completed)  (2025-11-23T20:00:04Z)"),
        "{timeline}"
    );
}

#[test]
fn interleaved_pods_get_one_watch_line_each() {
    let mut recorded = good_native_job();
    // A second pod (a retry, a rollout) whose events interleave with the first one's.
    let other = |seq, second| {
        let mut s = snapshot(
            seq,
            second,
            &native_job_pod(
                "Pending",
                &proxy_running(false, "2025-11-23T20:00:01Z"),
                APP_WAITING,
                RP_ALWAYS,
            ),
        );
        s.pod.metadata.name = Some("job-fghij".to_owned());
        s
    };
    recorded.snapshots.insert(1, other(10, 1));
    recorded.snapshots.push(other(11, 6));
    for (i, s) in recorded.snapshots.iter_mut().enumerate() {
        s.seq = i as u64;
    }
    let verdict = judge_scenario(
        &recorded,
        &cell(29, Gate::Default, RequestedMode::Auto),
        EffectiveMode::Native,
    );
    assert_eq!(
        verdict.watch,
        [
            "job-abcde: 0/2 Init:0/1 → 1/2 PodInitializing → 2/2 Running → 1/2 Completed → 0/2 Completed",
            "job-fghij: 0/2 Init:0/1",
        ]
    );
}

#[test]
fn printer_agrees_passes_on_the_servers_rows_and_shows_both_rows_when_they_differ() {
    let (status, evidence) = native(&good_native_job(), "printer-agrees");
    assert_eq!(status, CheckStatus::Pass, "{evidence:?}");
    assert!(evidence[0].contains("5 rows agree"), "{evidence:?}");

    // Planted fault: the server printed Init:0/1 where an older harness printed
    // Init:ContainerCreating; here the server's row is changed instead, as if the printer were
    // wrong.
    let mut planted = good_native_job();
    planted.snapshots[0].server_row = Some(server_row("0/2", "Init:ContainerCreating", "0"));
    let (status, evidence) = native(&planted, "printer-agrees");
    assert_eq!(status, CheckStatus::Fail, "{evidence:?}");
    let both = evidence.join("\n");
    assert!(
        both.contains("harness `0/2 Init:0/1 0`")
            && both.contains("API server `0/2 Init:ContainerCreating 0`"),
        "the evidence shows the two rows side by side:\n{both}"
    );

    // A restart count that differs is a disagreement; the age the server appends is not.
    let mut aged = good_native_job();
    aged.snapshots[2].server_row = Some(server_row("2/2", "Running", "0 (3s ago)"));
    assert_eq!(native(&aged, "printer-agrees").0, CheckStatus::Pass);
    aged.snapshots[2].server_row = Some(server_row("2/2", "Running", "1 (3s ago)"));
    assert_eq!(native(&aged, "printer-agrees").0, CheckStatus::Fail);
}

#[test]
fn printer_agrees_is_not_applicable_without_server_rows_and_names_the_missing_ones() {
    let mut old = good_native_job();
    for snapshot in &mut old.snapshots {
        snapshot.server_row = None;
    }
    let (status, evidence) = native(&old, "printer-agrees");
    assert_eq!(status, CheckStatus::NotApplicable, "{evidence:?}");
    assert!(evidence[0].contains("format 2"), "{evidence:?}");

    let mut partial = good_native_job();
    partial.snapshots[4].server_row = None;
    let (status, evidence) = native(&partial, "printer-agrees");
    assert_eq!(status, CheckStatus::Pass, "{evidence:?}");
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("1 snapshots had no server row")),
        "{evidence:?}"
    );
}
