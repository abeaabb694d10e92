//! What the live commands (`run`, `cluster`, `gc`) share: finding kind and Docker before anything
//! is created, the async runtime, and the signal that interrupts a run.

use std::path::{Path, PathBuf};

use super::disk_space::{self, Need};
use super::errors::ExpectedError;
use sidecar_e2e_core::plan::{ImageTable, PlannedCell};
use sidecar_e2e_core::report::visible;
use sidecar_e2e_runner::cluster::{
    DockerHost, HostCgroup, KindProvider, docker, find_run_tool, find_tool,
};
use sidecar_e2e_runner::process::ToolCommand;
use sidecar_e2e_runner::run::images_to_load;

/// A multi-threaded runtime (two cells at once need more than one thread).
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, ExpectedError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ExpectedError::Runtime)
}

/// The kind binary: `--kind-bin`, else the one the offline build recorded in the image map,
/// else `kind` on PATH.
pub(super) fn kind_binary(
    explicit: Option<&Path>,
    images: &ImageTable,
) -> Result<PathBuf, ExpectedError> {
    find_run_tool("kind", explicit, images).map_err(ExpectedError::MissingTool)
}

/// `kind version` prints `kind v0.30.0 go1.26.0 linux/amd64`: the second word.
pub(super) fn parse_kind_version(stdout: &str) -> Option<String> {
    stdout
        .split_whitespace()
        .nth(1)
        .filter(|v| v.starts_with('v'))
        .map(str::to_owned)
}

/// Warnings for cells planned for another kind release than `kind`'s: one per release, naming
/// the Kubernetes versions concerned.
pub(super) fn kind_version_warnings(version: Option<&str>, cells: &[PlannedCell]) -> Vec<String> {
    let Some(version) = version else {
        return vec![
            "could not read `kind version`; node images are paired with particular kind releases"
                .to_owned(),
        ];
    };
    let mut by_release: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for cell in cells {
        let Some(spec) = &cell.cluster else { continue };
        if spec.kind_release != version {
            let versions = by_release.entry(spec.kind_release.as_str()).or_default();
            let k8s = cell.cell.k8s.to_string();
            if !versions.contains(&k8s) {
                versions.push(k8s);
            }
        }
    }
    by_release
        .into_iter()
        .map(|(release, versions)| {
            format!(
                "kind is {version}, but the node images of Kubernetes {} are planned for kind {release}; pass --kind-bin if clusters fail to start",
                versions.join(", ")
            )
        })
        .collect()
}

/// Checks Docker answers and kind runs, before anything is created; returns the kind provider
/// and kind's version.
pub(super) async fn preflight_kind(
    kind_bin: PathBuf,
) -> Result<(KindProvider, Option<String>), ExpectedError> {
    let docker_bin = find_tool("docker", None, std::env::var_os("PATH").as_deref())
        .map_err(ExpectedError::MissingTool)?;
    let info = ToolCommand::new(&docker_bin, docker::info())
        .run()
        .await
        .map_err(ExpectedError::DockerDown)?;
    let host_cgroup = HostCgroup::from_docker_info(&info.stdout);
    let version = ToolCommand::new(&kind_bin, vec!["version".into()])
        .run()
        .await
        .ok()
        .and_then(|out| parse_kind_version(&out.stdout));
    let docker_host = DockerHost {
        major: docker::major_version(&info.stdout),
        root_dir: docker::root_dir(&info.stdout),
        bin: docker_bin,
    };
    Ok((
        KindProvider::new(kind_bin, host_cgroup, docker_host),
        version,
    ))
}

/// Everything a run needs before its first kind cluster: Docker answers, kind runs (with a
/// warning when its release is not the one a cell's node image was published with), Docker's
/// data root and `artifacts` have room for `clusters` clusters at once, and every image the
/// cells load is in the local Docker.
pub(super) async fn prepare_kind(
    kind_bin: PathBuf,
    images: &ImageTable,
    cells: &[PlannedCell],
    artifacts: &Path,
    clusters: usize,
) -> Result<KindProvider, ExpectedError> {
    let (kind, version) = preflight_kind(kind_bin).await?;
    let mut places = vec![Need {
        what: "the artifacts directory",
        path: artifacts.to_path_buf(),
    }];
    places.extend(kind.docker().root_dir.clone().map(|path| Need {
        what: "Docker's data root",
        path,
    }));
    disk_space::check(&places, clusters)?;
    let mut needed: Vec<String> = cells
        .iter()
        .flat_map(|c| images_to_load(images, c.cell.injector))
        .collect();
    needed.sort();
    needed.dedup();
    let missing = missing_images(&needed).await;
    if !missing.is_empty() {
        return Err(ExpectedError::MissingImages {
            missing: missing.join(", "),
        });
    }
    for warning in kind_version_warnings(version.as_deref(), cells) {
        eprintln!("warning: {}", visible(&warning));
    }
    Ok(kind)
}

/// `docker image inspect` of each image: the ones the local Docker does not have.
async fn missing_images(images: &[String]) -> Vec<String> {
    let Ok(docker_bin) = find_tool("docker", None, std::env::var_os("PATH").as_deref()) else {
        return Vec::new();
    };
    let mut missing = Vec::new();
    for image in images {
        if ToolCommand::new(&docker_bin, docker::image_inspect(image))
            .run()
            .await
            .is_err()
        {
            missing.push(image.clone());
        }
    }
    missing
}

/// Resolves on SIGINT or SIGTERM, with the signal's name.
pub(super) async fn interrupted() -> &'static str {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = term.recv() => "SIGTERM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidecar_e2e_core::plan::{Gate, InjectorSpec, K8sVersion, PlanRequest, RequestedMode};

    #[test]
    fn reads_kinds_version() {
        assert_eq!(
            parse_kind_version("kind v0.30.0 go1.26.0 linux/amd64\n").as_deref(),
            Some("v0.30.0")
        );
        assert_eq!(parse_kind_version("garbage"), None);
    }

    #[test]
    fn warns_when_kind_and_the_node_image_disagree() {
        let plan = PlanRequest {
            k8s: vec![K8sVersion::new(29), K8sVersion::new(32)],
            gates: vec![Gate::On],
            injectors: vec![InjectorSpec::builtin()],
            modes: vec![RequestedMode::Auto],
            workers: Vec::new(),
        }
        .resolve()
        .expect("plans");
        let planned = plan.cells[0]
            .cluster
            .as_ref()
            .expect("a valid cell")
            .kind_release
            .clone();
        let warnings = kind_version_warnings(Some("v0.30.0"), &plan.cells);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains(&format!(
                "node images of Kubernetes 1.29, 1.32 are planned for kind {planned}"
            )),
            "{warnings:?}"
        );
        assert_eq!(
            kind_version_warnings(Some(&planned), &plan.cells),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_missing_kind_names_the_tool_and_how_to_get_it() {
        let images = ImageTable::upstream([]);
        let err = kind_binary(Some(Path::new("/nonexistent/kind")), &images).expect_err("missing");
        let text = super::super::render_error(&err);
        assert!(
            text.contains("kind is needed and was not found (/nonexistent/kind does not exist)"),
            "{text}"
        );
        assert!(text.contains("hint: `sidecar-e2e images build"), "{text}");
    }
}
