//! Each workload image of the offline build does its job in a container (testcontainers):
//! the injector image answers `/inject` over TLS, and the Envoy image runs the exact command the
//! injector injects and proxies a request from the curl image to the httpbin image.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sidecar_e2e_core::views::access_log;
use sidecar_e2e_runner::install::ServingCertificates;
use sidecar_injector::{InjectorConfig, Mode, proxy::proxy_container};
use sidecar_suites::images::{image_table, name_and_tag};
use testcontainers::core::WaitFor;
use testcontainers::core::wait::ExitWaitStrategy;
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// A name unique to this test run, for networks and containers.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    format!("sidecar-e2e-{prefix}-{}-{nanos}", std::process::id())
}

fn image(reference: &str) -> GenericImage {
    let (name, tag) = name_and_tag(reference);
    GenericImage::new(name, tag)
}

/// Runs the curl image with `script` under `sh -c` to completion, and returns what it printed.
async fn curl_script(
    reference: &str,
    script: &str,
    configure: impl FnOnce(
        testcontainers::ContainerRequest<GenericImage>,
    ) -> testcontainers::ContainerRequest<GenericImage>,
) -> (i64, String, String) {
    let request = image(reference)
        .with_entrypoint("/bin/sh")
        .with_wait_for(WaitFor::exit(ExitWaitStrategy::new()))
        .with_cmd(["-c", script]);
    let container = configure(request)
        .start()
        .await
        .expect("the curl image must start");
    let code = container
        .exit_code()
        .await
        .expect("docker must report the exit code")
        .expect("the script must have exited");
    let stdout =
        String::from_utf8_lossy(&container.stdout_to_vec().await.expect("stdout")).into_owned();
    let stderr =
        String::from_utf8_lossy(&container.stderr_to_vec().await.expect("stderr")).into_owned();
    (code, stdout, stderr)
}

async fn logs(container: &ContainerAsync<GenericImage>) -> (String, String) {
    let out = container.stdout_to_vec().await.expect("container stdout");
    let err = container.stderr_to_vec().await.expect("container stderr");
    (
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

#[tokio::test]
async fn injector_image_answers_inject_over_tls() {
    let table = image_table();
    let network = unique("net");
    let injector_name = unique("injector");
    let pki = ServingCertificates::issue(std::slice::from_ref(&injector_name))
        .expect("certificates for the container name");

    let injector = image(&table.workloads.injector)
        .with_wait_for(WaitFor::message_on_either_std("serving admission reviews"))
        .with_network(&network)
        .with_container_name(&injector_name)
        .with_copy_to(
            "/etc/sidecar-injector/tls/tls.crt",
            pki.cert_pem.clone().into_bytes(),
        )
        .with_copy_to(
            "/etc/sidecar-injector/tls/tls.key",
            pki.key_pem.clone().into_bytes(),
        )
        .start()
        .await
        .expect("the injector image must start and serve");

    let review = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "images-test-1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "demo",
            "operation": "CREATE",
            "userInfo": {"username": "images-test"},
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "app", "namespace": "demo"},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]}
            }
        }
    });
    let script = format!(
        "curl -sS --fail-with-body --cacert /tmp/ca.crt -H 'Content-Type: application/json' \
         --data-binary @/tmp/review.json https://{injector_name}:8443/inject"
    );
    let (code, stdout, stderr) = curl_script(&table.workloads.curl, &script, |request| {
        request
            .with_network(&network)
            .with_copy_to("/tmp/ca.crt", pki.ca_pem.clone().into_bytes())
            .with_copy_to("/tmp/review.json", review.to_string().into_bytes())
    })
    .await;
    let (injector_out, injector_err) = logs(&injector).await;
    assert_eq!(
        code, 0,
        "curl must reach the injector over TLS with the test CA\ncurl stdout:\n{stdout}\ncurl stderr:\n{stderr}\ninjector:\n{injector_out}{injector_err}"
    );

    let answer: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("answer must be JSON ({err}):\n{stdout}"));
    let response = &answer["response"];
    assert_eq!(response["uid"], "images-test-1", "{answer:#}");
    assert_eq!(response["allowed"], true, "{answer:#}");
    assert_eq!(response["patchType"], "JSONPatch", "{answer:#}");
    let patch = response["patch"]
        .as_str()
        .unwrap_or_else(|| panic!("patch must be base64 text: {answer:#}"));
    let patch = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, patch)
        .expect("patch must be base64");
    let patch: Value = serde_json::from_slice(&patch).expect("patch must be a JSON patch");
    let text = patch.to_string();
    assert!(
        text.contains("\"sidecar-proxy\"") && text.contains("\"restartPolicy\":\"Always\""),
        "the default (native) patch must add the proxy as a restartable init container: {patch:#}"
    );
}

