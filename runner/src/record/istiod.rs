//! What istiod says of the configuration a scenario's proxies refused. When an Envoy NACKs an
//! xDS response, istiod logs `ADS:<type>: ACK ERROR <pod>.<namespace>-<n> <code>:<message>` and
//! counts it in `pilot_xds_<type>_reject{node="<pod>.<namespace>",err=...}`
//! (istio.io/istio `pkg/xds/server.go` `ShouldRespond`, `pkg/xds/monitoring.go`
//! `IncrementXDSRejects`). The offline Istio runs upstream Envoy, which refuses any filter of
//! Istio's own build (docs/istio.md): these are how a cell notices one it was not told about.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::ResourceExt;
use kube::api::{ListParams, LogParams};

use sidecar_e2e_core::recording::XdsRejects;

/// Where istiod runs (istioctl's default profile).
const ISTIOD_NAMESPACE: &str = "istio-system";
/// istiod's pods.
const ISTIOD_SELECTOR: &str = "app=istiod";
/// istiod's monitoring port, where `/metrics` is served.
const ISTIOD_MONITORING_PORT: u16 = 15014;
/// At most this many NACK lines are kept: the first ones say why; the rest repeat it.
const MAX_NACK_LINES: usize = 10;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads istiod's reject gauges and NACK log lines for `namespace`'s proxies. A failure to
/// read is recorded as such (the check then fails with it), never taken as "no rejects".
pub async fn read_xds_rejects(client: &kube::Client, namespace: &str) -> XdsRejects {
    match read(client, namespace).await {
        Ok(rejects) => rejects,
        Err(err) => XdsRejects {
            unread_because: Some(sidecar_e2e_core::error_chain::error_chain(err.as_ref())),
            ..XdsRejects::default()
        },
    }
}

async fn read(client: &kube::Client, namespace: &str) -> Result<XdsRejects, BoxError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ISTIOD_NAMESPACE);
    let listed = pods
        .list(&ListParams::default().labels(ISTIOD_SELECTOR))
        .await?;
    let names: Vec<String> = listed.items.iter().map(ResourceExt::name_any).collect();
    if names.is_empty() {
        return Err(format!("no pod labelled {ISTIOD_SELECTOR} in {ISTIOD_NAMESPACE}").into());
    }
    let mut rejects = XdsRejects::default();
    // A proxy talks to one istiod; with several replicas, every one is asked.
    for name in &names {
        // Through the API server's pod proxy: istiod's monitoring port is not exposed.
        let path = format!(
            "/api/v1/namespaces/{ISTIOD_NAMESPACE}/pods/{name}:{ISTIOD_MONITORING_PORT}/proxy/metrics"
        );
        let request = http::Request::get(path).body(Vec::new())?;
        let metrics = client
            .request_text(request)
            .await
            .map_err(|err| format!("istiod {name}'s /metrics: {err}"))?;
        rejects.samples += sample_count(&metrics);
        rejects
            .counters
            .extend(reject_counters_for(&metrics, namespace));
        let log = pods
            .logs(name, &LogParams::default())
            .await
            .map_err(|err| format!("istiod {name}'s log: {err}"))?;
        rejects.nacks.extend(nack_lines_for(&log, namespace));
    }
    rejects.nacks.truncate(MAX_NACK_LINES);
    Ok(rejects)
}

/// The non-zero `pilot_xds_*_reject` samples of `metrics` (Prometheus text) whose proxy is in
/// `namespace`.
pub fn reject_counters_for(metrics: &str, namespace: &str) -> Vec<String> {
    metrics
        .lines()
        .filter(|line| line.starts_with("pilot_xds_") && line.contains("_reject{"))
        .filter(|line| {
            label(line, "node").is_some_and(|node| proxy_namespace(node) == Some(namespace))
        })
        .filter(|line| {
            line.rsplit_once(' ')
                .and_then(|(_, value)| value.parse::<f64>().ok())
                .is_some_and(|value| value > 0.0)
        })
        .map(str::to_owned)
        .collect()
}

