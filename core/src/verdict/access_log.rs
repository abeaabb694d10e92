//! `access-log`: the proxy's access log holds the request (GET /get, 200, to httpbin), parsed in
//! Istio's default format (`views::access_log`).

use super::context::{Context, Decided};
use super::types::CheckStatus;
use crate::views::access_log::parse_log;

pub(super) fn decide(ctx: &Context<'_>) -> Decided {
    let Some(log) = ctx.recorded.log(ctx.proxy) else {
        return (
            CheckStatus::Fail,
            vec![format!("no log recorded for {}", ctx.proxy)],
        );
    };
    let entries = parse_log(&log.text);
    let found = entries.iter().find(|(_, e)| {
        e.method.as_deref() == Some("GET")
            && e.path.as_deref() == Some("/get")
            && e.response_code == 200
            && e.authority
                .as_deref()
                .is_some_and(|a| a.starts_with("httpbin."))
    });
    if let Some((line_no, _)) = found {
        let line = log.text.lines().nth(line_no - 1).unwrap_or("");
        return (
            CheckStatus::Pass,
            vec![format!("{} log line {line_no}: {line}", ctx.proxy)],
        );
    }
    let mut evidence = vec![format!(
        "{} log has {} access-log line(s), none GET /get 200 to httpbin",
        ctx.proxy,
        entries.len()
    )];
    evidence.extend(entries.iter().take(3).map(|(n, e)| {
        format!(
            "line {n}: {} {} {} {}",
            e.method.as_deref().unwrap_or("-"),
            e.path.as_deref().unwrap_or("-"),
            e.response_code,
            e.authority.as_deref().unwrap_or("-")
        )
    }));
    (CheckStatus::Fail, evidence)
}
