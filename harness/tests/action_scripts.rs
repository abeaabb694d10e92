//! The composite action's step scripts (`action/*.sh`) one at a time, with no cluster: each is
//! run as a runner runs it (its `env:`, `GITHUB_OUTPUT` and friends in a temporary directory) and
//! its outputs, exit code and messages are checked. `sidecar-e2e` is the real binary where the
//! step only plans (`plan.sh`) and a stand-in script that records its arguments where the step
//! would start a cluster (`run.sh`, `cleanup.sh`). `action.yml` itself: every `run:` step calls
//! one of these scripts, with no `${{ }}` in a script, and every action it uses is pinned by commit.
//! The whole action against a live cluster is suites/tests/run_action.rs.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// What one step did.
struct Step {
    code: Option<i32>,
    outputs: BTreeMap<String, String>,
    stderr: String,
    summary: String,
    path: String,
}

/// A runner's files for one step, in `dir`.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `action/<script>` with `env`, in `self`'s workspace.
    fn step(&self, script: &str, env: &[(&str, &str)]) -> Step {
        let workspace = self.path("workspace");
        let temp = self.path("runner-temp");
        std::fs::create_dir_all(&workspace).expect("workspace");
        std::fs::create_dir_all(&temp).expect("runner temp");
        for file in ["output", "path", "summary"] {
            std::fs::write(self.path(file), "").expect("a runner file");
        }
        let mut command = Command::new(checkout().join("action").join(script));
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if name.starts_with("SIDECAR_E2E") || name.starts_with("GITHUB_") {
                command.env_remove(&key);
            }
        }
        let out = command
            .current_dir(&workspace)
            .env("GITHUB_ACTION_PATH", checkout())
            .env("GITHUB_WORKSPACE", &workspace)
            .env("RUNNER_TEMP", &temp)
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_PATH", self.path("path"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"))
            .envs(env.iter().copied())
            .output()
            .unwrap_or_else(|err| panic!("action/{script} must start: {err}"));
        let read = |name: &str| std::fs::read_to_string(self.path(name)).unwrap_or_default();
        Step {
            code: out.status.code(),
            outputs: read("output")
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            summary: read("summary"),
            path: read("path"),
        }
    }

    /// An executable script `name` in this runner's directory.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, format!("#!/usr/bin/env bash\n{body}")).expect("a script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }
}

