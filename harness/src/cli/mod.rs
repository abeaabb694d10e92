//! The `sidecar-e2e` command line: one file per command, one error type with documented exit
//! codes, one renderer. Clap types live here and nowhere else; the library gets plain requests.
//!
//! Start at [`main_impl`] (`imp.rs`): it parses the arguments and dispatches to `plan.rs`,
//! `kind_config.rs`, `verify.rs` or `images.rs`, each of which turns its options into library calls.

#[cfg(feature = "live")]
mod cluster;
#[cfg(feature = "live")]
mod disk_space;
mod errors;
#[cfg(feature = "live")]
mod gc;
#[cfg(feature = "live")]
mod images;
mod imp;
mod input;
mod kind_config;
#[cfg(feature = "live")]
mod live;
mod matrix;
mod output;
mod output_paths;
mod plan;
#[cfg(feature = "live")]
mod progress;
#[cfg(feature = "live")]
mod run;
#[cfg(feature = "live")]
mod run_report;
mod values;
mod verify;

pub use errors::{ExpectedError, error_chain, exit_codes, render_error};
pub use imp::{Cli, main_impl};
pub use input::InputError;
pub use plan::plan_table;
