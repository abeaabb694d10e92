//! Reports and `sidecar-e2e verify` on synthetic recordings: exit codes, JUnit read back by
//! quick-junit (nextest's JUnit library), Markdown and the terminal table.

#[path = "../../core/tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};

use sidecar_e2e_core::plan::{Gate, RequestedMode};
use sidecar_e2e_core::recording::{RECORDING_VERSION, Recording};
use sidecar_e2e_core::report::{Colour, junit_xml, markdown, terminal_table};
use sidecar_e2e_core::scenario::Scenario;
use sidecar_e2e_core::verdict::judge;
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

/// A 1.29 native cell where the Job behaves and init-traffic's request failed.
fn mixed_recording() -> Recording {
    let init = scenario(
        Scenario::InitTraffic,
        vec![snapshot(
            1,
            1,
            "metadata: {name: init-traffic, labels: {app: init-traffic}}\nspec:\n  initContainers: [{name: sidecar-proxy, restartPolicy: Always}, {name: fetch}]\n  containers: [{name: app}]\n",
        )],
        vec![log(
            "fetch",
            true,
            "sidecar-e2e evidence scenario=init-traffic step=init-request curl_exit=7 http_status=000\n",
        )],
    );
    recording(
        cell(29, Gate::On, RequestedMode::Auto),
        vec![good_native_job(), init],
    )
}

fn good_recording() -> Recording {
    recording(
        cell(29, Gate::On, RequestedMode::Auto),
        vec![good_native_job()],
    )
}

