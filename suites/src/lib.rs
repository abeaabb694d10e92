//! `sidecar-suites`: the tests that need Docker, run only by nextest's `e2e` profile.
//!
//! - `tests/cell_*.rs`: one test per scenario, and the webhook's admit/deny promises, each in a
//!   namespace of its own on the cluster `sidecar-e2e cluster up` made ([`cell`] reads the
//!   environment it wrote; the e2e profile's setup script brings it up).
//! - `tests/images_*.rs`: each offline workload image does its job in a container
//!   (testcontainers), reading the image map the build wrote (`SIDECAR_E2E_IMAGE_MAP`).
//! - `tests/run_*.rs`: the `sidecar-e2e run` binary end to end on real clusters; `run_action.rs`
//!   through the composite action's step scripts, run as a runner runs them ([`action`]).
//!
//! Nothing here skips: a missing cluster, image map or Docker daemon fails the test with what to
//! do. Helpers panic with "must …" messages, as test helpers may.

pub mod action;
pub mod binary;
pub mod cell;
pub mod images;
