//! One way to print an error: the message and each of its causes, once, joined by `: `. The CLI
//! renders errors with it, and the run records setup failures with it, so both read the same. It
//! is the injector's (its command line prints errors the same way), re-exported here.

pub use sidecar_injector::error_chain::error_chain;
