//! `sidecar-e2e verify` on hostile and mistaken input: recordings that contradict their own
//! cluster, files that are too large or not text, outputs that would overwrite an input, and log
//! text that tries to drive the terminal. Each is refused (or shown harmlessly) with the
//! documented exit code; none needs a cluster.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

fn committed(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/recordings")
        .join(path)
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(committed(path)).expect("a committed recording");
    serde_json::from_str(&text).expect("JSON")
}

fn sidecar_e2e(args: &[&std::ffi::OsStr], dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("SIDECAR_E2E_MAX_INPUT_MIB")
        .output()
        .expect("the binary runs")
}

fn verify_files(files: &[&Path], extra: &[&str], dir: &Path) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["verify".as_ref(), "--recording".as_ref()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    sidecar_e2e(&args, dir)
}

/// Writes `json` to `dir/name` and verifies it alone.
fn verify_value(json: &Value, dir: &Path) -> Output {
    let path = dir.join("run.json");
    std::fs::write(&path, serde_json::to_string(json).expect("serialises")).expect("written");
    verify_files(&[&path], &["--color", "never"], dir)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

#[test]
fn a_cell_that_contradicts_the_versions_its_cluster_reported_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = "live-1.37/1-37-on-builtin-auto/sleep.json";

    let mut relabelled = read_json(base);
    relabelled["cell"]["k8s"] = "1.28".into();
    let out = verify_value(&relabelled, dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("cell.k8s says 1.28 but cluster.serverVersion is v1.37.2"),
        "{}",
        describe(&out)
    );

    let mut kubelet = read_json(base);
    kubelet["cluster"]["kubeletVersions"] = serde_json::json!(["v1.37.2", "v1.36.5"]);
    let out = verify_value(&kubelet, dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("cell.k8s says 1.37 but cluster.kubeletVersions has v1.36.5"),
        "{}",
        describe(&out)
    );

    // A gate-off 1.29 cell whose probe saw native sidecars kept.
    let mut probe = read_json("live-1.29/1-29-off-builtin-auto/sleep.json");
    probe["cluster"]["nativeSidecarsSupported"] = true.into();
    let out = verify_value(&probe, dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("cluster.nativeSidecarsSupported is true"),
        "{}",
        describe(&out)
    );

    // The injector configured for legacy in a cell the plan makes native.
    let mut injected = read_json("live-1.32/1-32-on-builtin-auto/sleep.json");
    injected["cluster"]["injectedMode"] = "legacy".into();
    let out = verify_value(&injected, dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("cluster.injectedMode is legacy"),
        "{}",
        describe(&out)
    );
}

#[test]
fn a_recording_with_no_scenarios_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut empty = read_json("live-1.32/1-32-on-builtin-auto/sleep.json");
    empty["scenarios"] = serde_json::json!([]);
    let out = verify_value(&empty, dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("has no scenarios"),
        "{}",
        describe(&out)
    );
}
