//! The composite action (`action.yml`) end to end, as a runner runs it: its step scripts in its
//! order, with `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_PATH`, `RUNNER_TEMP` and
//! `GITHUB_ACTION_PATH` set as a runner sets them (`sidecar_suites::action`), on one cell of 1.32
//! with two scenarios, on a kind cluster from the offline images (the `image-map` input, the map
//! `sidecar-e2e images build` wrote). The outputs, the step summary, the artifacts the upload step
//! is given, and that no cluster of the run is left, are checked.
//!
//! What GitHub's own actions would do here is played by this test: the harness cache restores
//! the binary this workspace built (an earlier run's save, under the key the action computed), the
//! upload step checks the paths it is given. With an image map no node image is pulled or cached,
//! so those steps must not run; nor must actions/setup-go (Go is on PATH).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sidecar_suites::action::{Job, UsesStep};
use sidecar_suites::binary::{docker_containers, kind_clusters, sidecar_e2e};
use sidecar_suites::images::image_map_path;

#[test]
fn the_action_runs_a_cell_reports_it_uploads_its_artifacts_and_leaves_no_cluster() {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root");
    let image_map = std::fs::canonicalize(image_map_path()).expect("the image map exists");
    let built = sidecar_e2e();
    let job = Job::new(checkout);
    let inputs = BTreeMap::from([
        ("k8s", "1.32".to_owned()),
        ("gate", "on".to_owned()),
        ("injector", "builtin".to_owned()),
        ("scenario", "sleep,job".to_owned()),
        ("image-map", image_map.display().to_string()),
    ]);
    let mut calls: Vec<UsesStep> = Vec::new();
    let run = job.run(&inputs, |step| {
        calls.push(step.clone());
        match (step.action.as_str(), step.id.as_deref()) {
            ("actions/cache/restore", Some("harness-cache")) => {
                let bin = PathBuf::from(&step.with["path"]).join("bin");
                std::fs::create_dir_all(&bin).expect("the cache's bin directory");
                std::fs::copy(&built, bin.join("sidecar-e2e")).expect("the binary restored");
                BTreeMap::from([("cache-hit".to_owned(), "true".to_owned())])
            }
            ("actions/upload-artifact", _) => {
                BTreeMap::from([("artifact-id".to_owned(), "1".to_owned())])
            }
            (action, id) => panic!("the action must not need {action} (step {id:?}) here"),
        }
    });
    let transcript = run.transcript();
    eprintln!("{transcript}");
    let failed: Vec<&str> = run
        .steps
        .iter()
        .filter(|s| !s.succeeded)
        .map(|s| s.label.as_str())
        .collect();
    assert!(failed.is_empty(), "steps failed: {failed:?}\n{transcript}");

    // Outputs.
    let outputs = &run.outputs;
    assert_eq!(outputs["exit-code"], "0", "{transcript}");
    assert_eq!(outputs["outcome"], "passed");
    let run_id = outputs["run-id"].clone();
    assert!(
        run_id.len() == 17 && run_id.as_bytes()[12] == b'-',
        "run-id {run_id:?} is a run id"
    );
    let artifacts = PathBuf::from(&outputs["artifacts"]);
    assert!(
        artifacts.starts_with(job.runner_temp.path()),
        "{artifacts:?}"
    );
    assert_eq!(
        outputs["summary"],
        artifacts.join("summary.md").display().to_string()
    );
    assert!(
        Path::new(&outputs["sidecar-e2e"]).starts_with(job.runner_temp.path()),
        "the binary the action installed: {}",
        outputs["sidecar-e2e"]
    );

    // Steps: kind at the plan's release on PATH; what an image map makes unnecessary skipped.
    let release = &run.step("plan").outputs["kind-release"];
    let kind = &run.step("tools").outputs["kind"];
    let version = std::process::Command::new(kind)
        .arg("version")
        .output()
        .expect("kind runs");
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with(&format!("kind {release} ")),
        "{kind} is kind {release}"
    );
    assert!(
        run.path.iter().any(|p| Path::new(kind).parent() == Some(p)),
        "kind's directory is on PATH: {:?}",
        run.path
    );
    for skipped in [
        "Save sidecar-e2e to the cache",
        "Go, to build kind",
        "node-image-cache",
        "Save the node image to the cache",
    ] {
        assert!(!run.step(skipped).ran, "{skipped} must not run here");
    }
    assert_eq!(
        run.step("images").outputs["image-map"],
        image_map.display().to_string()
    );

    // The step summary: the cell's heading and the run's report.
    let report = std::fs::read_to_string(artifacts.join("summary.md")).expect("summary.md");
    assert!(
        run.summary.contains(
            "### sidecar-e2e: Kubernetes 1.32, gate `on`, injector `builtin` — passed (exit 0)"
        ),
        "{}",
        run.summary
    );
    assert!(run.summary.contains(report.trim()), "{}", run.summary);
    for scenario in ["sleep", "job"] {
        assert!(report.contains(scenario), "{report}");
    }

    // The artifacts, and what the upload step was given.
    let junit = std::fs::read_to_string(artifacts.join("junit.xml")).expect("junit.xml");
    assert_eq!(junit.matches("<testcase").count(), 2, "{junit}");
    for file in ["verdicts.json", "compat.md", "timeline.html"] {
        assert!(artifacts.join(file).is_file(), "{file} in {artifacts:?}");
    }
    let cell = artifacts.join("1-32-on-builtin-auto");
    for scenario in ["sleep", "job"] {
        assert!(
            cell.join(format!("{scenario}.json")).is_file(),
            "{scenario}.json in {cell:?}"
        );
    }
    let upload = calls
        .iter()
        .find(|c| c.action == "actions/upload-artifact")
        .expect("the artifacts are uploaded");
    assert_eq!(upload.with["name"], "sidecar-e2e-1.32-on-builtin");
    let paths: Vec<&str> = upload.with["path"].lines().map(str::trim).collect();
    assert_eq!(
        paths,
        [
            artifacts.display().to_string(),
            format!("!{}/**/kubeconfig", artifacts.display())
        ]
    );

    // No cluster, no node container of the run is left.
    assert_eq!(run.step("cleanup").outputs["run-id"], run_id);
    let listed = kind_clusters();
    assert!(
        !listed.contains(&run_id),
        "kind still lists a cluster of run {run_id}: {listed}"
    );
    let names = docker_containers();
    assert!(
        !names.contains(&run_id),
        "docker still has a container of run {run_id}: {names}"
    );
}
