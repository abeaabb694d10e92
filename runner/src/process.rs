//! One way to run a tool (kind, docker, istioctl): the argv as data, stdout and stderr kept, the
//! child killed when the future is dropped — so a cancelled run (Ctrl-C) never leaves a `kind
//! create` running behind it — and an error that names the command and shows its stderr.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// How much of a failed command's stderr an error shows (its end: where tools say what broke).
const STDERR_TAIL_LINES: usize = 25;

/// A tool's run that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The program could not be started.
    #[error("cannot start {program}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The program exited non-zero.
    #[error("`{command_line}` failed ({status}):\n{stderr_tail}")]
    Failed {
        /// The command, shell-quoted enough to paste.
        command_line: String,
        /// Its exit status.
        status: String,
        /// The last lines of its stderr.
        stderr_tail: String,
        /// The whole stderr, for hints.
        stderr: String,
    },
}

impl ToolError {
    /// The failed command's stderr, when it ran at all.
    pub fn stderr(&self) -> &str {
        match self {
            ToolError::Spawn { .. } => "",
            ToolError::Failed { stderr, .. } => stderr,
        }
    }
}

/// What a successful run printed.
#[derive(Debug, Clone, Default)]
pub struct ToolOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// A command: a program and its arguments.
#[derive(Debug, Clone)]
pub struct ToolCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl ToolCommand {
    /// `program args…`.
    pub fn new(program: &Path, args: Vec<OsString>) -> Self {
        ToolCommand {
            program: program.to_owned(),
            args,
        }
    }

    /// The command line as a user would type it (for errors, logs and `--keep-on-failure` hints).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_os_str())
            .chain(self.args.iter().map(OsString::as_os_str))
            .map(|part| quote(&part.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs it to completion. Dropping the future kills the child.
    ///
    /// # Errors
    /// [`ToolError`] when it cannot start or exits non-zero.
    pub async fn run(&self) -> Result<ToolOutput, ToolError> {
        tracing::debug!(command = %self.display(), "running");
        let output = tokio::process::Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|source| ToolError::Spawn {
                program: self.program.display().to_string(),
                source,
            })?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if output.status.success() {
            Ok(ToolOutput { stdout, stderr })
        } else {
            Err(ToolError::Failed {
                command_line: self.display(),
                status: output.status.to_string(),
                stderr_tail: tail(&stderr, STDERR_TAIL_LINES),
                stderr,
            })
        }
    }
}

/// The last `lines` lines of `text`, each indented, so an error shows where the tool gave up.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    all[start..]
        .iter()
        .map(|line| format!("  | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Quotes `part` for a POSIX shell when it needs it.
fn quote(part: &str) -> String {
    let plain = !part.is_empty()
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c));
    if plain {
        part.to_owned()
    } else {
        format!("'{}'", part.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_a_command_line_that_pastes_into_a_shell() {
        let command = ToolCommand::new(
            Path::new("/usr/bin/kind"),
            vec![
                "create".into(),
                "cluster".into(),
                "--name=a b".into(),
                "it's".into(),
            ],
        );
        assert_eq!(
            command.display(),
            r"/usr/bin/kind create cluster '--name=a b' 'it'\''s'"
        );
    }

    #[test]
    fn keeps_the_end_of_stderr() {
        let text: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let kept = tail(&text, 3);
        assert_eq!(kept, "  | line 28\n  | line 29\n  | line 30");
    }

    #[tokio::test]
    async fn a_failing_command_names_itself_and_shows_stderr() {
        let command = ToolCommand::new(
            Path::new("/bin/sh"),
            vec!["-c".into(), "echo broken >&2; exit 3".into()],
        );
        let err = command.run().await.expect_err("exit 3 fails");
        let text = err.to_string();
        assert!(
            text.contains("/bin/sh -c 'echo broken >&2; exit 3'"),
            "{text}"
        );
        assert!(text.contains("exit status: 3"), "{text}");
        assert!(text.contains("  | broken"), "{text}");
        assert_eq!(err.stderr(), "broken\n");
    }

    #[tokio::test]
    async fn a_missing_program_is_a_spawn_error() {
        let command = ToolCommand::new(Path::new("/nonexistent/kind"), vec![]);
        let err = command.run().await.expect_err("no such program");
        assert!(matches!(err, ToolError::Spawn { .. }), "{err}");
    }

    #[tokio::test]
    async fn dropping_the_run_kills_the_child() {
        let dir = tempfile::tempdir().expect("temp dir");
        let marker = dir.path().join("finished");
        let script = format!("sleep 2; touch {}", marker.display());
        let command = ToolCommand::new(Path::new("/bin/sh"), vec!["-c".into(), script.into()]);
        let run = command.run();
        let cancelled = tokio::time::timeout(std::time::Duration::from_millis(200), run).await;
        assert!(cancelled.is_err(), "the command must still be running");
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "the child must have been killed on drop");
    }
}
