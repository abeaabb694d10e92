//! The proxy container: Envoy with the generated bootstrap, gated by probes on `/healthz/ready`.

use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, HTTPGetAction, Probe, ResourceRequirements,
    SecurityContext,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::bootstrap::{Bootstrap, READY_PATH};
use crate::config::{InjectorConfig, Mode};

/// UID of the `envoy` user in the official Envoy image; running as it keeps the proxy non-root.
const ENVOY_UID: i64 = 101;

/// Builds the proxy container for `mode`, named [`InjectorConfig::container_name`].
///
/// Native: `restartPolicy: Always` makes it a sidecar; its startupProbe makes the kubelet hold
/// every later init container and every app container until Envoy answers `/healthz/ready`
/// (KEP-753: "started" means the startup probe succeeded). Legacy: the same container, without
/// `restartPolicy`, appended to `containers`.
pub fn proxy_container(config: &InjectorConfig, mode: Mode) -> Container {
    let bootstrap = Bootstrap {
        ports: config.ports,
        ..Bootstrap::default()
    };
    let probe = |period_seconds, failure_threshold| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(READY_PATH.to_owned()),
            port: IntOrString::Int(i32::from(config.ports.health)),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period_seconds),
        failure_threshold: Some(failure_threshold),
        timeout_seconds: Some(3),
        ..Probe::default()
    };
    Container {
        name: config.container_name.clone(),
        image: Some(config.image.clone()),
        command: Some(vec!["envoy".to_owned()]),
        args: Some(vec![
            "--config-yaml".to_owned(),
            bootstrap.to_yaml(),
            // One Envoy per pod, but pods share an IPC namespace: never contend for hot-restart
            // shared memory with anything else.
            "--disable-hot-restart".to_owned(),
            "--log-level".to_owned(),
            "warn".to_owned(),
        ]),
        restart_policy: (mode == Mode::Native).then(|| "Always".to_owned()),
        ports: Some(vec![ContainerPort {
            name: Some("proxy-health".to_owned()),
            container_port: i32::from(config.ports.health),
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        // Probe every second for up to 10 minutes, as Istio does: image pulls on a cold kind node
        // are slow, and failing the startup probe restarts the proxy.
        startup_probe: Some(probe(1, 600)),
        readiness_probe: Some(probe(2, 3)),
        resources: Some(ResourceRequirements {
            requests: Some(
                [
                    ("cpu".to_owned(), Quantity("10m".to_owned())),
                    ("memory".to_owned(), Quantity("40Mi".to_owned())),
                ]
                .into(),
            ),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_owned()]),
                ..Capabilities::default()
            }),
            run_as_non_root: Some(true),
            run_as_user: Some(ENVOY_UID),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }
}

/// The proxy container as JSON, with the fields a reader looks for first (`name`, `image`,
/// `restartPolicy`) at the top rather than in k8s-openapi's alphabetical order.
pub fn proxy_container_json(config: &InjectorConfig, mode: Mode) -> serde_json::Value {
    let serde_json::Value::Object(mut fields) =
        serde_json::to_value(proxy_container(config, mode)).unwrap_or_default()
    else {
        return serde_json::Value::Null;
    };
    let mut ordered = serde_json::Map::new();
    for key in ["name", "image", "restartPolicy", "command", "args"] {
        if let Some(value) = fields.shift_remove(key) {
            ordered.insert(key.to_owned(), value);
        }
    }
    ordered.extend(fields);
    serde_json::Value::Object(ordered)
}
