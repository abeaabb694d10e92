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
//! so those steps must not run; nor must actions/setup-go (Go is on PATH). The node image's cache,
//! which only runs without an image map, is exercised on its own with a local stand-in image.

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

/// The node image's cache, as `images.sh` uses it on a runner: an archive restored from the cache
/// is loaded and the run is given an image map naming it by a local tag that carries the digest
/// (a `docker save`/`load` round trip keeps tags, not registry digests); once loaded it is used as
/// it is. The "node image" here is a local image saved under that tag: pulling kind's real one
/// needs a registry, which only GitHub has.
#[test]
fn a_cached_node_image_archive_is_loaded_and_named_by_a_tag_that_carries_its_digest() {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root");
    let table = sidecar_suites::images::image_table();
    let stand_in = table.workloads.curl.clone();
    let digest = "5eed".repeat(16);
    let node_image = format!("kindest/node:v1.32.99@sha256:{digest}");
    let local_tag = format!("sidecar-e2e.local/kindest-node-sha256-{digest}:v1.32.99");
    let dir = tempfile::tempdir().expect("a temp dir");
    let node_dir = dir.path().join("node-images");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&node_dir).expect("node image dir");
    std::fs::create_dir_all(&work).expect("work dir");
    let docker = |args: &[&str]| {
        let out = std::process::Command::new("docker")
            .args(args)
            .output()
            .expect("docker runs");
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // What an earlier run's save left in the cache, and a runner that no longer has the image.
    docker(&["tag", &stand_in, &local_tag]);
    let archive = node_dir.join("node-image.tar");
    docker(&[
        "save",
        "--output",
        archive.to_str().expect("utf-8"),
        &local_tag,
    ]);
    docker(&["rmi", &local_tag]);

    let step = || {
        let output = dir.path().join("output");
        std::fs::write(&output, "").expect("GITHUB_OUTPUT");
        let out = std::process::Command::new(checkout.join("action/images.sh"))
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_ACTION_PATH", checkout)
            .env("IMAGE_MAP", "")
            .env("NODE_IMAGE", &node_image)
            .env("NODE_IMAGE_DIR", &node_dir)
            .env("K8S", "1.32")
            .env("INJECTOR", "builtin")
            .env("WORK", &work)
            .env("WORKLOAD_IMAGES", &stand_in)
            .env("INJECTOR_IMAGE", &table.workloads.injector)
            .output()
            .expect("images.sh runs");
        let outputs: BTreeMap<String, String> = std::fs::read_to_string(&output)
            .expect("outputs")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        (out, outputs)
    };
    let (out, outputs) = step();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert_eq!(outputs["node-image-cache"], "loaded", "{stderr}");
    let map = std::fs::read_to_string(&outputs["image-map"]).expect("the image map");
    assert!(
        map.contains(&format!("\"1.32\": {local_tag}")),
        "the map names the loaded image: {map}"
    );
    let parsed = sidecar_e2e_core::plan::ImageMap::from_yaml(&map).expect("a valid image map");
    let resolved = sidecar_e2e_core::plan::ImageTable::upstream([]).overridden_by(parsed);
    let named = &resolved.node_images[&"1.32".parse().expect("a minor")];
    assert_eq!(
        sidecar_e2e_core::scenario::patch_of_image(named),
        Some(99),
        "the plan still reads the patch from the tag"
    );

    let (again, outputs) = step();
    assert!(again.status.success());
    assert_eq!(outputs["node-image-cache"], "present");
    docker(&["rmi", &local_tag]);
}
