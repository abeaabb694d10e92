//! Run ids: when a run started (UTC, to the second) and four hex digits against collisions,
//! e.g. `251125211045-a3f0`. They name the run's clusters (`se2e-<run id>-<cell>`) and label its
//! namespaces, so `gc` can tell which run left something behind, and how long ago.

use k8s_openapi::jiff::{Timestamp, civil::DateTime, tz::TimeZone};

/// The prefix of every kind cluster a run creates.
pub const CLUSTER_PREFIX: &str = "se2e-";

/// A new run id for a run starting at `now`; `salt` (the pid, a counter) tells apart runs
/// started in the same second.
pub fn new_run_id(now: Timestamp, salt: u32) -> String {
    let stamp = now.strftime("%y%m%d%H%M%S");
    format!("{stamp}-{:04x}", salt & 0xffff)
}

/// When the run with `run_id` started, if `run_id` is one.
pub fn run_started(run_id: &str) -> Option<Timestamp> {
    let (stamp, salt) = run_id.split_once('-')?;
    let plain = stamp.len() == 12 && stamp.bytes().all(|b| b.is_ascii_digit());
    if !plain || salt.len() != 4 || !salt.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let civil = DateTime::strptime("%y%m%d%H%M%S", stamp).ok()?;
    civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// The longest cluster name: kind names the node `<name>-control-plane`, which is also the
/// node's `kubernetes.io/hostname` label, a label value of at most 63 characters (a longer one
/// boots a kubelet that can never register its node).
const CLUSTER_NAME_MAX: usize = 63 - "-control-plane".len();

/// The kind cluster for `cell_slug` in run `run_id`. A slug too long to fit (a long injector
/// name, `default`) is cut and given four hex digits of its hash, so names stay distinct.
pub fn cluster_name(run_id: &str, cell_slug: &str) -> String {
    let name = format!("{CLUSTER_PREFIX}{run_id}-{cell_slug}");
    if name.len() <= CLUSTER_NAME_MAX {
        return name;
    }
    // FNV-1a: stable across runs and builds, unlike the std hasher.
    let hash = cell_slug.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let suffix = format!("-{:04x}", hash & 0xffff);
    let keep = CLUSTER_NAME_MAX - suffix.len();
    let cut = name[..keep].trim_end_matches('-');
    format!("{cut}{suffix}")
}

/// The run id in a cluster name made by [`cluster_name`].
pub fn run_of_cluster(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(CLUSTER_PREFIX)?;
    let id = rest.get(..17)?;
    run_started(id).map(|_| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_id_says_when_it_started() {
        let now: Timestamp = "2026-11-25T21:10:45Z".parse().expect("timestamp");
        let id = new_run_id(now, 0x1a3f0);
        assert_eq!(id, "261125211045-a3f0");
        assert_eq!(run_started(&id), Some(now));
    }

    #[test]
    fn names_that_are_not_run_ids_are_refused() {
        for name in [
            "",
            "kind",
            "261125211045",
            "261125211045-zzzz",
            "26112521104x-a3f0",
            "261399999999-a3f0",
        ] {
            assert_eq!(run_started(name), None, "{name}");
        }
    }

    #[test]
    fn clusters_carry_the_run_id_and_fit_kinds_name_limit() {
        let name = cluster_name("261125211045-a3f0", "1-32-off-istio1-28-native");
        assert_eq!(run_of_cluster(&name), Some("261125211045-a3f0"));
        // kind names the node container `<name>-control-plane`, a hostname (63 characters).
        assert!(name.len() + "-control-plane".len() <= 63, "{name}");
        assert_eq!(run_of_cluster("sidecar-e2e-offline-1"), None);
        // Seen live: `default` and a versioned injector made a 50-character name whose node
        // never registered (its hostname label was 64 characters).
        for slug in [
            "1-37-default-otel0-153-auto",
            "1-37-default-otel0-154-auto",
            "1-37-default-a-very-long-injector-name-of-thirty-auto",
        ] {
            let name = cluster_name("261206185620-56a1", slug);
            assert!(name.len() + "-control-plane".len() <= 63, "{name}");
            assert_eq!(run_of_cluster(&name), Some("261206185620-56a1"));
            assert!(!name.contains("--") && !name.ends_with('-'), "{name}");
        }
        assert_ne!(
            cluster_name("261206185620-56a1", "1-37-default-otel0-153-auto"),
            cluster_name("261206185620-56a1", "1-37-default-otel0-154-auto"),
        );
        assert_eq!(run_of_cluster("se2e-nope"), None);
    }
}
