//! The matrix flags `plan`, `run` and `cluster up` share, and the image map they read.

use std::path::Path;
use std::str::FromStr;

use super::errors::ExpectedError;
use super::input::{InputKind, InputLimits, read_text};
use super::profiles::{InjectorArg, resolve_injectors};
use sidecar_e2e_core::plan::{
    Gate, ImageMap, ImageTable, K8sVersion, Minors, PlanError, PlanRequest, RequestedMode,
};

#[derive(Debug, Clone, clap::Args)]
pub(super) struct MatrixOpts {
    /// Kubernetes versions, comma-separated, or `all` for every version with a kind node image
    /// (`plan`: all by default; `run` and `cluster up` need them named).
    #[arg(long, value_delimiter = ',', value_name = "1.X,...|all")]
    pub(super) k8s: Vec<K8sChoice>,
    /// SidecarContainers settings: on, off, default (the version's own).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "default",
        value_name = "on|off|default,..."
    )]
    pub(super) gate: Vec<Gate>,
    /// Injectors, each a profile (docs/injector-profiles.md): builtin (this repository's),
    /// istio (the Istio built offline, 1.31) or istio@<version> (1.19 to 1.31, the versions
    /// whose native-sidecar behaviour is known), otel (the OpenTelemetry Operator's collector
    /// sidecar, 0.153), or the path of your own profile (path/to/profile.yaml).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "builtin",
        value_name = "builtin|istio[@1.X]|otel|FILE,..."
    )]
    pub(super) injector: Vec<InjectorArg>,
    /// Modes asked of the injector: auto, native, legacy.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "auto",
        value_name = "auto|native|legacy,..."
    )]
    pub(super) mode: Vec<RequestedMode>,
    /// Worker nodes, comma-separated: `none` for a cluster of one node (the default), or a
    /// minor for a worker of that minor beside the control plane (`--k8s`), at most three minors
    /// older. The workload then runs on the worker's kubelet; an injector that decides by the
    /// kubelets' versions (Istio's auto) sees the oldest.
    #[arg(long, value_delimiter = ',', value_name = "none|1.X,...")]
    pub(super) worker: Vec<WorkerChoice>,
}

/// One `--worker` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WorkerChoice(Option<K8sVersion>);

impl std::str::FromStr for WorkerChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "none" => Ok(WorkerChoice(None)),
            other => other
                .parse::<K8sVersion>()
                .map(|k8s| WorkerChoice(Some(k8s)))
                .map_err(|err| format!("{err} (or `none` for no worker)")),
        }
    }
}

impl MatrixOpts {
    /// The request these flags make; profile files are read (within `limits`) and loaded.
    pub(super) fn to_request(&self, limits: InputLimits) -> Result<PlanRequest, ExpectedError> {
        Ok(PlanRequest {
            k8s: expand_k8s(&self.k8s)?,
            gates: self.gate.clone(),
            injectors: resolve_injectors(&self.injector, limits)?,
            modes: self.mode.clone(),
            workers: self.worker.iter().map(|w| w.0).collect(),
        })
    }
}

/// One `--k8s` value: a minor, or `all` (every minor of the node-image table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum K8sChoice {
    All,
    Minor(K8sVersion),
}

impl FromStr for K8sChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim() == "all" {
            return Ok(K8sChoice::All);
        }
        s.parse()
            .map(K8sChoice::Minor)
            .map_err(|e| format!("{e}, or `all`"))
    }
}

/// The minors `--k8s` names, `all` expanded from the node-image table; in the order given,
/// each once.
pub(super) fn expand_k8s(choices: &[K8sChoice]) -> Result<Vec<K8sVersion>, ExpectedError> {
    let mut minors = Vec::new();
    for choice in choices {
        let more = match choice {
            K8sChoice::Minor(k8s) => vec![*k8s],
            K8sChoice::All => Minors::embedded()
                .map_err(|e| ExpectedError::Plan(PlanError::Table(e)))?
                .rows()
                .iter()
                .map(|row| row.k8s)
                .collect(),
        };
        for k8s in more {
            if !minors.contains(&k8s) {
                minors.push(k8s);
            }
        }
    }
    Ok(minors)
}

/// The image table: upstream defaults, overridden by the image map at `path` if given.
pub(super) fn image_table(
    path: Option<&Path>,
    limits: InputLimits,
) -> Result<ImageTable, ExpectedError> {
    let rows = Minors::embedded().map_err(|e| ExpectedError::Plan(PlanError::Table(e)))?;
    let table = ImageTable::upstream_for(rows);
    let Some(path) = path else {
        return Ok(table);
    };
    let text = read_text(path, InputKind::ImageMap, limits).map_err(ExpectedError::Input)?;
    let map = ImageMap::from_yaml(&text).map_err(|source| ExpectedError::ImageMap {
        path: path.display().to_string(),
        source,
    })?;
    Ok(table.overridden_by(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minors(text: &str) -> Vec<String> {
        let choices: Vec<K8sChoice> = text
            .split(',')
            .map(|c| c.parse().expect("valid choice"))
            .collect();
        expand_k8s(&choices)
            .expect("table embedded")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn all_is_every_minor_of_the_node_image_table_once() {
        let table: Vec<String> = Minors::embedded()
            .expect("embedded")
            .rows()
            .iter()
            .map(|r| r.k8s.to_string())
            .collect();
        assert_eq!(minors("all"), table);
        assert_eq!(minors("1.32,all,1.32"), {
            let mut want = vec!["1.32".to_owned()];
            want.extend(table.into_iter().filter(|m| m != "1.32"));
            want
        });
    }

    #[test]
    fn a_bad_value_names_all_as_the_alternative() {
        let err = "banana".parse::<K8sChoice>().expect_err("not a version");
        assert!(err.contains("banana") && err.contains("`all`"), "{err}");
    }
}
