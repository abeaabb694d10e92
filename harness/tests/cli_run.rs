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

/// `run` with `--kubeconfig` on a file that cannot be used: refused in one line, exit 2, before
/// the run prints its banner or makes its artifacts directory.
#[test]
fn a_bad_kubeconfig_is_refused_in_one_line_before_anything_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).display().to_string();
    std::fs::write(path("malformed"), "clusters: [\n").expect("write");
    let config = |current: &str| {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"https://127.0.0.1:1\"}}\n\
             users:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: ctx\n  context: {{cluster: c, user: u}}\n{current}"
        )
    };
    std::fs::write(path("no-current"), config("")).expect("write");
    std::fs::write(path("good"), config("current-context: ctx\n")).expect("write");
    std::fs::write(path("not-utf8"), b"apiVersion: v1\nkind: \xff\n").expect("write");
    for (kubeconfig, context, expected) in [
        (path("missing"), None, "missing"),
        (path("malformed"), None, "is not a kubeconfig"),
        (path("not-utf8"), None, "is not UTF-8 text"),
        (path("no-current"), None, "has no current-context"),
        (
            path("good"),
            Some("elsewhere"),
            "has no context \"elsewhere\"",
        ),
    ] {
        let artifacts = dir.path().join("artifacts");
        let mut args = vec![
            "run".to_owned(),
            "--k8s".to_owned(),
            "1.32".to_owned(),
            "--gate".to_owned(),
            "on".to_owned(),
            "--artifacts".to_owned(),
            artifacts.display().to_string(),
            "--kubeconfig".to_owned(),
            kubeconfig.clone(),
        ];
        if let Some(context) = context {
            args.extend(["--context".to_owned(), context.to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = sidecar_e2e(&args);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{kubeconfig}: {text}");
        assert_eq!(text.lines().count(), 1, "{kubeconfig}: one line: {text}");
        assert!(
            text.starts_with("error: ") && text.contains("--kubeconfig") && text.contains(expected),
            "{kubeconfig}: {text}"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).is_empty(),
            "{kubeconfig}: nothing printed as started"
        );
        assert!(!artifacts.exists(), "{kubeconfig}: no artifacts directory");
    }
}

/// Counts and durations of zero or below name their flag, and are refused before kind is even
/// looked for.
#[test]
fn counts_and_durations_below_one_name_their_flag() {
    for (flag, value) in [
        ("--scenario-timeout", "0"),
        ("--scenario-timeout", "-5"),
        ("--parallel", "0"),
        ("--parallel", "-1"),
        ("--repeat", "0"),
        ("--repeat", "-1"),
    ] {
        let out = sidecar_e2e(&[
            "run",
            "--k8s",
            "1.32",
            "--kind-bin",
            "/nonexistent/kind",
            flag,
            value,
        ]);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {text}");
        assert!(
            text.contains(&format!("'{value}' for '{flag}")) && text.contains("at least 1"),
            "{flag} {value}: {text}"
        );
    }
    let out = sidecar_e2e(&["gc", "--older-than", "-1h"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("--older-than") && text.contains("\"-1h\" is not a duration"),
        "{text}"
    );
}
