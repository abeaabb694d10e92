//! Reports of verdicts. One event stream ([`ReportEvent`]) fans out through a [`Reporter`] to
//! every sink a run asked for: the terminal table, JUnit XML (one testcase per cell × scenario),
//! Markdown for `$GITHUB_STEP_SUMMARY`, the verdicts as JSON, and the drawn container timelines
//! (`timeline.html`, from the recordings rather than the verdicts). `verify` and `run` feed it. Each renderer is also a pure function (`terminal_table`, `junit_xml`,
//! `markdown`, `json_report`) for tests and snapshots; `run` adds the cells it could not set up.

mod compat;
mod event;
mod json;
mod junit;
mod markdown;
mod repeat;
mod sink;
mod terminal;
mod text;
mod timeline;

pub use compat::{CompatCell, CompatResult, compat_markdown};
pub use event::{BrokenCell, ReportEvent, RunSummary};
pub use json::{JsonReport, JsonSink, json_report, json_report_with_broken};
pub use junit::{JunitError, JunitReport, JunitSink, junit_xml, junit_xml_with_broken};
pub use markdown::{MarkdownReport, MarkdownSink, broken_markdown, markdown, timeline_link};
pub use repeat::{CheckTally, repeat_markdown, tally};
pub use sink::{BufferedSink, EndReport, Kept, ReportError, Reporter, Sink};
pub use terminal::{Colour, TerminalSink, terminal_table};
pub use text::visible;
pub use timeline::TimelineSink;