#[tokio::test]
async fn envoy_image_proxies_curl_to_httpbin_and_logs_it() {
    let table = image_table();
    let network = unique("net");
    let httpbin_name = unique("httpbin");

    let _httpbin = image(&table.workloads.httpbin)
        .with_wait_for(WaitFor::message_on_either_std("go-httpbin listening"))
        .with_network(&network)
        .with_container_name(&httpbin_name)
        .start()
        .await
        .expect("the httpbin image must start");

    // Exactly what the injector puts in a pod: the image's `envoy` on PATH, the inline bootstrap.
    let proxy = proxy_container(&InjectorConfig::new(Mode::Native), Mode::Native);
    let mut command = proxy
        .command
        .clone()
        .expect("the proxy container has a command");
    command.extend(proxy.args.clone().expect("the proxy container has args"));
    let (first, rest) = command.split_first().expect("a command has a program");
    let envoy = image(&table.workloads.envoy)
        .with_entrypoint(first)
        .with_network(&network)
        .with_cmd(rest.to_vec())
        .start()
        .await
        .expect("the Envoy image must start with the injected command");

    // The client shares Envoy's network namespace, as containers of one pod do: the proxy
    // listens on 127.0.0.1:15001 only.
    let envoy_id = envoy.id().to_owned();
    let script = format!(
        "curl -sS --retry 30 --retry-delay 1 --retry-connrefused -o /dev/null http://127.0.0.1:15021/healthz/ready && \
         curl -sS -x http://127.0.0.1:15001 -H 'User-Agent: sidecar-e2e-images-test' \
           -o /dev/null -w '%{{http_code}}' http://{httpbin_name}:8080/get"
    );
    let (code, stdout, stderr) = curl_script(&table.workloads.curl, &script, move |request| {
        request.with_host_config_modifier(move |config| {
            config.network_mode = Some(format!("container:{envoy_id}"));
            // A container in another's network namespace has no ports of its own to publish.
            config.publish_all_ports = Some(false);
        })
    })
    .await;
    assert_eq!(
        code, 0,
        "curl through Envoy must succeed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(
        stdout.trim(),
        "200",
        "httpbin must answer 200 through the proxy; stderr:\n{stderr}"
    );

    // Envoy writes the access log line when the request completes; stop it (SIGTERM flushes).
    envoy.stop().await.expect("Envoy must stop");
    let (envoy_out, envoy_err) = logs(&envoy).await;
    let entries: Vec<_> = envoy_out
        .lines()
        .filter_map(|line| access_log::parse_line(line).ok())
        .collect();
    let hit = entries
        .iter()
        .find(|entry| entry.user_agent.as_deref() == Some("sidecar-e2e-images-test"))
        .unwrap_or_else(|| panic!("Envoy's access log must record the request\nstdout:\n{envoy_out}\nstderr:\n{envoy_err}"));
    assert_eq!(hit.method.as_deref(), Some("GET"), "{hit:?}");
    assert_eq!(hit.path.as_deref(), Some("/get"), "{hit:?}");
    assert_eq!(hit.response_code, 200, "{hit:?}");
    assert_eq!(
        hit.authority.as_deref(),
        Some(format!("{httpbin_name}:8080").as_str()),
        "{hit:?}"
    );
}
