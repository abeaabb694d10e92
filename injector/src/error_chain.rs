//! One way to print an error: the message and each of its causes, once, joined by `: `. Both
//! command lines (`sidecar-injector`, `sidecar-e2e`) and the harness's recorded setup failures
//! use it, so they all read the same. Pure: part of the core the harness builds on.

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
