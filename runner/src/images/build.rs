//! Drives `images/build.sh` (the steps, their cache and progress live there; Istio's in
//! `images/build-istio.sh`) and turns the list of what it built into an [`ImageMap`] the harness
//! reads with `--image-map`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sidecar_e2e_core::plan::{
    BuiltInjector, ImageMap, InjectorSpec, InjectorVersion, K8sVersion, Minor, Minors, ToolBinary,
};

use super::pins::pins_env;

/// Why the build did not produce an image map.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The build script is not where it should be.
    #[error("the offline build script {} is missing", path.display())]
    ScriptMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The minors table could not be read, or the pins not written.
    #[error("cannot write the offline build's pins: {detail}")]
    Pins {
        /// Why.
        detail: String,
    },
    /// The minors table (`core/data/minors.yaml`) has no such minor: nothing pins its build.
    #[error("no offline build is defined for Kubernetes {k8s} (defined: {defined})")]
    NoDefinition {
        /// What was asked for.
        k8s: K8sVersion,
        /// The minors that have one, comma-separated.
        defined: String,
    },
    /// No `images/versions/<name>-<version>.env` pins an offline build of this injector.
    #[error("no offline build is defined for {injector} (defined: {defined})")]
    NoInjectorDefinition {
        /// The injector asked for (`istio@1.30`).
        injector: String,
        /// The versions that have one, comma-separated.
        defined: String,
    },
    /// An injector's offline build failed (the minors' images built and are in the map).
    #[error("{injector} did not build: step {step} failed (log: {})", log.display())]
    InjectorFailed {
        /// The injector (`istio@1.31`).
        injector: String,
        /// The step that failed.
        step: String,
        /// Its full log.
        log: PathBuf,
    },
    /// No Docker daemon answers (`docker info` failed).
    #[error("no Docker daemon answers (`docker info`: {detail})")]
    DockerUnavailable {
        /// What `docker info` said, or why it could not run.
        detail: String,
    },
    /// `bash` could not be started.
    #[error("could not start bash for {}", script.display())]
    Start {
        /// The script.
        script: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The build stopped before it could say what it built (bad arguments, a missing tool); the
    /// script printed why.
    #[error("the offline build failed ({status}); the reason is shown above")]
    StepFailed {
        /// The script's exit status.
        status: std::process::ExitStatus,
    },
    /// The script's list of what it built could not be read.
    #[error("could not read the build's output list {}", path.display())]
    ReadList {
        /// The list file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line of that list has an unknown shape.
    #[error("the build's output list has an unknown line: {line:?}")]
    BadLine {
        /// The line.
        line: String,
    },
}

/// What to build: the minors, and where the build scripts and version pins live.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The Kubernetes minors, each in the minors table (its pins).
    pub k8s: Vec<K8sVersion>,
    /// Injectors to build too (`istio@1.31`, `otel@0.153`), each with
    /// `images/versions/<name>-<version>.env`. Empty: only the minors and the builtin injector.
    pub injectors: Vec<InjectorSpec>,
    /// The checkout's `images/` directory.
    pub images_dir: PathBuf,
}

impl BuildRequest {
    /// The build of this checkout (the scripts beside the crate's sources).
    pub fn from_checkout(k8s: Vec<K8sVersion>) -> Self {
        Self {
            k8s,
            injectors: Vec::new(),
            images_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../images"),
        }
    }

    /// The same request, building `injectors` as well.
    #[must_use]
    pub fn with_injectors(mut self, injectors: Vec<InjectorSpec>) -> Self {
        self.injectors = injectors;
        self
    }

    /// The versions of the injector `name` this checkout can build offline
    /// (`images/versions/<name>-<version>.env`), ascending.
    pub fn defined(&self, name: &str) -> Vec<InjectorVersion> {
        let prefix = format!("{name}-");
        let mut versions: Vec<InjectorVersion> =
            std::fs::read_dir(self.images_dir.join("versions"))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| {
                    let file = entry.file_name().to_string_lossy().into_owned();
                    file.strip_prefix(&prefix)?
                        .strip_suffix(".env")?
                        .parse()
                        .ok()
                })
                .collect();
        versions.sort_unstable();
        versions
    }
}