fn inputs(overrides: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut inputs: BTreeMap<&str, &str> = BTreeMap::from([
        ("INPUT_K8S", "1.33"),
        ("INPUT_GATE", "default"),
        ("INPUT_INJECTOR", "builtin"),
        ("INPUT_HARNESS", "auto"),
    ]);
    inputs.extend(overrides.iter().copied());
    inputs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn env_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn inputs_refuse_a_bad_value_naming_the_input() {
    let runner = Runner::new();
    let cases: &[(&str, &str, &str)] = &[
        ("INPUT_K8S", "", "k8s"),
        ("INPUT_K8S", "1.32,1.33", "k8s"),
        ("INPUT_GATE", "on,maybe", "gate"),
        ("INPUT_INJECTOR", "profiles/mine.yaml", "injector"),
        ("INPUT_INJECTOR", "Istio 1.30", "injector"),
        ("INPUT_SCENARIOS", "no/such/dir", "scenarios"),
        ("INPUT_SCENARIO", "sleep;job", "scenario"),
        ("INPUT_ISTIOCTL", "1.30.5", "istioctl"),
        ("INPUT_ISTIOCTL", "latest", "istioctl"),
        ("INPUT_IMAGE_MAP", "missing.yaml", "image-map"),
        ("INPUT_HARNESS", "nightly", "harness"),
        ("INPUT_ARTIFACT_NAME", "cells/1.33", "artifact-name"),
    ];
    for (variable, value, input) in cases {
        let env = inputs(&[(variable, value)]);
        let step = runner.step("inputs.sh", &env_refs(&env));
        assert_eq!(
            step.code,
            Some(2),
            "{variable}={value:?} is refused: {}",
            step.stderr
        );
        assert!(
            step.stderr.contains(&format!(
                "::error title=sidecar-e2e input {input}::input `{input}`"
            )),
            "{variable}={value:?}: the error names input `{input}`: {}",
            step.stderr
        );
        assert!(step.outputs.is_empty(), "no outputs on a refusal");
    }
}

#[test]
fn inputs_are_normalised_with_paths_made_absolute_and_a_default_artifact_name() {
    let runner = Runner::new();
    let workspace = runner.path("workspace");
    std::fs::create_dir_all(workspace.join("profiles")).expect("dirs");
    std::fs::create_dir_all(workspace.join("my-scenarios")).expect("dirs");
    std::fs::write(workspace.join("profiles/mine.yaml"), "name: mine\n").expect("profile");
    let env = inputs(&[
        ("INPUT_GATE", " on, default "),
        ("INPUT_INJECTOR", "profiles/mine.yaml"),
        ("INPUT_SCENARIOS", "my-scenarios"),
        ("INPUT_SCENARIO", "sleep, job"),
    ]);
    let step = runner.step("inputs.sh", &env_refs(&env));
    assert_eq!(step.code, Some(0), "{}", step.stderr);
    let o = &step.outputs;
    assert_eq!(o["k8s"], "1.33");
    assert_eq!(o["gate"], "on,default");
    let workspace = std::fs::canonicalize(workspace).expect("workspace");
    assert_eq!(
        o["injector"],
        workspace.join("profiles/mine.yaml").display().to_string()
    );
    assert_eq!(
        o["scenarios"],
        workspace.join("my-scenarios").display().to_string()
    );
    assert_eq!(o["scenario"], "sleep,job");
    assert_eq!(o["harness"], "auto");
    assert_eq!(o["slug"], "1.33-on-default-mine");
    assert_eq!(o["artifact-name"], "sidecar-e2e-1.33-on-default-mine");
    let work = Path::new(&o["work"]);
    assert!(work.is_dir(), "the step's work directory exists");
    assert!(work.starts_with(runner.path("runner-temp")));
    assert_eq!(o["artifacts"], work.join("artifacts").display().to_string());
}

#[test]
fn harness_key_builds_from_source_unless_used_at_a_version_tag() {
    let runner = Runner::new();
    let version = env!("CARGO_PKG_VERSION");
    let local = runner.step("harness-key.sh", &[("HARNESS", "auto")]);
    assert_eq!(local.code, Some(0), "{}", local.stderr);
    assert_eq!(local.outputs["from"], "source", "`uses: ./` has no ref");
    assert_eq!(local.outputs["version"], version);
    assert!(
        local.outputs["key"].starts_with(&format!("sidecar-e2e-source-v{version}-")),
        "{:?}",
        local.outputs
    );
    let tagged = runner.step(
        "harness-key.sh",
        &[
            ("HARNESS", "auto"),
            ("ACTION_REF", "v1"),
            ("ACTION_REPOSITORY", "sidecar-e2e/sidecar-e2e"),
        ],
    );
    assert_eq!(tagged.code, Some(0), "{}", tagged.stderr);
    assert_eq!(tagged.outputs["from"], "release");
    let target = &tagged.outputs["target"];
    assert_eq!(
        tagged.outputs["key"],
        format!("sidecar-e2e-release-v{version}-{target}")
    );
    for branch in ["main", "0123456789abcdef0123456789abcdef01234567"] {
        let step = runner.step(
            "harness-key.sh",
            &[
                ("HARNESS", "auto"),
                ("ACTION_REF", branch),
                ("ACTION_REPOSITORY", "sidecar-e2e/sidecar-e2e"),
            ],
        );
        assert_eq!(
            step.outputs["from"], "source",
            "@{branch} builds its own code"
        );
    }
    let refused = runner.step("harness-key.sh", &[("HARNESS", "release")]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("input `harness`"),
        "{}",
        refused.stderr
    );
}

#[test]
fn plan_names_the_tables_kind_release_and_node_image_and_refuses_a_cell_that_cannot_boot() {
    let runner = Runner::new();
    let plan = |gate: &str, image_map: &str| {
        runner.step(
            "plan.sh",
            &[
                ("SIDECAR_E2E", BIN),
                ("K8S", "1.33"),
                ("GATE", gate),
                ("INJECTOR", "builtin"),
                ("IMAGE_MAP", image_map),
            ],
        )
    };
    let step = plan("on,default", "");
    assert_eq!(step.code, Some(0), "{}", step.stderr);
    let table = sidecar_e2e_core::plan::Minors::embedded().expect("the table");
    let minor = table
        .get("1.33".parse().expect("a minor"))
        .expect("1.33 is in the table");
    let upstream = minor.upstream.as_ref().expect("kind publishes 1.33");
    assert_eq!(step.outputs["kind-release"], table.kind_release());
    assert_eq!(step.outputs["node-image"], upstream.image);
    let digest = upstream.image.rsplit_once("@sha256:").expect("pinned").1;
    assert!(
        step.outputs["node-image-key"].ends_with(&format!("-sha256-{digest}")),
        "the cache key is the digest: {:?}",
        step.outputs
    );

    let mapped = plan("on", "/some/images.yaml");
    assert_eq!(mapped.code, Some(0), "{}", mapped.stderr);
    assert_eq!(
        mapped.outputs["node-image"], "",
        "the map names the node image"
    );
    assert_eq!(mapped.outputs["node-image-key"], "", "nothing to cache");

    let off = plan("off", "");
    assert_eq!(off.code, Some(2), "{}", off.stderr);
    assert!(
        off.stderr
            .contains("input `gate`: gate off on 1.33 cannot run"),
        "{}",
        off.stderr
    );
}

/// A stand-in for `sidecar-e2e run`: records its arguments, writes a report into --artifacts,
/// prints the run's id as the real one does, and exits with `$FAKE_EXIT`.
const FAKE_RUN: &str = r##"
printf '%s\n' "$@" > "$(dirname "$0")/argv"
while [ $# -gt 0 ]; do
  if [ "$1" = --artifacts ]; then mkdir -p "$2"; echo "# fake report" > "$2/summary.md"; fi
  shift
done
echo "run 261206120000-0abc: 1 cell(s) x 2 scenario(s), 1 at a time; artifacts in x" >&2
exit "${FAKE_EXIT:-0}"
"##;

#[test]
fn run_passes_each_input_that_is_set_and_only_those() {
    let runner = Runner::new();
    let fake = runner.script("sidecar-e2e", FAKE_RUN);
    let work = runner.path("work");
    std::fs::create_dir_all(&work).expect("work");
    let artifacts = runner.path("artifacts").display().to_string();
    let base = [
        ("SIDECAR_E2E", fake.to_str().expect("utf-8")),
        ("K8S", "1.33"),
        ("GATE", "on,default"),
        ("INJECTOR", "istio@1.30"),
        ("ARTIFACTS", artifacts.as_str()),
        ("WORK", work.to_str().expect("utf-8")),
    ];
    let argv = || -> Vec<String> {
        std::fs::read_to_string(runner.path("argv"))
            .expect("the stand-in ran")
            .lines()
            .map(str::to_owned)
            .collect()
    };

    let plain = runner.step("run.sh", &base);
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    assert_eq!(
        argv(),
        [
            "run",
            "--k8s",
            "1.33",
            "--gate",
            "on,default",
            "--injector",
            "istio@1.30",
            "--artifacts",
            &artifacts
        ]
    );
    assert_eq!(plain.outputs["exit-code"], "0");
    assert_eq!(plain.outputs["outcome"], "passed");
    assert_eq!(plain.outputs["run-id"], "261206120000-0abc");

    // A scenarios directory (`--scenarios`, the flag `run` takes for scenario files), names and
    // an image map each add their flag.
    let mut all = base.to_vec();
    all.extend([
        ("SCENARIOS", "/work/space/my-scenarios"),
        ("SCENARIO", "sleep,job"),
        ("IMAGE_MAP", "/maps/images.yaml"),
    ]);
    let full = runner.step("run.sh", &all);
    assert_eq!(full.code, Some(0), "{}", full.stderr);
    let args = argv();
    let pair = |flag: &str| -> Option<String> {
        let at = args.iter().position(|a| a == flag)?;
        args.get(at + 1).cloned()
    };
    assert_eq!(
        pair("--scenarios").as_deref(),
        Some("/work/space/my-scenarios")
    );
    assert_eq!(pair("--scenario").as_deref(), Some("sleep,job"));
    assert_eq!(pair("--image-map").as_deref(), Some("/maps/images.yaml"));

    // A failed check fails the step, with the exit code and its meaning as outputs.
    let mut failing = base.to_vec();
    failing.push(("FAKE_EXIT", "1"));
    let failed = runner.step("run.sh", &failing);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert_eq!(failed.outputs["exit-code"], "1");
    assert_eq!(failed.outputs["outcome"], "failed");
    let mut fault = base.to_vec();
    fault.push(("FAKE_EXIT", "5"));
    assert_eq!(
        runner.step("run.sh", &fault).outputs["outcome"],
        "harness-fault"
    );
}

#[test]
fn summary_appends_the_report_under_the_cells_heading_or_says_there_is_none() {
    let runner = Runner::new();
    let artifacts = runner.path("artifacts");
    let env = |outcome: &str, code: &str| {
        [
            ("K8S", "1.32"),
            ("GATE", "off"),
            ("INJECTOR", "builtin"),
            ("ARTIFACTS", artifacts.to_str().expect("utf-8")),
            ("OUTCOME", outcome),
            ("EXIT_CODE", code),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    };
    let none = runner.step("summary.sh", &env_refs(&env("", "")));
    assert_eq!(none.code, Some(0), "{}", none.stderr);
    assert!(
        none.summary.contains(
            "### sidecar-e2e: Kubernetes 1.32, gate `off`, injector `builtin` — did not run"
        ),
        "{}",
        none.summary
    );
    assert!(none.summary.contains("No report"), "{}", none.summary);
    assert_eq!(none.outputs["summary"], "");

    std::fs::create_dir_all(&artifacts).expect("artifacts");
    std::fs::write(artifacts.join("summary.md"), "# sidecar-e2e\n\n| a | b |\n").expect("report");
    let written = runner.step("summary.sh", &env_refs(&env("failed", "1")));
    assert_eq!(written.code, Some(0), "{}", written.stderr);
    assert!(
        written
            .summary
            .contains("— failed (exit 1)\n\n# sidecar-e2e\n\n| a | b |\n"),
        "{}",
        written.summary
    );
    assert_eq!(
        written.outputs["summary"],
        artifacts.join("summary.md").display().to_string()
    );
}

#[test]
fn cleanup_deletes_the_clusters_of_the_run_its_log_names_and_checks_none_is_left() {
    let runner = Runner::new();
    let fake = runner.script(
        "sidecar-e2e",
        r#"printf '%s\n' "$@" > "$(dirname "$0")/argv""#,
    );
    let bin = runner.path("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let work = runner.path("work");
    std::fs::create_dir_all(&work).expect("work");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let kind_lists = |clusters: &str| {
        std::fs::write(
            bin.join("kind"),
            format!("#!/usr/bin/env bash\nprintf '{clusters}'\n"),
        )
        .expect("fake kind");
        std::fs::set_permissions(bin.join("kind"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    };
    let env = [
        ("SIDECAR_E2E", fake.to_str().expect("utf-8")),
        ("WORK", work.to_str().expect("utf-8")),
        ("PATH", path.as_str()),
    ];

    kind_lists("");
    let nothing = runner.step("cleanup.sh", &env);
    assert_eq!(nothing.code, Some(0), "{}", nothing.stderr);
    assert_eq!(nothing.outputs["run-id"], "");
    assert!(!runner.path("argv").exists(), "no run, nothing deleted");

    std::fs::write(
        work.join("run.log"),
        "run 261206120000-0abc: 1 cell(s) x 2 scenario(s), 1 at a time; artifacts in x\n",
    )
    .expect("log");
    kind_lists("other-cluster\\n");
    let deleted = runner.step("cleanup.sh", &env);
    assert_eq!(deleted.code, Some(0), "{}", deleted.stderr);
    assert_eq!(deleted.outputs["run-id"], "261206120000-0abc");
    let argv = std::fs::read_to_string(runner.path("argv")).expect("cluster down ran");
    assert_eq!(argv, "cluster\ndown\n--run-id\n261206120000-0abc\n");

    kind_lists("se2e-261206120000-0abc-1-32-on\\n");
    let left = runner.step("cleanup.sh", &env);
    assert_eq!(left.code, Some(1), "a cluster left fails the step");
    assert!(left.stderr.contains("kind still lists"), "{}", left.stderr);
}

#[test]
fn install_uses_a_cached_binary_of_the_right_version_and_puts_it_on_path() {
    let runner = Runner::new();
    let dir = runner.path("harness");
    std::fs::create_dir_all(dir.join("bin")).expect("bin");
    std::fs::copy(BIN, dir.join("bin/sidecar-e2e")).expect("the cached binary");
    let env = [
        ("FROM", "source"),
        ("VERSION", env!("CARGO_PKG_VERSION")),
        ("TARGET", "x86_64-unknown-linux-gnu"),
        ("DIR", dir.to_str().expect("utf-8")),
    ];
    let step = runner.step("install-harness.sh", &env);
    assert_eq!(step.code, Some(0), "{}", step.stderr);
    assert_eq!(
        step.outputs["path"],
        dir.join("bin/sidecar-e2e").display().to_string()
    );
    assert_eq!(step.path.trim(), dir.join("bin").display().to_string());

    let mut stale = env;
    stale[1] = ("VERSION", "0.0.1");
    let refused = runner.step("install-harness.sh", &stale);
    assert_eq!(
        refused.code,
        Some(1),
        "a binary of another version is refused"
    );
    assert!(
        refused.stderr.contains("not sidecar-e2e 0.0.1"),
        "{}",
        refused.stderr
    );
}

/// Every `run:` step of action.yml is one of these scripts, started the same way; expressions
/// reach a script only through `env:`; every action used is pinned by a full commit.
#[test]
fn action_yml_steps_call_the_scripts_and_pin_every_action() {
    let text = std::fs::read_to_string(checkout().join("action.yml")).expect("action.yml");
    let action: Value = serde_saphyr::from_str(&text).expect("action.yml is YAML");
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let mut scripts = Vec::new();
    for step in steps {
        let label = step["name"].as_str().unwrap_or("?");
        if let Some(run) = step["run"].as_str() {
            let script = run
                .trim()
                .strip_prefix("\"$GITHUB_ACTION_PATH/action/")
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or_else(|| {
                    panic!("step {label}: run must be \"$GITHUB_ACTION_PATH/action/<step>.sh\", is {run:?}")
                });
            assert!(!run.contains("${{"), "step {label}: no expression in run");
            assert_eq!(step["shell"], "bash", "step {label}");
            let file = checkout().join("action").join(script);
            let mode = std::fs::metadata(&file)
                .unwrap_or_else(|err| panic!("{}: {err}", file.display()))
                .permissions()
                .mode();
            assert!(mode & 0o111 != 0, "{} is executable", file.display());
            scripts.push(script.to_owned());
        } else {
            let uses = step["uses"].as_str().expect("a step runs or uses");
            let (_, pin) = uses.split_once('@').expect("pinned");
            assert!(
                pin.len() == 40 && pin.bytes().all(|b| b.is_ascii_hexdigit()),
                "step {label}: {uses} must be pinned by a full commit SHA"
            );
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(checkout().join("action"))
        .expect("action/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sh") && name != "lib.sh")
        .collect();
    on_disk.sort();
    let mut called = scripts.clone();
    called.sort();
    called.dedup();
    assert_eq!(
        called, on_disk,
        "every step script is called, and only those"
    );
}
