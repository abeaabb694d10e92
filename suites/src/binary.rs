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
