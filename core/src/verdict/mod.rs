//! Verdicts: each [`crate::scenario::Check`] decided against a recording — pass, fail or not
//! applicable — with the evidence (snapshot, event or log line) a reader needs to believe it.
//!
//! Start at [`judge`] (`judge.rs`). The result types are in `types.rs`; each check has its own
//! decider file; what a pod's status means is decided once, in [`crate::pod`].

mod access_log;
mod all_containers_restarted;
mod app_restarted;
mod app_starts;
mod collector_received;
mod context;
mod deleted_within;
mod evicted;
mod facts;
mod faults;
mod host_port_honoured;
mod init_rerun_after_reboot;
mod job_completes;
mod job_pod_keeps_running;
mod judge;
mod named_port_served;
mod pod_never_runs;
mod printer_agrees;
mod probes_wait_for_startup;
mod proxy_config_accepted;
mod proxy_layout;
mod request;
mod restart_rules_answer;
mod sidecar_exit_code;
mod sidecar_restarted;
mod startup_order;
mod termination_order;
mod types;
mod unready_during_shutdown;

pub use judge::{judge, judge_checks, judge_on, judge_scenario, on_reported_patch, target_of};
pub use types::{CheckResult, CheckStatus, ScenarioVerdict, Verdict, VerdictError};
