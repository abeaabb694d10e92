//! Scenarios written as data: a YAML file naming its workload's manifest, the role of its
//! containers, its steps after the apply, and its checks from the harness's vocabulary with where
//! each is asserted (by version, gate, mode) or which known bug it expects instead. A loaded file
//! is a [`Scenario`] like a built-in one: the same recorder, verdicts, timeline and reports. The
//! format is in docs/scenario-files.md; the caller reads the files (bounded) and hands their text
//! here, so this stays pure.

mod selector;
mod steps;
mod vocabulary;

use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde::Deserialize;
use serde_saphyr::Spanned;

pub use selector::Selector;
pub use steps::{Condition, Step};
pub use vocabulary::{CHECK_NAMES, FileCheck};

use self::steps::RawStep;
use self::vocabulary::{Known, RawCheck};
use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, heard, proxy_expectation};
use super::target::{Target, proxy_name};
use super::{Check, KnownBug, Scenario};
use crate::plan::{EffectiveMode, InjectorSpec};
use crate::pod::PodRoles;
use crate::source_lines::{at, line_of, line_of_key_from, serde_failure};

/// What a scenario file must end with to be found in a directory.
pub const SCENARIO_FILE_SUFFIX: &str = ".scenario.yaml";

/// A scenario file as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawScenario {
    scenario: String,
    summary: String,
    caption: Option<String>,
    manifest: String,
    #[serde(default)]
    injected: bool,
    #[serde(default)]
    sidecars: Vec<String>,
    #[serde(default)]
    needs_native_sidecars: bool,
    #[serde(default)]
    steps: Vec<Spanned<RawStep>>,
    checks: Vec<Spanned<RawCheck>>,
}

/// A scenario loaded from a file.
#[derive(Debug, PartialEq, Eq)]
pub struct FileScenario {
    /// Its name: flags, reports, namespaces and its pods' `app` label.
    pub name: &'static str,
    /// One line for help and the plan.
    pub summary: &'static str,
    /// What to look for in its timeline figure.
    pub caption: &'static str,
    /// The workload's manifest.
    pub manifest: &'static str,
    /// The scenario file, as given (for messages).
    pub source: String,
    /// The manifest's file, as given (for messages).
    pub manifest_source: String,
    /// Whether its namespace opts in to the injector.
    pub injected: bool,
    /// The workload's own sidecars (the injector's is not named here).
    pub sidecars: &'static [&'static str],
    /// Whether it runs only where the cluster honours native sidecars.
    pub needs_native_sidecars: bool,
    /// What happens after the apply.
    pub steps: Vec<Step>,
    /// What a recording must show.
    pub checks: Vec<FileCheck>,
}

/// A scenario file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScenarioFileError {
    /// Not a scenario file (serde's words: the field and what it expected).
    #[error("{}: not a scenario file: {reason}", at(file, *line))]
    Malformed {
        /// The file.
        file: String,
        /// The line, when the parser knows it.
        line: Option<u64>,
        /// What is wrong.
        reason: String,
    },
    /// The file says something impossible.
    #[error("{}: {field}: {reason}", at(file, *line))]
    Invalid {
        /// The file.
        file: String,
        /// The line of the field.
        line: Option<u64>,
        /// The field (`checks[2].where.k8s`).
        field: String,
        /// What is wrong.
        reason: String,
    },
}

