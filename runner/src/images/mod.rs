//! The offline image build: every image a kind cluster and the workloads need, made from package
//! registries only (see `images/build.sh`; Istio's `images/build-istio.sh`), and the image table
//! that points the harness at them.

mod build;
mod pins;

pub use build::{
    BuildError, BuildRequest, Built, FailedIstio, FailedMinor, build_images, istio_versions_text,
    parse_built,
};
pub use pins::pins_env;
