//! Building a plan in two phases: check the request with no I/O, then resolve every cell
//! (validity, effective mode, node image); each scenario's expectations come from `crate::scenario`.

use serde::Serialize;

use super::cell::{Cell, EffectiveMode, Resolution};
use super::cluster_spec::{ClusterSpec, WorkerNode, spec_of};
use super::injector::{InjectorSpec, RequestedMode};
use super::k8s::{Gate, K8sVersion};
use super::minors::{Minors, TableError};

/// A request that cannot become a plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A list flag was empty.
    #[error("no {0} given")]
    Empty(&'static str),
    /// A Kubernetes version with no kind node image.
    #[error("unknown Kubernetes version {k8s}: known versions are {known}")]
    UnknownVersion {
        /// What was asked for.
        k8s: K8sVersion,
        /// What exists.
        known: String,
    },
    /// An injector version whose behaviour its profile does not know (Istio: §6.1).
    #[error("unknown {injector} version {version}: the {injector} profile knows {known}")]
    UnknownInjectorVersion {
        /// The injector's name.
        injector: String,
        /// The version asked for.
        version: String,
        /// What the profile knows.
        known: String,
    },
    /// The embedded node-image table is broken.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// What to plan: the matrix's axes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRequest {
    /// Kubernetes versions; empty means every version of the node-image table.
    pub k8s: Vec<K8sVersion>,
    /// Gate settings.
    pub gates: Vec<Gate>,
    /// Injectors.
    pub injectors: Vec<InjectorSpec>,
    /// Modes.
    pub modes: Vec<RequestedMode>,
    /// Worker nodes: `None` for a cluster of one node, a minor for a worker of that minor
    /// beside the control plane; empty means one node.
    pub workers: Vec<Option<K8sVersion>>,
}

/// One cell with its resolution and expectations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedCell {
    /// The cell: Kubernetes version, gate setting, injector and the mode asked of it (in JSON,
    /// `k8s`, `gate`, `injector`, `requestedMode` beside the fields below).
    #[serde(flatten)]
    pub cell: Cell,
    /// Whether it can run.
    pub valid: bool,
    /// Why not, when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the gate resolves to (`null` when not valid).
    #[serde(rename = "sidecarsEnabled")]
    pub sidecars_enabled: Option<bool>,
    /// The layout pods get: native, legacy or rejected (`null` when not valid).
    pub effective_mode: Option<EffectiveMode>,
    /// The cluster it runs on: node image and gate value (`null` when not valid).
    pub cluster: Option<ClusterSpec>,
}

impl PlannedCell {
    /// This cell on the node image `images` names for its minor and injector
    /// ([`ClusterSpec::on_images`]).
    #[must_use]
    pub fn on_images(mut self, images: &super::ImageTable) -> Self {
        let injector = self.cell.injector;
        self.cluster = self.cluster.map(|c| c.on_images(images, Some(injector)));
        self
    }
}

/// Every cell of the matrix, in axis order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Plan {
    /// The cells.
    pub cells: Vec<PlannedCell>,
}

impl PlanRequest {
    /// Phase one: checks the axes (non-empty, Kubernetes and Istio versions known). No cluster
    /// is touched.
    ///
    /// # Errors
    /// [`PlanError`] naming the bad input.
    pub fn validate(&self) -> Result<(), PlanError> {
        self.validate_in(Minors::embedded()?)
    }

    fn validate_in(&self, table: &Minors) -> Result<(), PlanError> {
        for (name, empty) in [
            ("gate settings (--gate)", self.gates.is_empty()),
            ("injectors (--injector)", self.injectors.is_empty()),
            ("modes (--mode)", self.modes.is_empty()),
        ] {
            if empty {
                return Err(PlanError::Empty(name));
            }
        }
        for &k8s in self.k8s.iter().chain(self.workers.iter().flatten()) {
            check_version(table, k8s)?;
        }
        for &injector in &self.injectors {
            check_injector(injector)?;
        }
        Ok(())
    }

