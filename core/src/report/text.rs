//! Plain-text pieces the renderers share: a failed check with its evidence, status words, and
//! text from a cluster or a recording made safe for a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::verdict::{CheckResult, CheckStatus, ScenarioVerdict};

/// `text` with every character a terminal would act on written out instead: ESC as `\x1b` and
/// the other C0 controls and DEL as `\xNN`, the C1 controls (which some terminals take as
/// ESC sequences) and the bidirectional overrides (which reorder what is shown) as `\u{NN}`.
/// Newlines and tabs stay. Everything a cluster or a recording says (log lines, pod and container
/// names, events, evidence, error chains) goes through this before a terminal sees it, so a
/// crafted log line cannot set the window's title, clear the screen or hide text; the harness's
/// own colours are added after.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !acts_on_terminal(c) => out.push(c),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// C0 controls but newline and tab, DEL, C1 controls, and the bidirectional embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069).
fn acts_on_terminal(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        c if c.is_control() => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// The checks of a scenario with `status`, each with its evidence, as plain text.
pub(super) fn results_text(scenario: &ScenarioVerdict, status: CheckStatus) -> String {
    scenario
        .results
        .iter()
        .filter(|r| r.status == status)
        .map(describe_result)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `name: expected …` and the evidence, indented, one line each.
pub(super) fn describe_result(result: &CheckResult) -> String {
    let mut text = format!(
        "{}: expected {}",
        result.check.name(),
        result.check.describe()
    );
    for line in &result.evidence {
        text.push_str("\n    ");
        text.push_str(line);
    }
    text
}

/// `pass`, `FAIL`, `n/a`, `known bug` or `HARNESS FAULT`.
pub(super) fn status_word(status: CheckStatus) -> &'static str {
    status.word()
}

/// The known bug a result was judged against, as `kubernetes#132826 (https://…)`, when its status
/// is [`CheckStatus::KnownBug`].
pub(super) fn known_bug_reference(result: &CheckResult) -> Option<String> {
    let bug = result.check.known_bug()?;
    (result.status == CheckStatus::KnownBug).then(|| format!("{} ({})", bug.id, bug.url))
}

/// For a result that showed a known bug open upstream: `no released patch has the fix (pending:
/// <pr>; <status>)`.
pub(super) fn open_upstream_reference(result: &CheckResult) -> Option<String> {
    let bug = result.check.known_bug()?;
    (result.status == CheckStatus::KnownBug && bug.is_open_upstream()).then(|| bug.fix_status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_written_out_and_text_is_kept() {
        assert!(matches!(
            visible("job-b8rkr: 1/2 Running"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            visible("a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc"),
            "a\\x1b]0;pwned\\x07b\\x1b[2Jc"
        );
        assert_eq!(visible("cr\rdel\u{7f}nul\u{0}"), "cr\\x0ddel\\x7fnul\\x00");
        assert_eq!(visible("csi\u{9b}31m"), "csi\\u{9b}31m");
        assert_eq!(visible("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(
            visible("two\nlines\tand tab, café ✓"),
            "two\nlines\tand tab, café ✓"
        );
    }
}