/// Versions as `1.31, 1.32`, for messages.
pub fn versions_text(versions: &[InjectorVersion]) -> String {
    if versions.is_empty() {
        return "none".to_owned();
    }
    versions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One minor the build could not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedMinor {
    /// The minor.
    pub k8s: K8sVersion,
    /// The step that failed (`kubernetes-binaries`, `node-image`, ...).
    pub step: String,
    /// That step's full log.
    pub log: PathBuf,
}

/// An injector the build could not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedInjector {
    /// The injector (`istio@1.31`).
    pub injector: String,
    /// The step that failed (`istio-binaries`, `otel-operator`, ...).
    pub step: String,
    /// That step's full log.
    pub log: PathBuf,
}

/// What a build made: the image map of every minor that built, and the minors that did not.
#[derive(Debug, Default)]
pub struct Built {
    /// Images and tools, for the minors (and Istio versions) that built.
    pub map: ImageMap,
    /// The minors that failed, each with its step and log.
    pub failed: Vec<FailedMinor>,
    /// The injectors that failed, each with its step and log.
    pub failed_injectors: Vec<FailedInjector>,
}

/// Writes each minor's pins (`<dir>/<minor>.env`, [`pins_env`]) into a directory that is
/// removed when the returned value is dropped.
fn write_pins(table: &Minors, minors: &[&Minor]) -> Result<tempfile::TempDir, BuildError> {
    let failed = |err: std::io::Error| BuildError::Pins {
        detail: err.to_string(),
    };
    let dir = tempfile::Builder::new()
        .prefix("sidecar-e2e-pins-")
        .tempdir()
        .map_err(failed)?;
    for minor in minors {
        let path = dir.path().join(format!("{}.env", minor.k8s));
        std::fs::write(&path, pins_env(table, minor)).map_err(failed)?;
    }
    Ok(dir)
}

/// Runs `images/build.sh` for the requested minors (its progress goes to stderr) and reads what
/// it built.
///
/// # Errors
/// [`BuildError`] when the request cannot start (no definition for a minor, no Docker) or the
/// build stopped before any minor ran; minors that fail on their own are in [`Built::failed`].
pub fn build_images(request: &BuildRequest) -> Result<Built, BuildError> {
    let script = request.images_dir.join("build.sh");
    if !script.is_file() {
        return Err(BuildError::ScriptMissing { path: script });
    }
    // The pins come from the minors table: a minor it lacks has no offline build.
    let table = Minors::embedded().map_err(|err| BuildError::Pins {
        detail: err.to_string(),
    })?;
    let mut minors = Vec::new();
    for &k8s in &request.k8s {
        match table.get(k8s) {
            Some(minor) => minors.push(minor),
            None => {
                return Err(BuildError::NoDefinition {
                    k8s,
                    defined: table.versions_list(),
                });
            }
        }
    }
    for injector in &request.injectors {
        let defined = request.defined(injector.name());
        if !injector.version.is_some_and(|v| defined.contains(&v)) {
            return Err(BuildError::NoInjectorDefinition {
                injector: injector.to_string(),
                defined: versions_text(&defined),
            });
        }
    }
    check_docker()?;
    let pins = write_pins(table, &minors)?;
    let list = pins.path().join("images.txt");
    let mut command = Command::new("bash");
    command.arg(&script).arg("--k8s").arg(
        request
            .k8s
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    );
    // One flag per injector name (build.sh: --istio 1.31, --otel 0.153).
    let mut by_name: Vec<(&str, Vec<String>)> = Vec::new();
    for injector in &request.injectors {
        let version = injector.version.map(|v| v.to_string()).unwrap_or_default();
        match by_name
            .iter_mut()
            .find(|(name, _)| *name == injector.name())
        {
            Some((_, versions)) => versions.push(version),
            None => by_name.push((injector.name(), vec![version])),
        }
    }
    for (name, versions) in by_name {
        command.arg(format!("--{name}")).arg(versions.join(","));
    }
    let status = command
        .arg("--pins")
        .arg(pins.path())
        .arg("--images-out")
        .arg(&list)
        .status()
        .map_err(|source| BuildError::Start {
            script: script.clone(),
            source,
        })?;
    // A failed minor still leaves the list (with its `failed` line); no list means the build
    // stopped before any minor ran.
    let text = match std::fs::read_to_string(&list) {
        Ok(text) => text,
        Err(_) if !status.success() => return Err(BuildError::StepFailed { status }),
        Err(source) => {
            return Err(BuildError::ReadList {
                path: list.clone(),
                source,
            });
        }
    };
    let _ = std::fs::remove_file(&list);
    let built = parse_built(&text)?;
    if !status.success() && built.failed.is_empty() && built.failed_injectors.is_empty() {
        return Err(BuildError::StepFailed { status });
    }
    Ok(built)
}

