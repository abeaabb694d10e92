//! What `kubectl get -A -o yaml` prints on a mid-size cluster must inject: a `kind: List` of
//! 3,000 Deployments, and a stream of 2,000 documents. Serde-saphyr's default budget (250,000
//! nodes, 1,024 documents) refused both as "malformed YAML".

use std::fmt::Write as _;

use sidecar_injector::manifest::ObjectOutcome;
use sidecar_injector::{InjectorConfig, Mode, inject_manifest};

/// One Deployment as `kubectl get -o yaml` prints it: managedFields, status and all.
fn deployment(out: &mut String, i: usize) {
    let text = format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: \"3\"
    meta.helm.sh/release-name: app-{i}
  creationTimestamp: \"2024-05-01T10:00:00Z\"
  generation: 3
  labels:
    app.kubernetes.io/name: app-{i}
    app.kubernetes.io/managed-by: Helm
  managedFields:
  - apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:labels:
          .: {{}}
          f:app.kubernetes.io/name: {{}}
      f:spec:
        f:replicas: {{}}
        f:template:
          f:spec:
            f:containers:
              k:{{\"name\":\"app\"}}:
                .: {{}}
                f:image: {{}}
    manager: helm
    operation: Update
    time: \"2024-05-01T10:00:00Z\"
  name: app-{i}
  namespace: team-{ns}
  resourceVersion: \"{rv}\"
  uid: 3f1c2d4e-0000-4000-8000-{i:012}
spec:
  progressDeadlineSeconds: 600
  replicas: 2
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app.kubernetes.io/name: app-{i}
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
    type: RollingUpdate
  template:
    metadata:
      creationTimestamp: null
      labels:
        app.kubernetes.io/name: app-{i}
    spec:
      containers:
      - env:
        - name: PORT
          value: \"8080\"
        image: registry.example/app:{i}
        imagePullPolicy: IfNotPresent
        name: app
        ports:
        - containerPort: 8080
          name: http
          protocol: TCP
        resources:
          limits:
            memory: 256Mi
          requests:
            cpu: 100m
            memory: 128Mi
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
        volumeMounts:
        - mountPath: /etc/secret
          name: secret
          readOnly: true
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      securityContext: {{}}
      terminationGracePeriodSeconds: 30
      volumes:
      - name: secret
        secret:
          defaultMode: 0400
          secretName: app-{i}
status:
  availableReplicas: 2
  conditions:
  - lastTransitionTime: \"2024-05-01T10:00:00Z\"
    lastUpdateTime: \"2024-05-01T10:00:00Z\"
    message: Deployment has minimum availability.
    reason: MinimumReplicasAvailable
    status: \"True\"
    type: Available
  observedGeneration: 3
  readyReplicas: 2
  replicas: 2
  updatedReplicas: 2
",
        ns = i % 40,
        rv = 100_000 + i,
    );
    out.push_str(&text);
}

fn injected_count(outcomes: &[ObjectOutcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o, ObjectOutcome::Injected { .. }))
        .count()
}

#[test]
fn injects_a_list_of_3000_deployments() {
    let mut input =
        String::from("apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n");
    for i in 0..3000 {
        deployment(&mut input, i);
    }
    let input = to_list(&input);
    let injected = inject_manifest(&input, &InjectorConfig::new(Mode::Native))
        .unwrap_or_else(|err| panic!("{}", sidecar_injector::error_chain(&err)));
    assert_eq!(injected_count(&injected.outcomes), 3000);
    let items = injected.documents[0]["items"].as_array().expect("items");
    assert_eq!(
        items[2999]["spec"]["template"]["spec"]["volumes"][0]["secret"]["defaultMode"],
        256
    );
}

#[test]
fn injects_a_stream_of_2000_documents() {
    let mut input = String::new();
    for i in 0..2000 {
        input.push_str("---\n");
        deployment(&mut input, i);
    }
    let injected = inject_manifest(&input, &InjectorConfig::new(Mode::Legacy))
        .unwrap_or_else(|err| panic!("{}", sidecar_injector::error_chain(&err)));
    assert_eq!(injected.documents.len(), 2000);
    assert_eq!(injected_count(&injected.outcomes), 2000);
}

/// Turns a stream of top-level Deployments after an `items:` line into list items.
fn to_list(text: &str) -> String {
    let (head, body) = text.split_once("items:\n").expect("items line");
    let mut out = format!("{head}items:\n");
    for line in body.lines() {
        let prefix = if line.starts_with("apiVersion: ") {
            "- "
        } else {
            "  "
        };
        let _ = writeln!(out, "{prefix}{line}");
    }
    out
}
