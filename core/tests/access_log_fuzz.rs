//! The access-log parser never panics, whatever a container prints: arbitrary text, and real
//! lines mangled (cut, spliced with multi-byte text, quotes inserted).

use proptest::prelude::*;
use sidecar_e2e_core::views::access_log::{parse_line, parse_log};

const REAL: &str = include_str!("../../testdata/access-logs/envoy-1.40-edge-cases.log");

fn real_lines() -> Vec<&'static str> {
    REAL.lines().filter(|l| l.starts_with('[')).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = parse_line(&text);
        let _ = parse_log(&text);
    }

    #[test]
    fn mangled_real_lines_never_panic(
        index in 0usize..8,
        cut in 0usize..400,
        insert in prop::sample::select(vec!["\"", "\" \"", "é", "日本", " ", "] ", "\" 200 ", ""]),
        at in 0usize..400,
    ) {
        let line = real_lines()[index % real_lines().len()];
        let mut chars: Vec<char> = line.chars().collect();
        chars.truncate(cut.max(1).min(chars.len()));
        let at = at.min(chars.len());
        let mangled: String = chars[..at].iter().collect::<String>() + insert + &chars[at..].iter().collect::<String>();
        let _ = parse_line(&mangled);
    }
}

#[test]
fn every_real_line_still_parses_whole() {
    for line in real_lines() {
        assert!(parse_line(line).is_ok(), "{line}");
    }
}
