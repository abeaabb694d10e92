//! JUnit XML through quick-junit (what nextest writes): a test suite per cell, a testcase per
//! scenario; failed checks and their evidence in the failure message and description, the
//! `kubectl get pods -w` sequence in system-out.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::event::{BrokenCell, RunSummary};
use super::sink::{BufferedSink, EndReport, Kept};
use super::text::{describe_result, known_bug_reference, open_upstream_reference, results_text};
use crate::verdict::{CheckStatus, Verdict};

/// The report could not be written (quick-junit refused it).
#[derive(Debug, thiserror::Error)]
#[error("cannot write JUnit XML")]
pub struct JunitError(#[source] quick_junit::SerializeError);

/// JUnit XML for some verdicts.
///
/// # Errors
/// [`JunitError`] if serialisation fails.
pub fn junit_xml(verdicts: &[Verdict]) -> Result<String, JunitError> {
    junit_xml_with_broken(verdicts, &[])
}

/// JUnit XML for some verdicts and the cells that could not be set up: each of those is a suite
/// with one `setup` testcase in error, so a CI that reads only JUnit still sees it.
///
/// # Errors
/// [`JunitError`] if serialisation fails.
pub fn junit_xml_with_broken(
    verdicts: &[Verdict],
    broken: &[BrokenCell],
) -> Result<String, JunitError> {
    let mut report = Report::new("sidecar-e2e");
    for verdict in verdicts {
        let slug = verdict.cell.slug();
        let mut suite = TestSuite::new(slug.clone());
        for scenario in &verdict.scenarios {
            let names = |status: CheckStatus| -> Vec<&str> {
                scenario
                    .results
                    .iter()
                    .filter(|r| r.status == status)
                    .map(|r| r.check.name())
                    .collect()
            };
            let (failed, undecided) = (names(CheckStatus::Fail), names(CheckStatus::HarnessFault));
            // A product failure is a JUnit failure; a check a harness fault left undecided is a
            // JUnit error (the harness broke, as with a cell that could not be set up).
            let status = if !failed.is_empty() {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(format!("failed: {}", failed.join(", ")))
                    .set_type("expectation")
                    .set_description(results_text(scenario, CheckStatus::Fail));
                status
            } else if !undecided.is_empty() {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status
                    .set_message(format!(
                        "left undecided by a harness fault: {}",
                        undecided.join(", ")
                    ))
                    .set_type("harness-fault")
                    .set_description(results_text(scenario, CheckStatus::HarnessFault));
                status
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(scenario.scenario.name(), status);
            case.set_classname(slug.clone());
            // A known bug passes the testcase, and says which bug in a property a CI can read.
            for result in &scenario.results {
                if let Some(reference) = known_bug_reference(result) {
                    case.add_property(quick_junit::Property::new(
                        format!("known-bug.{}", result.check.name()),
                        reference,
                    ));
                }
                // A bug no released patch has fixed says so beside it.
                if let Some(status) = open_upstream_reference(result) {
                    case.add_property(quick_junit::Property::new(
                        format!("known-bug-open-upstream.{}", result.check.name()),
                        status,
                    ));
                }
            }
            if scenario.attempt > 1 {
                case.add_property(quick_junit::Property::new(
                    "attempt",
                    scenario.attempt.to_string(),
                ));
            }
            case.set_assertions(scenario.results.len());
            let mut out = scenario.watch.join("\n");
            out.push_str("\n\ncontainer timeline:\n");
            for line in &scenario.timeline {
                out.push_str(&format!("  {line}\n"));
            }
            out.push('\n');
            for result in &scenario.results {
                out.push_str(&format!("{} ", result.status.word()));
                out.push_str(&describe_result(result));
                out.push('\n');
            }
            case.set_system_out(out);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    for cell in broken {
        let mut suite = TestSuite::new(cell.cell.clone());
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_message("the cell could not be set up: nothing was checked")
            .set_type("setup")
            .set_description(cell.failures.join("\n"));
        let mut case = TestCase::new("setup", status);
        case.set_classname(cell.cell.clone());
        suite.add_test_case(case);
        report.add_test_suite(suite);
    }
    report.to_string().map_err(JunitError)
}

/// JUnit XML, rendered at the end ([`junit_xml_with_broken`]).
#[derive(Debug, Default)]
pub struct JunitReport;

impl EndReport for JunitReport {
    fn render(
        &self,
        kept: &Kept,
        _: &RunSummary,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        Ok(junit_xml_with_broken(&kept.verdicts, &kept.broken)?)
    }
}

/// Writes [`junit_xml`] when the run finishes.
pub type JunitSink<W> = BufferedSink<W, JunitReport>;

impl<W: std::io::Write> BufferedSink<W, JunitReport> {
    /// A sink writing to `out`; `target` names it in errors.
    pub fn new(out: W, target: impl Into<String>) -> Self {
        Self::with_report(out, target, JunitReport)
    }
}
