//! The matrix flags `plan`, `run` and `cluster up` share, and the image map they read.

use std::path::Path;

use super::errors::ExpectedError;
use crate::plan::{
    Gate, ImageMap, ImageTable, InjectorSpec, K8sVersion, NodeImages, PlanError, PlanRequest,
    RequestedMode,
};

#[derive(Debug, Clone, clap::Args)]
pub(super) struct MatrixOpts {
    /// Kubernetes versions, comma-separated (`plan`: default every version with a kind node image;
    /// `run` and `cluster up` need them named).
    #[arg(long, value_delimiter = ',', value_name = "1.X,...")]
    pub(super) k8s: Vec<K8sVersion>,
    /// SidecarContainers settings: on, off, default (the version's own).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "default",
        value_name = "on|off|default,..."
    )]
    pub(super) gate: Vec<Gate>,
    /// Injectors: builtin (this repository's) or istio@<version> (1.19 to 1.28, the versions whose
    /// native-sidecar behaviour is known).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "builtin",
        value_name = "builtin|istio@1.X,..."
    )]
    pub(super) injector: Vec<InjectorSpec>,
    /// Modes asked of the injector: auto, native, legacy.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "auto",
        value_name = "auto|native|legacy,..."
    )]
    pub(super) mode: Vec<RequestedMode>,
}

impl MatrixOpts {
    pub(super) fn to_request(&self) -> PlanRequest {
        PlanRequest {
            k8s: self.k8s.clone(),
            gates: self.gate.clone(),
            injectors: self.injector.clone(),
            modes: self.mode.clone(),
        }
    }
}

/// The image table: upstream defaults, overridden by the image map at `path` if given.
pub(super) fn image_table(path: Option<&Path>) -> Result<ImageTable, ExpectedError> {
    let rows = NodeImages::embedded().map_err(|e| ExpectedError::Plan(PlanError::Table(e)))?;
    let table = ImageTable::upstream_for(&rows);
    let Some(path) = path else {
        return Ok(table);
    };
    let text = std::fs::read_to_string(path).map_err(|source| ExpectedError::ReadFile {
        path: path.display().to_string(),
        source,
    })?;
    let map = ImageMap::from_yaml(&text).map_err(|source| ExpectedError::ImageMap {
        path: path.display().to_string(),
        source,
    })?;
    Ok(table.overridden_by(map))
}
