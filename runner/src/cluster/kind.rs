//! The `kind` command lines the harness runs, built as data so every flag is tested without
//! kind, and the check that a tool is there before anything is created.
//!
//! Running them is the caller's business (the e2e suites today, `run` later); nothing here
//! starts a process.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A tool the harness needs is not there.
#[derive(Debug, thiserror::Error)]
#[error("{tool} is needed and was not found ({looked})")]
pub struct MissingTool {
    /// The tool (`kind`, `docker`, `kubectl`, `istioctl`).
    pub tool: &'static str,
    /// Where it was looked for.
    pub looked: String,
    /// How to get it.
    pub hint: &'static str,
}

/// How to get each tool the harness runs, for [`MissingTool::hint`].
pub fn install_hint(tool: &str) -> &'static str {
    match tool {
        "kind" | "kubectl" => {
            "`sidecar-e2e images build --k8s 1.32` builds both from Go modules and records them in the image map"
        }
        "docker" => "scripts/docker-up.sh installs Debian's docker.io and starts dockerd",
        "istioctl" => {
            "install istioctl from an Istio release and put it on PATH, or pass --istioctl"
        }
        _ => "install it and put it on PATH",
    }
}

/// What to do about a failed `kind` or `docker` command, recognised from its stderr: a host that
/// cannot grant privileged containers every capability, or no Docker daemon.
pub fn docker_failure_hint(stderr: &str) -> Option<&'static str> {
    if stderr.contains("unable to apply caps") {
        Some(
            "this host cannot grant every capability to privileged containers (it lacks \
             CAP_SYS_RESOURCE); scripts/docker-up.sh installs the runtime wrapper that fixes it",
        )
    } else if stderr.contains("Cannot connect to the Docker daemon") {
        Some("no Docker daemon answers; start one with scripts/docker-up.sh")
    } else {
        None
    }
}

/// `tool` for a run: `explicit` (a flag) if given, else the binary the offline build recorded
/// in the image map (`tools:`), else the first on `PATH`.
///
/// # Errors
/// [`MissingTool`] with how to get it.
pub fn find_run_tool(
    tool: &'static str,
    explicit: Option<&Path>,
    images: &sidecar_e2e_core::plan::ImageTable,
) -> Result<PathBuf, MissingTool> {
    let recorded = images
        .tools
        .get(tool)
        .map(|recorded| PathBuf::from(&recorded.path))
        .filter(|path| path.is_file());
    let explicit = explicit.map(Path::to_path_buf).or(recorded);
    find_tool(
        tool,
        explicit.as_deref(),
        std::env::var_os("PATH").as_deref(),
    )
}

/// `explicit` if given (it must be a file), else the first `tool` on `path` (a PATH value).
///
/// # Errors
/// [`MissingTool`] naming the tool, where it looked, and how to get it.
pub fn find_tool(
    tool: &'static str,
    explicit: Option<&Path>,
    path: Option<&std::ffi::OsStr>,
) -> Result<PathBuf, MissingTool> {
    let missing = |looked: String| MissingTool {
        tool,
        looked,
        hint: install_hint(tool),
    };
    if let Some(file) = explicit {
        return if file.is_file() {
            Ok(file.to_owned())
        } else {
            Err(missing(format!("{} does not exist", file.display())))
        };
    }
    let dirs: Vec<PathBuf> = path
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    dirs.iter()
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| missing(format!("not on PATH ({} directories)", dirs.len())))
}

/// What `kind create cluster` is asked to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCluster {
    /// Cluster name (kind prefixes node containers with it).
    pub name: String,
    /// The kind `Cluster` config file.
    pub config: PathBuf,
    /// Node image; overrides the config's (`--image`).
    pub node_image: Option<String>,
    /// Where kind writes the cluster's kubeconfig (one per cluster: never the user's own).
    pub kubeconfig: PathBuf,
    /// Keep the node containers when creation fails, so their logs can be exported; the
    /// caller deletes the cluster afterwards either way.
    pub retain_on_failure: bool,
}

