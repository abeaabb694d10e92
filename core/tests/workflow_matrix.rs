//! `.github/workflows/e2e.yml` runs what the plan says: its builtin matrix is one entry per
//! same-cluster group of the valid cells of 1.28..=newest × gate on/off/default (`gate` the cell
//! run, `also` the others of its group); its Istio entries are valid cells too; each entry reaches
//! the action (`uses: ./`, `action.yml`) as its inputs, and no workflow step pins kind or pulls
//! images of its own (the action installs kind at the node-image table's release, asked of the
//! binary, and pulls the images the image table names: `action.yml`'s are checked here); every
//! job outlasts its steps' timeouts, and the `e2e` job needs every other job.
//! Pure: reads the workflow and action files and the embedded tables, runs nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;
use sidecar_e2e_core::plan::{
    Cell, Gate, ImageTable, InjectorSpec, K8sVersion, Minors, PlanRequest, RequestedMode,
    plan_cell, same_cluster_groups,
};

const WORKFLOW: &str = ".github/workflows/e2e.yml";
/// The composite action the matrix runs its cells through.
const ACTION: &str = "action.yml";
/// Every workflow, for the checks that hold for all of them.
const WORKFLOWS: [&str; 3] = [
    ".github/workflows/ci.yml",
    WORKFLOW,
    ".github/workflows/release.yml",
];
/// The job branch protection requires: it needs every other job.
const AGGREGATE: &str = "e2e";
/// The job that carries the matrix.
const JOB: &str = "cell";
/// The oldest minor the matrix covers: 1.27 has no SidecarContainers gate to test.
const OLDEST: K8sVersion = K8sVersion::new(28);

#[derive(Deserialize)]
struct Workflow {
    jobs: BTreeMap<String, Job>,
}

#[derive(Deserialize)]
struct Job {
    strategy: Option<Strategy>,
}

#[derive(Deserialize)]
struct Strategy {
    matrix: Matrix,
}

#[derive(Deserialize)]
struct Matrix {
    include: Vec<BTreeMap<String, Value>>,
}

/// One matrix entry, as the workflow spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    k8s: String,
    gate: String,
    also: Option<String>,
    injector: String,
    istio: Option<String>,
}

impl Entry {
    /// The entry as a line of the workflow's `include:` list.
    fn yaml(&self) -> String {
        let also = match &self.also {
            Some(gates) => format!(", also: \"{gates}\""),
            None => String::new(),
        };
        let istio = match &self.istio {
            Some(version) => format!(", istio: \"{version}\""),
            None => String::new(),
        };
        format!(
            "- {{ k8s: \"{}\", gate: \"{}\"{also}, injector: \"{}\"{istio} }}",
            self.k8s, self.gate, self.injector
        )
    }
}

fn read_text(file: &str) -> String {
    let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("must read {path}: {err}"))
}

fn read_workflow() -> Workflow {
    serde_saphyr::from_str(&read_text(WORKFLOW)).unwrap_or_else(|err| {
        panic!("{WORKFLOW} must have env and jobs.{JOB}.strategy.matrix.include: {err}")
    })
}

/// The entries of the matrix; every value must be a quoted string (GitHub reads an unquoted
/// `1.30` as the number 1.3).
fn entries(workflow: &Workflow) -> Vec<Entry> {
    let job = workflow
        .jobs
        .get(JOB)
        .unwrap_or_else(|| panic!("{WORKFLOW} has no job `{JOB}`"));
    job.strategy
        .as_ref()
        .unwrap_or_else(|| panic!("{WORKFLOW}: job `{JOB}` has no strategy.matrix"))
        .matrix
        .include
        .iter()
        .map(|raw| {
            for (key, value) in raw {
                assert!(
                    ["k8s", "gate", "also", "injector", "istio"].contains(&key.as_str()),
                    "{WORKFLOW}: matrix entry {raw:?} has an unknown key `{key}`"
                );
                assert!(
                    value.is_string(),
                    "{WORKFLOW}: in matrix entry {raw:?}, quote the value of `{key}` (it reads \
                     as {value}; GitHub reads an unquoted 1.30 as the number 1.3)"
                );
            }
            let field = |key: &str| -> Option<String> {
                raw.get(key).and_then(Value::as_str).map(str::to_owned)
            };
            let required = |key: &str| {
                field(key)
                    .unwrap_or_else(|| panic!("{WORKFLOW}: matrix entry {raw:?} has no `{key}`"))
            };
            Entry {
                k8s: required("k8s"),
                gate: required("gate"),
                also: field("also"),
                injector: required("injector"),
                istio: field("istio"),
            }
        })
        .collect()
}

