//! The files a command writes, checked against what it reads and against each other before
//! anything is written: an output that would overwrite an input, or two outputs on one file, is
//! refused naming both flags. Paths are compared where they really lead (`./r.json` and
//! `r.json`, a symlink and its target), see [`sidecar_e2e_runner::staged::resolved`].

use std::path::PathBuf;

use super::errors::ExpectedError;
use sidecar_e2e_runner::staged::resolved;

/// A path a flag names.
#[derive(Debug, Clone)]
pub(super) struct Named {
    /// The flag, as the user wrote it: `--json`, or `--artifacts (junit.xml)` for a file the
    /// command names itself.
    pub(super) flag: String,
    /// The path.
    pub(super) path: PathBuf,
}

impl Named {
    pub(super) fn new(flag: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Named {
            flag: flag.into(),
            path: path.into(),
        }
    }
}

/// Refuses an output that is one of `inputs`, or that another output also names.
///
/// # Errors
/// [`ExpectedError::OutputIsInput`] or [`ExpectedError::SameOutput`].
pub(super) fn check_outputs(inputs: &[Named], outputs: &[Named]) -> Result<(), ExpectedError> {
    let inputs: Vec<(&Named, PathBuf)> = inputs.iter().map(|n| (n, resolved(&n.path))).collect();
    let mut seen: Vec<(&Named, PathBuf)> = Vec::new();
    for output in outputs {
        let real = resolved(&output.path);
        if let Some((input, _)) = inputs.iter().find(|(_, path)| *path == real) {
            return Err(ExpectedError::OutputIsInput {
                output: output.flag.clone(),
                input: input.flag.clone(),
                path: input.path.display().to_string(),
            });
        }
        if let Some((first, _)) = seen.iter().find(|(_, path)| *path == real) {
            return Err(ExpectedError::SameOutput {
                first: first.flag.clone(),
                second: output.flag.clone(),
                path: output.path.display().to_string(),
            });
        }
        seen.push((output, real));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_output_on_an_input_or_on_another_output() {
        let dir = tempfile::tempdir().expect("temp dir");
        let recording = dir.path().join("r.json");
        std::fs::write(&recording, "{}").expect("written");
        std::fs::create_dir(dir.path().join("sub")).expect("made");
        let again = dir.path().join("./sub/../r.json");
        let inputs = [Named::new("--recording", recording.clone())];

        let err = check_outputs(&inputs, &[Named::new("--json", again)]).expect_err("clash");
        assert_eq!(
            err.to_string(),
            format!(
                "--json would overwrite {}, which --recording reads",
                recording.display()
            )
        );

        let x = dir.path().join("x.xml");
        let err = check_outputs(
            &inputs,
            &[
                Named::new("--junit", x.clone()),
                Named::new("--markdown", x.clone()),
            ],
        )
        .expect_err("clash");
        assert_eq!(
            err.to_string(),
            format!("--junit and --markdown both name {}", x.display())
        );

        let y = dir.path().join("y.md");
        check_outputs(
            &inputs,
            &[Named::new("--junit", x), Named::new("--markdown", y)],
        )
        .expect("distinct");
    }
}
