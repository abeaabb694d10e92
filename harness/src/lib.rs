//! `sidecar-e2e`, the command line: a thin layer that turns flags into the plain requests of
//! `sidecar-e2e-core` (plan, verify, kind-config) and `sidecar-e2e-runner` (run, cluster, gc,
//! images), and every ending into a documented exit code. Start at [`cli::main_impl`].
#![warn(missing_docs)]

pub mod cli;
