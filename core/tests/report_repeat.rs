//! `run --repeat`'s tally: per check, how many runs met its expectation, the unsteady first.

mod support;

use sidecar_e2e_core::plan::{Gate, RequestedMode};
use sidecar_e2e_core::report::{repeat_markdown, tally};
use sidecar_e2e_core::verdict::{Verdict, judge};
use support::*;

fn judged(job: sidecar_e2e_core::recording::ScenarioRecording) -> Verdict {
    judge(&recording(
        cell(29, Gate::On, RequestedMode::Auto),
        vec![job],
    ))
    .expect("judgeable")
}

#[test]
fn a_check_that_failed_in_one_run_of_three_is_counted_and_named() {
    let good = judged(good_native_job());
    // Run 2: the Job's pod never reached Succeeded.
    let mut stuck = good_native_job();
    stuck.snapshots.truncate(4);
    let bad = judged(stuck);
    let runs = vec![vec![good.clone()], vec![bad], vec![good]];

    let tallies = tally(&runs);
    let completes = tallies
        .iter()
        .find(|t| t.check == "job-completes")
        .expect("tallied");
    assert_eq!(completes.agreed, [1, 3]);
    assert_eq!(completes.failed, [2]);
    let layout = tallies
        .iter()
        .find(|t| t.check == "proxy-layout")
        .expect("tallied");
    assert_eq!(layout.agreed, [1, 2, 3]);

    let text = repeat_markdown(&runs);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("# Repeated 3 times: ")
            && lines[0].contains("checks agreed in every run"),
        "{text}"
    );
    // The unsteady check comes first, with the run it failed in.
    assert_eq!(
        lines[4], "| 1-29-on-builtin-auto | job | job-completes | 2/3 | #2 |  |  |",
        "{text}"
    );
}

#[test]
fn a_cell_missing_from_a_run_is_not_decided_there() {
    let good = judged(good_native_job());
    let runs = vec![vec![good], vec![]];
    let tallies = tally(&runs);
    assert!(tallies.iter().all(|t| t.missing == [2] && t.agreed == [1]));
}
