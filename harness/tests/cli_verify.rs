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
        .join("../testdata/recordings")
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

#[test]
fn content_that_is_not_utf8_is_bad_input_with_its_offset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.json");
    let mut bytes = b"{\"version\": 3, \"cell\": \"caf".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xe9\"}");
    std::fs::write(&path, &bytes).expect("written");
    let out = verify_files(&[&path], &[], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{} is not UTF-8 text (byte offset {offset})",
            path.display()
        )),
        "{}",
        describe(&out)
    );
}

/// Runs `args` under a 2 GiB address-space limit, so an unbounded read dies instead of taking
/// the machine's memory.
fn bounded_memory(args: &str, dir: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 2097152 && exec {BIN} {args}"))
        .current_dir(dir)
        .env_remove("SIDECAR_E2E_MAX_INPUT_MIB")
        .env_remove("SIDECAR_E2E_IMAGE_MAP")
        .output()
        .expect("sh runs")
}

#[test]
fn an_endless_input_fails_fast_naming_the_flag_that_raises_the_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, limit) in [
        ("verify --recording /dev/zero", "64 MiB"),
        ("kind-config --k8s 1.32 --image-map /dev/zero", "1 MiB"),
    ] {
        let started = std::time::Instant::now();
        let out = bounded_memory(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args}: {}", describe(&out));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("/dev/zero is larger than the {limit} limit"))
                && stderr.contains("--max-input-mib")
                && stderr.contains("SIDECAR_E2E_MAX_INPUT_MIB"),
            "{args}: {}",
            describe(&out)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{args}: took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn the_input_limit_is_raised_or_lowered_by_flag_and_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A real recording padded past 1 MiB with whitespace, which JSON ignores.
    let mut padded =
        std::fs::read_to_string(committed("live-1.32/1-32-on-builtin-auto/sleep.json"))
            .expect("committed");
    padded.push_str(&" ".repeat(1536 * 1024));
    let path = dir.path().join("padded.json");
    std::fs::write(&path, padded).expect("written");

    let out = verify_files(&[&path], &["--max-input-mib", "1"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("is larger than the 1 MiB limit"),
        "{}",
        describe(&out)
    );

    let out = Command::new(BIN)
        .args(["verify", "--recording"])
        .arg(&path)
        .env("SIDECAR_E2E_MAX_INPUT_MIB", "1")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));

    let out = verify_files(&[&path], &["--max-input-mib", "2"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));

    let out = verify_files(&[&path], &["--max-input-mib", "0"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("--max-input-mib"),
        "{}",
        describe(&out)
    );
}

#[test]
fn an_output_that_is_an_input_or_another_output_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = dir.path().join("r.json");
    std::fs::copy(
        committed("live-1.32/1-32-on-builtin-auto/sleep.json"),
        &recording,
    )
    .expect("copied");
    let original = std::fs::read(&recording).expect("read");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&recording, &link).expect("symlink");

    for (extra, flags) in [
        (vec!["--json", "r.json"], ("--recording", "--json")),
        (vec!["--junit", "./r.json"], ("--recording", "--junit")),
        (vec!["--html", "link.json"], ("--recording", "--html")),
        (
            vec!["--junit", "x.xml", "--markdown", "x.xml"],
            ("--junit", "--markdown"),
        ),
    ] {
        let out = verify_files(&[Path::new("r.json")], &extra, dir.path());
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", describe(&out));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(flags.0) && stderr.contains(flags.1),
            "{extra:?} must name both flags: {}",
            describe(&out)
        );
        assert_eq!(
            std::fs::read(&recording).expect("still there"),
            original,
            "{extra:?}: the recording is untouched"
        );
        assert!(!dir.path().join("x.xml").exists(), "{extra:?}");
        assert!(
            text(&out.stdout).is_empty(),
            "{extra:?}: nothing was judged: {}",
            describe(&out)
        );
    }
}

