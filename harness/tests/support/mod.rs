//! Running the built `sidecar-e2e` as a user does, for the command-line tests.

use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

/// `sidecar-e2e <args>`, run to its end.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("must run sidecar-e2e")
}

/// The exit code and both streams, for an assertion's message.
#[allow(dead_code)] // not every test file prints a whole run
pub fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
