//! The composite action (`action.yml`) run here step by step, as a GitHub runner runs it.
//!
//! Each `run:` step is started with what a runner gives a step: `bash -e` on the step's command in
//! the workspace, its `env:` with every `${{ }}` evaluated, `GITHUB_ACTION_PATH` (this checkout),
//! `GITHUB_WORKSPACE`, `RUNNER_TEMP`, and fresh `GITHUB_OUTPUT`, `GITHUB_PATH`, `GITHUB_ENV` and
//! `GITHUB_STEP_SUMMARY` files, read back after it: outputs for later `steps.<id>.outputs`, paths
//! put first on `PATH`, the summary appended to the job's. Nothing of this process's own
//! `GITHUB_*`, `RUNNER_*` or `SIDECAR_E2E_*` environment leaks into a step (a runner has none of
//! it). A step's `if:` is evaluated as GitHub does for the forms `action.yml` uses (`always()`,
//! `steps.<id>.outcome`, `==` and `!=` against a quoted string, joined by `&&`); a form this
//! evaluator does not know fails the test rather than being guessed. A `uses:` step is handed to
//! the caller, who says what that action would have done here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// One `uses:` step, as the caller sees it.
#[derive(Debug, Clone)]
pub struct UsesStep {
    /// The step's id, if it has one.
    pub id: Option<String>,
    /// The action without its pin (`actions/cache/restore`).
    pub action: String,
    /// Its `with:` inputs, evaluated.
    pub with: BTreeMap<String, String>,
}

/// What happened to one step.
#[derive(Debug, Clone)]
pub struct StepRun {
    /// Its id, or its name when it has none.
    pub label: String,
    /// Whether its `if:` let it run.
    pub ran: bool,
    /// Whether it succeeded (a step that did not run counts as succeeded, as on GitHub).
    pub succeeded: bool,
    /// Its outputs.
    pub outputs: BTreeMap<String, String>,
    /// What it printed (stdout, then stderr), for failure messages.
    pub log: String,
    /// How long it took.
    pub elapsed: std::time::Duration,
}

/// The action's run as a whole.
#[derive(Debug)]
pub struct ActionRun {
    /// Every step, in order.
    pub steps: Vec<StepRun>,
    /// The action's `outputs:`, evaluated after the last step.
    pub outputs: BTreeMap<String, String>,
    /// Everything the steps appended to `GITHUB_STEP_SUMMARY`.
    pub summary: String,
    /// The directories the steps put on `PATH`, latest first.
    pub path: Vec<PathBuf>,
}