#[test]
fn one_output_that_cannot_be_written_leaves_every_other_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = committed("live-1.32/1-32-on-builtin-auto/sleep.json");
    // Absent before: absent after.
    let out = verify_files(
        &[&recording],
        &["--json", "ok.json", "--html", "/proc/x"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert!(text(&out.stderr).contains("/proc/x"), "{}", describe(&out));
    assert!(!dir.path().join("ok.json").exists(), "{}", describe(&out));

    // There before: unchanged after.
    std::fs::write(dir.path().join("ok.json"), "the old report\n").expect("written");
    std::fs::write(dir.path().join("ok.md"), "the old summary\n").expect("written");
    let out = verify_files(
        &[&recording],
        &[
            "--json",
            "ok.json",
            "--markdown",
            "ok.md",
            "--junit",
            "/proc/x",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ok.json")).expect("kept"),
        "the old report\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ok.md")).expect("kept"),
        "the old summary\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listed")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary file left: {leftovers:?}");

    // All writable: all written, the old ones replaced.
    let out = verify_files(
        &[&recording],
        &["--json", "ok.json", "--markdown", "ok.md"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        std::fs::read_to_string(dir.path().join("ok.json"))
            .expect("written")
            .starts_with('{')
    );
}

/// An OSC that sets the terminal's title, and a clear-screen: what a crafted log line carries.
const TITLE: &str = "\u{1b}]0;pwned\u{7}";
const CLEAR: &str = "\u{1b}[2J";

/// Everything but the harness's own colour codes (SGR: `ESC [ digits/semicolons m`).
fn without_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("\u{1b}[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[end..].starts_with('m') {
            rest = &after[end + 1..];
        } else {
            out.push_str(&rest[start..start + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A native Job whose pod name and request line carry terminal controls, the request failed so
/// its line is printed; and a rejected cell whose FailedCreate events carry them, with an app
/// that ran so the events are printed.
fn crafted_recordings(dir: &Path) -> Vec<PathBuf> {
    let native = std::fs::read_to_string(committed("live-1.32/1-32-on-builtin-auto/job.json"))
        .expect("committed")
        .replace("job-b8rkr", "job-\\u001b]0;pwned\\u0007\\u001b[2Jb8rkr");
    let mut native: Value = serde_json::from_str(&native).expect("JSON");
    let scenario = &mut native["scenarios"][0];
    for log in scenario["logs"].as_array_mut().expect("logs") {
        if log["container"] == "app" {
            log["text"] = format!(
                "sidecar-e2e evidence scenario=job step=request curl_exit=7 http_status=000 note={TITLE}{CLEAR}\n"
            )
            .into();
        }
    }
    let running = scenario["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .find(|s| s["pod"]["status"]["phase"] == "Running")
        .expect("a running snapshot")
        .clone();

    let mut rejected = read_json("live-1.32/1-32-off-builtin-native/job.json");
    let scenario = &mut rejected["scenarios"][0];
    for event in scenario["events"].as_array_mut().expect("events") {
        let message = format!("{}{TITLE}{CLEAR}", event["message"].as_str().expect("text"));
        event["message"] = message.into();
    }
    let mut snapshot = running;
    snapshot["seq"] = 100.into();
    snapshot
        .as_object_mut()
        .expect("object")
        .remove("serverRow");
    scenario["snapshots"] = serde_json::json!([snapshot]);

    [("native.json", native), ("rejected.json", rejected)]
        .into_iter()
        .map(|(name, json)| {
            let path = dir.join(name);
            std::fs::write(&path, serde_json::to_string(&json).expect("JSON")).expect("written");
            path
        })
        .collect()
}

#[test]
fn text_from_a_recording_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = crafted_recordings(dir.path());
    let files: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    for colour in ["never", "always"] {
        let out = verify_files(&files, &["--color", colour], dir.path());
        assert_eq!(out.status.code(), Some(1), "{colour}: {}", describe(&out));
        let stdout = text(&out.stdout);
        for (name, stream) in [("stdout", &stdout), ("stderr", &text(&out.stderr))] {
            let rest = without_sgr(stream);
            assert!(
                !rest.contains('\u{1b}') && !rest.contains('\u{7}'),
                "{colour}: raw controls on {name}: {rest:?}"
            );
        }
        assert!(
            stdout.contains("\\x1b]0;pwned\\x07\\x1b[2J"),
            "{colour}: the controls are shown, escaped: {stdout}"
        );
        for place in [
            "kubectl -w  job-\\x1b]0;pwned",
            "note=\\x1b]0;pwned",
            "restartPolicy=Always]\\x1b]0;pwned",
        ] {
            assert!(stdout.contains(place), "{colour}: {place}: {stdout}");
        }
        if colour == "always" {
            assert!(stdout.contains("\u{1b}[1;31mFAIL"), "colours still work");
        }
    }
}

#[test]
fn an_error_quoting_a_recording_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut json = read_json("live-1.37/1-37-on-builtin-auto/sleep.json");
    json["cell"]["k8s"] = "1.28".into();
    json["cluster"]["serverVersion"] = format!("v1.37.2{TITLE}{CLEAR}").into();
    let out = verify_value(&json, dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(stderr.contains("v1.37.2\\x1b]0;pwned\\x07"), "{stderr:?}");
}