/// What the builtin matrix must be: one entry per same-cluster group of the plan's valid cells.
fn planned_builtin_entries(table: &Minors) -> BTreeSet<Entry> {
    let request = PlanRequest {
        k8s: table
            .versions()
            .into_iter()
            .filter(|&k8s| k8s >= OLDEST)
            .collect(),
        gates: vec![Gate::On, Gate::Off, Gate::Default],
        injectors: vec![InjectorSpec::builtin()],
        modes: vec![RequestedMode::Auto],
        workers: Vec::new(),
    };
    let plan = request
        .resolve()
        .expect("the plan of the whole table resolves");
    same_cluster_groups(&plan)
        .into_iter()
        .map(|group| {
            let cell = &plan.cells[group.runs];
            let also: Vec<String> = group
                .also
                .iter()
                .map(|&i| plan.cells[i].cell.gate.to_string())
                .collect();
            Entry {
                k8s: cell.cell.k8s.to_string(),
                gate: cell.cell.gate.to_string(),
                also: (!also.is_empty()).then(|| also.join(",")),
                injector: cell.cell.injector.to_string(),
                istio: None,
            }
        })
        .collect()
}

fn lines(entries: &BTreeSet<&Entry>) -> String {
    entries
        .iter()
        .map(|entry| format!("    {}", entry.yaml()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn builtin_matrix_is_every_valid_cell_of_the_plan() {
    let table = Minors::embedded().expect("node-image table parses");
    let workflow = read_workflow();
    let all = entries(&workflow);
    let builtin: Vec<&Entry> = all.iter().filter(|e| e.injector == "builtin").collect();

    let mut seen = BTreeSet::new();
    let repeated: BTreeSet<&Entry> = builtin
        .iter()
        .copied()
        .filter(|e| !seen.insert(*e))
        .collect();
    let expected = planned_builtin_entries(table);
    let have: BTreeSet<&Entry> = builtin.iter().copied().collect();
    let missing: BTreeSet<&Entry> = expected.iter().filter(|e| !have.contains(e)).collect();
    let extra: BTreeSet<&Entry> = have
        .iter()
        .copied()
        .filter(|e| !expected.contains(e))
        .collect();

    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "add these entries to jobs.{JOB}.strategy.matrix.include (one per same-cluster \
             group of the plan's valid cells):\n{}",
            lines(&missing)
        ));
    }
    if !extra.is_empty() {
        problems.push(format!(
            "remove (or correct) these entries: the plan has no such valid cell, or its \
             same-cluster group is another:\n{}",
            lines(&extra)
        ));
    }
    if !repeated.is_empty() {
        problems.push(format!(
            "these entries appear more than once:\n{}",
            lines(&repeated)
        ));
    }
    assert!(
        problems.is_empty(),
        "{WORKFLOW} does not match the same-cluster groups of `sidecar-e2e plan --k8s 1.{}..=newest --gate on,off,default`:\n\n{}\n",
        OLDEST.minor,
        problems.join("\n\n")
    );
}

