//! Views derived from a recording: what `kubectl` would have shown, and parsed proxy access logs.

pub mod access_log;
pub mod evidence;
pub mod kubectl;
