//! `--scenarios DIR` as a user gives it: the worked example plans beside the built-in scenarios,
//! a built-in written as a file replaces the built-in (and says so), and planted mistakes exit 2
//! naming the file, the line and the field, before anything starts.

use std::path::{Path, PathBuf};
mod support;

use support::{describe, run};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The worked example copied into a directory of its own, its scenario file edited by `edit`.
fn copied_example(dir: &Path, edit: impl Fn(&str) -> String) -> PathBuf {
    let examples = repo("examples/scenarios");
    std::fs::copy(
        examples.join("log-shipper-job.yaml"),
        dir.join("log-shipper-job.yaml"),
    )
    .expect("copy the manifest");
    let scenario = dir.join("log-shipper-job.scenario.yaml");
    std::fs::write(
        &scenario,
        edit(&text(&examples.join("log-shipper-job.scenario.yaml"))),
    )
    .expect("write");
    scenario
}

#[test]
fn the_worked_example_plans_beside_the_builtin_scenarios() {
    let examples = repo("examples/scenarios");
    let out = run(&[
        "plan",
        "--k8s",
        "1.32",
        "--gate",
        "on,off",
        "--scenarios",
        examples.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let cells: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let on = &cells[0]["scenarios"];
    assert!(on["log-shipper-job"].is_object(), "{on}");
    assert!(on["job"].is_object(), "the built-ins stay: {on}");
    let table = run(&[
        "plan",
        "--k8s",
        "1.32",
        "--gate",
        "on,off",
        "--scenarios",
        examples.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        stdout.contains("scenario log-shipper-job (")
            && stdout.contains("1.32 on builtin: startup-order, job-completes, sidecar-exit-code")
            && stdout.contains("1.32 off builtin: pod-never-runs"),
        "{stdout}"
    );
}

#[test]
fn a_builtin_written_as_a_file_replaces_the_builtin_and_says_so() {
    let file = repo("testdata/scenario-files/job.scenario.yaml");
    let out = run(&[
        "plan",
        "--k8s",
        "1.32",
        "--scenarios",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("replaces the built-in scenario job"),
        "{stderr}"
    );
}

#[test]
fn planted_mistakes_exit_2_naming_the_file_line_and_field() {
    let cases: [(&str, &str, &str, &str); 4] = [
        // A YAML syntax error.
        (
            "summary: a Job",
            "summary: a: Job",
            "not a scenario file",
            "",
        ),
        (
            "check: completes",
            "check: finishes",
            "checks[1].check",
            "is not a check",
        ),
        ("gate: off", "gate: maybe", "checks[3].gate", "write on"),
        ("code: 0", "code: zero", "", ""),
    ];
    for (from, to, field, why) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let scenario = copied_example(dir.path(), |t| t.replace(from, to));
        let line = text(&scenario)
            .lines()
            .position(|l| l.contains(to))
            .expect("planted")
            + 1;
        let out = run(&[
            "plan",
            "--k8s",
            "1.32",
            "--scenarios",
            dir.path().to_str().expect("utf-8"),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {}", describe(&out));
        assert!(
            stderr.contains(&format!("log-shipper-job.scenario.yaml:{line}:")),
            "{to}: line {line}: {stderr}"
        );
        assert!(
            stderr.contains(field) && stderr.contains(why),
            "{to}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "nothing planned: {}", describe(&out));
    }
}

#[test]
fn a_directory_without_scenario_files_and_an_unknown_name_are_bad_flags() {
    let empty = tempfile::tempdir().expect("tempdir");
    let out = run(&[
        "plan",
        "--k8s",
        "1.32",
        "--scenarios",
        empty.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("*.scenario.yaml"),
        "{}",
        describe(&out)
    );
    // A file scenario's name before its file is loaded: the error lists what exists.
    let out = run(&[
        "run",
        "--k8s",
        "1.32",
        "--scenario",
        "log-shipper-job",
        "--artifacts",
        empty.path().join("out").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("log-shipper-job") && stderr.contains("kubelet-restart"),
        "{stderr}"
    );
    assert!(!empty.path().join("out").exists(), "nothing written");
}

#[test]
fn a_manifest_that_does_not_label_its_pods_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    copied_example(dir.path(), str::to_owned);
    let manifest = dir.path().join("log-shipper-job.yaml");
    std::fs::write(
        &manifest,
        text(&manifest).replace("app: log-shipper-job", "app: shipper-job"),
    )
    .expect("write");
    let out = run(&[
        "plan",
        "--k8s",
        "1.32",
        "--scenarios",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("manifest") && stderr.contains("app: log-shipper-job"),
        "{stderr}"
    );
}

/// The committed live recordings of the worked example (`testdata/recordings/scenario-files/`).
fn example_recording(cell: &str) -> String {
    repo(&format!(
        "testdata/recordings/scenario-files/{cell}/log-shipper-job.json"
    ))
    .to_str()
    .expect("utf-8")
    .to_owned()
}

#[test]
fn verify_judges_a_file_scenarios_live_recording_once_its_file_is_loaded() {
    let examples = repo("examples/scenarios");
    let examples = examples.to_str().expect("utf-8");
    for cell in [
        "1-32-on-builtin-auto",
        "1-32-off-builtin-auto",
        "1-37-default-builtin-auto",
    ] {
        let recording = example_recording(cell);
        let without = run(&["verify", "--recording", &recording, "--color", "never"]);
        assert_eq!(without.status.code(), Some(2), "{}", describe(&without));
        assert!(
            String::from_utf8_lossy(&without.stderr).contains("--scenarios"),
            "the error says how to load it: {}",
            describe(&without)
        );
        let with = run(&[
            "verify",
            "--recording",
            &recording,
            "--scenarios",
            examples,
            "--color",
            "never",
        ]);
        assert_eq!(with.status.code(), Some(0), "{cell}: {}", describe(&with));
    }
}

#[test]
fn a_planted_wrong_expectation_fails_the_live_recording_with_its_evidence() {
    // Planted: the file expects the legacy pod to complete. The gate-off recording shows it stuck
    // initialising, so verify must fail that check and show why.
    let dir = tempfile::tempdir().expect("tempdir");
    copied_example(dir.path(), |t| {
        t.replace(
            "  - check: completes\n    where: {gate: on}",
            "  - check: completes",
        )
    });
    let out = run(&[
        "verify",
        "--recording",
        &example_recording("1-32-off-builtin-auto"),
        "--scenarios",
        dir.path().to_str().expect("utf-8"),
        "--color",
        "never",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL") && stdout.contains("job-completes") && stdout.contains("Init:0/1"),
        "{stdout}"
    );
}
