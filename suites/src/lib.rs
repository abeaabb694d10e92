//! End-to-end suites that run against a live kind cluster, under nextest's `e2e` profile only.
//!
//! Nothing here runs in the default profile: these suites need Docker, kind and an image
//! registry, which CI's `e2e.yml` workflow and a developer laptop have. The suites arrive with
//! the cluster and scenario stages of the harness; until then this crate is intentionally empty.
