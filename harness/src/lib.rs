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
//! Every arrow is a plain data type. The pure stages ([`plan`], [`expect`], [`recording`],
//! [`views`], [`verdict`], [`report`]) build without the `live` feature; the producers that touch
//! the world ([`cluster`]'s kind provider and probe, [`install`], [`record`], [`process`]) and the
//! orchestration that ties them together ([`run`], [`gc`]) come with it. `sidecar-e2e run` is
//! [`run::run_all`] behind [`cli`].
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
