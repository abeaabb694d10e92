//! Parser for Istio's default text access-log format (sidecar-semantics.md §6.3), which both our
//! Envoy and a real istio-proxy print.
//!
//! Envoy does not escape what it writes between quotes: a User-Agent or X-Forwarded-For may hold
//! `"` and spaces (captured from a real Envoy in `testdata/access-logs/envoy-1.40-edge-cases.log`).
//! So the line is read from both ends: the fixed prefix left to right, the six unquoted tail
//! fields right to left, and the five quoted fields between them split on `" "`, with the
//! User-Agent taking whatever is left over in the middle.
//!
//! ```text
//! [START] "METHOD PATH PROTO" CODE FLAGS DETAILS CONN_DETAILS "TRANSPORT_FAILURE" RX TX DURATION SVC_TIME
//!   "XFF" "UA" "REQUEST_ID" "AUTHORITY" "UPSTREAM_HOST" CLUSTER UP_LOCAL DOWN_LOCAL DOWN_REMOTE SNI ROUTE
//! ```

use serde::Serialize;

/// A line that is not in Istio's default format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an access-log line ({what}): {line}")]
pub struct AccessLogError {
    /// What was expected where it failed.
    pub what: &'static str,
    /// The line.
    pub line: String,
}

/// One request, as the proxy logged it. `-` placeholders are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogEntry {
    /// `%START_TIME%`, as printed.
    pub start_time: String,
    /// Request method; `None` when Envoy rejected the request before parsing it.
    pub method: Option<String>,
    /// Path (`X-Envoy-Original-Path` or `:path`).
    pub path: Option<String>,
    /// `HTTP/1.1`, …
    pub protocol: Option<String>,
    /// Response code; 0 when no response was sent.
    pub response_code: u16,
    /// Response flags (`UF`, `DPE`, …), `None` for `-`.
    pub response_flags: Option<String>,
    /// Response code details (`via_upstream`, …).
    pub response_code_details: Option<String>,
    /// Connection termination details.
    pub connection_termination_details: Option<String>,
    /// Upstream transport failure reason.
    pub upstream_transport_failure_reason: Option<String>,
    /// Request body bytes.
    pub bytes_received: u64,
    /// Response body bytes.
    pub bytes_sent: u64,
    /// Total duration in ms.
    pub duration_ms: Option<u64>,
    /// `x-envoy-upstream-service-time`, ms.
    pub upstream_service_time_ms: Option<u64>,
    /// X-Forwarded-For.
    pub forwarded_for: Option<String>,
    /// User-Agent.
    pub user_agent: Option<String>,
    /// X-Request-Id.
    pub request_id: Option<String>,
    /// `:authority` (Host).
    pub authority: Option<String>,
    /// Upstream host (`ip:port`). `None` also when the line was cut short before it.
    pub upstream_host: Option<String>,
    /// Upstream cluster.
    pub upstream_cluster: Option<String>,
    /// Route name.
    pub route_name: Option<String>,
    /// The line ended early (a truncated copy, like the blog post's `...`).
    pub truncated: bool,
}

fn dash(field: &str) -> Option<String> {
    (field != "-" && !field.is_empty()).then(|| field.to_owned())
}

/// Splits off the first space-separated token.
fn token(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((head, rest)) => (head, rest),
        None => (s, ""),
    }
}

