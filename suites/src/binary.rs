//! The `sidecar-e2e` binary, for the suites that drive it as a user would (`tests/run_*.rs`).

use std::path::PathBuf;

/// `target/<profile>/sidecar-e2e`, next to this test's own `deps/` directory.
///
/// # Panics
/// When it has not been built (`scripts/test.sh --profile e2e` builds it first).
pub fn sidecar_e2e() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("tests run from target/<profile>/deps");
    let bin = dir.join("sidecar-e2e");
    assert!(
        bin.is_file(),
        "{} must exist: build it with `cargo build -p sidecar-e2e` (scripts/test.sh --profile e2e does)",
        bin.display()
    );
    bin
}

/// The kind binary the image map records (the one `run` uses).
///
/// # Panics
/// When the image map does not record one.
pub fn kind() -> PathBuf {
    let table = crate::images::image_table();
    crate::images::tool(&table, "kind")
}

/// What `kind get clusters` lists (one name per line).
///
/// # Panics
/// When kind cannot run.
pub fn kind_clusters() -> String {
    listing(&kind(), &["get", "clusters"])
}

/// What `docker ps -a` lists: every container's name, one per line.
///
/// # Panics
/// When docker cannot run.
pub fn docker_containers() -> String {
    listing(
        std::path::Path::new("docker"),
        &["ps", "-a", "--format", "{{.Names}}"],
    )
}

fn listing(program: &std::path::Path, args: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("{} must run: {err}", program.display()));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
