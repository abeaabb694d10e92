//! Traffic through the injector's sidecar, as its profile says to make it: the proxy scenarios'
//! workloads call a shell function `send <seconds> <marker>`, which sets `rc` (curl's exit) and
//! `code` (the HTTP status), and print them in their evidence line. For a proxy it fetches
//! httpbin's `/get` through the proxy (whose access log then holds the request); for a collector
//! it posts an OTLP/HTTP log record whose body is the marker (whose log then holds it).
//! `${SEND}` in a workload manifest is that function's definition, on one line.

use crate::plan::{ImageTable, InjectorSpec, Traffic, UnknownImageVariable};

/// The `send` function for `injector`'s traffic, on one line (it replaces `${SEND}` inside a
/// YAML block scalar, so it must not change the block's indentation). `${POD_NAMESPACE}` and
/// `$1`/`$2` are the shell's.
pub fn send_function(injector: InjectorSpec) -> String {
    match &injector.profile().traffic {
        Traffic::HttpThroughProxy => "send() { code=$(curl -sS -o /dev/null -w '%{http_code}' \
             --max-time \"$1\" \"http://httpbin.${POD_NAMESPACE}.svc.cluster.local:8000/get\"); rc=$?; }"
            .to_owned(),
        Traffic::OtlpToCollector { endpoint, .. } => format!(
            "send() {{ code=$(curl -sS -o /dev/null -w '%{{http_code}}' --max-time \"$1\" \
             -X POST -H 'Content-Type: application/json' --data \
             \"{{\\\"resourceLogs\\\":[{{\\\"scopeLogs\\\":[{{\\\"logRecords\\\":[{{\\\"body\\\":{{\\\"stringValue\\\":\\\"$2\\\"}}}}]}}]}}]}}\" \
             {endpoint}); rc=$?; }}"
        ),
        // Nothing to send: the step is recorded as not made (its check is not asserted).
        Traffic::None => "send() { code=none; rc=0; }".to_owned(),
    }
}

/// Whether `injector`'s traffic goes to httpbin (which the scenario's namespace then needs).
pub fn needs_upstream(injector: InjectorSpec) -> bool {
    matches!(injector.profile().traffic, Traffic::HttpThroughProxy)
}

/// The marker a workload sends for `step` of `scenario` (the record's body, for a collector).
pub fn marker(scenario: &str, step: &str) -> String {
    format!("sidecar-e2e scenario={scenario} step={step}")
}

/// A workload manifest with `${SEND}` filled for `injector`, then the table's images.
///
/// # Errors
/// [`UnknownImageVariable`] for an image the table does not know.
pub fn render_workload(
    manifest: &str,
    injector: InjectorSpec,
    images: &ImageTable,
) -> Result<String, UnknownImageVariable> {
    images.render_manifest(&manifest.replace("${SEND}", &send_function(injector)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Minors;
    use crate::scenario::Scenario;

    fn table() -> ImageTable {
        ImageTable::upstream_for(Minors::embedded().expect("table"))
    }

    #[test]
    fn every_proxy_scenario_sends_through_the_function_and_renders_for_every_injector() {
        for name in ["builtin", "istio", "otel"] {
            let injector: InjectorSpec = name.parse().expect("shipped");
            for scenario in Scenario::ALL.into_iter().filter(|s| s.injected()) {
                let rendered =
                    render_workload(scenario.manifest(), injector, &table()).expect("renders");
                assert!(!rendered.contains("${SEND}"), "{scenario} {name}");
                assert!(
                    rendered.contains("send() { code=$(curl"),
                    "{scenario} {name}: {rendered}"
                );
                assert!(
                    rendered.contains(&format!("\"{}", marker(scenario.name(), ""))),
                    "{scenario}: sends its marker"
                );
            }
        }
    }

    #[test]
    fn a_collector_gets_an_otlp_record_whose_body_is_the_marker() {
        let otel: InjectorSpec = "otel".parse().expect("shipped");
        let send = send_function(otel);
        assert!(send.contains("http://127.0.0.1:4318/v1/logs"), "{send}");
        assert!(send.contains("stringValue"), "{send}");
        assert!(!needs_upstream(otel));
        assert!(needs_upstream(InjectorSpec::builtin()));
        assert!(!send.contains('\n'), "one line: {send}");
    }
}
