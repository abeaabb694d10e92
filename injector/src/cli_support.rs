//! What both command lines (`sidecar-injector`, `sidecar-e2e`) share: rendering an error chain
//! with its hint, and writing to stdout where a closed pipe is not a failure.

use std::io::Write;

pub use crate::error_chain::error_chain;

/// Prints `error: <chain>` and, if given, `  (hint: …)` on stderr.
pub fn print_error(err: &dyn std::error::Error, hint: Option<&str>) {
    eprintln!("error: {}", error_chain(err));
    if let Some(hint) = hint {
        eprintln!("  (hint: {hint})");
    }
}

/// Writes all of `text` to stdout. A closed pipe (`| head`) is the reader's choice, not a
/// failure, so it counts as success.
///
/// # Errors
/// Any other I/O error.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
