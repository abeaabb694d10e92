//! A harness fault is never a product failure: a live recording whose logs the harness could
//! not read (issue 20's run: a kubelet restarted beside the `sleep` scenario) is reported as
//! `HARNESS FAULT` in every sink and exits 5, while the same recording with a real failure in
//! it exits 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sidecar_e2e_core::recording::Recording;

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

fn live_sleep() -> Recording {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/live-1.32/1-32-on-builtin-auto/sleep.json");
    let text = std::fs::read_to_string(&path).expect("a committed recording");
    Recording::from_json(&text, "sleep.json").expect("a recording")
}

/// What the restarting kubelet answered for every log of the pod.
const KUBELET_RESTARTING: &str = "ApiError: the server could not find the requested resource \
     (pods/log sleep) (still failing after 12 tries in 45s)";

fn with_unread_logs() -> Recording {
    let mut recording = live_sleep();
    for log in &mut recording.scenarios[0].logs {
        log.text.clear();
        log.read_error = Some(KUBELET_RESTARTING.to_owned());
    }
    recording
}

fn write(dir: &Path, name: &str, recording: &Recording) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        serde_json::to_string_pretty(recording).expect("serialises"),
    )
    .expect("write");
    path
}

fn verify(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(BIN)
        .arg("verify")
        .args(args)
        .args(["--color", "never"])
        .output()
        .expect("runs")
}

#[test]
fn unread_logs_are_a_harness_fault_with_exit_5_in_every_sink() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = write(dir.path(), "sleep.json", &with_unread_logs());
    let (junit, json, markdown) = (
        dir.path().join("junit.xml"),
        dir.path().join("verdicts.json"),
        dir.path().join("summary.md"),
    );
    let out = verify(&[
        "--recording".as_ref(),
        recording.as_os_str(),
        "--junit".as_ref(),
        junit.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
        "--markdown".as_ref(),
        markdown.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stdout}\n{stderr}");
    assert!(!stdout.contains("FAIL "), "no product failure: {stdout}");
    assert!(stdout.contains("HARNESS FAULT  request"), "{stdout}");
    assert!(stdout.contains("HARNESS FAULT  access-log"), "{stdout}");
    assert!(
        stdout.contains("could not read the log of") && stdout.contains("requested resource"),
        "the cause in words: {stdout}"
    );
    assert!(
        stdout.contains("left undecided by a harness fault"),
        "{stdout}"
    );
    assert!(
        stderr.contains("left undecided by a harness fault"),
        "{stderr}"
    );

    let junit = std::fs::read_to_string(junit).expect("junit written");
    assert!(
        junit.contains("<error") && junit.contains("harness-fault") && !junit.contains("<failure"),
        "{junit}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).expect("json written")).expect("json");
    assert_eq!(json["summary"]["harnessFaults"], 2, "{json}");
    assert_eq!(json["summary"]["failed"], 0, "{json}");
    let markdown = std::fs::read_to_string(markdown).expect("markdown written");
    assert!(
        markdown.contains("| sleep | request |") && markdown.contains("HARNESS FAULT"),
        "{markdown}"
    );
}

#[test]
fn a_real_failure_beside_a_harness_fault_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let faulty = write(dir.path(), "faulty.json", &with_unread_logs());
    // The same cell's proxy moved into the regular containers: the layout check fails on what
    // the recording shows, whatever the logs.
    let mut broken = live_sleep();
    for snapshot in &mut broken.scenarios[0].snapshots {
        if let Some(spec) = snapshot.pod.spec.as_mut() {
            let proxy: Vec<_> = spec
                .init_containers
                .iter()
                .flatten()
                .filter(|c| c.name == "sidecar-proxy")
                .cloned()
                .collect();
            if let Some(init) = spec.init_containers.as_mut() {
                init.retain(|c| c.name != "sidecar-proxy");
            }
            spec.containers.extend(proxy);
        }
    }
    let broken = write(dir.path(), "broken.json", &broken);
    let out = verify(&[
        "--recording".as_ref(),
        faulty.as_os_str(),
        broken.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let row = |word: &str, check: &str| {
        stdout.lines().any(|line| {
            let mut words = line
                .trim_start()
                .strip_prefix(word)
                .map(str::split_whitespace);
            words.as_mut().and_then(Iterator::next) == Some(check)
        })
    };
    assert!(row("FAIL", "proxy-layout"), "{stdout}");
    assert!(row("HARNESS FAULT", "request"), "{stdout}");
}

#[test]
fn a_scenario_recorded_again_after_a_harness_fault_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut recording = live_sleep();
    recording.scenarios[0].attempt = 2;
    recording.scenarios[0].retried_because = vec![format!(
        "attempt 1: harness fault: could not read the log of sleep-1/sleep: {KUBELET_RESTARTING} \
         (undecided: request, access-log)"
    )];
    let path = write(dir.path(), "sleep.json", &recording);
    let junit = dir.path().join("junit.xml");
    let out = verify(&[
        "--recording".as_ref(),
        path.as_os_str(),
        "--junit".as_ref(),
        junit.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the second attempt passed: {stdout}"
    );
    assert!(
        stdout.contains("recorded again (attempt 2)") && stdout.contains("undecided: request"),
        "{stdout}"
    );
    let junit = std::fs::read_to_string(junit).expect("junit");
    assert!(junit.contains("name=\"attempt\" value=\"2\""), "{junit}");
}