    /// Phase two: resolves every cell (validity, effective mode, node image); each scenario's expectations come from `crate::scenario`, in
    /// axis order; a value repeated on an axis is planned once, where it first appears.
    ///
    /// # Errors
    /// As [`PlanRequest::validate`].
    pub fn resolve(&self) -> Result<Plan, PlanError> {
        let table = Minors::embedded()?;
        self.validate_in(table)?;
        let k8s_axis = if self.k8s.is_empty() {
            table.versions()
        } else {
            dedup(&self.k8s)
        };
        let workers = match self.workers.is_empty() {
            true => vec![None],
            false => dedup(&self.workers),
        };
        let mut cells = Vec::new();
        for &k8s in &k8s_axis {
            for &worker in &workers {
                for &gate in &dedup(&self.gates) {
                    for &injector in &dedup(&self.injectors) {
                        for &requested_mode in &dedup(&self.modes) {
                            cells.push(resolve_cell(
                                table,
                                Cell {
                                    k8s,
                                    gate,
                                    injector,
                                    requested_mode,
                                    worker,
                                },
                            ));
                        }
                    }
                }
            }
        }
        Ok(Plan { cells })
    }
}

/// The axis with repeats dropped, first occurrence kept: `1.29,1.28,1.29` plans 1.29 then 1.28,
/// each once.
fn dedup<T: Copy + PartialEq>(axis: &[T]) -> Vec<T> {
    let mut seen = Vec::with_capacity(axis.len());
    for &value in axis {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

/// Plans one cell exactly as [`PlanRequest::resolve`] would, for a cell that comes from elsewhere
/// (a recording): what `plan` rejects is rejected here too.
///
/// # Errors
/// [`PlanError`] when the cell names a Kubernetes or Istio version `plan` does not know.
pub fn plan_cell(cell: Cell) -> Result<PlannedCell, PlanError> {
    let table = Minors::embedded()?;
    for k8s in std::iter::once(cell.k8s).chain(cell.worker) {
        check_version(table, k8s)?;
    }
    check_injector(cell.injector)?;
    Ok(resolve_cell(table, cell))
}

/// The one rule for which injectors can be planned: see [`InjectorSpec::is_known`].
fn check_injector(injector: InjectorSpec) -> Result<(), PlanError> {
    if injector.is_known() {
        return Ok(());
    }
    Err(PlanError::UnknownInjectorVersion {
        injector: injector.name().to_owned(),
        version: injector
            .version
            .map_or_else(|| "(none)".to_owned(), |v| v.to_string()),
        known: injector.known_versions(),
    })
}

/// The one rule for which Kubernetes versions exist: those with a node image.
fn check_version(table: &Minors, k8s: K8sVersion) -> Result<(), PlanError> {
    match table.get(k8s) {
        Some(_) => Ok(()),
        None => Err(PlanError::UnknownVersion {
            k8s,
            known: table.versions_list(),
        }),
    }
}

/// Resolves one cell whose version the table has (checked by the caller).
fn resolve_cell(table: &Minors, cell: Cell) -> PlannedCell {
    match cell.resolve() {
        Resolution::Valid {
            sidecars_on,
            feature_gate,
            effective_mode,
        } => PlannedCell {
            cell,
            valid: true,
            reason: None,
            sidecars_enabled: Some(sidecars_on),
            effective_mode: Some(effective_mode),
            // The gate's effect is the resolution's: decided once. Phase one checked the
            // version, so the table has it.
            cluster: table.get(cell.k8s).map(|minor| ClusterSpec {
                worker: cell
                    .worker
                    .and_then(|w| table.get(w))
                    .map(|worker| WorkerNode {
                        k8s: worker.k8s,
                        node_image: worker.node_image(),
                    }),
                ..spec_of(table, minor, cell.gate, feature_gate, sidecars_on)
            }),
        },
        Resolution::Invalid(reason) => PlannedCell {
            cell,
            valid: false,
            reason: Some(reason.to_owned()),
            sidecars_enabled: None,
            effective_mode: None,
            cluster: None,
        },
    }
}
