//! The errors the command line expects, each mapped to a documented exit code, and the one
//! renderer: `error: <cause chain>` then `  (hint: …)` where a next step is known.

use super::input::InputError;
use sidecar_e2e_core::plan::{ClusterSpecError, ImageMapError, PlanError, ProfileError};
use sidecar_e2e_core::recording::RecordingError;
use sidecar_e2e_core::report::{ReportError, visible};
use sidecar_e2e_core::scenario::ScenarioFileError;
use sidecar_e2e_core::verdict::VerdictError;
use sidecar_e2e_runner::images::BuildError;

/// Exit codes, documented in `--help` and the README.
pub mod exit_codes {
    /// A check failed: the cluster did not behave as expected.
    pub const CHECKS_FAILED: u8 = 1;
    /// The input was wrong (a flag, a version, a recording's content, a file past its size
    /// limit or not UTF-8): nothing was checked. Clap's own usage errors use the same code.
    pub const BAD_INPUT: u8 = 2;
    /// A file could not be read, or the output could not be written (the same code as
    /// `sidecar-injector`'s).
    pub const IO: u8 = 3;
    /// Setting up failed: a build step, Docker, kind, a cluster that did not come up, an
    /// injector that did not install (the harness's tools broke, not a check).
    pub const SETUP_FAILED: u8 = 4;
    /// No check failed, but the harness could not observe or bring about what some checks
    /// need (a log it could not read, a watch that broke, a container the runtime failed to
    /// start): nothing is said of the product there, and running again may decide them. A
    /// failed check wins over this (exit 1): CI may retry 4 and 5, never 1.
    pub const HARNESS_FAULT: u8 = 5;
    /// Interrupted (SIGINT/SIGTERM) after removing what the run had created; 128 + SIGINT, as
    /// shells report it.
    pub const INTERRUPTED: u8 = 130;
}

