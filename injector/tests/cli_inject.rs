//! The `sidecar-injector` binary: output, exit codes and error messages users see.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use sidecar_injector::bootstrap::Bootstrap;
use sidecar_injector::{InjectorConfig, Mode, inject_manifest};

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-injector");

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("must spawn sidecar-injector");
    let written = child
        .stdin
        .take()
        .expect("stdin piped")
        .write_all(stdin.as_bytes());
    // A command that fails on its arguments exits without reading stdin: a closed pipe is fine.
    if let Err(err) = written {
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::BrokenPipe,
            "must write stdin: {err}"
        );
    }
    child.wait_with_output().expect("must wait")
}

fn describe(out: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: app, image: nginx}]}\n";

#[test]
fn injects_stdin_and_prints_what_the_library_prints() {
    for (flag, mode) in [("native", Mode::Native), ("legacy", Mode::Legacy)] {
        let out = run(&["inject", "-f", "-", "--mode", flag], POD);
        assert!(out.status.success(), "{}", describe(&out));
        let expected = inject_manifest(POD, &InjectorConfig::new(mode))
            .expect("injects")
            .to_yaml();
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            format!("injected Pod/web ({flag})")
        );
    }
}

#[test]
fn quiet_prints_nothing_on_stderr() {
    let out = run(&["inject", "--quiet"], POD);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));
}

#[test]
fn malformed_yaml_exits_1_naming_document_and_line_and_prints_nothing() {
    let input = format!("{POD}---\napiVersion: v1\nkind: Pod\nspec: {{containers: [\n");
    let out = run(&["inject"], &input);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        out.stdout.is_empty(),
        "no partial output: {}",
        describe(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("malformed YAML in document 2 at line"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn non_object_documents_and_uninjectable_pods_exit_1() {
    let out = run(&["inject"], "just a string\n");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("document 1 is not a Kubernetes object"));

    let clash = "apiVersion: v1\nkind: Pod\nmetadata: {name: clash}\nspec: {containers: [{name: sidecar-proxy}]}\n";
    let out = run(&["inject"], clash);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot inject Pod \"clash\"") && stderr.contains("reserves"),
        "{stderr}"
    );

    let no_template = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n";
    let out = run(&["inject"], no_template);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no pod template at /spec/template"));
}

#[test]
fn missing_file_exits_3() {
    let out = run(&["inject", "-f", "/definitely/not/here.yaml"], "");
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /definitely/not/here.yaml"));
}

#[test]
fn unknown_mode_is_a_usage_error() {
    let out = run(&["inject", "--mode", "sideways"], POD);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[test]
fn bootstrap_prints_the_default_bootstrap_as_yaml_and_json() {
    let out = run(&["bootstrap"], "");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        Bootstrap::default().to_yaml()
    );
    let out = run(&["bootstrap", "--output", "json"], "");
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(parsed, Bootstrap::default().to_value());
}

#[test]
fn serve_without_a_certificate_exits_4_with_a_hint() {
    let out = run(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "/nope.crt",
            "--tls-key",
            "/nope.key",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read /nope.crt") && stderr.contains("hint:"),
        "{stderr}"
    );
}

#[test]
fn help_documents_exit_codes_and_the_job_workaround() {
    let out = run(&["--help"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exit codes"));
    let out = run(&["bootstrap", "--help"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("quitquitquit"));
}