/// Parses one line.
///
/// # Errors
/// [`AccessLogError`] naming the part that did not fit.
pub fn parse_line(line: &str) -> Result<AccessLogEntry, AccessLogError> {
    let fail = |what| AccessLogError {
        what,
        line: line.to_owned(),
    };
    let line_trimmed = line.trim_end_matches(['\n', '\r']);

    // [START_TIME]
    let rest = line_trimmed
        .strip_prefix('[')
        .ok_or_else(|| fail("[start time]"))?;
    let (start_time, rest) = rest.split_once("] ").ok_or_else(|| fail("[start time]"))?;

    // "METHOD PATH PROTOCOL": ends at the first `" ` followed by the numeric response code.
    let rest = rest
        .strip_prefix('"')
        .ok_or_else(|| fail("quoted request line"))?;
    let close = rest
        .match_indices("\" ")
        .map(|(i, _)| i)
        .find(|&i| {
            let after = &rest[i + 2..];
            let code = after.split(' ').next().unwrap_or("");
            !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit())
        })
        .ok_or_else(|| fail("end of the request line"))?;
    let request = &rest[..close];
    let rest = &rest[close + 2..];
    let (method, request_rest) = token(request);
    let (path, protocol) = request_rest.rsplit_once(' ').unwrap_or((request_rest, ""));

    // CODE FLAGS DETAILS CONN_DETAILS
    let (code, rest) = token(rest);
    let response_code = code.parse().map_err(|_| fail("response code"))?;
    let (flags, rest) = token(rest);
    let (details, rest) = token(rest);
    let (conn_details, rest) = token(rest);

    // "TRANSPORT_FAILURE" RX TX DURATION SVC_TIME
    let rest = rest
        .strip_prefix('"')
        .ok_or_else(|| fail("quoted transport failure reason"))?;
    let (transport, rest) = rest
        .split_once("\" ")
        .ok_or_else(|| fail("transport failure reason"))?;
    let (rx, rest) = token(rest);
    let (tx, rest) = token(rest);
    let (duration, rest) = token(rest);
    let (service_time, rest) = token(rest);
    let number = |s: &str, what| s.parse::<u64>().map_err(|_| fail(what));
    let bytes_received = number(rx, "bytes received")?;
    let bytes_sent = number(tx, "bytes sent")?;
    let optional = |s: &str, what| {
        if s == "-" {
            Ok(None)
        } else {
            number(s, what).map(Some)
        }
    };
    let duration_ms = optional(duration, "duration")?;
    let upstream_service_time_ms = optional(service_time, "upstream service time")?;

    // "XFF" "UA" "REQUEST_ID" "AUTHORITY" "UPSTREAM_HOST" then six unquoted fields.
    let last_quote = rest
        .rfind('"')
        .ok_or_else(|| fail("quoted header fields"))?;
    let quoted = rest[..=last_quote]
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .ok_or_else(|| fail("quoted header fields"))?;
    let tail: Vec<&str> = rest[last_quote + 1..].split_whitespace().collect();
    let parts: Vec<&str> = quoted.split("\" \"").collect();
    let (forwarded_for, user_agent, request_id, authority, upstream_host) = match parts.len() {
        0..=3 => {
            return Err(fail(
                "X-Forwarded-For, User-Agent, request id and authority",
            ));
        }
        // Cut short after the authority (the blog post's line).
        4 => (parts[0], parts[1].to_owned(), parts[2], parts[3], "-"),
        // Five, or more when a value holds `" "`: X-Forwarded-For is first, the last three are
        // machine-made (id, host:port), and the User-Agent takes the rest.
        n => (
            parts[0],
            parts[1..n - 3].join("\" \""),
            parts[n - 3],
            parts[n - 2],
            parts[n - 1],
        ),
    };
    // Complete lines have six tail fields: cluster, upstream local, downstream local, downstream
    // remote, SNI, route.
    let complete = parts.len() >= 5 && tail.len() == 6;
    Ok(AccessLogEntry {
        start_time: start_time.to_owned(),
        method: dash(method),
        path: dash(path),
        protocol: dash(protocol),
        response_code,
        response_flags: dash(flags),
        response_code_details: dash(details),
        connection_termination_details: dash(conn_details),
        upstream_transport_failure_reason: dash(transport),
        bytes_received,
        bytes_sent,
        duration_ms,
        upstream_service_time_ms,
        forwarded_for: dash(forwarded_for),
        user_agent: dash(&user_agent),
        request_id: dash(request_id),
        authority: dash(authority),
        upstream_host: dash(upstream_host),
        upstream_cluster: if complete { dash(tail[0]) } else { None },
        route_name: if complete { dash(tail[5]) } else { None },
        truncated: !complete,
    })
}