/// Fails early, before any step, when no Docker daemon answers.
fn check_docker() -> Result<(), BuildError> {
    match Command::new("docker").arg("info").output() {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(BuildError::DockerUnavailable {
            detail: String::from_utf8_lossy(&output.stderr)
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no output")
                .trim()
                .to_owned(),
        }),
        Err(err) => Err(BuildError::DockerUnavailable {
            detail: format!("the docker CLI could not run: {err}"),
        }),
    }
}

/// Reads the script's list, one per line: `node <minor> <image>`, `workload <role> <image>`,
/// `tool <name> <version> <path>`, `istio <1.minor> <hub> <tag>`,
/// `otel <version> <operator image> <collector image> <install manifest>`,
/// `node-with <injector>@<version> <minor> <image>`, and for what failed
/// `failed <minor> <step> <log>` or `failed <injector>@<version> <step> <log>`.
///
/// # Errors
/// [`BuildError::BadLine`] for any other line.
pub fn parse_built(text: &str) -> Result<Built, BuildError> {
    let mut built = Built::default();
    let map = &mut built.map;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let bad = || BuildError::BadLine {
            line: line.to_owned(),
        };
        match words.as_slice() {
            ["node", minor, image] => {
                let k8s: K8sVersion = minor.parse().map_err(|_| bad())?;
                map.node_images.insert(k8s, (*image).to_owned());
            }
            ["workload", role, image] => {
                let slot = match *role {
                    "envoy" => &mut map.workloads.envoy,
                    "curl" => &mut map.workloads.curl,
                    "httpbin" => &mut map.workloads.httpbin,
                    "injector" => &mut map.workloads.injector,
                    _ => return Err(bad()),
                };
                *slot = Some((*image).to_owned());
            }
            ["tool", name, version, path] => {
                map.tools.insert(
                    (*name).to_owned(),
                    ToolBinary {
                        version: (*version).to_owned(),
                        path: (*path).to_owned(),
                    },
                );
            }
            ["istio", version, hub, tag] => {
                istio_minor(version).ok_or_else(bad)?;
                map.insert_istio(version, hub, tag);
            }
            ["otel", version, operator, collector, manifest] => {
                version.parse::<InjectorVersion>().map_err(|_| bad())?;
                map.injectors.insert(
                    format!("otel@{version}"),
                    BuiltInjector {
                        images: [("operator", operator), ("collector", collector)]
                            .into_iter()
                            .map(|(role, image)| (role.to_owned(), (*image).to_owned()))
                            .collect(),
                        manifest: Some((*manifest).to_owned()),
                    },
                );
            }
            ["node-with", injector, minor, image]
                if injector
                    .split_once('@')
                    .is_some_and(|(_, v)| v.parse::<InjectorVersion>().is_ok()) =>
            {
                let k8s: K8sVersion = minor.parse().map_err(|_| bad())?;
                map.node_images_with
                    .entry((*injector).to_owned())
                    .or_default()
                    .insert(k8s, (*image).to_owned());
            }
            ["failed", injector, step, log]
                if injector
                    .split_once('@')
                    .is_some_and(|(_, v)| v.parse::<InjectorVersion>().is_ok()) =>
            {
                built.failed_injectors.push(FailedInjector {
                    injector: (*injector).to_owned(),
                    step: (*step).to_owned(),
                    log: PathBuf::from(log),
                });
            }
            ["failed", minor, step, log] => built.failed.push(FailedMinor {
                k8s: minor.parse().map_err(|_| bad())?,
                step: (*step).to_owned(),
                log: PathBuf::from(log),
            }),
            _ => return Err(bad()),
        }
    }
    Ok(built)
}