/// Text kept for the life of the process, as scenarios hold it.
fn keep(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

impl FileScenario {
    /// The manifest file a scenario file names (relative to it), so the caller can read it
    /// before [`FileScenario::parse`]; `None` when the text does not say (parse then says why).
    pub fn manifest_named(text: &str) -> Option<String> {
        #[derive(Deserialize)]
        struct Manifest {
            manifest: String,
        }
        serde_saphyr::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|value| serde_json::from_value::<Manifest>(value).ok())
            .map(|m| m.manifest)
    }

    /// A scenario from its file's `text` (`file` names it in errors) and its manifest's text.
    ///
    /// # Errors
    /// [`ScenarioFileError`] naming the file, the line and the field.
    pub fn parse(file: &str, text: &str, manifest: &str) -> Result<Self, ScenarioFileError> {
        let raw: RawScenario = serde_saphyr::from_str(text).map_err(|err| {
            let (line, reason) = serde_failure(&err);
            ScenarioFileError::Malformed {
                file: file.to_owned(),
                line,
                reason,
            }
        })?;
        let invalid =
            |field: String, line: Option<u64>, reason: String| ScenarioFileError::Invalid {
                file: file.to_owned(),
                line: line.or_else(|| line_of(text, field.split('[').next().unwrap_or_default())),
                field,
                reason,
            };
        let name = raw.scenario.as_str();
        let dns_label = !name.is_empty()
            && name.len() <= 30
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        if !dns_label {
            return Err(invalid(
                "scenario".to_owned(),
                None,
                format!(
                    "{name:?}: lowercase letters, digits and '-', at most 30 (it is part of namespace names and its pods' `app` label)"
                ),
            ));
        }
        if raw.summary.trim().is_empty() {
            return Err(invalid(
                "summary".to_owned(),
                None,
                "say in a line what it shows".to_owned(),
            ));
        }
        let label = format!("app: {name}");
        if !manifest.contains(&label) {
            return Err(invalid(
                "manifest".to_owned(),
                None,
                format!(
                    "{}: its pods must carry the label `{label}` (the recorder watches them by it)",
                    raw.manifest
                ),
            ));
        }
        let mut sidecars = Vec::new();
        for sidecar in &raw.sidecars {
            if !manifest.contains(&format!("name: {sidecar}")) {
                return Err(invalid(
                    "sidecars".to_owned(),
                    None,
                    format!("{sidecar:?} is not a container of {}", raw.manifest),
                ));
            }
            sidecars.push(keep(sidecar));
        }
        let sidecars: &'static [&'static str] = Box::leak(sidecars.into_boxed_slice());
        let steps = raw
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                Step::parse(&step.value).map_err(|(key, why)| {
                    let at = step.referenced.line();
                    let line = line_of_key_from(text, at, key).unwrap_or(at);
                    invalid(format!("steps[{i}].{key}"), Some(line), why)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        steps::check_order(&steps).map_err(|why| invalid("steps".to_owned(), None, why))?;
        if raw.checks.is_empty() {
            return Err(invalid(
                "checks".to_owned(),
                None,
                "a scenario needs at least one check, or it can never fail".to_owned(),
            ));
        }
        let known = Known {
            injected: raw.injected,
            sidecars,
            manifest,
        };
        let checks = raw
            .checks
            .iter()
            .enumerate()
            .map(|(i, check)| {
                FileCheck::parse(&check.value, &known).map_err(|(key, why)| {
                    // The line of the key where it is one of its own, else the check's.
                    let line = match key {
                        "knownBug" | "url" | "fixedIn" | "introducedIn" => {
                            check.value.known_bug.as_ref().map(|b| b.referenced.line())
                        }
                        "k8s" | "gate" | "mode" => {
                            check.value.where_.as_ref().map(|w| w.referenced.line())
                        }
                        _ => None,
                    };
                    let at = check.referenced.line();
                    let line = line
                        .or_else(|| line_of_key_from(text, at, key))
                        .unwrap_or(at);
                    invalid(format!("checks[{i}].{key}"), Some(line), why)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FileScenario {
            name: keep(name),
            summary: keep(raw.summary.trim()),
            caption: keep(raw.caption.as_deref().unwrap_or(raw.summary.trim())),
            manifest: keep(manifest),
            source: file.to_owned(),
            manifest_source: raw.manifest.clone(),
            injected: raw.injected,
            sidecars,
            needs_native_sidecars: raw.needs_native_sidecars,
            steps,
            checks,
        })
    }

    /// Which containers are sidecars: the injector's and the scenario's own. Where the injector
    /// adds none, the first own sidecar is the one the app must start after (`startup-order`).
    pub fn roles(&self, injector: InjectorSpec) -> PodRoles {
        match (self.injected, self.sidecars.split_first()) {
            (false, Some((first, rest))) => PodRoles {
                proxy: first,
                sidecars: rest,
            },
            _ => PodRoles {
                proxy: proxy_name(injector),
                sidecars: self.sidecars,
            },
        }
    }

    /// Whether the injector's pods are refused in this cell (then nothing else is asserted).
    fn refused(&self, target: &Target) -> bool {
        self.injected && target.mode == EffectiveMode::Rejected
    }

    /// The checks asserted on `target`, each with the known bug it expects there.
    fn asserted<'s>(
        &'s self,
        target: &'s Target,
    ) -> impl Iterator<Item = (&'s FileCheck, Option<&'static KnownBug>)> + 's {
        self.checks
            .iter()
            .filter(|c| c.selector.matches(target))
            .map(|c| (c, c.known_bug.filter(|bug| bug.present_on_target(target))))
    }

    /// What it should show on `target`, at the level `plan` prints.
    ///
    /// # Errors
    /// Why it does not run on `target` (it needs native sidecars and the gate is off).
    pub fn expectation(&self, target: &Target) -> Result<ScenarioExpectation, &'static str> {
        if self.needs_native_sidecars {
            target.native_sidecars()?;
        }
        let has = |pred: fn(&Check) -> bool| self.checks.iter().any(|c| pred(&c.check));
        let ends = has(|c| {
            matches!(
                c,
                Check::JobCompletes { .. } | Check::JobPodKeepsRunning { .. }
            )
        });
        if self.refused(target) {
            return Ok(ScenarioExpectation {
                pod_created: false,
                succeeds: Some(false),
                completes: ends.then_some(false),
                ..ScenarioExpectation::default()
            });
        }
        let asserted: Vec<_> = self.asserted(target).collect();
        let mut known_bugs: Vec<&'static KnownBug> = Vec::new();
        for bug in asserted.iter().filter_map(|(_, bug)| *bug) {
            if !known_bugs.contains(&bug) {
                known_bugs.push(bug);
            }
        }
        let completes = asserted.iter().find_map(|(c, _)| match c.check {
            Check::JobCompletes { .. } => Some(true),
            Check::JobPodKeepsRunning { .. } => Some(false),
            _ => None,
        });
        if !self.injected {
            let judged = asserted
                .iter()
                .any(|(c, _)| c.check != Check::PrinterAgrees);
            return Ok(ScenarioExpectation {
                pod_created: true,
                succeeds: judged.then_some(known_bugs.is_empty()),
                completes,
                known_bugs,
                ..ScenarioExpectation::default()
            });
        }
        let (proxy, proxy_starts_first) = proxy_expectation(target.mode);
        let succeeds = asserted
            .iter()
            .find_map(|(c, _)| match c.check {
                Check::Request { succeeds, .. } => succeeds,
                _ => None,
            })
            .filter(|_| target.sidecar_traffic().is_ok());
        Ok(ScenarioExpectation {
            pod_created: true,
            proxy,
            proxy_starts_first,
            succeeds,
            completes,
            known_bugs,
        })
    }

    /// The checks a recording on `target` must pass. Where the injector's pods are refused,
    /// only that nothing runs (and the printer).
    pub fn checks(&self, target: &Target) -> Vec<Check> {
        if self.refused(target) {
            return vec![Check::PodNeverRuns, Check::PrinterAgrees];
        }
        let mut checks = Vec::new();
        for file_check in &self.checks {
            if !file_check.selector.matches(target) {
                if let (Check::Request { step, .. }, Some(reason)) =
                    (&file_check.check, file_check.otherwise)
                {
                    // No traffic to make outranks the file's own reason, as for built-ins.
                    let reason = match self.injected {
                        true => target.sidecar_traffic().err().unwrap_or(reason),
                        false => reason,
                    };
                    checks.push(Check::Request {
                        step,
                        succeeds: None,
                        unasserted_because: Some(reason),
                    });
                }
                continue;
            }
            let bug = file_check
                .known_bug
                .filter(|bug| bug.present_on_target(target));
            match &file_check.check {
                Check::ProxyLayout { .. } => {
                    if let (Some(place), _) = proxy_expectation(target.mode) {
                        checks.push(Check::ProxyLayout { place });
                    }
                }
                Check::Request { step, succeeds, .. } => {
                    let traffic = if self.injected {
                        target.sidecar_traffic()
                    } else {
                        Ok(())
                    };
                    match traffic {
                        Ok(()) => {
                            checks.push(file_check.check.clone());
                            if file_check.heard && *succeeds == Some(true) {
                                checks.extend(heard(target, step));
                            }
                        }
                        Err(reason) => checks.push(Check::Request {
                            step,
                            succeeds: None,
                            unasserted_because: Some(reason),
                        }),
                    }
                }
                _ => checks.push(file_check.with_bug(bug)),
            }
        }
        checks
    }

    /// What the recorder does next; `None` while it waits.
    pub fn next(&self, progress: &Progress<'_>) -> Option<EndCondition> {
        steps::next(&self.steps, progress)
    }
}

/// A handle to a loaded scenario file: an index into the process's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileScenarioId(u16);

/// The scenario files this process loaded, each kept for good so a handle is a plain index.
static LOADED: OnceLock<Mutex<Vec<&'static FileScenario>>> = OnceLock::new();

fn loaded() -> &'static Mutex<Vec<&'static FileScenario>> {
    LOADED.get_or_init(|| Mutex::new(Vec::new()))
}

/// Every scenario file this process knows.
pub struct ScenarioFiles;

impl ScenarioFiles {
    /// Loads a scenario file (read from `path`, with its manifest's text) and keeps it. Its name
    /// must not be another loaded file's (the same file again is fine). A file that takes a
    /// built-in scenario's name replaces the built-in for the rest of the process: that is how a
    /// change to a built-in is tried as data (`testdata/scenario-files/` holds two built-ins so
    /// written, held to judge as the built-ins do).
    ///
    /// # Errors
    /// [`ScenarioFileError`] naming the file and what is wrong.
    pub fn load(path: &Path, text: &str, manifest: &str) -> Result<Scenario, ScenarioFileError> {
        let file = path.display().to_string();
        let scenario = FileScenario::parse(&file, text, manifest)?;
        let mut all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        let too_many = || ScenarioFileError::Invalid {
            file: file.clone(),
            line: None,
            field: "scenario".to_owned(),
            reason: "too many scenario files in one process".to_owned(),
        };
        if let Some(i) = all.iter().position(|s| s.name == scenario.name) {
            if *all[i] == scenario {
                return u16::try_from(i)
                    .map(|i| Scenario::File(FileScenarioId(i)))
                    .map_err(|_| too_many());
            }
            return Err(ScenarioFileError::Invalid {
                line: line_of(text, "scenario"),
                file,
                field: "scenario".to_owned(),
                reason: format!(
                    "{:?} is already the name of {}: each scenario needs a name of its own",
                    scenario.name, all[i].source
                ),
            });
        }
        let id = u16::try_from(all.len()).map_err(|_| too_many())?;
        all.push(Box::leak(Box::new(scenario)));
        Ok(Scenario::File(FileScenarioId(id)))
    }

    /// Every loaded scenario file, in load order.
    pub fn all() -> Vec<Scenario> {
        let all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        (0..all.len())
            .filter_map(|i| u16::try_from(i).ok())
            .map(|i| Scenario::File(FileScenarioId(i)))
            .collect()
    }

    /// The loaded file `id` names.
    pub(crate) fn get(id: FileScenarioId) -> &'static FileScenario {
        // Ids are made only by `load`, from the list's length: every one is in the list.
        let all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        all[usize::from(id.0)]
    }

    /// The loaded file named `name`: it stands for a built-in of that name, if any.
    pub fn named(name: &str) -> Option<Scenario> {
        let all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        all.iter()
            .position(|s| s.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(|i| Scenario::File(FileScenarioId(i)))
    }
}
