//! The `sidecar-e2e` command line: one file per command, one error type with documented exit
//! codes, one renderer. Clap types live here and nowhere else; the library gets plain requests.
//!
//! Start at [`main_impl`] (`imp.rs`): it parses the arguments and dispatches to `plan.rs`,
//! `kind_config.rs`, `verify.rs` or `images.rs`, each of which turns its options into library calls.

mod cluster;
mod disk_space;
mod errors;
mod gc;
mod images;
mod imp;
mod input;
mod kind_config;
mod kubeconfig;
mod live;
mod matrix;
mod output;
mod output_paths;
mod plan;
mod profiles;
mod progress;
mod run;
mod run_report;
mod scenario_files;
mod values;
mod verify;

pub use errors::{ExpectedError, error_chain, exit_codes, render_error};
pub use imp::{Cli, main_impl};
pub use input::InputError;
pub use plan::plan_table;
