//! Views derived from a recording: what `kubectl` would have shown, container timelines (as text
//! for the reports, and as the drawn `timeline.html`), the workloads' evidence lines and parsed
//! proxy access logs.

pub mod access_log;
pub mod evidence;
pub mod kubectl;
pub mod lane_marks;
pub mod lanes;
pub mod time_axis;
pub mod timeline;
pub mod timeline_page;
pub mod timeline_svg;
