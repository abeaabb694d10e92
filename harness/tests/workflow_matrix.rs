//! `.github/workflows/e2e.yml` runs what the plan says: its builtin matrix is every valid cell of
//! 1.28..=newest × gate on/off/default, each with the kind release the node-image table pairs
//! with its minor; its Istio entries are valid cells too; the images it pulls are the image
//! table's. Pure: reads the workflow file and the embedded tables, runs nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;
use sidecar_e2e::plan::{
    Cell, Gate, ImageTable, InjectorSpec, K8sVersion, NodeImages, PlanRequest, RequestedMode,
    plan_cell,
};

const WORKFLOW: &str = ".github/workflows/e2e.yml";
/// The job that carries the matrix.
const JOB: &str = "cell";
/// The oldest minor the matrix covers: 1.27 has no SidecarContainers gate to test.
const OLDEST: K8sVersion = K8sVersion::new(28);

#[derive(Deserialize)]
struct Workflow {
    env: BTreeMap<String, String>,
    jobs: BTreeMap<String, Job>,
}

#[derive(Deserialize)]
struct Job {
    strategy: Strategy,
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
    injector: String,
    kind: String,
    istio: Option<String>,
}

impl Entry {
    /// The entry as a line of the workflow's `include:` list.
    fn yaml(&self) -> String {
        let istio = match &self.istio {
            Some(version) => format!(", istio: \"{version}\""),
            None => String::new(),
        };
        format!(
            "- {{ k8s: \"{}\", gate: \"{}\", injector: \"{}\", kind: \"{}\"{istio} }}",
            self.k8s, self.gate, self.injector, self.kind
        )
    }
}

fn read_workflow() -> Workflow {
    let path = format!("{}/../{WORKFLOW}", env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("must read {path}: {err}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|err| {
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
        .matrix
        .include
        .iter()
        .map(|raw| {
            for (key, value) in raw {
                assert!(
                    ["k8s", "gate", "injector", "kind", "istio"].contains(&key.as_str()),
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
                injector: required("injector"),
                kind: required("kind"),
                istio: field("istio"),
            }
        })
        .collect()
}

/// The kind release the node-image table runs `k8s` with.
fn kind_for(table: &NodeImages, k8s: K8sVersion) -> String {
    assert!(
        table.get(k8s).is_some(),
        "1.{} is not in kind-configs/node-images.yaml",
        k8s.minor
    );
    table.kind_release().to_owned()
}

/// What the builtin matrix must be: the plan's valid cells, with the table's kind release.
fn planned_builtin_entries(table: &NodeImages) -> BTreeSet<Entry> {
    let request = PlanRequest {
        k8s: table
            .versions()
            .into_iter()
            .filter(|&k8s| k8s >= OLDEST)
            .collect(),
        gates: vec![Gate::On, Gate::Off, Gate::Default],
        injectors: vec![InjectorSpec::Builtin],
        modes: vec![RequestedMode::Auto],
    };
    let plan = request
        .resolve()
        .expect("the plan of the whole table resolves");
    plan.cells
        .iter()
        .filter(|cell| cell.valid)
        .map(|cell| Entry {
            k8s: cell.k8s.to_string(),
            gate: cell.gate.to_string(),
            injector: cell.injector.to_string(),
            kind: kind_for(table, cell.k8s),
            istio: None,
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
    let table = NodeImages::embedded().expect("node-image table parses");
    let workflow = read_workflow();
    let all = entries(&workflow);
    let builtin: Vec<&Entry> = all.iter().filter(|e| e.injector == "builtin").collect();

    let mut seen = BTreeSet::new();
    let repeated: BTreeSet<&Entry> = builtin
        .iter()
        .copied()
        .filter(|e| !seen.insert(*e))
        .collect();
    let expected = planned_builtin_entries(&table);
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
            "add these entries to jobs.{JOB}.strategy.matrix.include (valid cells of the plan, \
             kind release from kind-configs/node-images.yaml):\n{}",
            lines(&missing)
        ));
    }
    if !extra.is_empty() {
        problems.push(format!(
            "remove (or correct) these entries: the plan has no such valid cell, or the table \
             pairs another kind release with that minor:\n{}",
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
        "{WORKFLOW} does not match `sidecar-e2e plan --k8s 1.{}..=newest --gate on,off,default`:\n\n{}\n",
        OLDEST.minor,
        problems.join("\n\n")
    );
}

#[test]
fn istio_entries_are_valid_cells_with_their_own_istioctl() {
    let table = NodeImages::embedded().expect("node-image table parses");
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
            let InjectorSpec::Istio { minor } = injector else {
                unreachable!("builtin entries were filtered out")
            };
            let cell = Cell {
                k8s: entry.k8s.parse().expect("a Kubernetes minor such as 1.33"),
                gate: entry.gate.parse().expect("on, off or default"),
                injector,
                requested_mode: RequestedMode::Auto,
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
            assert_eq!(
                entry.kind,
                kind_for(&table, cell.k8s),
                "{WORKFLOW}: {}: kind must be the release kind-configs/node-images.yaml pairs \
                 with {}",
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

#[test]
fn workflow_pulls_the_image_tables_workload_images() {
    let table = NodeImages::embedded().expect("node-image table parses");
    let upstream = ImageTable::upstream_for(&table).workloads;
    let workflow = read_workflow();
    let pulled: Vec<&str> = workflow
        .env
        .get("WORKLOAD_IMAGES")
        .unwrap_or_else(|| panic!("{WORKFLOW} has no env.WORKLOAD_IMAGES"))
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
        "{WORKFLOW}: set env.WORKLOAD_IMAGES to \"{}\" (harness/src/plan/images.rs)",
        want.join(" ")
    );
    assert_eq!(
        workflow.env.get("INJECTOR_IMAGE").map(String::as_str),
        Some(upstream.injector.as_str()),
        "{WORKFLOW}: env.INJECTOR_IMAGE must be the image the harness loads"
    );
}
