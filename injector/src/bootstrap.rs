//! The Envoy bootstrap the sidecar runs with, generated from [`ProxyPorts`].
//!
//! Listeners (docs/injector.md, "Envoy"):
//! - `127.0.0.1:<outbound>`: explicit HTTP forward proxy. Apps reach it through `HTTP_PROXY`; the
//!   dynamic forward proxy resolves the request's authority with DNS and connects to it. Through
//!   `HTTPS_PROXY` they send `CONNECT host:port` and get a TCP tunnel to the same place.
//! - `<health address>:<health>`: `/healthz/ready`, answered by Envoy's health-check filter. It turns
//!   503 as soon as Envoy starts draining, which is what startup and readiness probes want.
//! - admin on `127.0.0.1:<admin>` only: `/quitquitquit` must never be reachable from outside the pod.
//!
//! The access log goes to stdout in Istio's default text format, so one parser serves both this
//! proxy and a real Istio sidecar.

use std::net::IpAddr;

use serde_json::{Value, json};

use crate::config::ProxyPorts;

/// Istio's default text access-log format (`pilot/pkg/model/telemetry_logging.go`, Istio ≥ 1.23).
pub const ISTIO_ACCESS_LOG_FORMAT: &str = concat!(
    "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" ",
    "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ",
    "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ",
    "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" ",
    "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% ",
    "%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% ",
    "%REQUESTED_SERVER_NAME% %ROUTE_NAME%\n",
);

/// Path the health listener answers on, and that the probes ask.
pub const READY_PATH: &str = "/healthz/ready";
/// Name of the forward-proxy route; it ends every access-log line (`%ROUTE_NAME%`).
pub const OUTBOUND_ROUTE_NAME: &str = "outbound";
/// Name of the dynamic forward proxy cluster (`%UPSTREAM_CLUSTER_RAW%` in the access log).
pub const OUTBOUND_CLUSTER_NAME: &str = "dynamic_forward_proxy_cluster";

const DNS_CACHE_NAME: &str = "dynamic_forward_proxy_cache";

/// Inputs of the bootstrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    /// The three ports.
    pub ports: ProxyPorts,
    /// Address the health listener binds. `0.0.0.0` in a pod, where the kubelet probes the pod IP;
    /// tests bind loopback.
    pub health_address: IpAddr,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            ports: ProxyPorts::default(),
            health_address: IpAddr::from([0, 0, 0, 0]),
        }
    }
}

