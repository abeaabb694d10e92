//! The reader against a real kubectl: `tests/data/kubectl-scalars.json` records what kubectl 1.32
//! made of tricky scalars, as values and as keys (`tests/data/record-kubectl-scalars.py` re-records
//! it); the injector must read each the same way, or refuse what kubectl refused.

use serde_json::Value;
use sidecar_injector::yaml;

fn recorded() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/kubectl-scalars.json"
    );
    let text = std::fs::read_to_string(path).expect("must read kubectl-scalars.json");
    let file: Value = serde_json::from_str(&text).expect("kubectl-scalars.json is JSON");
    file["scalars"]
        .as_array()
        .expect("scalars is a list")
        .clone()
}

/// Equal as kubectl means it. kubectl's last step (JSON into `unstructured`) turns integers past
/// int64 into floats, so numbers compare as f64; but a number kubectl printed as an integer must
/// be an integer here too: `400.0` is the bug this guards against.
fn same(ours: &Value, kubectl: &Value) -> bool {
    match (ours, kubectl) {
        (Value::Number(ours), Value::Number(kubectl)) => {
            let integer_kept = !kubectl.is_i64() || !ours.is_f64();
            integer_kept && ours.as_f64() == kubectl.as_f64()
        }
        _ => ours == kubectl,
    }
}

fn read(document: &str) -> Result<Value, yaml::YamlError> {
    yaml::parse_documents(document).map(|mut docs| docs.pop().unwrap_or(Value::Null))
}

#[test]
fn reads_every_recorded_scalar_as_kubectl_did() {
    let mut wrong = Vec::new();
    let records = recorded();
    assert!(records.len() > 100, "the recording covers the cases");
    for record in &records {
        let spelling = record["spelling"].as_str().expect("spelling is text");

        let as_value = read(&format!("v: {spelling}\n"));
        match (&as_value, record.get("value")) {
            (Ok(doc), Some(expected)) if same(&doc["v"], expected) => {}
            (Err(_), None) => {}
            (got, expected) => wrong.push(format!(
                "value {spelling:?}: kubectl {expected:?}, injector {got:?}"
            )),
        }

        let as_key = read(&format!("{spelling}: v\n"));
        let key = as_key.as_ref().map(|doc| {
            doc.as_object()
                .and_then(|map| map.keys().next().cloned())
                .unwrap_or_default()
        });
        match (&key, record.get("key").and_then(Value::as_str)) {
            (Ok(got), Some(expected)) if got == expected => {}
            (Err(_), None) => {}
            (got, expected) => wrong.push(format!(
                "key {spelling:?}: kubectl {expected:?}, injector {got:?}"
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn comparison_can_fail() {
    // The bug from issue 8: `defaultMode: 0400` written back as `400.0`.
    assert!(!same(&serde_json::json!(400.0), &serde_json::json!(256)));
    assert!(!same(&serde_json::json!(256.0), &serde_json::json!(256)));
    assert!(same(&serde_json::json!(256), &serde_json::json!(256)));
    assert!(!same(&serde_json::json!("yes"), &serde_json::json!(true)));
}