#[test]
fn istio_entries_are_valid_cells_with_their_own_istioctl() {
    let table = Minors::embedded().expect("node-image table parses");
    let workflow = read_workflow();
    let istio: Vec<Entry> = entries(&workflow)
        .into_iter()
        .filter(|e| e.injector != "builtin")
        .collect();
    let minors: BTreeSet<u32> = istio
        .iter()
        .map(|entry| {
            let injector: InjectorSpec = entry
                .injector
                .parse()
                .unwrap_or_else(|err| panic!("{WORKFLOW}: {}: {err}", entry.yaml()));
            let minor = injector
                .version
                .map(|v| v.minor)
                .unwrap_or_else(|| unreachable!("builtin entries were filtered out"));
            let cell = Cell {
                k8s: entry.k8s.parse().expect("a Kubernetes minor such as 1.33"),
                gate: entry.gate.parse().expect("on, off or default"),
                injector,
                requested_mode: RequestedMode::Auto,
                worker: None,
            };
            let planned =
                plan_cell(cell).unwrap_or_else(|err| panic!("{WORKFLOW}: {}: {err}", entry.yaml()));
            assert!(
                planned.valid,
                "{WORKFLOW}: {} is not a valid cell ({}): remove it or pick a version and gate \
                 the plan accepts",
                entry.yaml(),
                planned.reason.unwrap_or_default()
            );
            assert!(
                table.get(cell.k8s).is_some(),
                "{WORKFLOW}: {}: {} is not in kind-configs/node-images.yaml",
                entry.yaml(),
                entry.k8s
            );
            let istioctl = entry.istio.as_deref().unwrap_or_else(|| {
                panic!(
                    "{WORKFLOW}: {} needs `istio: \"1.{minor}.<patch>\"`",
                    entry.yaml()
                )
            });
            assert!(
                istioctl.starts_with(&format!("1.{minor}.")),
                "{WORKFLOW}: {}: istioctl {istioctl} does not install Istio 1.{minor}",
                entry.yaml()
            );
            minor
        })
        .collect();
    assert!(
        minors.len() >= 2,
        "{WORKFLOW} must run at least two Istio versions, has {minors:?}"
    );
}

#[test]
fn builtin_entries_install_no_istioctl() {
    let workflow = read_workflow();
    for entry in entries(&workflow) {
        if entry.injector == "builtin" {
            assert_eq!(
                entry.istio,
                None,
                "{WORKFLOW}: {} has an istio version",
                entry.yaml()
            );
        }
    }
}

