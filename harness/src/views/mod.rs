//! Views derived from a recording: what `kubectl` would have shown, container timelines, the
//! workloads' evidence lines and parsed proxy access logs.

pub mod access_log;
pub mod evidence;
pub mod kubectl;
pub mod timeline;
