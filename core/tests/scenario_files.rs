//! Scenarios as data: two built-in scenarios written as scenario files
//! (`testdata/scenario-files/`, on the built-ins' own manifests) — a proxy scenario (`job`) and
//! a known bug (`sidecar-crash-restart`) — must expect and check exactly what the built-ins do in
//! every cell of the whole plan (every minor, gate, shipped injector and mode, on the patches
//! known bugs turn on), and judge every committed live recording of them identically. So the
//! file format can say what the built-ins say, and the file path is the same judge. The worked
//! example (`examples/scenarios/`) parses, and its planted mistakes are errors naming the line.

use std::path::{Path, PathBuf};

use sidecar_e2e_core::plan::{Gate, InjectorSpec, Minors, PlanRequest, RequestedMode};
use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::scenario::file::FileScenario;
use sidecar_e2e_core::scenario::{Check, Scenario, ScenarioFileError, Target};
use sidecar_e2e_core::verdict::{judge_checks, judge_on, target_of};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The scenario file at `path` (from the repository's root), with the manifest it names.
fn load(path: &str) -> FileScenario {
    let file = repo(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
    let manifest_name = FileScenario::manifest_named(&text).expect("names a manifest");
    let manifest_path = file.parent().expect("a directory").join(manifest_name);
    let manifest = std::fs::read_to_string(&manifest_path)
        .unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
    FileScenario::parse(path, &text, &manifest).unwrap_or_else(|e| panic!("{e}"))
}

/// Every valid cell's target of the whole plan, each also on the patches around the known
/// bugs' fixes (the table's node image is one patch; recordings carry others).
fn every_target() -> Vec<Target> {
    let table = Minors::embedded().expect("table");
    let request = PlanRequest {
        k8s: table.versions(),
        gates: vec![Gate::On, Gate::Off, Gate::Default],
        injectors: ["builtin", "istio", "otel"]
            .into_iter()
            .map(|name| name.parse::<InjectorSpec>().expect("shipped"))
            .collect(),
        modes: vec![
            RequestedMode::Auto,
            RequestedMode::Native,
            RequestedMode::Legacy,
        ],
        workers: Vec::new(),
    };
    let plan = request.resolve().expect("the whole plan resolves");
    let mut targets = Vec::new();
    for target in plan.cells.iter().filter_map(Target::of) {
        for patch in [None, Some(0), Some(2), Some(3), Some(7), Some(8), Some(20)] {
            targets.push(Target { patch, ..target });
        }
    }
    assert!(targets.len() > 500, "{} targets", targets.len());
    targets
}

/// What a built-in adds to every scenario's checks (Istio's config check) is not the file's.
fn own_checks(scenario: Scenario, target: &Target) -> Vec<Check> {
    scenario
        .checks(target)
        .into_iter()
        .filter(|c| *c != Check::ProxyConfigAccepted)
        .collect()
}

fn assert_same_everywhere(builtin: Scenario, file: &FileScenario) {
    assert_eq!(file.name, builtin.name());
    assert_eq!(file.summary, builtin.summary());
    assert_eq!(file.caption, builtin.caption());
    assert_eq!(file.manifest, builtin.manifest());
    assert_eq!(file.injected, builtin.injected());
    for target in every_target() {
        let at = format!("{builtin} on {target:?}");
        assert_eq!(
            file.expectation(&target),
            builtin.expectation(&target),
            "{at}"
        );
        if builtin.expectation(&target).is_ok() {
            assert_eq!(file.checks(&target), own_checks(builtin, &target), "{at}");
        }
    }
}

#[test]
fn job_as_a_file_expects_and_checks_what_the_builtin_does_in_every_cell() {
    assert_same_everywhere(
        Scenario::Job,
        &load("testdata/scenario-files/job.scenario.yaml"),
    );
}

#[test]
fn a_known_bug_as_a_file_expects_and_checks_what_the_builtin_does_in_every_cell() {
    assert_same_everywhere(
        Scenario::SidecarCrashRestart,
        &load("testdata/scenario-files/sidecar-crash-restart.scenario.yaml"),
    );
}

/// Every committed live recording of `builtin`, judged by the built-in and by the file.
fn judge_committed_recordings_both_ways(builtin: Scenario, file: &FileScenario) -> usize {
    let mut judged = 0;
    let root = repo("testdata/recordings");
    let subdirs = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .expect("a directory")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.is_dir())
            .collect()
    };
    let mut dirs: Vec<PathBuf> = subdirs(&root).iter().flat_map(|d| subdirs(d)).collect();
    dirs.sort();
    for dir in dirs {
        let path = dir.join(format!("{builtin}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let label = path.display().to_string();
        let recording = Recording::from_json(&text, &label).unwrap_or_else(|e| panic!("{e}"));
        let target = target_of(&recording).unwrap_or_else(|e| panic!("{label}: {e}"));
        let recorded = &recording.scenarios[0];
        let by_builtin = judge_on(recorded, &target);
        let mut checks = file.checks(&target);
        checks.extend(
            by_builtin
                .results
                .iter()
                .filter(|r| r.check == Check::ProxyConfigAccepted)
                .map(|r| r.check.clone()),
        );
        let by_file = judge_checks(recorded, &target, file.roles(target.injector), checks);
        assert_eq!(by_file.results, by_builtin.results, "{label}");
        assert!(!by_builtin.results.is_empty(), "{label}: judged nothing");
        judged += 1;
    }
    judged
}

#[test]
fn the_files_judge_every_committed_live_recording_as_the_builtins_do() {
    let job = judge_committed_recordings_both_ways(
        Scenario::Job,
        &load("testdata/scenario-files/job.scenario.yaml"),
    );
    let crash = judge_committed_recordings_both_ways(
        Scenario::SidecarCrashRestart,
        &load("testdata/scenario-files/sidecar-crash-restart.scenario.yaml"),
    );
    // Every minor's gate-on cell at least, the legacy and rejected cells of 1.28-1.32 for job.
    assert!(job >= 25, "{job} job recordings");
    assert!(crash >= 9, "{crash} sidecar-crash-restart recordings");
}

#[test]
fn a_wrong_expectation_in_a_file_judges_differently() {
    // Planted: the file says the legacy Job completes. The committed legacy recording must then
    // fail where the built-in passes.
    let file = repo("testdata/scenario-files/job.scenario.yaml");
    let text = std::fs::read_to_string(&file).expect("file").replace(
        "  - check: completes\n    where: {mode: native}",
        "  - check: completes",
    );
    let manifest = Scenario::Job.manifest();
    let planted = FileScenario::parse("planted.scenario.yaml", &text, manifest).expect("parses");
    let path = repo("testdata/recordings/live-1.32/1-32-off-builtin-auto/job.json");
    let text = std::fs::read_to_string(&path).expect("recording");
    let recording = Recording::from_json(&text, "job.json").expect("recording");
    let target = target_of(&recording).expect("target");
    let verdict = judge_checks(
        &recording.scenarios[0],
        &target,
        planted.roles(target.injector),
        planted.checks(&target),
    );
    let completes = verdict
        .results
        .iter()
        .find(|r| r.check.name() == "job-completes")
        .expect("the planted check is listed");
    assert_eq!(
        completes.status,
        sidecar_e2e_core::verdict::CheckStatus::Fail,
        "{completes:?}"
    );
    assert!(
        completes.evidence.iter().any(|e| e.contains("Running")),
        "the evidence shows the pod still running: {:?}",
        completes.evidence
    );
}

#[test]
fn the_worked_example_parses_and_runs_where_native_sidecars_do() {
    let example = load("examples/scenarios/log-shipper-job.scenario.yaml");
    assert!(!example.injected);
    assert_eq!(example.sidecars, ["shipper"]);
    let targets = every_target();
    let native = targets
        .iter()
        .find(|t| t.sidecars_on)
        .expect("a native cell");
    let names: Vec<&str> = example.checks(native).iter().map(Check::name).collect();
    assert!(names.contains(&"job-completes"), "{names:?}");
    assert!(names.contains(&"startup-order"), "{names:?}");
    let off = targets
        .iter()
        .find(|t| !t.sidecars_on)
        .expect("a gate-off cell");
    let names: Vec<&str> = example.checks(off).iter().map(Check::name).collect();
    assert_eq!(
        names,
        ["pod-never-runs", "printer-agrees"],
        "the legacy failure"
    );
}

/// A mistake in a scenario file is an error naming the file, the line and the field.
#[test]
fn mistakes_name_the_file_line_and_field() {
    let good = std::fs::read_to_string(repo("examples/scenarios/log-shipper-job.scenario.yaml"))
        .expect("example");
    let manifest =
        std::fs::read_to_string(repo("examples/scenarios/log-shipper-job.yaml")).expect("manifest");
    let line_of = |text: &str, needle: &str| {
        u64::try_from(text.lines().position(|l| l.contains(needle)).expect(needle) + 1)
            .expect("small")
    };
    let cases: Vec<(String, &str, &str)> = vec![
        // A syntax error: serde's line.
        (
            good.replace("summary: a Job", "summary: a: Job"),
            "summary: a: Job",
            "not a scenario file",
        ),
        (
            good.replace("check: completes", "check: finishes"),
            "check: finishes",
            "checks[",
        ),
        (
            good.replace("gate: on", "gate: maybe"),
            "gate: maybe",
            ".gate",
        ),
        (
            good.replace("until: finished", "until: done"),
            "until: done",
            "steps[",
        ),
    ];
    for (text, needle, field) in cases {
        let err = FileScenario::parse("mine.scenario.yaml", &text, &manifest).expect_err(needle);
        let (line, message) = match &err {
            ScenarioFileError::Malformed { line, .. } => (*line, err.to_string()),
            ScenarioFileError::Invalid { line, .. } => (*line, err.to_string()),
        };
        assert_eq!(line, Some(line_of(&text, needle)), "{needle}: {message}");
        assert!(
            message.starts_with(&format!("mine.scenario.yaml:{}:", line_of(&text, needle))),
            "{message}"
        );
        assert!(message.contains(field), "{needle}: {message}");
    }
    let unlabelled = manifest.replace("app: log-shipper-job", "app: other");
    let err = FileScenario::parse("mine.scenario.yaml", &good, &unlabelled).expect_err("label");
    assert!(err.to_string().contains("app: log-shipper-job"), "{err}");
}
