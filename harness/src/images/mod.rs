//! The offline image build: every image a kind cluster and the workloads need, made from package
//! registries only (see `images/build.sh`), and the image table that points the harness at them.

mod build;

pub use build::{BuildError, BuildRequest, Built, FailedMinor, build_images, parse_built};