/// The sample lines of `metrics` (Prometheus text): neither comments nor blank.
pub fn sample_count(metrics: &str) -> u32 {
    let samples = metrics
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .count();
    u32::try_from(samples).unwrap_or(u32::MAX)
}

/// istiod's `ACK ERROR` log lines for proxies in `namespace`.
pub fn nack_lines_for(log: &str, namespace: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| {
            let (_, after) = line.split_once("ACK ERROR ")?;
            // The connection id: `<pod>.<namespace>-<n>`.
            let id = after.split_whitespace().next()?;
            let (proxy, counter) = id.rsplit_once('-')?;
            let counter_ok = !counter.is_empty() && counter.bytes().all(|b| b.is_ascii_digit());
            (counter_ok && proxy_namespace(proxy) == Some(namespace)).then(|| line.to_owned())
        })
        .collect()
}

/// The namespace of a proxy id `<pod>.<namespace>` (a namespace has no dot; a pod name may).
fn proxy_namespace(proxy: &str) -> Option<&str> {
    proxy.rsplit_once('.').map(|(_, namespace)| namespace)
}

/// The value of label `name` in a Prometheus sample line (values hold no `"` here: pod ids and
/// gRPC codes).
fn label<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let labels = line.split_once('{')?.1.split_once('}')?.0;
    labels.split(',').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real istiod output, from the negative control in docs/istio.md: Istio 1.31-dev's stock
    // settings on upstream Envoy 1.40, the pod `client` in namespace `smoke` (1.32.13).
    const STOCK_METRICS: &str = include_str!("../../testdata/istiod/stock-metrics.txt");
    const STOCK_LOG: &str = include_str!("../../testdata/istiod/stock-nacks.log");

    #[test]
    fn the_stock_settings_rejects_are_found_for_their_namespace_only() {
        let counters = reject_counters_for(STOCK_METRICS, "smoke");
        assert_eq!(
            counters,
            [
                r#"pilot_xds_cds_reject{err="Internal",node="client.smoke"} 1"#,
                r#"pilot_xds_lds_reject{err="Internal",node="client.smoke"} 1"#,
            ]
        );
        assert!(reject_counters_for(STOCK_METRICS, "smok").is_empty());
        assert!(
            sample_count(STOCK_METRICS) > 100,
            "{}",
            sample_count(STOCK_METRICS)
        );
        assert_eq!(sample_count("# HELP x\n\n"), 0);
        assert!(reject_counters_for(STOCK_METRICS, "other").is_empty());
        let nacks = nack_lines_for(STOCK_LOG, "smoke");
        assert_eq!(nacks.len(), 2, "{nacks:#?}");
        assert!(nacks[0].contains("istio.metadata_exchange"), "{}", nacks[0]);
        assert!(nack_lines_for(STOCK_LOG, "smoke-1").is_empty());
    }

    #[test]
    fn zero_samples_and_other_metrics_are_not_rejects() {
        let metrics = "\
# TYPE pilot_xds_lds_reject gauge
pilot_xds_lds_reject{err=\"Internal\",node=\"sleep-1.ns\"} 0
pilot_total_xds_rejects{type=\"lds\"} 3
pilot_xds_pushes{type=\"lds\"} 7
pilot_xds_rds_reject{err=\"Internal\",node=\"a.b.ns\"} 2
";
        assert_eq!(
            reject_counters_for(metrics, "ns"),
            [r#"pilot_xds_rds_reject{err="Internal",node="a.b.ns"} 2"#]
        );
    }

    #[test]
    fn a_namespace_that_extends_another_is_not_it() {
        let log = "warn ADS:LDS: ACK ERROR job-x.se2e-1-job-sidecar-exit-143-4 Internal:bad\n\
                   warn ADS:LDS: ACK ERROR job-y.se2e-1-job-12 Internal:bad\n\
                   info ADS: new connection for node:job-z.se2e-1-job-3\n";
        let lines = nack_lines_for(log, "se2e-1-job");
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(lines[0].contains("job-y"));
    }
}
