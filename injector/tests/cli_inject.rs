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
fn container_name_renames_the_proxy_in_both_modes() {
    for (flag, mode) in [("native", Mode::Native), ("legacy", Mode::Legacy)] {
        let out = run(
            &["inject", "--mode", flag, "--container-name", "istio-proxy"],
            POD,
        );
        assert!(out.status.success(), "{}", describe(&out));
        let config = InjectorConfig::new(mode).with_container_name("istio-proxy");
        let expected = inject_manifest(POD, &config).expect("injects").to_yaml();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout, expected);
        // The Envoy node id in the bootstrap stays `sidecar-proxy`; no container has that name.
        assert!(
            stdout.contains("- name: istio-proxy") && !stdout.contains("name: sidecar-proxy"),
            "{stdout}"
        );
    }
    // Without the flag the proxy keeps its default name.
    let out = run(&["inject", "-q"], POD);
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: sidecar-proxy"));
}

#[test]
fn container_name_must_be_a_kubernetes_name() {
    let too_long = "p".repeat(64);
    for bad in [
        "Sidecar-Proxy",
        "sidecar_proxy",
        "-proxy",
        "proxy-",
        "",
        &too_long,
    ] {
        for command in [
            &["inject"][..],
            &["serve", "--tls-cert", "c", "--tls-key", "k"],
        ] {
            let mut args = command.to_vec();
            // `=`: a separate value starting with '-' would read as another flag.
            let flag = format!("--container-name={bad}");
            args.push(&flag);
            let out = run(&args, POD);
            assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", describe(&out));
            assert!(out.stdout.is_empty(), "{bad:?}: {}", describe(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("--container-name")
                    && stderr.contains(&format!("'{bad}'"))
                    && stderr.contains("not a valid container name"),
                "{bad:?}: {stderr}"
            );
        }
    }
}

#[test]
fn a_pod_with_a_container_named_like_the_renamed_proxy_is_refused() {
    let clash = "apiVersion: v1\nkind: Pod\nmetadata: {name: clash}\nspec: {containers: [{name: app}, {name: envoy}]}\n";
    let out = run(&["inject", "--container-name", "envoy"], clash);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("containers[1] is named \"envoy\", which the injector reserves"),
        "{stderr}"
    );
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
    for command in ["inject", "serve"] {
        let out = run(&[command, "--help"], "");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("--container-name <NAME>") && help.contains("sidecar-proxy"),
            "{command}: {help}"
        );
    }
}

fn run_bytes(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("must spawn sidecar-injector");
    let mut pipe = child.stdin.take().expect("stdin piped");
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().expect("must wait")
}

#[test]
fn numbers_come_out_as_kubectl_reads_them() {
    let input = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: nginx}]\n  volumes:\n  - name: s\n    secret: {secretName: s, defaultMode: 0400}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {mode: '0400', enabled: 'yes', port: \"8080\"}\n";
    let out = run(&["inject", "-q"], input);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("defaultMode: 256\n"), "{stdout}");
    for quoted in ["mode: \"0400\"", "enabled: \"yes\"", "port: \"8080\""] {
        assert!(stdout.contains(quoted), "{quoted} in {stdout}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_rejected_input_with_their_offset() {
    let out = run_bytes(
        &["inject"],
        b"apiVersion: v1\nkind: ConfigMap\ndata: {a: caf\xe9}\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not UTF-8: byte 0xe9 at offset 44 (line 3)"),
        "{stderr}"
    );
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), b"\xff\xfe").expect("write");
    let path = file.path().to_str().expect("utf-8 path");
    let out = run(&["inject", "-f", path], "");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
}

#[test]
fn limits_say_too_large_and_name_their_flag() {
    let deep = format!("a: {}{}\n", "[".repeat(300), "]".repeat(300));
    let out = run(&["inject"], &deep);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("too large: nesting depth limit 256 (raise with --max-depth)")
            && !stderr.contains("malformed"),
        "{stderr}"
    );
    let raised = format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  {deep}");
    let out = run(&["inject", "--max-depth", "400", "-q"], &raised);
    assert!(out.status.success(), "{}", describe(&out));

    let mut bomb =
        String::from("apiVersion: v1\nkind: ConfigMap\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..9u8 {
        let name = char::from(b'a' + level);
        let previous = char::from(b'a' + level - 1);
        let refs = vec![format!("*{previous}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let out = run(&["inject"], &bomb);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "too large: nodes copied by aliases limit 1000000 (raise with --max-alias-nodes)"
        ),
        "{stderr}"
    );
}

#[test]
fn injects_openshift_deployment_configs() {
    let input = "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata: {name: dc}\nspec:\n  template:\n    spec: {containers: [{name: app, image: nginx}]}\n";
    let out = run(&["inject"], input);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "injected DeploymentConfig/dc (native)"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: sidecar-proxy"));
}

#[test]
fn null_metadata_from_helm_is_injected() {
    let input = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\nspec:\n  template:\n    metadata:\n    spec: {containers: [{name: app, image: nginx}]}\n";
    let out = run(&["inject"], input);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sidecar-e2e/status"));
}
