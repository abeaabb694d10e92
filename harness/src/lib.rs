//! `sidecar-e2e`: proves, per Kubernetes version and `SidecarContainers` gate state, that injected
//! sidecars behave, and shows the legacy failures where the gate is off.
//!
//! Start at [`plan`]: the matrix and what each cell should show. The pipeline:
//!
//! ```text
//! plan ─► cluster (kind config) ─► install ─► scenario ─► recording ─► verdict ─► report
//! ```
//!
//! [`images`] (feature `live`) builds, offline, every image a kind cluster and the workloads need.
//!
//! Every arrow is a plain data type. Today the pure stages are here: [`plan`] (with the node-image
//! table), [`cluster`]'s kind configs, and [`scenario`] names; booting clusters, installing
//! injectors and recording workloads come with the e2e stage.
#![warn(missing_docs)]

pub mod cli;
pub mod cluster;
pub mod error_chain;
pub mod expect;
#[cfg(feature = "live")]
pub mod gc;
#[cfg(feature = "live")]
pub mod images;
#[cfg(feature = "live")]
pub mod install;
pub mod plan;
pub mod pod;
#[cfg(feature = "live")]
pub mod process;
#[cfg(feature = "live")]
pub mod record;
pub mod recording;
pub mod report;
#[cfg(feature = "live")]
pub mod run;
pub mod scenario;
pub mod verdict;
pub mod views;
