//! The line the crates are split along: the core decides and judges, and touches nothing live.
//! Its dependency tree holds no async runtime, no Kubernetes client and no HTTP stack, and its
//! code spawns no process; the runner and the command line hold those.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Packages the core must never depend on (directly or not).
const LIVE_PACKAGES: [&str; 9] = [
    "tokio",
    "kube",
    "kube-client",
    "kube-runtime",
    "hyper",
    "tower",
    "mio",
    "futures",
    "clap",
];

#[test]
fn the_core_depends_on_no_runtime_no_client_and_no_command_line() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "sidecar-e2e-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tree.contains("sidecar-e2e-core"), "{tree}");
    let packages: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    for live in LIVE_PACKAGES {
        assert!(
            !packages.contains(&live),
            "sidecar-e2e-core depends on {live}:\n{tree}"
        );
    }
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn the_core_spawns_no_process() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 50, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        for spawn in ["std::process::Command", "process::Command", "Command::new("] {
            assert!(
                !text.contains(spawn),
                "{} spawns a process ({spawn}): that belongs in the runner",
                file.display()
            );
        }
    }
}
