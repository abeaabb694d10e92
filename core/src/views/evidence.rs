//! Evidence lines the workloads print (`core/src/scenario/*.yaml`):
//! `sidecar-e2e evidence scenario=<name> step=<step> [curl_exit=<n>] [http_status=<code>]
//! [container=<name>] [at_ms=<epoch ms>]`.

/// One evidence line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Scenario name.
    pub scenario: String,
    /// Step within it (`request`, `init-request`, `shutdown-request`, `app-exit`, …).
    pub step: String,
    /// curl's exit code, when the step made a request.
    pub curl_exit: Option<i32>,
    /// The HTTP status curl saw (`000` when none).
    pub http_status: Option<String>,
    /// The container that printed it, when the line says (`container=`).
    pub container: Option<String>,
    /// When, in milliseconds since the epoch by the node's clock (`at_ms=`).
    pub at_ms: Option<u64>,
    /// The line as printed.
    pub line: String,
}

impl Evidence {
    /// The value of `key=` on the line, for the keys a scenario adds of its own (`run=2`,
    /// `ready-file=no`).
    pub fn field(&self, key: &str) -> Option<&str> {
        let start = self.line.find(MARKER)? + MARKER.len();
        self.line[start..]
            .split_whitespace()
            .find_map(|pair| pair.split_once('=').filter(|(k, _)| *k == key))
            .map(|(_, v)| v)
    }

    /// Whether the step's request got a 200 with curl exiting 0.
    pub fn request_succeeded(&self) -> bool {
        self.curl_exit == Some(0) && self.http_status.as_deref() == Some("200")
    }
}

const MARKER: &str = "sidecar-e2e evidence ";

/// Every evidence line in a log.
pub fn parse_evidence(log: &str) -> Vec<Evidence> {
    log.lines()
        .filter_map(|line| {
            // Tolerate a timestamp prefix (`kubectl logs --timestamps`).
            let start = line.find(MARKER)?;
            let mut evidence = Evidence {
                scenario: String::new(),
                step: String::new(),
                curl_exit: None,
                http_status: None,
                container: None,
                at_ms: None,
                line: line.to_owned(),
            };
            for pair in line[start + MARKER.len()..].split_whitespace() {
                match pair.split_once('=') {
                    Some(("scenario", v)) => evidence.scenario = v.to_owned(),
                    Some(("step", v)) => evidence.step = v.to_owned(),
                    Some(("curl_exit", v)) => evidence.curl_exit = v.parse().ok(),
                    Some(("http_status", v)) => evidence.http_status = Some(v.to_owned()),
                    Some(("container", v)) => evidence.container = Some(v.to_owned()),
                    Some(("at_ms", v)) => evidence.at_ms = v.parse().ok(),
                    _ => {}
                }
            }
            (!evidence.scenario.is_empty() && !evidence.step.is_empty()).then_some(evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_evidence_and_ignores_other_lines() {
        let log = "starting\n\
            2026-11-23T20:00:00.1Z sidecar-e2e evidence scenario=job step=request curl_exit=0 http_status=200\n\
            sidecar-e2e evidence scenario=job step=request curl_exit=7 http_status=000\n\
            sidecar-e2e evidence step=orphan\n";
        let evidence = parse_evidence(log);
        assert_eq!(evidence.len(), 2);
        assert!(evidence[0].request_succeeded());
        assert_eq!(evidence[1].curl_exit, Some(7));
        assert!(!evidence[1].request_succeeded());
        let term = parse_evidence(
            "sidecar-e2e evidence scenario=two-sidecars-termination step=sigterm container=first at_ms=1764000000123",
        );
        assert_eq!(term[0].container.as_deref(), Some("first"));
        assert_eq!(term[0].at_ms, Some(1_764_000_000_123));
        let probe = parse_evidence(
            "2026-12-06T10:00:00Z sidecar-e2e evidence scenario=s step=liveness run=2 ready-file=no",
        );
        assert_eq!(probe[0].field("run"), Some("2"));
        assert_eq!(probe[0].field("ready-file"), Some("no"));
        assert_eq!(probe[0].field("missing"), None);
    }
}