/// The action's images step, as YAML.
fn action_images_step() -> Value {
    let action: Value = serde_saphyr::from_str(&read_text(ACTION))
        .unwrap_or_else(|err| panic!("{ACTION} must parse: {err}"));
    action["runs"]["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == "images"))
        .cloned()
        .unwrap_or_else(|| panic!("{ACTION} has no step with id `images`"))
}

#[test]
fn the_action_pulls_the_image_tables_workload_images() {
    let table = Minors::embedded().expect("node-image table parses");
    let upstream = ImageTable::upstream_for(table).workloads;
    let env = &action_images_step()["env"];
    let pulled: Vec<&str> = env["WORKLOAD_IMAGES"]
        .as_str()
        .unwrap_or_else(|| panic!("{ACTION}: the images step has no env.WORKLOAD_IMAGES"))
        .split_whitespace()
        .collect();
    let want = [
        upstream.envoy.as_str(),
        upstream.curl.as_str(),
        upstream.httpbin.as_str(),
    ];
    assert_eq!(
        pulled,
        want,
        "{ACTION}: set the images step's env.WORKLOAD_IMAGES to \"{}\" (core/src/plan/images.rs)",
        want.join(" ")
    );
    assert_eq!(
        env["INJECTOR_IMAGE"].as_str(),
        Some(upstream.injector.as_str()),
        "{ACTION}: the images step's env.INJECTOR_IMAGE must be the image the harness loads"
    );
}

/// Each matrix entry reaches the action as its inputs: the minor, the gate with the others of
/// its same-cluster group, the injector and the istioctl release.
#[test]
fn the_cell_job_runs_each_entry_through_the_action() {
    let workflow: Value =
        serde_saphyr::from_str(&read_text(WORKFLOW)).expect("the workflow parses");
    let action: Value = serde_saphyr::from_str(&read_text(ACTION)).expect("the action parses");
    let steps = workflow["jobs"][JOB]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{WORKFLOW}: job `{JOB}` has no steps"));
    let calls: Vec<&Value> = steps.iter().filter(|s| s["uses"] == "./").collect();
    assert_eq!(
        calls.len(),
        1,
        "{WORKFLOW}: job `{JOB}` runs its cell with one `uses: ./` step (the action)"
    );
    let with = calls[0]["with"]
        .as_object()
        .unwrap_or_else(|| panic!("{WORKFLOW}: the `uses: ./` step has no `with`"));
    let expected = [
        ("k8s", "${{ matrix.k8s }}"),
        (
            "gate",
            "${{ matrix.also && format('{0},{1}', matrix.gate, matrix.also) || matrix.gate }}",
        ),
        ("injector", "${{ matrix.injector }}"),
        ("istioctl", "${{ matrix.istio }}"),
    ];
    for (input, value) in expected {
        assert_eq!(
            with.get(input).and_then(Value::as_str),
            Some(value),
            "{WORKFLOW}: the action's `{input}` must be {value}"
        );
    }
    let inputs = action["inputs"]
        .as_object()
        .unwrap_or_else(|| panic!("{ACTION} declares no inputs"));
    for key in with.keys() {
        assert!(
            inputs.contains_key(key),
            "{WORKFLOW}: `with.{key}` is not an input of {ACTION}"
        );
    }
    // A second copy of what the action decides would drift from it.
    let text = read_text(WORKFLOW);
    for copy in [
        "sigs.k8s.io/kind@",
        "KIND_VERSION",
        "docker pull",
        "WORKLOAD_IMAGES",
    ] {
        assert!(
            !text.contains(copy),
            "{WORKFLOW} names `{copy}`: the action installs kind at the table's release and pulls \
             the image table's images; leave that to it"
        );
    }
}

/// A job killed by its own timeout writes no summary and uploads no artifacts: every step has a
/// timeout, and the job's exceeds their sum.
#[test]
fn every_job_outlasts_its_steps_timeouts() {
    let mut problems = Vec::new();
    for file in WORKFLOWS {
        let workflow: Value = serde_saphyr::from_str(&read_text(file))
            .unwrap_or_else(|err| panic!("{file} must parse: {err}"));
        let jobs = workflow["jobs"]
            .as_object()
            .unwrap_or_else(|| panic!("{file} has no jobs"));
        for (name, job) in jobs {
            let Some(job_timeout) = job["timeout-minutes"].as_u64() else {
                problems.push(format!("{file}: job `{name}` has no timeout-minutes"));
                continue;
            };
            let mut sum = 0;
            for (i, step) in job["steps"].as_array().into_iter().flatten().enumerate() {
                match step["timeout-minutes"].as_u64() {
                    Some(minutes) => sum += minutes,
                    None => problems.push(format!(
                        "{file}: job `{name}` step {} ({}) has no timeout-minutes",
                        i + 1,
                        step.get("name")
                            .or_else(|| step.get("uses"))
                            .or_else(|| step.get("run"))
                            .unwrap_or(&Value::Null)
                    )),
                }
            }
            if job_timeout <= sum {
                problems.push(format!(
                    "{file}: job `{name}` has timeout-minutes {job_timeout}, not above its steps' \
                     sum {sum}: raise it to at least {}",
                    sum + 5
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Branch protection requires one check: the `e2e` job, which needs every other job of the
/// workflow and runs even when they fail.
#[test]
fn the_aggregate_job_needs_every_cell_job() {
    let workflow: Value =
        serde_saphyr::from_str(&read_text(WORKFLOW)).expect("the workflow parses");
    let jobs = workflow["jobs"].as_object().expect("jobs");
    let aggregate = jobs
        .get(AGGREGATE)
        .unwrap_or_else(|| panic!("{WORKFLOW} has no job `{AGGREGATE}`"));
    let needs: BTreeSet<&str> = match &aggregate["needs"] {
        Value::String(one) => BTreeSet::from([one.as_str()]),
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    };
    let others: BTreeSet<&str> = jobs
        .keys()
        .map(String::as_str)
        .filter(|name| *name != AGGREGATE)
        .collect();
    assert_eq!(
        needs, others,
        "{WORKFLOW}: jobs.{AGGREGATE}.needs must list every other job"
    );
    assert_eq!(
        aggregate["if"].as_str(),
        Some("always()"),
        "{WORKFLOW}: jobs.{AGGREGATE} must run when a cell job fails, to report it"
    );
}