/// Every way a command can end other than success.
#[derive(Debug, thiserror::Error)]
pub enum ExpectedError {
    /// `plan` could not plan.
    #[error("cannot plan")]
    Plan(#[source] PlanError),
    /// `kind-config` has no cluster for the version and gate.
    #[error("cannot make a kind config")]
    KindConfig(#[source] ClusterSpecError),
    /// Standard output could not be written.
    #[error("cannot write the output")]
    Write(#[source] std::io::Error),
    /// An input file (a recording, an image map, an env file) could not be read, or is too
    /// large or not text.
    #[error(transparent)]
    Input(InputError),
    /// An injector profile (`--injector FILE`, `--profile FILE`) cannot be used.
    #[error(transparent)]
    Profile(ProfileError),
    /// A scenario file (`--scenarios`) cannot be used.
    #[error(transparent)]
    ScenarioFile(ScenarioFileError),
    /// An image map's content is wrong.
    #[error("cannot use the image map {path}")]
    ImageMap {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: ImageMapError,
    },
    /// The recording could not be parsed.
    #[error("cannot use the recording")]
    Recording(#[source] RecordingError),
    /// The recording's cell cannot be judged.
    #[error("cannot judge {path}")]
    Verdict {
        /// The recording.
        path: String,
        /// Why.
        #[source]
        source: VerdictError,
    },
    /// A report file could not be created or put in place.
    #[error("cannot write {path}")]
    WriteFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An output would overwrite a file the command reads.
    #[error("{output} would overwrite {path}, which {input} reads")]
    OutputIsInput {
        /// The output's flag.
        output: String,
        /// The input's flag.
        input: String,
        /// The file.
        path: String,
    },
    /// Two outputs name one file: the second would overwrite the first.
    #[error("{first} and {second} both name {path}")]
    SameOutput {
        /// The first output's flag.
        first: String,
        /// The second's.
        second: String,
        /// The file.
        path: String,
    },
    /// A report sink could not write.
    #[error("cannot write the report")]
    Report(#[source] ReportError),
    /// The offline image build did not finish.
    #[error("cannot build the images")]
    ImagesBuild(#[source] BuildError),
    /// Some minors of a multi-minor image build failed; the others built and are in the map.
    #[error("{} of {requested} minors did not build: {}", failed.len(), failed_minors(failed))]
    MinorsFailed {
        /// How many minors were asked for.
        requested: usize,
        /// The ones that failed, with the step and its log.
        failed: Vec<sidecar_e2e_runner::images::FailedMinor>,
    },
    /// A tool the command needs is missing.
    #[error(transparent)]
    MissingTool(sidecar_e2e_runner::cluster::MissingTool),
    /// Too little free disk for the clusters the run would have up at once.
    #[error("{what} ({path}) has {free} free; {clusters} cluster(s) at once need about {needed}")]
    LowDisk {
        /// Which place: Docker's data root, the artifacts directory.
        what: &'static str,
        /// Its path.
        path: String,
        /// Free space there.
        free: String,
        /// What the clusters need.
        needed: String,
        /// How many clusters run at once.
        clusters: usize,
    },
    /// Docker is installed but no daemon answers.
    #[error("no Docker daemon answers (`docker info` failed)")]
    DockerDown(#[source] sidecar_e2e_runner::process::ToolError),
    /// Nothing in the matrix can run.
    #[error("no cell of the matrix can run: {skipped}")]
    NoValidCells {
        /// Each invalid cell and why.
        skipped: String,
    },
    /// `--kubeconfig` cannot be used: missing, unreadable, not a kubeconfig, or without the
    /// context asked for. Bad input whatever the cause, since the flag is what is wrong.
    #[error("cannot use --kubeconfig")]
    Kubeconfig {
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A borrowed cluster runs one cell.
    #[error("--kubeconfig runs one cell on the cluster it names, but the matrix has {cells}")]
    OneCellOnExisting {
        /// How many cells the flags gave.
        cells: usize,
    },
    /// `run` needs versions named.
    #[error("name the Kubernetes versions to run with --k8s")]
    NoVersions,
    /// A flag's value is wrong.
    #[error("{flag}: {reason}")]
    BadFlag {
        /// The flag.
        flag: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// A live operation failed (listing clusters, reaching a cluster).
    #[error("cannot {action}")]
    Live {
        /// What was tried.
        action: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Images `run` must load into kind are not in the local Docker.
    #[error(
        "these images are not in the local Docker, so they cannot be loaded into kind: {missing}"
    )]
    MissingImages {
        /// The images, comma-separated.
        missing: String,
    },
    /// Some cells could not be set up (clusters, installs): nothing was proven there.
    #[error("{failed} cell(s) could not be set up; the report above says where each stopped")]
    RunSetup {
        /// How many cells.
        failed: usize,
    },
    /// Interrupted by a signal; what could not be removed is listed.
    #[error("interrupted{}", if left.is_empty() { "; removed everything this run created".to_owned() } else { format!("; could not remove: {}", left.join("; ")) })]
    Interrupted {
        /// What is left behind.
        left: Vec<String>,
    },
    /// The verdict: some checks did not meet their expectation.
    #[error("{failed} check(s) failed")]
    ChecksFailed {
        /// How many.
        failed: usize,
    },
    /// No check failed, but a harness fault left some undecided.
    #[error(
        "{undecided} check(s) left undecided by a harness fault: the harness could not observe \
         what they need, so nothing is said of the product there"
    )]
    HarnessFault {
        /// How many.
        undecided: usize,
    },
}

impl ExpectedError {
    /// The process exit code, one of [`exit_codes`].
    pub fn exit_code(&self) -> u8 {
        match self {
            // A file that cannot be read is I/O, as in sidecar-injector; BAD_INPUT is for
            // content that is wrong.
            ExpectedError::Input(err) if err.is_bad_content() => exit_codes::BAD_INPUT,
            ExpectedError::Input(_) => exit_codes::IO,
            ExpectedError::ImageMap { .. }
            | ExpectedError::Profile(_)
            | ExpectedError::ScenarioFile(_) => exit_codes::BAD_INPUT,
            ExpectedError::Plan(_)
            | ExpectedError::KindConfig(_)
            | ExpectedError::Recording(_)
            | ExpectedError::Verdict { .. } => exit_codes::BAD_INPUT,
            ExpectedError::Write(_)
            | ExpectedError::WriteFile { .. }
            | ExpectedError::Report(_) => exit_codes::IO,
            ExpectedError::ChecksFailed { .. } => exit_codes::CHECKS_FAILED,
            ExpectedError::HarnessFault { .. } => exit_codes::HARNESS_FAULT,
            ExpectedError::OutputIsInput { .. } | ExpectedError::SameOutput { .. } => {
                exit_codes::BAD_INPUT
            }
            ExpectedError::NoValidCells { .. }
            | ExpectedError::OneCellOnExisting { .. }
            | ExpectedError::NoVersions
            | ExpectedError::BadFlag { .. } => exit_codes::BAD_INPUT,
            ExpectedError::Runtime(_) | ExpectedError::RunSetup { .. } => exit_codes::SETUP_FAILED,
            ExpectedError::Interrupted { .. } => exit_codes::INTERRUPTED,
            ExpectedError::Kubeconfig { .. } => exit_codes::BAD_INPUT,
            ExpectedError::MissingTool(_)
            | ExpectedError::LowDisk { .. }
            | ExpectedError::MissingImages { .. }
            | ExpectedError::DockerDown(_)
            | ExpectedError::Live { .. } => exit_codes::SETUP_FAILED,
            ExpectedError::ImagesBuild(
                BuildError::NoDefinition { .. } | BuildError::NoInjectorDefinition { .. },
            ) => exit_codes::BAD_INPUT,
            ExpectedError::ImagesBuild(_) | ExpectedError::MinorsFailed { .. } => {
                exit_codes::SETUP_FAILED
            }
        }
    }

    /// What to do next, when we know.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ExpectedError::Plan(PlanError::UnknownVersion { .. })
            | ExpectedError::KindConfig(ClusterSpecError::UnknownVersion { .. })
            | ExpectedError::Verdict {
                source:
                    VerdictError::Unplannable {
                        source: PlanError::UnknownVersion { .. },
                        ..
                    },
                ..
            } => Some(
                "a minor is added to core/data/minors.yaml (harness/ARCHITECTURE.md, \"Adding a minor\")",
            ),
            ExpectedError::Plan(PlanError::UnknownInjectorVersion { .. })
            | ExpectedError::Verdict {
                source:
                    VerdictError::Unplannable {
                        source: PlanError::UnknownInjectorVersion { .. },
                        ..
                    },
                ..
            } => Some(
                "an injector's known versions are its profile's `versions` (core/profiles/<name>.yaml); \
                 Istio's grow once docs/sidecar-semantics.md §6.1 covers them",
            ),
            ExpectedError::Verdict {
                source: VerdictError::Contradicted { .. },
                ..
            } => Some(
                "the cell must be the one that ran: the cluster block is what its cluster reported \
                 during the run",
            ),
            ExpectedError::KindConfig(ClusterSpecError::CannotBoot { .. }) => {
                Some("`sidecar-e2e plan` lists which gate settings each version accepts")
            }
            ExpectedError::NoValidCells { .. } | ExpectedError::OneCellOnExisting { .. } => Some(
                "`sidecar-e2e plan` with the same flags shows every cell and why it can or cannot run",
            ),
            ExpectedError::OutputIsInput { .. } | ExpectedError::SameOutput { .. } => {
                Some("give each report a file of its own; nothing was written")
            }
            ExpectedError::NoVersions => Some(
                "e.g. --k8s 1.32 --gate on,off; `sidecar-e2e plan` lists the versions and gates",
            ),
            ExpectedError::MissingTool(missing) => Some(missing.hint),
            ExpectedError::DockerDown(_) => Some(
                "start Docker with scripts/docker-up.sh (it installs Debian's docker.io where missing)",
            ),
            ExpectedError::LowDisk { .. } => Some(
                "free some space (`sidecar-e2e gc` for clusters earlier runs left, `docker image prune`, \
                 old target/ directories) or run fewer clusters at once with a lower --parallel",
            ),
            ExpectedError::MissingImages { .. } => Some(
                "build them offline with scripts/run.sh (or `sidecar-e2e images build` and --image-map), \
                 or `docker pull` them where a registry answers",
            ),
            ExpectedError::RunSetup { .. } => Some(
                "each cell's kind logs are in its artifacts directory; --keep-on-failure keeps the cluster",
            ),
            ExpectedError::HarnessFault { .. } => Some(
                "each undecided check's evidence says what could not be observed; run again \
                 (a CI may retry exit 5, never exit 1)",
            ),
            ExpectedError::Recording(RecordingError::Version { .. }) => {
                Some("verify a recording with the sidecar-e2e version that made it")
            }
            ExpectedError::ImagesBuild(BuildError::NoDefinition { .. }) => Some(
                "a minor is added to core/data/minors.yaml with its offline pins (harness/ARCHITECTURE.md, \"Adding a minor\")",
            ),
            ExpectedError::ImagesBuild(BuildError::NoInjectorDefinition { .. }) => Some(
                "an injector's offline build pins its module versions in images/versions/<name>-<version>.env",
            ),
            ExpectedError::ImagesBuild(BuildError::InjectorFailed { .. }) => Some(
                "an injector's Go build (Istio's, the OpenTelemetry Operator's) needs a few GB free and \
                 the module proxy; its log is named above, and what built is cached: run the build again",
            ),
            ExpectedError::ImagesBuild(BuildError::DockerUnavailable { .. }) => Some(
                "start Docker with scripts/docker-up.sh (it installs Debian's docker.io where missing)",
            ),
            ExpectedError::ImagesBuild(BuildError::StepFailed { .. }) => Some(
                "each step's full log is in ~/.cache/sidecar-e2e/logs/; Docker problems: scripts/docker-up.sh",
            ),
            ExpectedError::MinorsFailed { .. } => Some(
                "the image map lists the minors that built; fix the failed step (its log is named) and \
                 run the build again: what built is cached",
            ),
            _ => None,
        }
    }
}

impl ExpectedError {
    /// How a whole run or verification ends, from its counts: a failed check first (exit 1,
    /// never to be retried), then cells that could not be set up (4), then checks a harness
    /// fault left undecided (5).
    ///
    /// # Errors
    /// The first of those that applies.
    pub fn from_summary(
        summary: &sidecar_e2e_core::report::RunSummary,
    ) -> Result<(), ExpectedError> {
        if summary.failed > 0 {
            return Err(ExpectedError::ChecksFailed {
                failed: summary.failed,
            });
        }
        if summary.broken > 0 {
            return Err(ExpectedError::RunSetup {
                failed: summary.broken,
            });
        }
        if summary.harness_faults > 0 {
            return Err(ExpectedError::HarnessFault {
                undecided: summary.harness_faults,
            });
        }
        Ok(())
    }

    /// Of two ends (rounds of `run --repeat`), the one to exit with: the same order as
    /// [`ExpectedError::from_summary`].
    pub fn worse(
        a: Result<(), ExpectedError>,
        b: Result<(), ExpectedError>,
    ) -> Result<(), ExpectedError> {
        let rank = |r: &Result<(), ExpectedError>| match r {
            Ok(()) => 0,
            Err(ExpectedError::HarnessFault { .. }) => 1,
            Err(ExpectedError::RunSetup { .. }) => 2,
            Err(ExpectedError::ChecksFailed { .. }) => 4,
            Err(_) => 3,
        };
        if rank(&b) > rank(&a) { b } else { a }
    }
}

/// `1.35 at kubernetes-binaries (log: …), 1.37 at node-image (log: …)`.
fn failed_minors(failed: &[sidecar_e2e_runner::images::FailedMinor]) -> String {
    failed
        .iter()
        .map(|f| format!("{} at step {} (log: {})", f.k8s, f.step, f.log.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub use sidecar_e2e_core::error_chain::error_chain;

impl From<sidecar_e2e_runner::staged::StageError> for ExpectedError {
    fn from(err: sidecar_e2e_runner::staged::StageError) -> Self {
        ExpectedError::WriteFile {
            path: err.path,
            source: err.source,
        }
    }
}

impl ExpectedError {
    /// For `map_err` on a live operation: `.map_err(ExpectedError::live("list kind clusters"))`.
    pub fn live<E>(action: impl Into<String>) -> impl FnOnce(E) -> ExpectedError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let action = action.into();
        move |err| ExpectedError::Live {
            action,
            source: Box::new(err),
        }
    }
}

/// What goes to stderr for `err`: `error: <chain>` and, when known, `  (hint: …)`. The chain
/// quotes files, clusters and tools, so its control characters are written out ([`visible`]).
pub fn render_error(err: &ExpectedError) -> String {
    let mut text = format!("error: {}\n", visible(&error_chain(err)));
    if let Some(hint) = err.hint() {
        text.push_str(&format!("  (hint: {hint})\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidecar_e2e_core::plan::{Gate, K8sVersion, cluster_spec};

    #[test]
    fn renders_the_chain_once_and_the_hint() {
        let err = ExpectedError::KindConfig(
            cluster_spec(K8sVersion::new(34), Gate::Off).expect_err("locked on"),
        );
        insta::assert_snapshot!(render_error(&err), @r"
        error: cannot make a kind config: Kubernetes 1.34 cannot boot with --gate off: SidecarContainers is GA and locked on from 1.33: the kubelet and API server refuse to start (cannot set feature gate SidecarContainers to false, feature is locked to true)
          (hint: `sidecar-e2e plan` lists which gate settings each version accepts)
        ");
        assert_eq!(err.exit_code(), exit_codes::BAD_INPUT);
    }

    #[test]
    fn a_failed_check_outranks_a_broken_cell_which_outranks_a_harness_fault() {
        use sidecar_e2e_core::report::RunSummary;
        let summary = |failed, broken, harness_faults| RunSummary {
            failed,
            broken,
            harness_faults,
            ..RunSummary::default()
        };
        let code = |s: RunSummary| ExpectedError::from_summary(&s).err().map(|e| e.exit_code());
        assert_eq!(code(summary(0, 0, 0)), None);
        assert_eq!(code(summary(0, 0, 3)), Some(exit_codes::HARNESS_FAULT));
        assert_eq!(code(summary(0, 1, 3)), Some(exit_codes::SETUP_FAILED));
        assert_eq!(code(summary(1, 1, 3)), Some(exit_codes::CHECKS_FAILED));
        // Rounds of --repeat: the worst one wins, a product failure above all.
        let fault = || Err(ExpectedError::HarnessFault { undecided: 1 });
        let failed = || Err(ExpectedError::ChecksFailed { failed: 1 });
        let broken = || Err(ExpectedError::RunSetup { failed: 1 });
        let worst = |a, b| ExpectedError::worse(a, b).err().map(|e| e.exit_code());
        assert_eq!(worst(Ok(()), fault()), Some(exit_codes::HARNESS_FAULT));
        assert_eq!(worst(failed(), fault()), Some(exit_codes::CHECKS_FAILED));
        assert_eq!(worst(fault(), broken()), Some(exit_codes::SETUP_FAILED));
        assert_eq!(worst(broken(), failed()), Some(exit_codes::CHECKS_FAILED));
    }

    #[test]
    fn failed_checks_are_not_bad_input() {
        let err = ExpectedError::ChecksFailed { failed: 2 };
        assert_eq!(render_error(&err), "error: 2 check(s) failed\n");
        assert_eq!(err.exit_code(), exit_codes::CHECKS_FAILED);
    }
}