/// `1.31` -> 31.
fn istio_minor(version: &str) -> Option<u32> {
    let minor = version.strip_prefix("1.")?;
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    minor.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_line() {
        let built = parse_built(
            "node 1.32 sidecar-e2e.local/kind-node:v1.32.13\n\
             tool kind v0.33.0 /cache/bin/kind-v0.33.0/kind\n\
             workload curl sidecar-e2e.local/curl:bookworm\n\
             workload injector sidecar-e2e.local/injector:0.1.0\n\
             node-with istio@1.31 1.32 sidecar-e2e.local/kind-node-istio-1.31:v1.32.13\n\
             failed 1.37 kubernetes-binaries /cache/logs/1.37/kubernetes-binaries.log\n",
        )
        .expect("valid list");
        assert_eq!(
            built.failed,
            vec![FailedMinor {
                k8s: "1.37".parse().expect("valid"),
                step: "kubernetes-binaries".to_owned(),
                log: PathBuf::from("/cache/logs/1.37/kubernetes-binaries.log"),
            }]
        );
        let map = built.map;
        let k8s: K8sVersion = "1.32".parse().expect("valid");
        assert_eq!(
            map.node_images[&k8s],
            "sidecar-e2e.local/kind-node:v1.32.13"
        );
        assert_eq!(map.tools["kind"].path, "/cache/bin/kind-v0.33.0/kind");
        assert_eq!(
            map.workloads.curl.as_deref(),
            Some("sidecar-e2e.local/curl:bookworm")
        );
        assert_eq!(map.workloads.envoy, None);
        assert_eq!(
            map.node_images_with["istio@1.31"][&k8s],
            "sidecar-e2e.local/kind-node-istio-1.31:v1.32.13"
        );
    }

    #[test]
    fn reads_istio_lines_and_istio_failures() {
        let built = parse_built(
            "istio 1.31 sidecar-e2e.local/istio 1.31-dev\n\
             tool istioctl 1.31-dev /cache/bin/istio-v0/istioctl\n\
             failed istio@1.32 istio-binaries /cache/logs/istio/istio-binaries.log\n",
        )
        .expect("valid list");
        let table = sidecar_e2e_core::plan::ImageTable::upstream([]).overridden_by(built.map);
        assert_eq!(
            table.istio_for(31).map(|i| i.proxy()).as_deref(),
            Some("sidecar-e2e.local/istio/proxyv2:1.31-dev")
        );
        assert_eq!(table.tools["istioctl"].path, "/cache/bin/istio-v0/istioctl");
        assert_eq!(built.failed, []);
        assert_eq!(
            built.failed_injectors,
            vec![FailedInjector {
                injector: "istio@1.32".to_owned(),
                step: "istio-binaries".to_owned(),
                log: PathBuf::from("/cache/logs/istio/istio-binaries.log"),
            }]
        );
    }

    #[test]
    fn the_checkouts_injector_definitions_are_found_and_match_the_profiles() {
        let request = BuildRequest::from_checkout(Vec::new());
        for name in ["istio", "otel"] {
            let spec: InjectorSpec = name.parse().expect("shipped");
            let offline = spec
                .profile()
                .versions
                .clone()
                .map(|v| v.offline)
                .unwrap_or_default();
            assert_eq!(
                request.defined(name),
                offline,
                "images/versions/{name}-*.env and the profile's versions.offline"
            );
        }
        assert_eq!(versions_text(&[]), "none");
        let missing = build_images(&request.with_injectors(vec![InjectorSpec::istio(19)]));
        assert!(
            matches!(
                missing,
                Err(BuildError::NoInjectorDefinition { ref injector, ref defined })
                    if injector == "istio@1.19" && defined.contains("1.31")
            ),
            "{missing:?}"
        );
    }

    #[test]
    fn reads_the_otel_line() {
        let built = parse_built(
            "otel 0.153 sidecar-e2e.local/otel/operator:v0.153.0 sidecar-e2e.local/otel/otelcol:0.153.0 /cache/bin/otel-v0.153.0/install.yaml\n",
        )
        .expect("valid list");
        let otel = &built.map.injectors["otel@0.153"];
        assert_eq!(
            otel.images["collector"],
            "sidecar-e2e.local/otel/otelcol:0.153.0"
        );
        assert_eq!(
            otel.manifest.as_deref(),
            Some("/cache/bin/otel-v0.153.0/install.yaml")
        );
    }

    #[test]
    fn rejects_unknown_lines() {
        for line in [
            "workload nginx x:1",
            "node one x:1",
            "image x",
            "tool kind v1",
            "failed 1.37 node-image",
            "failed one node-image /log",
            "istio 31 hub tag",
            "istio 1.31 hub",
            "failed istio@31 istio-binaries /log",
        ] {
            assert!(
                matches!(parse_built(line), Err(BuildError::BadLine { .. })),
                "{line} must be refused"
            );
        }
    }
}
