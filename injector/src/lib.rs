//! `sidecar-injector`: adds an Envoy sidecar to Kubernetes pods, in native or legacy layout.
//!
//! Start at [`mutate::mutate_pod`]: one pod in, a JSON patch out. Around it:
//!
//! ```text
//! YAML stream ──manifest──► pod templates ──mutate_pod──► JSON patch ──► injected YAML   (inject CLI)
//! AdmissionReview ──webhook──► Pod ─────────mutate_pod──► JSON patch ──► AdmissionReview (serve)
//! proxy::proxy_container ◄── bootstrap::Bootstrap (Envoy config, passed inline)
//! ```
//!
//! `tls` and `server` carry the webhook over HTTPS; `cli` is the command line. Those, with
//! `webhook` and `cli_support`, need the `server` feature (on by default); without it the crate is
//! the pure core the harness uses.
#![warn(missing_docs)]

pub mod bootstrap;
#[cfg(feature = "server")]
pub mod cli;
#[cfg(feature = "server")]
pub mod cli_support;
pub mod config;
pub mod error_chain;
pub mod manifest;
pub mod mutate;
pub mod proxy;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod tls;
#[cfg(feature = "server")]
pub mod webhook;
pub mod yaml;

pub use config::{InjectorConfig, Mode};
pub use manifest::inject_manifest;
pub use mutate::{Decision, Injector, mutate_pod};

pub use error_chain::error_chain;
