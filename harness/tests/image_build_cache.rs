//! The offline build's Go build cache budget (`trim_go_cache` in images/lib.sh), run as the
//! build runs it, on a stand-in cache of sparse files (their sizes count, their blocks are not
//! written): entries go least recently used first until the cache fits, and nothing else goes.

use std::fs::{File, FileTimes};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

const MB: u64 = 1024 * 1024;

/// A cache entry of `size` bytes last used `age` ago.
fn entry(cache: &Path, name: &str, size: u64, age: Duration) {
    let dir = cache.join(&name[..2]);
    std::fs::create_dir_all(&dir).expect("entry dir");
    let file = File::create(dir.join(name)).expect("entry");
    file.set_len(size).expect("sparse size");
    let used = SystemTime::now() - age;
    file.set_times(FileTimes::new().set_modified(used).set_accessed(used))
        .expect("mtime");
}

fn trim(cache: &Path, budget_gb: &str) -> std::process::Output {
    Command::new("bash")
        .arg("-c")
        .arg("source images/lib.sh && trim_go_cache")
        .current_dir(checkout())
        .env("GOCACHE", cache)
        .env("SIDECAR_E2E_GO_CACHE_GB", budget_gb)
        // The step runner's cache and logs: somewhere harmless.
        .env("SIDECAR_E2E_CACHE", cache.join("sidecar-e2e"))
        .output()
        .expect("bash runs")
}

fn present(cache: &Path, name: &str) -> bool {
    cache.join(&name[..2]).join(name).exists()
}

#[test]
fn keeps_the_most_recently_used_entries_within_the_budget() {
    let cache = tempfile::tempdir().expect("temp dir");
    let cache = cache.path();
    let hour = Duration::from_secs(3600);
    // Newest first: 600 MB fits 1 GB, 600 + 500 does not; everything older goes.
    entry(cache, "aa01-a", 600 * MB, hour);
    entry(cache, "bb02-d", 500 * MB, 2 * hour);
    entry(cache, "cc03-a", 10 * MB, 3 * hour);
    // Not an entry: Go's own bookkeeping stays whatever its age.
    std::fs::write(cache.join("README"), "go build cache").expect("readme");
    std::fs::write(cache.join("trim.txt"), "0").expect("trim.txt");

    let out = trim(cache, "1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(present(cache, "aa01-a"), "the newest entry stays");
    assert!(!present(cache, "bb02-d"), "past the budget");
    assert!(
        !present(cache, "cc03-a"),
        "older than one past the budget: goes too, though it alone would fit"
    );
    assert!(cache.join("README").exists() && cache.join("trim.txt").exists());
    assert!(
        stderr.contains("over 1 GB: removed its 2 least recently used entries"),
        "{stderr}"
    );

    // Within the budget: nothing goes, nothing is said.
    let out = trim(cache, "1");
    assert!(out.status.success());
    assert!(present(cache, "aa01-a"));
    assert!(String::from_utf8_lossy(&out.stderr).trim().is_empty());
}

#[test]
fn refuses_a_budget_that_is_not_a_number() {
    let cache = tempfile::tempdir().expect("temp dir");
    entry(cache.path(), "aa01-a", MB, Duration::from_secs(60));
    let out = trim(cache.path(), "16G");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("SIDECAR_E2E_GO_CACHE_GB takes a whole number of GB, not '16G'"),
        "{stderr}"
    );
    assert!(present(cache.path(), "aa01-a"), "nothing removed");
}
