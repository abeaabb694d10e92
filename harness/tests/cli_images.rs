//! `sidecar-e2e images build` as users run it, for what needs no Docker: input errors come before
//! any step runs, with the exit code for bad input and a hint. (The build itself runs under the
//! e2e profile, whose suites use what it made.)

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("must run sidecar-e2e")
}

#[test]
fn rejects_a_version_without_an_offline_build_before_building() {
    let out = run(&["images", "build", "--k8s", "1.27"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad input is exit 2:\n{stderr}");
    assert!(
        stderr.contains("no offline build is defined for Kubernetes 1.27 (defined: 1.32)"),
        "the error must name the version and what is defined:\n{stderr}"
    );
    assert!(
        stderr.contains("images/versions/"),
        "the hint must say where builds are defined:\n{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing may be written on error");
}

#[test]
fn rejects_a_malformed_version() {
    let out = run(&["images", "build", "--k8s", "banana"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_names_the_sources_and_the_output() {
    let out = run(&["images", "build", "--help"]);
    // clap wraps to the terminal width: compare with the line breaks folded away.
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(out.status.success());
    for needle in [
        "Go module proxy",
        "Debian",
        "PyPI",
        "--output",
        "--image-map",
        "cached",
    ] {
        assert!(
            help.contains(needle),
            "--help must mention {needle}:\n{help}"
        );
    }
}
