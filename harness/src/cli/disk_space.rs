//! Free disk, checked before the first cluster: a kind node grows by the images loaded into it
//! (and the archive `docker save` writes for kind), so a run that starts on a nearly full disk
//! fails deep inside `kind create` or `kind load` with `no space left on device`. Better to say
//! so before anything is created.

use std::path::{Path, PathBuf};

use super::errors::ExpectedError;

/// What one cluster takes while it runs, with a little room: measured at 1.6 GB per cluster at
/// its peak (two cells of the known-bug scenarios at once, `df` every 3 s, BENCHMARKS.md).
pub(super) const BYTES_PER_CLUSTER: u64 = 2 << 30; // 2 GiB

/// A place the clusters write to, and what it needs free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Need {
    /// What it is, for the message: "Docker's data root", "the artifacts directory".
    pub(super) what: &'static str,
    /// The directory.
    pub(super) path: PathBuf,
}

/// Fails when a place has less than `clusters` clusters' worth free. A place that is not a local
/// directory (a remote Docker's data root) is not checked.
pub(super) fn check(places: &[Need], clusters: usize) -> Result<(), ExpectedError> {
    let needed = BYTES_PER_CLUSTER.saturating_mul(clusters.max(1) as u64);
    for place in places {
        let Some(free) = free_bytes(&place.path) else {
            continue;
        };
        if free < needed {
            return Err(ExpectedError::LowDisk {
                what: place.what,
                path: place.path.display().to_string(),
                free: gib(free),
                needed: gib(needed),
                clusters,
            });
        }
    }
    Ok(())
}

/// Bytes an unprivileged writer may still use under `path` (its nearest existing ancestor).
fn free_bytes(path: &Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| p.is_dir())?;
    let stats = rustix::fs::statvfs(existing).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// `1.4 GiB`.
fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here() -> Vec<Need> {
        vec![Need {
            what: "the artifacts directory",
            path: std::env::temp_dir().join("sidecar-e2e-not-made-yet/cell"),
        }]
    }

    #[test]
    fn a_directory_not_made_yet_is_measured_at_its_parent() {
        let free = free_bytes(&here()[0].path).expect("the temp dir's file system");
        assert!(free > 0);
    }

    #[test]
    fn too_many_clusters_for_the_free_disk_is_refused_with_the_figures() {
        let free = free_bytes(&here()[0].path).expect("the temp dir's file system");
        // More clusters than any disk here holds.
        let clusters = usize::try_from(free / BYTES_PER_CLUSTER + 1).expect("fits");
        let err = check(&here(), clusters).expect_err("cannot fit");
        let message = err.to_string();
        assert!(message.contains("the artifacts directory"), "{message}");
        assert!(
            message.contains(&format!("{clusters} cluster")),
            "{message}"
        );
        assert!(
            err.hint().is_some_and(|h| h.contains("--parallel")),
            "{err:?}"
        );
    }

    #[test]
    fn a_place_that_is_not_here_is_not_checked() {
        let remote = [Need {
            what: "Docker's data root",
            path: PathBuf::from("relative/not/here"),
        }];
        assert!(check(&remote, 1000).is_ok());
    }

    #[test]
    fn sizes_read_in_gib() {
        assert_eq!(gib(BYTES_PER_CLUSTER), "2.0 GiB");
        assert_eq!(gib(0), "0.0 GiB");
    }
}