impl Bootstrap {
    /// The bootstrap as a JSON value (Envoy's v3 `Bootstrap` message).
    pub fn to_value(&self) -> Value {
        let ProxyPorts {
            outbound,
            health,
            admin,
        } = self.ports;
        let dns_cache = json!({
            "name": DNS_CACHE_NAME,
            // Cluster DNS answers A records; asking for AAAA first only adds latency.
            "dns_lookup_family": "V4_ONLY",
        });
        json!({
            "node": { "id": "sidecar-proxy", "cluster": "sidecar-e2e" },
            "admin": {
                "address": socket_address("127.0.0.1", admin),
            },
            "static_resources": {
                "listeners": [
                    {
                        "name": "outbound",
                        "address": socket_address("127.0.0.1", outbound),
                        "filter_chains": [{
                            "filters": [http_connection_manager(json!({
                                "stat_prefix": "outbound",
                                // Some clients (busybox wget) still speak HTTP/1.0; Envoy answers
                                // 426 to them unless told otherwise.
                                "http_protocol_options": { "accept_http_10": true },
                                "access_log": [{
                                    "name": "envoy.access_loggers.stdout",
                                    "typed_config": {
                                        "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
                                        "log_format": {
                                            "text_format_source": { "inline_string": ISTIO_ACCESS_LOG_FORMAT }
                                        }
                                    }
                                }],
                                // HTTPS_PROXY clients ask for a tunnel with CONNECT; Envoy
                                // opens a TCP connection to the authority and relays bytes, so
                                // TLS stays between the app and its server.
                                "upgrade_configs": [{ "upgrade_type": "CONNECT" }],
                                "route_config": {
                                    "name": OUTBOUND_ROUTE_NAME,
                                    "virtual_hosts": [{
                                        "name": "any",
                                        "domains": ["*"],
                                        "routes": [
                                            {
                                                "name": OUTBOUND_ROUTE_NAME,
                                                "match": { "connect_matcher": {} },
                                                "route": {
                                                    "cluster": OUTBOUND_CLUSTER_NAME,
                                                    "upgrade_configs": [{
                                                        "upgrade_type": "CONNECT",
                                                        "connect_config": {}
                                                    }]
                                                }
                                            },
                                            {
                                                "name": OUTBOUND_ROUTE_NAME,
                                                "match": { "prefix": "/" },
                                                "route": { "cluster": OUTBOUND_CLUSTER_NAME }
                                            }
                                        ]
                                    }]
                                },
                                "http_filters": [
                                    {
                                        "name": "envoy.filters.http.dynamic_forward_proxy",
                                        "typed_config": {
                                            "@type": "type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig",
                                            "dns_cache_config": dns_cache.clone()
                                        }
                                    },
                                    router()
                                ]
                            }))]
                        }]
                    },
                    {
                        "name": "health",
                        "address": socket_address(&self.health_address.to_string(), health),
                        "filter_chains": [{
                            "filters": [http_connection_manager(json!({
                                "stat_prefix": "health",
                                "route_config": {
                                    "name": "health",
                                    "virtual_hosts": [{
                                        "name": "health",
                                        "domains": ["*"],
                                        "routes": [{
                                            "match": { "prefix": "/" },
                                            "direct_response": { "status": 404 }
                                        }]
                                    }]
                                },
                                "http_filters": [
                                    {
                                        "name": "envoy.filters.http.health_check",
                                        "typed_config": {
                                            "@type": "type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck",
                                            "pass_through_mode": false,
                                            "headers": [{
                                                "name": ":path",
                                                "string_match": { "exact": READY_PATH }
                                            }]
                                        }
                                    },
                                    router()
                                ]
                            }))]
                        }]
                    }
                ],
                "clusters": [{
                    "name": OUTBOUND_CLUSTER_NAME,
                    "connect_timeout": "5s",
                    "lb_policy": "CLUSTER_PROVIDED",
                    "cluster_type": {
                        "name": "envoy.clusters.dynamic_forward_proxy",
                        "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig",
                            "dns_cache_config": dns_cache
                        }
                    }
                }]
            }
        })
    }

    /// The bootstrap as YAML, the form passed to Envoy's `--config-yaml`.
    pub fn to_yaml(&self) -> String {
        crate::yaml::to_yaml(&self.to_value())
    }
}

fn socket_address(address: &str, port: u16) -> Value {
    json!({ "socket_address": { "address": address, "port_value": port } })
}

fn router() -> Value {
    json!({
        "name": "envoy.filters.http.router",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
        }
    })
}

fn http_connection_manager(settings: Value) -> Value {
    // `@type` first, as Envoy's docs write it, so the YAML reads top-down.
    let mut typed_config = serde_json::Map::new();
    typed_config.insert(
        "@type".to_owned(),
        json!("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"),
    );
    if let Value::Object(settings) = settings {
        typed_config.extend(settings);
    }
    json!({
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": typed_config
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_binds_loopback_only() {
        let value = Bootstrap::default().to_value();
        assert_eq!(
            value["admin"]["address"]["socket_address"]["address"],
            "127.0.0.1"
        );
        let outbound = &value["static_resources"]["listeners"][0];
        assert_eq!(
            outbound["address"]["socket_address"]["address"],
            "127.0.0.1"
        );
        assert_eq!(outbound["address"]["socket_address"]["port_value"], 15001);
    }

    #[test]
    fn access_log_uses_istio_default_format() {
        let yaml = Bootstrap::default().to_yaml();
        let parsed: Value = serde_saphyr::from_str(&yaml).expect("bootstrap YAML parses back");
        let format = &parsed["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
            ["typed_config"]["access_log"][0]["typed_config"]["log_format"]["text_format_source"]["inline_string"];
        assert_eq!(format, ISTIO_ACCESS_LOG_FORMAT);
    }
}
