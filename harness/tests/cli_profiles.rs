//! `--injector path/to/profile.yaml` as a user gives it: a shipped profile copied outside the
//! repository and edited plans with its own name, container and rules; planted mistakes exit 2
//! naming the file, the line and the field.

use std::path::Path;
mod support;

use support::{describe, run};

use serde_json::Value;

/// The builtin profile and its manifests, copied into `dir` and edited as a user would: a name,
/// a container and an opt-in label of their own.
fn copied_profile(dir: &Path) -> std::path::PathBuf {
    let profiles = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/profiles");
    std::fs::create_dir_all(dir.join("injector")).expect("mkdir");
    for entry in std::fs::read_dir(profiles.join("injector")).expect("manifests") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join("injector").join(entry.file_name())).expect("copy");
    }
    let text = std::fs::read_to_string(profiles.join("builtin.yaml")).expect("builtin.yaml");
    let edited = text
        .replace("name: builtin", "name: my-mesh")
        .replace("container: sidecar-proxy", "container: mesh-proxy")
        .replace(
            "{sidecar-e2e/injection: enabled}",
            "{example.com/mesh: \"on\"}",
        );
    assert_ne!(edited, text);
    let path = dir.join("my-mesh.yaml");
    std::fs::write(&path, edited).expect("write");
    path
}

#[test]
fn a_copied_and_edited_profile_plans_under_its_own_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = copied_profile(dir.path());
    let profile = profile.to_str().expect("utf-8 path");
    let out = run(&[
        "plan",
        "--k8s",
        "1.32",
        "--gate",
        "on,off",
        "--injector",
        profile,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    let cells: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    let effective: Vec<(&str, &str)> = cells
        .iter()
        .map(|c| {
            (
                c["injector"].as_str().unwrap_or_default(),
                c["effectiveMode"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(effective, [("my-mesh", "native"), ("my-mesh", "legacy")]);

    let out = run(&["plan", "--k8s", "1.32", "--injector", profile]);
    assert!(out.status.success(), "{}", describe(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("adds mesh-proxy (proxy)"), "{table}");
    assert!(table.contains("label example.com/mesh=on"), "{table}");
}

#[test]
fn planted_mistakes_exit_2_with_the_file_line_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = copied_profile(dir.path());
    let text = std::fs::read_to_string(&profile).expect("read");
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .expect("needle")
    };
    let cases = [
        // An unknown field, where the profile has `sidecar:`.
        (
            text.replace("sidecar:\n", "sidecars:\n"),
            format!(
                ":{}: not an injector profile: unknown field `sidecars`",
                line_of("sidecar:")
            ),
        ),
        // A rule for a minor that does not exist.
        (
            text.replace(
                "auto: {injects: follows-gate}",
                "auto: {injects: by-version}\n  byVersion: {kubeletFrom: \"1.99\"}",
            ),
            format!(
                ":{}: layout.byVersion.kubeletFrom: 1.99 is not a Kubernetes minor this harness knows",
                line_of("auto: {injects") + 1
            ),
        ),
        // A manifest that is not beside the profile.
        (
            text.replace("file: injector/rbac.yaml", "file: injector/rbca.yaml"),
            format!(
                ":{}: install.manifests: injector/rbca.yaml does not exist beside the profile",
                line_of("file: injector/rbac.yaml")
            ),
        ),
    ];
    for (planted, expected) in cases {
        assert_ne!(planted, text, "the mistake is planted");
        std::fs::write(&profile, &planted).expect("write");
        let out = run(&[
            "plan",
            "--k8s",
            "1.32",
            "--injector",
            profile.to_str().expect("utf-8"),
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{}{expected}", profile.display()))
                || stderr.contains(&expected),
            "{expected:?} in {}",
            describe(&out)
        );
        assert!(stderr.contains(&profile.display().to_string()), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing planned: {}", describe(&out));
    }
}

#[test]
fn a_recording_of_a_users_injector_needs_its_profile_to_be_judged() {
    let out = run(&["plan", "--k8s", "1.32", "--injector", "my-mesh"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown injector \"my-mesh\"") && stderr.contains("profile file"),
        "{stderr}"
    );
}
