//! `run`, `cluster` and `gc` refuse bad input before creating anything: each error names the
//! input and what to do, with the documented exit code. None of these needs Docker or a cluster.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

fn sidecar_e2e(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("SIDECAR_E2E_IMAGE_MAP")
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn run_needs_versions_named() {
    let out = sidecar_e2e(&["run"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("name the Kubernetes versions to run with --k8s"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_matrix_with_no_valid_cell_says_why() {
    let out = sidecar_e2e(&["run", "--k8s", "1.34", "--gate", "off"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("no cell of the matrix can run: 1-34-off-builtin-auto:"),
        "{text}"
    );
    assert!(text.contains("hint: `sidecar-e2e plan`"), "{text}");
}

#[test]
fn a_borrowed_cluster_runs_one_cell() {
    let out = sidecar_e2e(&[
        "run",
        "--kubeconfig",
        "/nonexistent",
        "--k8s",
        "1.32",
        "--gate",
        "on,off",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the matrix has 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_kind_is_named_before_anything_is_created() {
    let out = sidecar_e2e(&[
        "run",
        "--k8s",
        "1.32",
        "--gate",
        "on",
        "--kind-bin",
        "/nonexistent/kind",
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("kind is needed and was not found (/nonexistent/kind does not exist)"),
        "{text}"
    );
    assert!(text.contains("(hint: `sidecar-e2e images build"), "{text}");
}

#[test]
fn a_missing_istioctl_is_named_before_anything_is_created() {
    let out = sidecar_e2e(&[
        "run",
        "--k8s",
        "1.33",
        "--injector",
        "istio@1.27",
        "--istioctl",
        "/nonexistent/istioctl",
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("istioctl is needed and was not found"),
        "{text}"
    );
    assert!(text.contains("or pass --istioctl"), "{text}");
}

#[test]
fn an_unknown_scenario_is_bad_input() {
    let out = sidecar_e2e(&["run", "--k8s", "1.32", "--scenario", "sleepy"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown scenario \"sleepy\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn gc_refuses_a_duration_it_cannot_read() {
    let out = sidecar_e2e(&["gc", "--older-than", "5w"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("\"5w\" is not a duration"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cluster_down_needs_a_readable_env_file_that_names_a_cluster() {
    let out = sidecar_e2e(&["cluster", "down", "--env-file", "/nonexistent/cluster.env"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let dir = tempfile::tempdir().expect("temp dir");
    let env = dir.path().join("other.env");
    std::fs::write(&env, "FOO=bar\n").expect("write");
    let out = sidecar_e2e(&[
        "cluster",
        "down",
        "--env-file",
        env.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no SIDECAR_E2E_CLUSTER line"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cluster_up_makes_one_cell() {
    let out = sidecar_e2e(&[
        "cluster",
        "up",
        "--k8s",
        "1.31,1.32",
        "--gate",
        "on",
        "--env-file",
        "/tmp/never.env",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("makes one cell's cluster; these flags give 2 valid cells"),
        "{}",
        stderr(&out)
    );
}
