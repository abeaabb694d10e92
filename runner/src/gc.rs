//! `sidecar-e2e gc`: what earlier runs left behind. Pure: which kind clusters and namespaces are
//! old enough to remove, by the run id in their name or label; the CLI lists and deletes.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use crate::run::{run_of_cluster, run_started};

/// A duration flag that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a duration: use a number and a unit, e.g. 30s, 15m, 2h, 1d")]
pub struct BadDuration(pub String);

/// Parses `30s`, `15m`, `2h`, `1d` (and `0`).
///
/// # Errors
/// [`BadDuration`].
pub fn parse_duration(text: &str) -> Result<Duration, BadDuration> {
    let bad = || BadDuration(text.to_owned());
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

/// Whether the run `run_id` started more than `older_than` before `now`. Names that are not run
/// ids are never collected.
pub fn run_is_older(run_id: &str, now: Timestamp, older_than: Duration) -> bool {
    let Some(started) = run_started(run_id) else {
        return false;
    };
    let age = now.duration_since(started);
    age.as_secs() >= 0 && age.unsigned_abs() >= older_than
}

/// The kind clusters among `names` that runs made more than `older_than` before `now`.
pub fn clusters_to_collect(names: &[String], now: Timestamp, older_than: Duration) -> Vec<&str> {
    names
        .iter()
        .map(String::as_str)
        .filter(|name| run_of_cluster(name).is_some_and(|id| run_is_older(id, now, older_than)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_durations_and_refuses_others() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "h", "5", "5w", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn collects_only_run_clusters_older_than_asked() {
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().expect("time");
        let names = [
            "se2e-261125100000-0001-1-32-on-builtin-auto".to_owned(), // 2 h old
            "se2e-261125115900-0002-1-32-on-builtin-auto".to_owned(), // 1 min old
            "kind".to_owned(),
            "sidecar-e2e-webhook-1".to_owned(),
        ];
        assert_eq!(
            clusters_to_collect(&names, now, Duration::from_secs(3600)),
            ["se2e-261125100000-0001-1-32-on-builtin-auto"]
        );
        assert_eq!(clusters_to_collect(&names, now, Duration::ZERO).len(), 2);
    }
}
