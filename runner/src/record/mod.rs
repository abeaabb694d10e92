//! Recording what a scenario does on a live cluster: a fresh labelled namespace per scenario, the
//! workloads applied, pods and events watched until the scenario's end condition or its deadline,
//! and every container's log — all into a [`sidecar_e2e_core::recording::ScenarioRecording`].

mod istiod;
mod logs;
mod recorder;
mod server_rows;

pub use recorder::{RecordError, ScenarioRun, record_scenario};
