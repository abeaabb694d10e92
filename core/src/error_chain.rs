//! One way to print an error: the message and each of its causes, once, joined by `: `. The CLI
//! renders errors with it, and the run records setup failures with it, so both read the same.

/// An error and its sources, once each, joined by `: ` (each message leaves its cause to
/// `source()`, so nothing prints twice).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
