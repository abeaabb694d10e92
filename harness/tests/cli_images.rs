//! `sidecar-e2e images build` as users run it, for what needs no Docker: input errors come before
//! any step runs, with the exit code for bad input and a hint. (The build itself runs under the
//! e2e profile, whose suites use what it made.)

mod support;

use support::run;

#[test]
fn rejects_a_version_without_an_offline_build_before_building() {
    let out = run(&["images", "build", "--k8s", "1.27"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad input is exit 2:\n{stderr}");
    assert!(
        stderr.contains("no offline build is defined for Kubernetes 1.27 (defined: 1.28, 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37)"),
        "the error must name the version and what is defined:\n{stderr}"
    );
    assert!(
        stderr.contains("core/data/minors.yaml"),
        "the hint must say where minors and their builds are defined:\n{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing may be written on error");
}

#[test]
fn rejects_a_malformed_version() {
    let out = run(&["images", "build", "--k8s", "banana"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_names_the_sources_and_the_output() {
    let out = run(&["images", "build", "--help"]);
    // clap wraps to the terminal width: compare with the line breaks folded away.
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(out.status.success());
    for needle in [
        "Go module proxy",
        "Debian",
        "PyPI",
        "--output",
        "--image-map",
        "cached",
    ] {
        assert!(
            help.contains(needle),
            "--help must mention {needle}:\n{help}"
        );
    }
}

#[test]
fn kind_config_takes_the_node_image_from_an_image_map() {
    let dir = tempfile::tempdir().expect("temp dir");
    let map = dir.path().join("images.yaml");
    std::fs::write(
        &map,
        "nodeImages:\n  \"1.32\": sidecar-e2e.local/kind-node:v1.32.13\n",
    )
    .expect("write map");
    let map = map.to_string_lossy().into_owned();
    let out = run(&[
        "kind-config",
        "--k8s",
        "1.32",
        "--gate",
        "off",
        "--image-map",
        &map,
    ]);
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        yaml.contains("image: sidecar-e2e.local/kind-node:v1.32.13"),
        "{yaml}"
    );
    assert!(yaml.contains("SidecarContainers: false"), "{yaml}");

    // Without the map, the upstream image stays.
    let out = run(&["kind-config", "--k8s", "1.32", "--gate", "off"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("kindest/node:v1.32"));
}

#[test]
fn kind_config_refuses_a_bad_or_missing_image_map() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "nodeImage:\n  \"1.32\": x:1\n").expect("write map");
    let out = run(&[
        "kind-config",
        "--k8s",
        "1.32",
        "--image-map",
        &bad.to_string_lossy(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "bad content is bad input:\n{stderr}"
    );
    assert!(
        stderr.contains("bad.yaml"),
        "the error must name the file:\n{stderr}"
    );

    let missing = dir.path().join("missing.yaml");
    let out = run(&[
        "kind-config",
        "--k8s",
        "1.32",
        "--image-map",
        &missing.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(3), "an unreadable file is I/O");
}
