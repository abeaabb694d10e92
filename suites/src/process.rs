//! Running a tool (kind, kubectl, docker) from a test: its output captured, and on failure a
//! framed message with the command, the status, stdout and stderr.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// What a finished command printed, and how it ended.
#[derive(Debug)]
pub struct Finished {
    /// The command line, for messages.
    pub command: String,
    /// Its raw output.
    pub output: Output,
}

impl Finished {
    /// Standard output as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Standard error as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Whether it exited 0.
    pub fn succeeded(&self) -> bool {
        self.output.status.success()
    }

    /// The framed report of this command, for failure messages.
    pub fn report(&self) -> String {
        format!(
            "\n┌── command: {}\n│ status: {}\n├── stdout\n{}├── stderr\n{}└──",
            self.command,
            self.output.status,
            frame(&self.stdout()),
            frame(&self.stderr()),
        )
    }
}

fn frame(text: &str) -> String {
    text.lines().map(|line| format!("│ {line}\n")).collect()
}

/// Runs `program args…` with `stdin` (if any) and returns what it did, whatever its status.
///
/// # Panics
/// When the program cannot be started at all (it must exist: the message names it).
pub fn run<I, S>(program: impl AsRef<OsStr>, args: I, stdin: Option<&[u8]>) -> Finished
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let program = program.as_ref();
    let mut command = Command::new(program);
    command.args(args);
    let line = std::iter::once(program.to_string_lossy().into_owned())
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|err| panic!("{line}: must be able to start {program:?}: {err}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input)
            .unwrap_or_else(|err| panic!("{line}: must accept its input: {err}"));
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|err| panic!("{line}: must finish: {err}"));
    Finished {
        command: line,
        output,
    }
}

/// Like [`run`], but the command must succeed.
///
/// # Panics
/// When it exits non-zero, with the framed report.
pub fn run_ok<I, S>(program: impl AsRef<OsStr>, args: I, stdin: Option<&[u8]>) -> Finished
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let finished = run(program, args, stdin);
    assert!(
        finished.succeeded(),
        "command must succeed:{}",
        finished.report()
    );
    finished
}