/// The `kind` binary and the command lines for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    /// The binary.
    pub bin: PathBuf,
}

fn args<const N: usize>(words: [&str; N]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

impl Kind {
    /// `kind create cluster …`.
    pub fn create(&self, request: &CreateCluster) -> Vec<OsString> {
        let mut argv = args(["create", "cluster", "--name", &request.name]);
        argv.push("--config".into());
        argv.push(request.config.clone().into_os_string());
        if let Some(image) = &request.node_image {
            argv.extend(args(["--image", image]));
        }
        argv.push("--kubeconfig".into());
        argv.push(request.kubeconfig.clone().into_os_string());
        if request.retain_on_failure {
            argv.push("--retain".into());
        }
        argv
    }

    /// `kind delete cluster --name NAME`.
    pub fn delete(&self, name: &str) -> Vec<OsString> {
        args(["delete", "cluster", "--name", name])
    }

    /// `kind load image-archive --name NAME ARCHIVE`: a `docker save` archive into every node.
    /// (Not `kind load docker-image`: with Docker 29's containerd image store it fails on
    /// multi-platform images, kind#3795.)
    pub fn load_archive(&self, name: &str, archive: &Path) -> Vec<OsString> {
        let mut argv = args(["load", "image-archive", "--name", name]);
        argv.push(archive.as_os_str().to_owned());
        argv
    }

    /// `kind export logs --name NAME DIR`.
    pub fn export_logs(&self, name: &str, dir: &Path) -> Vec<OsString> {
        let mut argv = args(["export", "logs", "--name", name]);
        argv.push(dir.as_os_str().to_owned());
        argv
    }

    /// `kind get clusters` (one name per line).
    pub fn get_clusters(&self) -> Vec<OsString> {
        args(["get", "clusters"])
    }
}

/// An argv as strings, for tests that compare command lines.
#[cfg(test)]
pub(crate) fn words(argv: &[OsString]) -> Vec<String> {
    argv.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The `docker` command lines the harness runs before it creates anything.
pub mod docker {
    use std::ffi::OsString;

    /// `docker info --format '{{.ServerVersion}} {{.CgroupVersion}} {{.DockerRootDir}}'`: does
    /// a daemon answer, which cgroup version do its containers (kind's nodes) get, and where do
    /// they take disk?
    pub fn info() -> Vec<OsString> {
        super::args([
            "info",
            "--format",
            "{{.ServerVersion}} {{.CgroupVersion}} {{.DockerRootDir}}",
        ])
    }

    /// The data root in [`info`]'s output: everything after its second word.
    pub fn root_dir(info: &str) -> Option<std::path::PathBuf> {
        let mut words = info.trim().splitn(3, ' ');
        let (_, _, root) = (words.next()?, words.next()?, words.next()?);
        (!root.is_empty()).then(|| std::path::PathBuf::from(root))
    }

    /// `docker save --output ARCHIVE [--platform linux/ARCH] IMAGE...`: one archive for kind to
    /// load. The platform is named from Docker 28 on (the first with the flag), so a
    /// multi-platform image saves only the layers this host has.
    pub fn save(archive: &std::path::Path, images: &[String], docker_major: u32) -> Vec<OsString> {
        let mut argv = super::args(["save", "--output"]);
        argv.push(archive.as_os_str().to_owned());
        if docker_major >= 28 {
            argv.extend(super::args(["--platform", host_platform()]));
        }
        argv.extend(images.iter().map(OsString::from));
        argv
    }

    /// `linux/amd64` or `linux/arm64`, Docker's names for this host.
    fn host_platform() -> &'static str {
        match std::env::consts::ARCH {
            "aarch64" => "linux/arm64",
            _ => "linux/amd64",
        }
    }

    /// `docker ps -aq --filter label=io.x-k8s.kind.cluster=NAME`: the node containers kind
    /// made for a cluster (kind labels each with the cluster's name).
    pub fn cluster_containers(cluster: &str) -> Vec<OsString> {
        super::args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.x-k8s.kind.cluster={cluster}"),
        ])
    }

    /// `docker ps -q --filter label=io.x-k8s.kind.cluster=NAME`: the running node containers of
    /// a cluster, the ones images go into.
    pub fn running_nodes(cluster: &str) -> Vec<OsString> {
        super::args([
            "ps",
            "-q",
            "--filter",
            &format!("label=io.x-k8s.kind.cluster={cluster}"),
        ])
    }

    /// `docker exec NODE crictl images -o json`: the images a node's runtime holds, with their
    /// IDs (kind's base image configures crictl for the node's containerd).
    pub fn node_images(node: &str) -> Vec<OsString> {
        super::args(["exec", node, "crictl", "images", "-o", "json"])
    }

    /// `docker rm -f -v ID...`.
    pub fn remove_containers(ids: &[String]) -> Vec<OsString> {
        let mut argv = super::args(["rm", "-f", "-v"]);
        argv.extend(ids.iter().map(OsString::from));
        argv
    }

    /// The major version in `docker info`'s first word (`29.0.1` -> 29); 0 when unreadable.
    pub fn major_version(info: &str) -> u32 {
        info.split_whitespace()
            .next()
            .and_then(|v| v.split('.').next())
            .and_then(|m| m.parse().ok())
            .unwrap_or(0)
    }

    /// `docker image inspect --format {{.Id}} IMAGE`: is the image local (so kind can load it)?
    pub fn image_inspect(image: &str) -> Vec<OsString> {
        super::args(["image", "inspect", "--format", "{{.Id}}", image])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_info_names_the_data_root() {
        assert_eq!(
            docker::root_dir("20.10.24+dfsg1 1 /var/lib/docker\n"),
            Some(std::path::PathBuf::from("/var/lib/docker"))
        );
        assert_eq!(
            docker::root_dir("28.1.1 2 /mnt/my disk/docker"),
            Some(std::path::PathBuf::from("/mnt/my disk/docker"))
        );
        assert_eq!(docker::root_dir("28.1.1 2"), None);
        assert_eq!(docker::major_version("28.1.1 2 /var/lib/docker"), 28);
    }

    #[test]
    fn docker_save_names_the_platform_from_docker_28() {
        let images = ["a:1".to_owned(), "b:2".to_owned()];
        let old = words(&docker::save(Path::new("/t/x.tar"), &images, 20));
        assert_eq!(old, ["save", "--output", "/t/x.tar", "a:1", "b:2"]);
        let new = words(&docker::save(Path::new("/t/x.tar"), &images, 29));
        assert_eq!(&new[..4], ["save", "--output", "/t/x.tar", "--platform"]);
        assert!(new[4].starts_with("linux/"), "{new:?}");
        assert_eq!(docker::major_version("29.0.1 2"), 29);
        assert_eq!(docker::major_version("20.10.24+dfsg1 1"), 20);
        assert_eq!(docker::major_version(""), 0);
    }

    #[test]
    fn docker_finds_and_removes_a_clusters_node_containers() {
        assert_eq!(
            words(&docker::cluster_containers("sidecar-e2e-x")),
            [
                "ps",
                "-aq",
                "--filter",
                "label=io.x-k8s.kind.cluster=sidecar-e2e-x"
            ]
        );
        assert_eq!(
            words(&docker::remove_containers(&[
                "a1".to_owned(),
                "b2".to_owned()
            ])),
            ["rm", "-f", "-v", "a1", "b2"]
        );
    }

    #[test]
    fn docker_asks_the_running_nodes_what_they_hold() {
        assert_eq!(
            words(&docker::running_nodes("se2e-x")),
            ["ps", "-q", "--filter", "label=io.x-k8s.kind.cluster=se2e-x"]
        );
        assert_eq!(
            words(&docker::node_images("abc123")),
            ["exec", "abc123", "crictl", "images", "-o", "json"]
        );
    }

    #[test]
    fn docker_command_lines() {
        assert_eq!(
            words(&docker::info()),
            [
                "info",
                "--format",
                "{{.ServerVersion}} {{.CgroupVersion}} {{.DockerRootDir}}"
            ]
        );
        assert_eq!(
            words(&docker::image_inspect("sidecar-e2e.local/curl:bookworm")),
            [
                "image",
                "inspect",
                "--format",
                "{{.Id}}",
                "sidecar-e2e.local/curl:bookworm"
            ]
        );
    }

    fn kind() -> Kind {
        Kind {
            bin: PathBuf::from("/opt/kind"),
        }
    }

    #[test]
    fn create_names_config_image_kubeconfig_and_retain() {
        let request = CreateCluster {
            name: "sidecar-e2e-abc".into(),
            config: "/run/cfg.yaml".into(),
            node_image: Some("sidecar-e2e.local/kind-node:v1.32.13".into()),
            kubeconfig: "/run/kubeconfig".into(),
            retain_on_failure: true,
        };
        assert_eq!(
            words(&kind().create(&request)),
            [
                "create",
                "cluster",
                "--name",
                "sidecar-e2e-abc",
                "--config",
                "/run/cfg.yaml",
                "--image",
                "sidecar-e2e.local/kind-node:v1.32.13",
                "--kubeconfig",
                "/run/kubeconfig",
                "--retain",
            ]
        );
        let plain = CreateCluster {
            node_image: None,
            retain_on_failure: false,
            ..request
        };
        let argv = words(&kind().create(&plain));
        assert!(!argv.contains(&"--image".to_owned()) && !argv.contains(&"--retain".to_owned()));
    }

    #[test]
    fn other_commands() {
        assert_eq!(
            words(&kind().delete("c")),
            ["delete", "cluster", "--name", "c"]
        );
        assert_eq!(
            words(&kind().load_archive("c", Path::new("/tmp/a.tar"))),
            ["load", "image-archive", "--name", "c", "/tmp/a.tar"]
        );
        assert_eq!(
            words(&kind().export_logs("c", Path::new("/tmp/logs"))),
            ["export", "logs", "--name", "c", "/tmp/logs"]
        );
        assert_eq!(words(&kind().get_clusters()), ["get", "clusters"]);
    }

    #[test]
    fn recognises_docker_failures_kind_reports() {
        let caps = "ERROR: failed to create cluster: docker run error: ... runc create failed: \
                    unable to start container process: unable to apply caps: operation not permitted";
        assert!(docker_failure_hint(caps).is_some_and(|h| h.contains("scripts/docker-up.sh")));
        let down = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.";
        assert!(docker_failure_hint(down).is_some_and(|h| h.contains("start one")));
        assert_eq!(
            docker_failure_hint("ERROR: node(s) already exist for a cluster"),
            None
        );
    }

    #[test]
    fn finds_a_tool_on_path_or_says_how_to_get_it() {
        let dir =
            std::env::temp_dir().join(format!("sidecar-e2e-find-tool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("kind"), b"").expect("fake kind");
        let path = std::env::join_paths([Path::new("/nonexistent"), &dir]).expect("PATH");
        assert_eq!(
            find_tool("kind", None, Some(&path)).expect("found"),
            dir.join("kind")
        );

        let err = find_tool("docker", None, Some(&path)).expect_err("no docker there");
        assert_eq!(err.tool, "docker");
        assert!(
            err.to_string().contains("not on PATH (2 directories)"),
            "{err}"
        );
        assert!(err.hint.contains("scripts/docker-up.sh"));

        let err =
            find_tool("kind", Some(&dir.join("nope")), Some(&path)).expect_err("explicit wins");
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(err.hint.contains("images build"));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
