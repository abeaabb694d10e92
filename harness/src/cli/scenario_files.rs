//! `--scenarios DIR|FILE`: scenarios written as data (docs/scenario-files.md). Each
//! `*.scenario.yaml` in a directory (not its subdirectories), or a file named directly, is read
//! like every other input (bounded, UTF-8) with the manifest it names beside it, and loaded for
//! the rest of the process: `run` runs it, `plan` shows it, `verify` judges its recordings.
//! `--scenario NAME,...` chooses among the built-in and the loaded scenarios alike.

use std::path::{Path, PathBuf};

use super::errors::ExpectedError;
use super::input::{InputKind, InputLimits, read_text};
use sidecar_e2e_core::scenario::file::{FileScenario, ScenarioFiles};
use sidecar_e2e_core::scenario::{BadScenario, SCENARIO_FILE_SUFFIX, Scenario};

/// The flags that choose a command's scenarios.
#[derive(Debug, Clone, Default, clap::Args)]
pub(super) struct ScenarioOpts {
    /// Scenario files: a directory (its *.scenario.yaml files) or one file; repeat for several.
    /// They run beside the built-in scenarios (see --no-builtin-scenarios). The format:
    /// docs/scenario-files.md.
    #[arg(long = "scenarios", value_name = "DIR|FILE")]
    pub(super) dirs: Vec<PathBuf>,
    /// Leave the built-in scenarios out: only the files of --scenarios run.
    #[arg(long, requires = "dirs")]
    pub(super) no_builtin_scenarios: bool,
}

impl ScenarioOpts {
    /// The options that load `paths` (as `--scenarios` would), built-in scenarios kept.
    pub(super) fn of_paths(paths: &[PathBuf]) -> Self {
        ScenarioOpts {
            dirs: paths.to_vec(),
            no_builtin_scenarios: false,
        }
    }

    /// Loads the files, then the scenarios `names` choose (built-in or loaded); with no names,
    /// every built-in one (unless left out) and every loaded one.
    ///
    /// # Errors
    /// [`ExpectedError::Input`] for a file that cannot be read, [`ExpectedError::ScenarioFile`]
    /// for one that is wrong (its file, line and field), [`ExpectedError::BadFlag`] for an
    /// unknown name or an empty directory.
    pub(super) fn resolve(
        &self,
        names: &[String],
        limits: InputLimits,
    ) -> Result<Vec<Scenario>, ExpectedError> {
        let loaded = self.load(limits)?;
        if !names.is_empty() {
            return names
                .iter()
                .map(|name| {
                    name.parse()
                        .map_err(|err: BadScenario| ExpectedError::BadFlag {
                            flag: "--scenario",
                            reason: err.to_string(),
                        })
                })
                .collect();
        }
        Ok(match self.no_builtin_scenarios {
            true => loaded,
            false => Scenario::every(),
        })
    }

    /// Loads every file the flags name, in order (a directory's files by name).
    ///
    /// # Errors
    /// As [`ScenarioOpts::resolve`].
    pub(super) fn load(&self, limits: InputLimits) -> Result<Vec<Scenario>, ExpectedError> {
        let mut loaded = Vec::new();
        for path in &self.dirs {
            for file in scenario_files_in(path)? {
                let scenario = load_file(&file, limits)?;
                if let Some(builtin) = scenario.replaces() {
                    eprintln!(
                        "note: {} replaces the built-in scenario {builtin} in this run",
                        file.display()
                    );
                }
                if !loaded.contains(&scenario) {
                    loaded.push(scenario);
                }
            }
        }
        Ok(loaded)
    }
}

/// The scenario files `path` names: itself if a file, else its `*.scenario.yaml`, sorted.
fn scenario_files_in(path: &Path) -> Result<Vec<PathBuf>, ExpectedError> {
    let io = |source| {
        ExpectedError::Input(super::input::InputError::Read {
            path: path.display().to_string(),
            source,
        })
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(SCENARIO_FILE_SUFFIX))
                && p.is_file()
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ExpectedError::BadFlag {
            flag: "--scenarios",
            reason: format!(
                "{} holds no *{SCENARIO_FILE_SUFFIX} file (a scenario file's name ends so; its manifest may be named anything else)",
                path.display()
            ),
        });
    }
    Ok(files)
}

/// Reads and loads one scenario file with the manifest it names (relative to it).
fn load_file(path: &Path, limits: InputLimits) -> Result<Scenario, ExpectedError> {
    let text = read_text(path, InputKind::Scenario, limits).map_err(ExpectedError::Input)?;
    // A file that names no manifest is reported by the parser, with its line.
    let manifest = match FileScenario::manifest_named(&text) {
        Some(name) => {
            let beside = path.parent().unwrap_or(Path::new(".")).join(&name);
            read_text(&beside, InputKind::Scenario, limits).map_err(ExpectedError::Input)?
        }
        None => String::new(),
    };
    ScenarioFiles::load(path, &text, &manifest).map_err(ExpectedError::ScenarioFile)
}
