//! Standard output, where a closed pipe (`| head`) is the reader's choice rather than a failure.

use std::io::Write;

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
