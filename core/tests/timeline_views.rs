//! The drawn timeline's model and SVG, without a browser: lanes from the live 1.32 recordings,
//! restarts and long waits from synthetic pods (built by hand, see `support`), and the page's
//! promises (self-contained, escaped, nothing drawn off the drawing). `timeline_browser.rs`
//! checks the same pages as Chromium lays them out.

mod support;

use std::path::Path;

use sidecar_e2e_core::plan::{Gate, RequestedMode};
use sidecar_e2e_core::recording::{EventRecord, Recording};
use sidecar_e2e_core::scenario::Scenario;
use sidecar_e2e_core::views::lane_marks::add_marks;
use sidecar_e2e_core::views::lanes::{
    LaneKind, MarkKind, PodEnd, ScenarioLanes, SpanState, scenario_lanes,
};
use sidecar_e2e_core::views::timeline_page::timeline_html;
use sidecar_e2e_core::views::timeline_svg::{FigureCell, WIDTH, figure_svg};
use support::{BASE_SECOND, cell, recording, scenario, snapshot};

fn live(cell: &str, scenario: &str) -> Recording {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/live-1.32")
        .join(cell)
        .join(format!("{scenario}.json"));
    let text = std::fs::read_to_string(&path).expect("a committed recording");
    Recording::from_json(&text, &path.display().to_string()).expect("a recording")
}

fn lanes_of(recording: &Recording) -> ScenarioLanes {
    let recorded = &recording.scenarios[0];
    let mut lanes = scenario_lanes(recorded, "sidecar-proxy");
    add_marks(&mut lanes, recorded);
    lanes
}

#[test]
fn the_native_job_runs_its_proxy_first_and_finishes() {
    let lanes = lanes_of(&live("1-32-on-builtin-auto", "job"));
    let pod = &lanes.pods[0];
    let kinds: Vec<(&str, LaneKind, bool)> = pod
        .lanes
        .iter()
        .map(|l| (l.container.as_str(), l.kind, l.proxy))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sidecar-proxy", LaneKind::Sidecar, true),
            ("app", LaneKind::App, false)
        ]
    );
    let proxy = pod.lanes[0].first_running().expect("the proxy ran");
    let app = pod.lanes[1].first_running().expect("the app ran");
    assert!(proxy + 1.0 <= app, "proxy at {proxy} s, app at {app} s");
    assert!(
        matches!(&pod.end, PodEnd::Finished { phase, .. } if phase == "Succeeded"),
        "{:?}",
        pod.end
    );
    // The app's request went through the proxy: its access-log line is on the proxy's lane.
    assert!(
        pod.lanes[0]
            .marks
            .iter()
            .any(|m| m.kind == MarkKind::AccessLog && m.label == "GET 200" && !m.approximate)
    );
    assert!(
        pod.lanes[1]
            .marks
            .iter()
            .any(|m| m.kind == MarkKind::Request { ok: true })
    );
}

#[test]
fn the_legacy_job_starts_its_app_first_and_lingers() {
    let lanes = lanes_of(&live("1-32-off-builtin-auto", "job"));
    let pod = &lanes.pods[0];
    assert_eq!(pod.lanes[1].container, "sidecar-proxy");
    assert_eq!(
        pod.lanes[1].kind,
        LaneKind::App,
        "legacy: a regular container"
    );
    let app = pod.lanes[0].first_running().expect("the app ran");
    let proxy = pod.lanes[1].first_running().expect("the proxy ran");
    // Legacy has no order: the kubelet starts the containers in spec order, often within the
    // same second (the status times' resolution). What must not happen is the native picture.
    assert!(
        app <= proxy,
        "legacy: the proxy must not run first (app at {app} s, proxy at {proxy} s)"
    );
    // The app ran and exited between two watch events: its run comes from the kubelet's times.
    assert!(
        pod.lanes[0]
            .spans
            .iter()
            .any(|s| s.inferred && s.state == SpanState::Running)
    );
    assert_eq!(
        pod.end,
        PodEnd::Lingering {
            phase: "Running".to_owned()
        }
    );
    assert!(
        pod.lanes[0]
            .marks
            .iter()
            .any(|m| m.kind == MarkKind::Request { ok: false }),
        "curl_exit=7 is a failed request"
    );
}