/// Parses every access-log line of a container log, skipping lines that are not access-log lines
/// (Envoy's own messages, comments). Returns the entries with their line numbers (1-based).
pub fn parse_log(text: &str) -> Vec<(usize, AccessLogEntry)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.starts_with('['))
        .filter_map(|(i, line)| parse_line(line).ok().map(|entry| (i + 1, entry)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/access-logs")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn lines(name: &str) -> Vec<String> {
        data(name)
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn parses_every_real_envoy_line() {
        for file in ["envoy-1.40-forward-proxy.log", "envoy-1.40-edge-cases.log"] {
            for line in lines(file) {
                let entry = parse_line(&line).unwrap_or_else(|e| panic!("{file}: {e}"));
                assert!(!entry.truncated, "{file}: {line}");
                assert!(entry.start_time.starts_with("2026-11-23T"), "{line}");
            }
        }
    }

    #[test]
    fn reads_a_forwarded_request() {
        let line = &lines("envoy-1.40-forward-proxy.log")[0];
        let entry = parse_line(line).expect("parses");
        assert_eq!(entry.method.as_deref(), Some("GET"));
        assert_eq!(entry.path.as_deref(), Some("/get"));
        assert_eq!(entry.protocol.as_deref(), Some("HTTP/1.1"));
        assert_eq!(entry.response_code, 200);
        assert_eq!(entry.response_flags, None);
        assert_eq!(entry.response_code_details.as_deref(), Some("via_upstream"));
        assert_eq!((entry.bytes_received, entry.bytes_sent), (0, 36));
        assert_eq!(entry.user_agent.as_deref(), Some("curl/7.88.1"));
        assert_eq!(entry.authority.as_deref(), Some("127.0.0.1:18080"));
        assert_eq!(entry.upstream_host.as_deref(), Some("127.0.0.1:18080"));
        assert_eq!(
            entry.upstream_cluster.as_deref(),
            Some("dynamic_forward_proxy_cluster")
        );
        assert_eq!(entry.route_name.as_deref(), Some("fwd"));
    }

    #[test]
    fn reads_failures_with_flags_and_missing_upstream() {
        let all = lines("envoy-1.40-forward-proxy.log");
        let refused = parse_line(&all[3]).expect("parses");
        assert_eq!(refused.response_code, 503);
        assert_eq!(refused.response_flags.as_deref(), Some("UF"));
        assert_eq!(
            refused.upstream_transport_failure_reason.as_deref(),
            Some("delayed_connect_error:_Connection_refused")
        );
        assert_eq!(refused.upstream_service_time_ms, None);
        let dns = parse_line(&all[4]).expect("parses");
        assert_eq!(dns.response_flags.as_deref(), Some("DF"));
        assert_eq!(dns.upstream_host, None);
        assert_eq!(dns.authority.as_deref(), Some("no-such-host.invalid"));
    }

    #[test]
    fn survives_unescaped_quotes_in_user_agent_and_forwarded_for() {
        let all = lines("envoy-1.40-edge-cases.log");
        let quoted = parse_line(&all[0]).expect("parses");
        assert_eq!(
            quoted.user_agent.as_deref(),
            Some("evil \"quoted\" agent/1.0")
        );
        assert_eq!(quoted.authority.as_deref(), Some("127.0.0.1:18080"));
        assert_eq!(quoted.route_name.as_deref(), Some("outbound"));
        let both = parse_line(&all[1]).expect("parses");
        assert_eq!(both.forwarded_for.as_deref(), Some("10.0.0.1, \"bad\""));
        assert_eq!(
            both.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64) \"spaces and quotes\"")
        );
        assert_eq!(
            both.request_id.as_deref(),
            Some("0e1a31d9-67f3-45bc-b05d-0d8c6581a3d1")
        );
        assert_eq!(both.response_code, 404);
    }

    #[test]
    fn reads_requests_envoy_rejected_itself() {
        let all = lines("envoy-1.40-edge-cases.log");
        let too_large = parse_line(&all[4]).expect("parses");
        assert_eq!(
            (too_large.method.as_deref(), too_large.path.as_deref()),
            (None, None)
        );
        assert_eq!(too_large.response_code, 431);
        assert_eq!(too_large.response_flags.as_deref(), Some("DPE"));
        assert_eq!(too_large.authority, None);
        assert_eq!(too_large.route_name, None);
        let disconnected = parse_line(&all[6]).expect("parses");
        assert_eq!(disconnected.response_code, 0);
        assert_eq!(disconnected.response_flags.as_deref(), Some("DC"));
    }

    // §6.3: the blog post's line, cut short after the authority.
    #[test]
    fn reads_the_blog_posts_truncated_line() {
        let line = &lines("istio-blog-2023.log")[0];
        let entry = parse_line(line).expect("parses");
        assert!(entry.truncated);
        assert_eq!(entry.response_code, 200);
        assert_eq!(entry.response_code_details.as_deref(), Some("via_upstream"));
        assert_eq!((entry.bytes_received, entry.bytes_sent), (0, 1193));
        assert_eq!(
            (entry.duration_ms, entry.upstream_service_time_ms),
            (Some(334), Some(334))
        );
        assert_eq!(entry.user_agent.as_deref(), Some("curl/7.81.0"));
        assert_eq!(entry.authority.as_deref(), Some("httpbin.org"));
        assert_eq!(entry.upstream_host, None);
    }

    #[test]
    fn rejects_lines_of_other_formats_and_skips_them_in_logs() {
        for bad in [
            "",
            "[2026-11-23 20:00:00.000][1][warning][main] envoy started",
            "[2026-11-23T19:21:41.467Z] GET /get 200",
            "[2026-11-23T19:21:41.467Z] \"GET /get HTTP/1.1\" abc - via_upstream - \"-\" 0 36 1 1",
        ] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
        let log = data("envoy-1.40-edge-cases.log");
        let mixed = format!("[2026-11-23 20:00:00.000][1][info][main] starting\n{log}");
        let parsed = parse_log(&mixed);
        assert_eq!(parsed.len(), 8);
        assert_eq!(parsed[0].0, 7, "line numbers count every line");
    }
}
