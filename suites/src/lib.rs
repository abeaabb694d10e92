//! `sidecar-suites`: the tests that need Docker, run only by nextest's `e2e` profile.
//!
//! Today they prove the offline images (`sidecar-e2e images build`): each workload image does its
//! job in a container (`tests/images_*.rs`, driven by testcontainers), and kind clusters boot from
//! the offline node image with the `SidecarContainers` gate on and off (`tests/kind_*.rs`).
//!
//! They read what to run from the image map the build wrote, named by `SIDECAR_E2E_IMAGE_MAP`
//! (`.ci/run` sets it). Nothing here skips: a missing image map, Docker daemon or cluster fails
//! the test with what to do. Helpers panic with "must …" messages, as test helpers may.

pub mod images;
pub mod kind;
pub mod process;