#[test]
fn the_native_proxy_is_stopped_after_the_app_and_never_drawn_gone_before_its_sigterm() {
    let lanes = lanes_of(&live("1-32-on-builtin-auto", "shutdown-traffic"));
    let pod = &lanes.pods[0];
    assert!(pod.deleted.is_some(), "the scenario deletes its pod");
    let proxy = &pod.lanes[0];
    let sigterm = proxy
        .marks
        .iter()
        .find(|m| m.kind == MarkKind::Sigterm && !m.approximate)
        .expect("Envoy's `caught ENVOY_SIGTERM` line");
    // The kubelet's Killing event for the sidecar came at deletion; Envoy's own line is when
    // the signal reached it, after the app had gone.
    assert!(
        !proxy
            .marks
            .iter()
            .any(|m| m.kind == MarkKind::Sigterm && m.approximate),
        "{:#?}",
        proxy.marks
    );
    assert!(
        pod.lanes[1]
            .marks
            .iter()
            .any(|m| m.kind == MarkKind::Sigterm),
        "the app's SIGTERM, from the kubelet's Killing event"
    );
    let exit = proxy
        .spans
        .iter()
        .find(|s| matches!(s.state, SpanState::Terminated(..)))
        .expect("the proxy exited");
    assert!(
        exit.from > sigterm.at,
        "exit at {} s, SIGTERM at {} s",
        exit.from,
        sigterm.at
    );
    let app_exit = pod.lanes[1]
        .spans
        .iter()
        .find(|s| matches!(s.state, SpanState::Terminated(..)))
        .expect("the app exited");
    assert!(app_exit.from <= exit.from, "the app is gone first");
}

const CRASHING: &str = "
metadata: {name: p, labels: {app: sleep}, creationTimestamp: '2025-11-23T20:00:00Z'}
spec:
  initContainers:
  - {name: sidecar-proxy, image: envoy, restartPolicy: Always}
  containers:
  - {name: sleep, image: curl}
status:
  phase: Running
";

/// A pod whose app crashes: each observation gives its restart count, state and last state.
fn crashing(restarts: i32, state: &str, last_exit: i64) -> String {
    let last = if restarts == 0 {
        "{}".to_owned()
    } else {
        format!(
            "{{terminated: {{exitCode: 1, reason: Error, startedAt: '{}', finishedAt: '{}'}}}}",
            at(last_exit - 1),
            at(last_exit)
        )
    };
    format!(
        "{CRASHING}  initContainerStatuses:
  - {{name: sidecar-proxy, image: envoy, imageID: '', ready: true, started: true, restartCount: 0,
     state: {{running: {{startedAt: '{}'}}}}}}
  containerStatuses:
  - {{name: sleep, image: curl, imageID: '', ready: false, restartCount: {restarts},
     state: {state}, lastState: {last}}}
",
        at(1)
    )
}

fn at(second: i64) -> String {
    k8s_openapi::jiff::Timestamp::from_second(BASE_SECOND + second)
        .expect("a time")
        .to_string()
}

