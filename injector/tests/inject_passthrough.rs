//! Property tests: `inject` never changes the meaning of what it does not own.
//!
//! Generated objects carry tricky scalars (octal, hex, YAML 1.1 booleans, exponents, strings
//! that look like numbers) plain and quoted. For each: the output reads, the way kubectl reads it
//! (go-yaml v2 rules, checked against a real kubectl in `inject_kubectl_scalars.rs`), as the input
//! reads; a YAML 1.2 reader agrees; and injecting the output again gives the same bytes.

use proptest::prelude::*;
use serde_json::Value;
use sidecar_injector::{InjectorConfig, Mode, inject_manifest, yaml};

/// Spellings kubectl reads as something other than the obvious string, or nearly so.
const TRICKY: &[&str] = &[
    "0400",
    "0755",
    "0o17",
    "0x1F",
    "-0x1F",
    "+12",
    "-0",
    "00",
    "0b101",
    "0b-101",
    "1_000",
    "0_400",
    "9223372036854775808",
    "18446744073709551615",
    "123456789012345678901234",
    "0xFFFFFFFFFFFFFFFFFF",
    "1e3",
    "1.5e3",
    "1.0",
    "3.",
    ".5",
    "-.5",
    "09",
    "08.5",
    "1e400",
    "1e-400",
    "-0.0",
    "0.1",
    "6.02e23",
    "1e20",
    "y",
    "Y",
    "yes",
    "n",
    "NO",
    "on",
    "Off",
    "True",
    "FALSE",
    "yES",
    "~",
    "null",
    "NULL",
    "nULL",
    ".iNf",
    "1:20",
    "2001-12-14",
    "0x",
    "0b2",
    "12abc",
    "Infinity",
    "NaN",
    "inf",
    "=",
    "_1",
    "1_",
    "+",
    ".",
    "e3",
    "x",
];

/// A scalar as written in the input: plain (resolved by kubectl's rules) or double-quoted.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(TRICKY).prop_map(str::to_owned),
        2 => "[0-9a-fxobeEyYnN._+]{1,8}",
        2 => "-[0-9.][0-9a-fxe._]{0,6}",
        2 => any::<String>().prop_map(|s| serde_json::to_string(&s).expect("a string serialises")),
        1 => prop::sample::select(TRICKY).prop_map(|s| format!("\"{s}\"")),
        1 => prop::sample::select(TRICKY).prop_map(|s| format!("'{s}'")),
    ]
}

#[derive(Debug, Clone)]
enum Tree {
    Scalar(String),
    Map(Vec<(String, Tree)>),
    Seq(Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    scalar()
        .prop_map(Tree::Scalar)
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec((scalar(), inner.clone()), 1..6).prop_map(Tree::Map),
                prop::collection::vec(inner, 1..6).prop_map(Tree::Seq),
            ]
        })
}

/// Block-style YAML for `tree` at `indent`, after a `key:` or `-`.
fn render(tree: &Tree, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match tree {
        Tree::Scalar(text) => {
            out.push(' ');
            out.push_str(text);
            out.push('\n');
        }
        Tree::Map(entries) => {
            out.push('\n');
            for (key, value) in entries {
                out.push_str(&format!("{pad}{key}:"));
                render(value, indent + 2, out);
            }
        }
        Tree::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}-"));
                render(item, indent + 2, out);
            }
        }
    }
}

fn object(kind: &str, fields: &[(String, Tree)]) -> String {
    let mut out = format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\n");
    for (key, value) in fields {
        out.push_str(&format!("{key}:"));
        render(value, 2, &mut out);
    }
    out
}

/// kubectl's reading (go-yaml v2 rules) of a stream.
fn kubectl_reads(text: &str) -> Vec<Value> {
    yaml::parse_documents(text).unwrap_or_else(|err| panic!("{err}\n---\n{text}"))
}

/// A YAML 1.2 reader's: core-schema booleans only, no legacy octal.
fn yaml_1_2_reads(text: &str) -> Vec<Value> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_multiple_with_options(text, options)
        .unwrap_or_else(|err| panic!("{err}\n---\n{text}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn objects_passed_through_mean_what_they_meant(
        kind in prop::sample::select(vec!["ConfigMap", "Service", "Widget"]),
        fields in prop::collection::vec(("(data|spec|[a-z]{1,6})", tree()), 1..4),
    ) {
        let fields: Vec<(String, Tree)> = fields
            .into_iter()
            .filter(|(key, _)| !["apiVersion", "kind", "metadata"].contains(&key.as_str()))
            .collect();
        let input = object(kind, &fields);
        // Inputs kubectl refuses (`.inf` as a value, a null key) are not this test's business.
        let Ok(expected) = yaml::parse_documents(&input) else {
            return Ok(());
        };
        let injected = inject_manifest(&input, &InjectorConfig::new(Mode::Native))
            .unwrap_or_else(|err| panic!("{}\n---\n{input}", sidecar_injector::error_chain(&err)));
        let output = injected.to_yaml();
        prop_assert_eq!(&kubectl_reads(&output), &expected, "kubectl reading\n--- input\n{}--- output\n{}", input, output);
        prop_assert_eq!(&yaml_1_2_reads(&output), &expected, "YAML 1.2 reading\n--- input\n{}--- output\n{}", input, output);
        let again = inject_manifest(&output, &InjectorConfig::new(Mode::Native))
            .expect("the output injects")
            .to_yaml();
        prop_assert_eq!(again, output);
    }
}

#[test]
fn the_reading_comparison_can_fail() {
    // A YAML 1.2 reader takes `0400` for 400 and `yes` for a string; kubectl does not.
    let text = "a: 0400\nb: yes\n";
    assert_ne!(kubectl_reads(text), yaml_1_2_reads(text));
}
