//! Drives `images/build.sh` (the steps, their cache and progress live there; Istio's in
//! `images/build-istio.sh`) and turns the list of what it built into an [`ImageMap`] the harness
//! reads with `--image-map`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sidecar_e2e_core::plan::{ImageMap, K8sVersion, Minor, Minors, ToolBinary};

use super::pins::pins_env;

/// `images/versions/<this><minor>.env` pins the offline build of Istio `1.<minor>`.
const ISTIO_VERSIONS_PREFIX: &str = "istio-1.";

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
    /// No `images/versions/istio-1.<minor>.env` pins an offline build of this Istio.
    #[error("no offline build is defined for Istio 1.{minor} (defined: {defined})")]
    NoIstioDefinition {
        /// The Istio minor asked for.
        minor: u32,
        /// The Istio versions that have one, comma-separated.
        defined: String,
    },
    /// Istio's offline build failed (the minors' images built and are in the map).
    #[error("Istio 1.{minor} did not build: step {step} failed (log: {})", log.display())]
    IstioFailed {
        /// The Istio minor.
        minor: u32,
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
    /// Istio minors to build too (31 for 1.31), each with `images/versions/istio-1.<minor>.env`:
    /// istiod's and the sidecar's images and istioctl. Empty: no Istio.
    pub istio: Vec<u32>,
    /// The checkout's `images/` directory.
    pub images_dir: PathBuf,
}

impl BuildRequest {
    /// The build of this checkout (the scripts beside the crate's sources).
    pub fn from_checkout(k8s: Vec<K8sVersion>) -> Self {
        Self {
            k8s,
            istio: Vec::new(),
            images_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../images"),
        }
    }

    /// The same request, building Istio `1.<minor>` for each of `minors` as well.
    #[must_use]
    pub fn with_istio(mut self, minors: Vec<u32>) -> Self {
        self.istio = minors;
        self
    }

    /// The Istio minors this checkout can build offline (`images/versions/istio-1.<minor>.env`),
    /// ascending.
    pub fn defined_istio(&self) -> Vec<u32> {
        let mut minors: Vec<u32> = std::fs::read_dir(self.images_dir.join("versions"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                name.strip_prefix(ISTIO_VERSIONS_PREFIX)?
                    .strip_suffix(".env")?
                    .parse()
                    .ok()
            })
            .collect();
        minors.sort_unstable();
        minors
    }
}

/// [`BuildRequest::defined_istio`] as `1.31, 1.32`, for messages.
pub fn istio_versions_text(minors: &[u32]) -> String {
    if minors.is_empty() {
        return "none".to_owned();
    }
    minors
        .iter()
        .map(|m| format!("1.{m}"))
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

/// An Istio version the build could not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedIstio {
    /// The Istio minor (31 for 1.31).
    pub minor: u32,
    /// The step that failed (`istio-binaries`, `istio-proxyv2-image`, ...).
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
    /// The Istio versions that failed, each with its step and log.
    pub failed_istio: Vec<FailedIstio>,
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
    let defined = request.defined_istio();
    if let Some(&minor) = request.istio.iter().find(|m| !defined.contains(m)) {
        return Err(BuildError::NoIstioDefinition {
            minor,
            defined: istio_versions_text(&defined),
        });
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
    if !request.istio.is_empty() {
        command.arg("--istio").arg(
            request
                .istio
                .iter()
                .map(|m| format!("1.{m}"))
                .collect::<Vec<_>>()
                .join(","),
        );
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
    if !status.success() && built.failed.is_empty() && built.failed_istio.is_empty() {
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
/// `tool <name> <version> <path>`, `istio <1.minor> <hub> <tag>`, and for what failed
/// `failed <minor> <step> <log>` or `failed istio@<1.minor> <step> <log>`.
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
            ["failed", istio, step, log] if istio.starts_with("istio@") => {
                built.failed_istio.push(FailedIstio {
                    minor: istio
                        .strip_prefix("istio@")
                        .and_then(istio_minor)
                        .ok_or_else(bad)?,
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
            built.failed_istio,
            vec![FailedIstio {
                minor: 32,
                step: "istio-binaries".to_owned(),
                log: PathBuf::from("/cache/logs/istio/istio-binaries.log"),
            }]
        );
    }

    #[test]
    fn the_checkouts_istio_definitions_are_found() {
        let request = BuildRequest::from_checkout(Vec::new());
        assert!(
            request.defined_istio().contains(&31),
            "images/versions/istio-1.31.env"
        );
        assert_eq!(istio_versions_text(&[30, 31]), "1.30, 1.31");
        assert_eq!(istio_versions_text(&[]), "none");
        let missing = build_images(&request.with_istio(vec![19]));
        assert!(
            matches!(
                missing,
                Err(BuildError::NoIstioDefinition { minor: 19, ref defined }) if defined.contains("1.31")
            ),
            "{missing:?}"
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