fn verify(recording_json: &str, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("run.json");
    std::fs::write(&path, recording_json).expect("write recording");
    let mut args = vec![
        "verify",
        "--color",
        "never",
        "--recording",
        path.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let out = Command::new(BIN)
        .args(&args)
        .current_dir(dir.path())
        .output()
        .expect("run verify");
    (out, dir)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn verify_exits_0_when_every_check_passes_and_1_when_one_fails() {
    let (out, _dir) = verify(
        &serde_json::to_string(&good_recording()).expect("json"),
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("6 passed, 0 failed"),
        "{}",
        text(&out.stdout)
    );

    let (out, _dir) = verify(
        &serde_json::to_string(&mixed_recording()).expect("json"),
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("curl_exit=7"),
        "evidence under the failure: {}",
        text(&out.stdout)
    );
    assert!(
        // The init container's request failed, the app never started, the proxy logged nothing.
        text(&out.stderr).contains("3 check(s) failed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn verify_writes_junit_that_quick_junit_reads_back() {
    let (out, dir) = verify(
        &serde_json::to_string(&mixed_recording()).expect("json"),
        &["--junit", "junit.xml", "--markdown", "summary.md"],
    );
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit written");
    let report =
        quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit parses our JUnit");
    assert_eq!(report.tests, 2);
    assert_eq!(report.failures, 1);
    let suite = &report.test_suites[0];
    assert_eq!(suite.name.as_str(), "1-29-on-builtin-auto");
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["job", "init-traffic"]);
    let job_out = suite.test_cases[0]
        .system_out
        .as_ref()
        .expect("system-out")
        .as_str()
        .to_owned();
    assert!(
        job_out.contains("0/2 Init:0/1 → 1/2 PodInitializing → 2/2 Running"),
        "{job_out}"
    );
    match &suite.test_cases[1].status {
        quick_junit::TestCaseStatus::NonSuccess {
            message,
            description,
            ..
        } => {
            assert_eq!(
                message.as_ref().map(|m| m.as_str()),
                Some("failed: startup-order, request, access-log")
            );
            assert!(
                description
                    .as_ref()
                    .expect("description")
                    .as_str()
                    .contains("curl_exit=7")
            );
        }
        other => panic!("init-traffic must fail: {other:?}"),
    }
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("markdown written");
    assert!(summary.contains("## ❌ Kubernetes 1.29"), "{summary}");
}

#[test]
fn verify_writes_the_verdicts_as_json() {
    let (out, dir) = verify(
        &serde_json::to_string(&mixed_recording()).expect("json"),
        &["--json", "verdicts.json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("verdicts.json")).expect("json written"),
    )
    .expect("the JSON report parses");
    assert_eq!(json["summary"]["cells"], 1);
    assert_eq!(json["summary"]["failed"], 3);
    let scenarios = &json["verdicts"][0]["scenarios"];
    assert_eq!(scenarios[1]["scenario"], "init-traffic");
    let request = scenarios[1]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["check"]["check"] == "request")
        .expect("a request check");
    assert_eq!(request["status"], "fail");
    assert!(
        request["evidence"][0]
            .as_str()
            .is_some_and(|e| e.contains("curl_exit=7")),
        "{request}"
    );
}

#[test]
fn verify_rejects_bad_recordings_with_exit_2() {
    let good = serde_json::to_string(&good_recording()).expect("json");
    for (json, expected) in [
        ("not json".to_owned(), "is not a sidecar-e2e recording"),
        (
            format!("{{\"version\": {RECORDING_VERSION}}}"),
            "is not a sidecar-e2e recording",
        ),
        (
            good.replacen(
                &format!("\"version\":{RECORDING_VERSION}"),
                "\"version\":99",
                1,
            ),
            "is a version 99 recording",
        ),
        (
            good.replacen("\"gate\":\"on\"", "\"gate\":\"off\"", 1)
                .replacen("\"1.29\"", "\"1.33\"", 1),
            "not a valid cell",
        ),
    ] {
        let (out, _dir) = verify(&json, &[]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{expected}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(expected),
            "{expected}: {}",
            text(&out.stderr)
        );
    }
}

/// A file that cannot be read is I/O (3), as in `sidecar-injector`; 2 is for content that is
/// wrong.
#[test]
fn a_missing_recording_is_an_io_error_exit_3() {
    let out = Command::new(BIN)
        .args(["verify", "--recording", "/no/such/run.json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("cannot read /no/such/run.json"));
}

/// `plan` rejects a Kubernetes version it has no node image for; `verify` must not judge a
/// recording of one as if it were known.
#[test]
fn verify_rejects_a_recording_for_a_version_plan_rejects() {
    let good = serde_json::to_string(&good_recording()).expect("json");
    let unknown = good.replacen("\"k8s\":\"1.29\"", "\"k8s\":\"1.40\"", 1);
    assert_ne!(unknown, good, "the cell's version was replaced");
    let (out, _dir) = verify(&unknown, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("unknown Kubernetes version 1.40: known versions are 1.28"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn verify_rejects_a_recording_for_an_unknown_istio_version() {
    let mut recording = good_recording();
    recording.cell.injector = sidecar_e2e_core::plan::InjectorSpec::istio(99);
    let (out, _dir) = verify(&serde_json::to_string(&recording).expect("json"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("unknown istio version 1.99"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn recordings_round_trip_through_json() {
    let recording = mixed_recording();
    let json = serde_json::to_string_pretty(&recording).expect("serialises");
    let back = Recording::from_json(&json, "test").expect("parses back");
    assert_eq!(back, recording);
}

#[test]
fn report_snapshots() {
    let verdict = judge(&mixed_recording()).expect("valid cell");
    insta::assert_snapshot!("terminal", terminal_table(&verdict, Colour::Plain));
    insta::assert_snapshot!("markdown", markdown(std::slice::from_ref(&verdict)));
    let coloured = terminal_table(&verdict, Colour::Ansi);
    assert!(
        coloured.contains("\x1b[1;31mFAIL"),
        "failures in red on a terminal"
    );
    let xml = junit_xml(&[verdict]).expect("junit");
    assert!(
        xml.contains("<testsuite name=\"1-29-on-builtin-auto\""),
        "{xml}"
    );
}

/// `testdata/recordings/synthetic-1.29-native-job.json` is the good native Job recording the
/// tests build, so users can try `verify` on a clone. Regenerate with
/// `UPDATE_RECORDINGS=1 cargo test -p sidecar-e2e --test report_verify`.
#[test]
fn example_recording_is_current_and_passes_verify() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/synthetic-1.29-native-job.json");
    let expected = serde_json::to_string_pretty(&good_recording()).expect("json") + "\n";
    if std::env::var_os("UPDATE_RECORDINGS").is_some() {
        std::fs::write(&path, &expected).expect("write example recording");
    }
    let on_disk = std::fs::read_to_string(&path).expect("example recording exists");
    assert_eq!(
        on_disk, expected,
        "stale: regenerate with UPDATE_RECORDINGS=1"
    );
    let out = Command::new(BIN)
        .args(["verify", "--recording", path.to_str().expect("utf-8")])
        .output()
        .expect("run verify");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

fn live_path(cell: &str, scenario: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/live-1.32")
        .join(cell)
        .join(format!("{scenario}.json"))
}

/// `verify --html` over the gate-on and gate-off recordings of one scenario: one page with both
/// cells, named on the terminal.
#[test]
fn verify_draws_several_recordings_on_one_timeline_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let html = dir.path().join("timeline.html");
    let summary = dir.path().join("summary.md");
    let out = Command::new(BIN)
        .args(["verify", "--color", "never", "--html"])
        .arg(&html)
        .arg("--markdown")
        .arg(&summary)
        .arg("--recording")
        .arg(live_path("1-32-on-builtin-auto", "job"))
        .arg(live_path("1-32-off-builtin-auto", "job"))
        .output()
        .expect("run verify");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let markdown = std::fs::read_to_string(&summary).expect("summary written");
    assert!(
        markdown.contains("[Container timelines](timeline.html)"),
        "linked beside it: {markdown}"
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.ends_with(&format!("timeline: {}\n", html.display())),
        "{stdout}"
    );
    assert!(stdout.contains("2 cells:"), "both judged: {stdout}");
    let page = std::fs::read_to_string(&html).expect("the page is written");
    assert_eq!(
        page.matches("<g class=\"cell\"").count(),
        2,
        "one figure, two cells"
    );
    assert_eq!(page.matches("<section ").count(), 1, "one scenario");
    assert!(page.contains("data-gate=\"on\"") && page.contains("data-gate=\"off\""));
}

/// A file that is not a recording among good ones: a clear error, exit 2, no page.
#[test]
fn verify_html_rejects_a_file_that_is_not_a_recording() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bogus = dir.path().join("notes.json");
    std::fs::write(&bogus, "{\"hello\": \"world\"}").expect("written");
    let html = dir.path().join("timeline.html");
    let out = Command::new(BIN)
        .args(["verify", "--color", "never", "--html"])
        .arg(&html)
        .arg("--recording")
        .arg(live_path("1-32-on-builtin-auto", "job"))
        .arg(&bogus)
        .output()
        .expect("run verify");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is not a sidecar-e2e recording",
            bogus.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!html.exists(), "no page from a bad input");
}

/// A known bug open upstream (kubernetes#141155 on the committed 1.37.2 recording) passes as a
/// known bug, and every report says no released patch has its fix: the terminal table and its
/// totals, the JUnit properties, the Markdown table, the JSON verdicts and summary.
#[test]
fn every_report_of_verify_says_a_known_bug_is_open_upstream() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (junit, markdown, json) = (
        dir.path().join("junit.xml"),
        dir.path().join("summary.md"),
        dir.path().join("verdicts.json"),
    );
    let recording = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/live-1.37/1-37-on-builtin-auto/started-after-liveness.json");
    let out = Command::new(BIN)
        .args(["verify", "--color", "never", "--junit"])
        .arg(&junit)
        .arg("--markdown")
        .arg(&markdown)
        .arg("--json")
        .arg(&json)
        .arg("--recording")
        .arg(&recording)
        .output()
        .expect("run verify");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for needed in [
        "known bug  probes-wait-for-startup",
        "(open upstream: no released patch has the fix)",
        "kubernetes#141155: open upstream: no released patch has the fix (pending: https://github.com/kubernetes/kubernetes/pull/141342",
        "1 passed, 1 known bug (1 open upstream), 0 failed",
    ] {
        assert!(stdout.contains(needed), "{needed}: {stdout}");
    }
    let junit = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        junit.contains("name=\"known-bug.probes-wait-for-startup\" value=\"kubernetes#141155")
            && junit.contains("name=\"known-bug-open-upstream.probes-wait-for-startup\" value=\"open upstream: no released patch has the fix"),
        "{junit}"
    );
    let markdown = std::fs::read_to_string(&markdown).expect("markdown written");
    assert!(
        markdown.contains("known bug [kubernetes#141155](https://github.com/kubernetes/kubernetes/issues/141155), **open upstream**: no released patch has [the fix](https://github.com/kubernetes/kubernetes/pull/141342)"),
        "{markdown}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("json");
    assert_eq!(json["summary"]["knownBugs"], 1, "{json}");
    assert_eq!(json["summary"]["openUpstream"], 1, "{json}");
    let bug = &json["verdicts"][0]["scenarios"][0]["results"][0]["check"]["known_bug"];
    assert_eq!(bug["id"], "kubernetes#141155", "{json}");
    assert!(
        bug["openUpstream"]["pr"]
            .as_str()
            .is_some_and(|pr| pr.ends_with("/pull/141342")),
        "{json}"
    );
}
