//! `sidecar-e2e plan` and `kind-config` as users run them: the JSON contract, tables, errors.

mod support;

use support::{describe, run};

use serde_json::Value;

fn plan_json(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).expect("plan --format json prints a JSON array")
}

fn find<'a>(cells: &'a [Value], k8s: &str, gate: &str, injector: &str) -> &'a Value {
    cells
        .iter()
        .find(|c| c["k8s"] == k8s && c["gate"] == gate && c["injector"] == injector)
        .unwrap_or_else(|| panic!("no cell {k8s} {gate} {injector}"))
}

#[test]
fn plan_json_follows_the_contract() {
    let cells = plan_json(&[
        "--k8s",
        "1.28,1.33",
        "--gate",
        "on,off",
        "--injector",
        "builtin,istio@1.27",
    ]);
    assert_eq!(cells.len(), 2 * 2 * 2);
    for cell in &cells {
        assert!(
            cell["k8s"].is_string() && cell["gate"].is_string() && cell["injector"].is_string()
        );
        let valid = cell["valid"].as_bool().expect("valid is a bool");
        if valid {
            assert!(cell.get("reason").is_none(), "{cell}");
            let mode = cell["effectiveMode"]
                .as_str()
                .expect("effectiveMode is a string");
            assert!(["native", "legacy", "rejected"].contains(&mode), "{cell}");
            assert!(
                cell["scenarios"]["init-traffic"]["succeeds"].is_boolean(),
                "{cell}"
            );
            assert!(cell["scenarios"]["job"]["completes"].is_boolean(), "{cell}");
        } else {
            assert!(
                cell["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{cell}"
            );
            assert!(cell["effectiveMode"].is_null(), "{cell}");
        }
    }

    let native = find(&cells, "1.28", "on", "builtin");
    assert_eq!(native["effectiveMode"], "native");
    assert_eq!(native["scenarios"]["job"]["completes"], true);
    assert_eq!(native["scenarios"]["init-traffic"]["succeeds"], true);

    let legacy = find(&cells, "1.28", "off", "builtin");
    assert_eq!(legacy["effectiveMode"], "legacy");
    assert_eq!(legacy["scenarios"]["job"]["completes"], false);
    assert_eq!(legacy["scenarios"]["init-traffic"]["succeeds"], false);

    // §6.1: Istio 1.27's auto needs kubelet ≥ 1.33, whatever the gate.
    assert_eq!(
        find(&cells, "1.28", "on", "istio@1.27")["effectiveMode"],
        "legacy"
    );
    assert_eq!(
        find(&cells, "1.33", "on", "istio@1.27")["effectiveMode"],
        "native"
    );

    let locked = find(&cells, "1.33", "off", "builtin");
    assert_eq!(locked["valid"], false);
    assert!(
        locked["reason"]
            .as_str()
            .expect("reason")
            .contains("locked")
    );
}

#[test]
fn forced_native_on_a_gate_off_cluster_is_rejected() {
    let cells = plan_json(&["--k8s", "1.29", "--gate", "off", "--mode", "native,legacy"]);
    let modes: Vec<&str> = cells
        .iter()
        .map(|c| c["effectiveMode"].as_str().expect("valid"))
        .collect();
    assert_eq!(modes, ["rejected", "legacy"]);
    assert_eq!(cells[0]["scenarios"]["sleep"]["podCreated"], false);
}

#[test]
fn plan_table_has_a_row_per_cell() {
    let out = run(&["plan", "--k8s", "1.37,1.29", "--gate", "off,default"]);
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    // The table, then a blank line and the legend.
    let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 4, "{text}");
    assert!(lines[0].starts_with("K8S"));
    assert!(
        lines[1].contains("invalid")
            && lines[1].contains("unrecognized feature gate: SidecarContainers"),
        "{text}"
    );
    assert!(
        lines[4].starts_with("1.29") && lines[4].contains("native"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_2_with_a_clear_error() {
    for (args, expected) in [
        (
            &["plan", "--k8s", "1.19"][..],
            "unknown Kubernetes version 1.19: known versions are 1.28",
        ),
        (
            &["plan", "--k8s", "latest"][..],
            "not a Kubernetes minor version",
        ),
        (&["plan", "--gate", "maybe"][..], "unknown gate setting"),
        (&["plan", "--injector", "linkerd"][..], "unknown injector"),
        (
            &["kind-config", "--k8s", "1.34", "--gate", "off"][..],
            "locked on from 1.33",
        ),
        (
            &["kind-config", "--k8s", "1.40"][..],
            "no kind node image for Kubernetes 1.40",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn kind_config_prints_what_a_run_uses() {
    let out = run(&["kind-config", "--k8s", "1.29", "--gate", "off"]);
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let config: Value = serde_saphyr::from_str(&text).expect("kind config is YAML");
    assert_eq!(config["kind"], "Cluster");
    assert_eq!(config["featureGates"]["SidecarContainers"], false);
    assert!(
        config["nodes"][0]["image"]
            .as_str()
            .expect("image")
            .starts_with("kindest/node:v1.29.")
    );
}

#[test]
fn repeated_axis_values_are_planned_once_in_first_seen_order() {
    let cells = plan_json(&[
        "--k8s",
        "1.29,1.28,1.29",
        "--gate",
        "on,on",
        "--injector",
        "builtin,builtin",
        "--mode",
        "auto,auto",
    ]);
    let versions: Vec<&str> = cells
        .iter()
        .map(|c| c["k8s"].as_str().expect("k8s"))
        .collect();
    assert_eq!(versions, ["1.29", "1.28"]);
}

/// An Istio version whose native-sidecar behaviour §6.1 does not cover cannot be planned as if
/// it were known.
#[test]
fn unknown_istio_version_exits_2_listing_the_known_ones() {
    let out = run(&["plan", "--injector", "builtin,istio@1.99"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown istio version 1.99: the istio profile knows 1.19 to 1.31"),
        "{stderr}"
    );
}

/// yes/no in the table are what each scenario should show, not results: the table says so.
#[test]
fn plan_table_says_yes_and_no_are_expectations() {
    let out = run(&["plan", "--k8s", "1.29", "--gate", "on,off"]);
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let (table, legend) = text.split_once("\n\n").expect("a legend after the table");
    assert_eq!(table.lines().count(), 1 + 2, "{text}");
    assert!(legend.contains("expectations, not results"), "{legend}");
    for column in ["INIT-TRAFFIC", "JOB", "SHUTDOWN"] {
        assert!(legend.contains(column), "{column}: {legend}");
    }
}

/// The table across the gate's three regimes: settable (1.32), locked on (1.33), removed
/// (1.37); from 1.33 `default` boots the same cluster as `on`, and the NOTE column says so.
#[test]
fn plan_table_across_the_gate_regimes() {
    let out = run(&[
        "plan",
        "--k8s",
        "1.32,1.33,1.37",
        "--gate",
        "on,off,default",
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn known_bug_scenarios_run_only_where_native_sidecars_do_and_name_their_bugs() {
    let cells = plan_json(&["--k8s", "1.32", "--gate", "on,off"]);
    let off = find(&cells, "1.32", "off", "builtin");
    assert_eq!(
        off["notRun"]["flaky-startup-probe"], "needs native sidecars: the gate is off here",
        "{off}"
    );
    assert!(off["scenarios"]["flaky-startup-probe"].is_null(), "{off}");
    assert!(
        off["scenarios"]["job"].is_object(),
        "the proxy scenarios still run: {off}"
    );
    let on = find(&cells, "1.32", "on", "builtin");
    let bugs = &on["scenarios"]["flaky-startup-probe"]["knownBugs"];
    assert_eq!(bugs[0]["id"], "kubernetes#132826", "{on}");
    assert!(
        bugs[0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/issues/132826")),
        "{on}"
    );
    assert!(
        on["scenarios"]["two-sidecars-termination"].is_object(),
        "{on}"
    );
}

#[test]
fn plan_table_lists_the_known_bugs_of_each_version() {
    let out = run(&["plan", "--k8s", "1.28,1.37", "--gate", "on"]);
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let row = |minor: &str| {
        text.lines()
            .find(|l| l.starts_with(minor))
            .unwrap_or_else(|| panic!("no {minor} row:\n{text}"))
            .to_owned()
    };
    assert!(row("1.28").contains("kubernetes#132826"), "{text}");
    // #125880 came with 1.29's ordered termination: 1.28 never had it.
    assert!(!row("1.28").contains("kubernetes#125880"), "{text}");
    assert!(!row("1.37").contains("kubernetes#132826"), "{text}");
    // #140881 is fixed from 1.37.0; #141155 is open upstream: expected on every 1.35+ patch,
    // and the table says so beside it and under the legend with its pending fix.
    assert!(!row("1.37").contains("kubernetes#140881"), "{text}");
    assert!(row("1.37").contains("kubernetes#141155 (open)"), "{text}");
    assert!(!row("1.28").contains("kubernetes#141155"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with(
            "kubernetes#141155: open upstream: no released patch has the fix (pending: \
             https://github.com/kubernetes/kubernetes/pull/141342"
        )),
        "{text}"
    );
}

#[test]
fn plan_json_says_which_known_bugs_are_open_upstream() {
    let cells = plan_json(&["--k8s", "1.35,1.36", "--gate", "on"]);
    let on35 = find(&cells, "1.35", "on", "builtin");
    let open = &on35["scenarios"]["started-after-liveness"]["knownBugs"][0];
    assert_eq!(open["id"], "kubernetes#141155", "{on35}");
    assert_eq!(open["fixedIn"], serde_json::json!([]), "{on35}");
    assert!(
        open["openUpstream"]["pr"]
            .as_str()
            .is_some_and(|pr| pr.ends_with("/pull/141342")),
        "{on35}"
    );
    let fixed = &on35["scenarios"]["readiness-at-shutdown"]["knownBugs"][0];
    assert_eq!(fixed["id"], "kubernetes#140881", "{on35}");
    assert!(fixed["openUpstream"].is_null(), "{on35}");
    // The table's 1.36 image is 1.36.4: after 1.36.0-1.36.2, which escaped #140881.
    let on36 = find(&cells, "1.36", "on", "builtin");
    assert_eq!(
        on36["scenarios"]["readiness-at-shutdown"]["knownBugs"][0]["absentIn"][0]["last"]["patch"],
        2,
        "{on36}"
    );
}

/// `1.028` is not 1.28 written oddly: it is refused, with how to write it.
#[test]
fn versions_with_leading_zeros_are_refused_with_how_to_write_them() {
    for (flag, value, expected) in [
        ("--k8s", "1.028", "write it without leading zeros: 1.28"),
        ("--k8s", "01.28", "write it without leading zeros: 1.28"),
        ("--k8s", "v1.028", "write it without leading zeros: 1.28"),
        (
            "--injector",
            "istio@1.019",
            "without leading zeros, e.g. istio@1.19",
        ),
    ] {
        let out = run(&["plan", flag, value]);
        assert_eq!(out.status.code(), Some(2), "{value}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains(expected),
            "{value}: {}",
            describe(&out)
        );
    }
}

/// An image-map entry for a version nothing runs is a mistake (a typo, a stale map), not a
/// silent no-op.
#[test]
fn image_map_entries_that_apply_to_nothing_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (yaml, expected) in [
        (
            "nodeImages:\n  \"1.99\": my.registry/node:v1.99.0\n",
            "nodeImages.1.99",
        ),
        (
            "nodeImages:\n  \"1.028\": my.registry/node:v1.28.0\n",
            "leading zeros",
        ),
        ("istio:\n  \"1.50\": {hub: h, tag: t}\n", "istio.1.50"),
        ("istio:\n  \"1.019\": {hub: h, tag: t}\n", "istio.1.019"),
    ] {
        let map = dir.path().join("images.yaml");
        std::fs::write(&map, yaml).expect("write");
        let out = run(&[
            "kind-config",
            "--k8s",
            "1.32",
            "--image-map",
            map.to_str().expect("utf-8"),
        ]);
        assert_eq!(out.status.code(), Some(2), "{yaml}: {}", describe(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(expected),
            "{yaml}: {}",
            describe(&out)
        );
    }
}
