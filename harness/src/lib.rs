//! `sidecar-e2e`: proves, per Kubernetes version and `SidecarContainers` gate state, that injected
//! sidecars behave, and shows the legacy failures where the gate is off.
//!
//! Start at [`plan`]: the matrix and what each cell should show. The pipeline:
//!
//! ```text
//! plan ─► scenario ─► cluster (kind config) ─► install ─► record ─► recording ─► verdict ─► report
//! ```
//!
//! [`scenario`] holds every workload with its expectations, checks and end condition, one file
//! each. [`api`] (feature `live`) is what every live stage shares: apply, waits, namespaces, labels.
//!
//! [`images`] (feature `live`) builds, offline, every image a kind cluster and the workloads need.
//!
//! Every arrow is a plain data type. The pure stages ([`plan`], [`scenario`], [`recording`],
//! [`views`], [`verdict`], [`report`]) build without the `live` feature; the producers that touch
//! the world ([`api`], [`cluster`]'s kind provider and probe, [`install`], [`record`], [`process`]) and the
//! orchestration that ties them together ([`run`], [`gc`]) come with it. `sidecar-e2e run` is
//! [`run::run_all`] behind [`cli`].
#![warn(missing_docs)]

#[cfg(feature = "live")]
pub mod api;
pub mod cli;
pub mod cluster;
pub mod error_chain;
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
pub mod staged;
pub mod verdict;
pub mod views;
