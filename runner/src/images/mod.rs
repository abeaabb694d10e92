//! The offline image build: every image a kind cluster and the workloads need, made from package
//! registries only (see `images/build.sh`; Istio's `images/build-istio.sh`), and the image table
//! that points the harness at them.

mod build;
mod pins;

pub use build::{
    BuildError, BuildRequest, Built, FailedInjector, FailedMinor, build_images, parse_built,
    versions_text,
};
pub use pins::pins_env;
