//! `sidecar-e2e-core`: what the harness knows and decides, with no cluster, no async runtime and
//! no process. Given the flags it plans the matrix; given a recording it judges and reports it.
//!
//! Start at [`plan`]: the matrix and what each cell should show. The pipeline, every arrow a plain
//! data type:
//!
//! ```text
//! plan ─► scenario ─► cluster (kind config, probe) ─► [runner: install, record] ─► recording
//!      ─► verdict ─► report
//! ```
//!
//! [`scenario`] holds every workload with its expectations, checks and end condition, one file
//! each. [`pod`] says once what a pod's status means; [`views`] derives what a reader needs from a
//! recording (`kubectl get pods -w` rows, the drawn timeline). The live half — clusters, installs,
//! the recorder, `run` — is the `sidecar-e2e-runner` crate; the command line is `sidecar-e2e`.
#![warn(missing_docs)]

pub mod cluster;
pub mod error_chain;
pub mod plan;
pub mod pod;
pub mod recording;
pub mod report;
pub mod scenario;
mod source_lines;
pub mod verdict;
pub mod views;