impl ActionRun {
    /// The step with this id (or name).
    ///
    /// # Panics
    /// When there is none.
    pub fn step(&self, label: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.label == label)
            .unwrap_or_else(|| panic!("the action must have a step {label}: {:#?}", self.labels()))
    }

    fn labels(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.label.as_str()).collect()
    }

    /// Every step's label, whether it ran, and its log: what a failure message shows.
    pub fn transcript(&self) -> String {
        self.steps
            .iter()
            .map(|s| {
                format!(
                    "── {} ({}, {:.1}s)\n{}",
                    s.label,
                    match (s.ran, s.succeeded) {
                        (false, _) => "skipped",
                        (true, true) => "ok",
                        (true, false) => "FAILED",
                    },
                    s.elapsed.as_secs_f64(),
                    s.log
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A job that runs the action once: a workspace and a runner's temp directory of its own.
pub struct Job {
    action_path: PathBuf,
    action: Value,
    /// The job's workspace (the working directory of every step).
    pub workspace: tempfile::TempDir,
    /// `RUNNER_TEMP`.
    pub runner_temp: tempfile::TempDir,
}

impl Job {
    /// A job using the action of the checkout at `action_path`.
    ///
    /// # Panics
    /// When its `action.yml` is missing or is not YAML.
    pub fn new(action_path: &Path) -> Self {
        let file = action_path.join("action.yml");
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|err| panic!("{} must be readable: {err}", file.display()));
        let action: Value = serde_saphyr::from_str(&text)
            .unwrap_or_else(|err| panic!("{} must be YAML: {err}", file.display()));
        Self {
            action_path: action_path.to_path_buf(),
            action,
            workspace: tempfile::tempdir().expect("a workspace"),
            runner_temp: tempfile::tempdir().expect("a runner temp directory"),
        }
    }

    /// Runs every step with these inputs (the others take their defaults); `uses` answers for
    /// each `uses:` step that runs, with that action's outputs.
    ///
    /// # Panics
    /// On an input the action does not declare, a required input missing, a `${{ }}` or `if:`
    /// this evaluator does not know, or a step that cannot be started.
    pub fn run(
        &self,
        inputs: &BTreeMap<&str, String>,
        mut uses: impl FnMut(&UsesStep) -> BTreeMap<String, String>,
    ) -> ActionRun {
        let declared = self.action["inputs"]
            .as_object()
            .expect("action.yml declares inputs");
        for name in inputs.keys() {
            assert!(
                declared.contains_key(*name),
                "action.yml has no input `{name}`"
            );
        }
        let mut context = Context {
            inputs: declared
                .iter()
                .map(|(name, spec)| {
                    let given = inputs.get(name.as_str()).cloned();
                    let default = spec["default"].as_str().map(str::to_owned);
                    if given.is_none() && spec["required"].as_bool() == Some(true) {
                        panic!("input `{name}` is required");
                    }
                    (name.clone(), given.or(default).unwrap_or_default())
                })
                .collect(),
            steps: BTreeMap::new(),
            runner_temp: self.runner_temp.path().to_path_buf(),
            failed: false,
        };
        let mut run = ActionRun {
            steps: Vec::new(),
            outputs: BTreeMap::new(),
            summary: String::new(),
            path: Vec::new(),
        };
        let mut job_env: BTreeMap<String, String> = BTreeMap::new();
        let steps = self.action["runs"]["steps"]
            .as_array()
            .expect("action.yml has runs.steps");
        for (index, step) in steps.iter().enumerate() {
            let id = step["id"].as_str().map(str::to_owned);
            let label = id
                .clone()
                .or_else(|| step["name"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("step {}", index + 1));
            let started = std::time::Instant::now();
            let condition = step["if"].as_str().unwrap_or("");
            if !context.condition(condition) {
                run.steps.push(StepRun {
                    label,
                    ran: false,
                    succeeded: true,
                    outputs: BTreeMap::new(),
                    log: format!("(skipped: if: {condition})"),
                    elapsed: started.elapsed(),
                });
                if let Some(id) = id {
                    context.steps.insert(id, ("skipped", BTreeMap::new()));
                }
                continue;
            }
            let (succeeded, outputs, log) = if let Some(action) = step["uses"].as_str() {
                let with = step["with"]
                    .as_object()
                    .map(|with| {
                        with.iter()
                            .map(|(k, v)| (k.clone(), context.expand(&scalar(v))))
                            .collect()
                    })
                    .unwrap_or_default();
                let call = UsesStep {
                    id: id.clone(),
                    action: action.split('@').next().unwrap_or(action).to_owned(),
                    with,
                };
                let outputs = uses(&call);
                (true, outputs, format!("(uses {action}: {:?})", call.with))
            } else {
                let script = step["run"]
                    .as_str()
                    .unwrap_or_else(|| panic!("step {label} has neither run nor uses"));
                self.run_script(&label, script, step, &context, &mut run, &mut job_env)
            };
            if !succeeded {
                context.failed = true;
            }
            if let Some(id) = &id {
                let outcome = if succeeded { "success" } else { "failure" };
                context.steps.insert(id.clone(), (outcome, outputs.clone()));
            }
            run.steps.push(StepRun {
                label,
                ran: true,
                succeeded,
                outputs,
                log,
                elapsed: started.elapsed(),
            });
        }
        if let Some(outputs) = self.action["outputs"].as_object() {
            for (name, spec) in outputs {
                let value = spec["value"].as_str().unwrap_or("");
                run.outputs.insert(name.clone(), context.expand(value));
            }
        }
        run
    }

    /// One `run:` step: (succeeded, outputs, log).
    fn run_script(
        &self,
        label: &str,
        script: &str,
        step: &Value,
        context: &Context,
        run: &mut ActionRun,
        job_env: &mut BTreeMap<String, String>,
    ) -> (bool, BTreeMap<String, String>, String) {
        assert_eq!(
            step["shell"].as_str(),
            Some("bash"),
            "step {label}: a composite action's run step names its shell (bash)"
        );
        let files = tempfile::tempdir().expect("a directory for the step's files");
        let file = |name: &str| {
            let path = files.path().join(name);
            std::fs::write(&path, "").expect("an empty runner file");
            path
        };
        let (output, path_file, env_file, summary) = (
            file("output"),
            file("path"),
            file("env"),
            file("step_summary"),
        );
        let mut command = Command::new("bash");
        // What a runner runs for `shell: bash`.
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.workspace.path());
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if name.starts_with("GITHUB_")
                || name.starts_with("RUNNER_")
                || name.starts_with("SIDECAR_E2E_")
                || name.starts_with("INPUT_")
            {
                command.env_remove(&key);
            }
        }
        let mut path: Vec<String> = run.path.iter().map(|p| p.display().to_string()).collect();
        path.push(std::env::var("PATH").unwrap_or_default());
        command
            .envs(job_env.iter())
            .env("PATH", path.join(":"))
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", &self.action_path)
            .env("GITHUB_WORKSPACE", self.workspace.path())
            .env("RUNNER_TEMP", self.runner_temp.path())
            .env("RUNNER_OS", "Linux")
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_ENV", &env_file)
            .env("GITHUB_STEP_SUMMARY", &summary);
        if let Some(env) = step["env"].as_object() {
            for (name, value) in env {
                command.env(name, context.expand(&scalar(value)));
            }
        }
        let result = command
            .output()
            .unwrap_or_else(|err| panic!("step {label}: bash must start: {err}"));
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
        for line in read(&path_file).lines().filter(|l| !l.trim().is_empty()) {
            run.path.insert(0, PathBuf::from(line.trim()));
        }
        job_env.extend(key_values(&read(&env_file)));
        run.summary.push_str(&read(&summary));
        (result.status.success(), key_values(&read(&output)), log)
    }
}

/// What `${{ }}` and `if:` see.
struct Context {
    inputs: BTreeMap<String, String>,
    /// id -> (outcome, outputs).
    steps: BTreeMap<String, (&'static str, BTreeMap<String, String>)>,
    runner_temp: PathBuf,
    /// Whether a step has failed (then `success()` is false).
    failed: bool,
}

impl Context {
    /// The value of a context reference such as `steps.plan.outputs.kind-release`.
    fn value(&self, expr: &str) -> String {
        let parts: Vec<&str> = expr.trim().splitn(4, '.').collect();
        match parts.as_slice() {
            ["inputs", name] => self
                .inputs
                .get(*name)
                .unwrap_or_else(|| panic!("`{expr}`: no such input"))
                .clone(),
            ["steps", id, "outputs", name] => self
                .steps
                .get(*id)
                .and_then(|(_, outputs)| outputs.get(*name))
                .cloned()
                .unwrap_or_default(),
            ["steps", id, "outcome"] => self
                .steps
                .get(*id)
                .map(|(outcome, _)| (*outcome).to_owned())
                .unwrap_or_default(),
            // A local action (`uses: ./`) has neither, as on GitHub.
            ["github", "action_ref"] | ["github", "action_repository"] => String::new(),
            ["runner", "temp"] => self.runner_temp.display().to_string(),
            _ => panic!("`${{{{ {expr} }}}}`: this runner does not evaluate it"),
        }
    }

    /// `text` with every `${{ expr }}` replaced by its value.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find("}}")
                .unwrap_or_else(|| panic!("unclosed `${{{{` in {text:?}"))
                + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// Whether a step with this `if:` runs.
    fn condition(&self, condition: &str) -> bool {
        let condition = condition.trim();
        let condition = condition
            .strip_prefix("${{")
            .and_then(|c| c.strip_suffix("}}"))
            .unwrap_or(condition);
        assert!(
            !condition.contains("||"),
            "if: {condition}: only `&&` of simple terms is evaluated here"
        );
        let mut status = None;
        let mut all = true;
        for term in condition
            .split("&&")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match term {
                "always()" => status = Some(true),
                "success()" => status = Some(!self.failed),
                "failure()" => status = Some(self.failed),
                "cancelled()" => status = Some(false),
                "!cancelled()" => status = Some(true),
                _ => {
                    let (left, right, equal) = if let Some((l, r)) = term.split_once("!=") {
                        (l, r, false)
                    } else if let Some((l, r)) = term.split_once("==") {
                        (l, r, true)
                    } else {
                        panic!("if: {condition}: `{term}` is not a comparison this runner knows")
                    };
                    let literal = right.trim();
                    let literal = literal
                        .strip_prefix('\'')
                        .and_then(|l| l.strip_suffix('\''))
                        .unwrap_or_else(|| {
                            panic!("if: {condition}: compare with a quoted string, not {literal}")
                        });
                    all &= (self.value(left) == literal) == equal;
                }
            }
        }
        // Without a status function GitHub adds `success()`.
        status.unwrap_or(!self.failed) && all
    }
}

/// A YAML scalar as the string GitHub passes.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `NAME=VALUE` lines and `NAME<<DELIMITER` blocks, as GITHUB_OUTPUT and GITHUB_ENV hold them.
fn key_values(text: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let block: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            values.insert(name.to_owned(), block.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            values.insert(name.to_owned(), value.to_owned());
        }
    }
    values
}