#[test]
fn restarts_are_new_spans_and_a_long_back_off_is_cut_from_the_axis() {
    let running = |s: i64| format!("{{running: {{startedAt: '{}'}}}}", at(s));
    let backoff = "{waiting: {reason: CrashLoopBackOff}}";
    let snapshots = vec![
        snapshot(1, 2, &crashing(0, &running(2), 0)),
        snapshot(2, 4, &crashing(1, backoff, 3)),
        snapshot(3, 14, &crashing(1, &running(14), 3)),
        snapshot(4, 16, &crashing(2, backoff, 15)),
        // Five minutes of back-off, then a third run.
        snapshot(5, 316, &crashing(2, &running(316), 15)),
        snapshot(6, 318, &crashing(3, backoff, 317)),
    ];
    let recorded = scenario(Scenario::Sleep, snapshots, vec![]);
    let mut lanes = scenario_lanes(&recorded, "sidecar-proxy");
    add_marks(&mut lanes, &recorded);
    let app = &lanes.pods[0].lanes[1];
    let instances: Vec<i32> = app
        .spans
        .iter()
        .filter(|s| s.state.is_running())
        .map(|s| s.instance)
        .collect();
    assert_eq!(instances, [0, 1, 2], "{:#?}", app.spans);
    let failures = app
        .spans
        .iter()
        .filter(|s| s.state == SpanState::Terminated(1, "Error".to_owned()))
        .count();
    assert_eq!(failures, 3, "{:#?}", app.spans);
    assert_eq!(
        app.marks
            .iter()
            .filter(|m| m.kind == MarkKind::Restart)
            .count(),
        3
    );
    assert!(
        app.spans.windows(2).all(|w| w[0].to <= w[1].from + 1e-9),
        "spans in order: {:#?}",
        app.spans
    );
    let svg = figure_svg(&[FigureCell {
        title: "crashing".to_owned(),
        gate: "on".to_owned(),
        mode: "native".to_owned(),
        lanes,
        apply_errors: vec![],
    }]);
    // Kept for a human to look at (target/tmp/crashing.svg).
    let _ = std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("crashing.svg"),
        &svg,
    );
    assert!(svg.contains(" s cut"), "the back-off is cut: {svg}");
    for x in numbers(&svg, " x=\"").chain(numbers(&svg, " x1=\"")) {
        assert!((0.0..=WIDTH).contains(&x), "x={x} is off the drawing");
    }
}

/// Every value of an attribute in the SVG text.
fn numbers<'a>(svg: &'a str, attr: &'a str) -> impl Iterator<Item = f64> + 'a {
    svg.split(attr)
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
}

#[test]
fn a_cell_without_pods_says_what_refused_them() {
    let page = timeline_html(&[live("1-32-off-builtin-native", "job")]);
    assert!(page.contains("No pod was created"));
    assert!(page.contains("FailedCreate"));
    assert!(page.contains("data-mode=\"rejected\""));
}

#[test]
fn the_page_is_self_contained_and_escapes_what_the_cluster_said() {
    let mut recorded = support::good_native_job();
    recorded.events.push(EventRecord {
        seq: 99,
        type_: "Warning".to_owned(),
        reason: "Odd<script>".to_owned(),
        message: "a \"quoted\" <b>message</b> & more".to_owned(),
        object: "Pod/job-abcde".to_owned(),
        count: 1,
    });
    let page = timeline_html(&[recording(
        cell(29, Gate::On, RequestedMode::Auto),
        vec![recorded],
    )]);
    assert!(!page.contains("<script"), "no script, and none smuggled in");
    assert!(page.contains("Odd&lt;script&gt;"));
    assert!(!page.contains("<b>message"));
    for fetch in ["src=", "href=\"http", "@import", "url(http"] {
        assert!(!page.contains(fetch), "the page fetches nothing: {fetch}");
    }
}

#[test]
fn a_log_the_harness_could_not_read_is_marked_on_its_lane_not_drawn_as_silence() {
    let mut recording = live("1-32-on-builtin-auto", "sleep");
    for log in &mut recording.scenarios[0].logs {
        log.text.clear();
        log.read_error =
            Some("404 NotFound: the server could not find the requested resource".into());
    }
    let lanes = lanes_of(&recording);
    let pod = &lanes.pods[0];
    for lane in &pod.lanes {
        let unread: Vec<_> = lane
            .marks
            .iter()
            .filter(|m| m.kind == MarkKind::Unread)
            .collect();
        assert_eq!(unread.len(), 1, "{}: {:?}", lane.container, lane.marks);
        assert!(
            unread[0].detail.contains("could not find"),
            "{:?}",
            unread[0]
        );
        assert!(
            !lane
                .marks
                .iter()
                .any(|m| matches!(m.kind, MarkKind::Request { .. })),
            "no request drawn from an unread log"
        );
    }
    let page = timeline_html(&[recording]);
    assert!(page.contains("class=\"mark unread approx\""), "drawn");
    assert!(
        page.contains("log not read (a harness fault)"),
        "and in the legend"
    );
}
