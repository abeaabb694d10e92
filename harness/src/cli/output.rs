//! Where the command line writes: stdout, where a closed pipe (`| head`) is the reader's choice
//! rather than a failure, and report files.

use std::io::Write;
use std::path::Path;

use super::errors::ExpectedError;

/// Standard output as a writer that treats a closed pipe as success.
pub(super) struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::io::stdout().lock().write(buf) {
            // Swallow the rest: the reader has gone.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match std::io::stdout().lock().flush() {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// Writes all of `text` to stdout.
pub(super) fn write_stdout(text: &str) -> Result<(), ExpectedError> {
    Stdout
        .write_all(text.as_bytes())
        .and_then(|()| Stdout.flush())
        .map_err(ExpectedError::Write)
}

/// Writes `text` to the file at `path`.
pub(super) fn write_file(path: &Path, text: &str) -> Result<(), ExpectedError> {
    std::fs::write(path, text).map_err(|source| ExpectedError::WriteFile {
        path: path.display().to_string(),
        source,
    })
}
