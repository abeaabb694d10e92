//! Markdown for `$GITHUB_STEP_SUMMARY`: a table per cell, failures with their evidence.

use super::event::{BrokenCell, RunSummary};
use super::sink::{BufferedSink, EndReport, Kept};
use super::text::status_word;
use crate::verdict::{CheckStatus, Verdict};

/// Markdown for some verdicts.
pub fn markdown(verdicts: &[Verdict]) -> String {
    let mut out = String::from("# sidecar-e2e\n");
    for verdict in verdicts {
        let cell = &verdict.cell;
        let icon = if verdict.failed() {
            "❌"
        } else if verdict.harness_faults() > 0 {
            "⚠️"
        } else {
            "✅"
        };
        out.push_str(&format!(
            "\n## {icon} Kubernetes {} · gate `{}` · `{}` · asked `{}` → `{}`\n\n",
            cell.k8s, cell.gate, cell.injector, cell.requested_mode, verdict.effective_mode
        ));
        out.push_str("| scenario | check | expected | result |\n|---|---|---|---|\n");
        for scenario in &verdict.scenarios {
            for result in &scenario.results {
                let outcome = match (result.check.known_bug(), result.status) {
                    (Some(bug), CheckStatus::KnownBug) => match &bug.open_upstream {
                        Some(fix) => format!(
                            "known bug [{}]({}), **open upstream**: no released patch has \
                             [the fix]({})",
                            bug.id, bug.url, fix.pr
                        ),
                        None => format!("known bug [{}]({})", bug.id, bug.url),
                    },
                    (_, status) => status_word(status).to_owned(),
                };
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    scenario.scenario,
                    result.check.name(),
                    result.check.describe().replace('|', "\\|"),
                    outcome
                ));
            }
        }
        for scenario in verdict.scenarios.iter().filter(|s| s.attempt > 1) {
            out.push_str(&format!(
                "\n`{}` was recorded again (attempt {}): a harness fault spoiled the earlier recording ({}).\n",
                scenario.scenario,
                scenario.attempt,
                scenario.retried_because.join("; ").replace('|', "\\|")
            ));
        }
        for scenario in &verdict.scenarios {
            let failures: Vec<_> = scenario
                .results
                .iter()
                .filter(|r| matches!(r.status, CheckStatus::Fail | CheckStatus::HarnessFault))
                .collect();
            if failures.is_empty() {
                continue;
            }
            let count = |status| failures.iter().filter(|r| r.status == status).count();
            let summary = match (count(CheckStatus::Fail), count(CheckStatus::HarnessFault)) {
                (failed, 0) => format!("{failed} failed"),
                (0, undecided) => format!("{undecided} left undecided by a harness fault"),
                (failed, undecided) => {
                    format!("{failed} failed, {undecided} left undecided by a harness fault")
                }
            };
            out.push_str(&format!(
                "\n<details><summary>{}: {summary}</summary>\n\n",
                scenario.scenario
            ));
            for watch in &scenario.watch {
                out.push_str(&format!("`kubectl get pods -w`: {watch}\n\n"));
            }
            for watch in &scenario.server_watch {
                out.push_str(&format!("API server's rows: {watch}\n\n"));
            }
            for result in failures {
                out.push_str(&format!(
                    "**{}** ({}) — expected {}\n\n```text\n",
                    result.check.name(),
                    status_word(result.status),
                    result.check.describe()
                ));
                for line in &result.evidence {
                    out.push_str(line);
                    out.push('\n');
                }
                out.push_str("```\n\n");
            }
            out.push_str("</details>\n");
        }
    }
    out
}

/// The line that links the timeline page, `link` relative to the Markdown file.
pub fn timeline_link(link: &str) -> String {
    format!(
        "\n[Container timelines]({link}): every pod's containers, native beside legacy, on one time axis.\n"
    )
}

/// The cells that could not be set up, as a Markdown section (empty when there are none).
pub fn broken_markdown(broken: &[BrokenCell]) -> String {
    if broken.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Cells that could not be set up (nothing was checked)\n\n");
    for cell in broken {
        for failure in &cell.failures {
            out.push_str(&format!(
                "- `{}`: {}\n",
                cell.cell,
                failure.replace('\n', " ")
            ));
        }
    }
    out
}

/// Markdown for `$GITHUB_STEP_SUMMARY`, rendered at the end: the cells, the ones that could
/// not be set up, and a link to the timeline page when there is one.
#[derive(Debug, Default)]
pub struct MarkdownReport {
    timeline: Option<String>,
}

impl EndReport for MarkdownReport {
    fn render(
        &self,
        kept: &Kept,
        _: &RunSummary,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let mut text = markdown(&kept.verdicts) + &broken_markdown(&kept.broken);
        if let Some(link) = &self.timeline {
            // Right under the `# sidecar-e2e` title, before the cells.
            let at = text.find('\n').map_or(text.len(), |i| i + 1);
            text.insert_str(at, &timeline_link(link));
        }
        Ok(text)
    }
}

/// Writes [`markdown`] when the run finishes.
pub type MarkdownSink<W> = BufferedSink<W, MarkdownReport>;

impl<W: std::io::Write> BufferedSink<W, MarkdownReport> {
    /// A sink writing to `out`; `target` names it in errors.
    pub fn new(out: W, target: impl Into<String>) -> Self {
        Self::with_report(out, target, MarkdownReport::default())
    }

    /// Links the timeline page (`link` relative to the Markdown file) under the title.
    #[must_use]
    pub fn with_timeline(mut self, link: impl Into<String>) -> Self {
        self.report_mut().timeline = Some(link.into());
        self
    }
}
