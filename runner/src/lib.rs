//! `sidecar-e2e-runner`: the live half of the harness. It makes clusters (kind) or borrows one,
//! builds the offline images, installs the injector, records each scenario and hands the
//! recordings to `sidecar-e2e-core` to judge; everything it creates is registered so an
//! interruption removes it.
//!
//! Start at [`run::run_all`]: one cell after another (`parallel` at a time), each through
//! [`run::run_cell`]. [`api`] is what every live stage shares (apply, waits, namespaces, labels);
//! [`process`] is the one way a tool is run (argv as data, stderr kept, killed on drop).
#![warn(missing_docs)]

pub mod api;
pub mod bounded_read;
pub mod cluster;
pub mod gc;
pub mod images;
pub mod install;
pub mod process;
pub mod record;
pub mod run;
pub mod staged;
