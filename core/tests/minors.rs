//! A minor is data in one place (`core/data/minors.yaml`); every other list of minors in the
//! repository is held to it here: the offline build's wrapper modules and runtime sets, the
//! README's table of minors. (`workflow_matrix.rs` holds `.github/workflows/e2e.yml` to it.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sidecar_e2e_core::plan::{Minor, Minors, Stage};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn table() -> &'static Minors {
    Minors::embedded().expect("core/data/minors.yaml parses")
}

/// The version a wrapper module's go.mod requires `module` at.
fn required(go_mod: &str, module: &str) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some(module))
            .then(|| words.next().map(str::to_owned))
            .flatten()
    })
}

#[test]
fn every_minor_has_the_wrapper_modules_and_runtime_set_its_offline_build_pins() {
    for minor in table().rows() {
        let pins = &minor.offline;
        let kubernetes = repo().join(format!("images/go/kubernetes-{}/go.mod", minor.k8s));
        assert_eq!(
            required(&read(&kubernetes), "k8s.io/kubernetes").as_deref(),
            Some(pins.kubernetes.as_str()),
            "{}: generate it with images/go/gen-wrapper.sh kubernetes {}",
            kubernetes.display(),
            pins.kubernetes
        );
        let etcd = repo().join(format!("images/go/etcd-{}/go.mod", pins.etcd));
        assert_eq!(
            required(&read(&etcd), "go.etcd.io/etcd/server/v3").as_deref(),
            Some(pins.etcd.as_str()),
            "{}: generate it with images/go/gen-wrapper.sh etcd {}",
            etcd.display(),
            pins.etcd
        );
        let runtime = repo().join(format!("images/versions/runtime-{}.env", pins.runtime));
        assert!(
            runtime.is_file(),
            "{}: no such runtime set",
            runtime.display()
        );
    }
}

#[test]
fn no_wrapper_module_is_left_for_a_minor_the_table_lacks() {
    let minors: BTreeSet<String> = table().rows().iter().map(|m| m.k8s.to_string()).collect();
    let etcds: BTreeSet<String> = table()
        .rows()
        .iter()
        .map(|m| m.offline.etcd.clone())
        .collect();
    for entry in std::fs::read_dir(repo().join("images/go")).expect("images/go") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(minor) = name.strip_prefix("kubernetes-") {
            assert!(
                minors.contains(minor),
                "images/go/{name}: 1.{minor} is not in core/data/minors.yaml"
            );
        }
        if let Some(etcd) = name.strip_prefix("etcd-") {
            assert!(
                etcds.contains(etcd),
                "images/go/{name}: no minor pins etcd {etcd}"
            );
        }
    }
}

/// The README's table of minors: `| 1.32 | v1.32.13 | beta | ... |`, one row per minor.
fn readme_rows() -> Vec<Vec<String>> {
    let readme = read(&repo().join("README.md"));
    readme
        .lines()
        .skip_while(|line| !line.starts_with("| minor |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().trim_matches('`').to_owned())
                .collect()
        })
        .collect()
}

/// What the README says of `minor`: the minor, its offline patch, the gate, kind's image patch.
fn readme_row(minor: &Minor) -> Vec<String> {
    let stage = match minor.stage {
        Stage::Released => "",
        Stage::PreRelease => " (pre-release)",
    };
    let upstream = minor
        .upstream
        .as_ref()
        .and_then(|u| u.image.split('@').next())
        .and_then(|tag| tag.rsplit(':').next())
        .unwrap_or("none")
        .to_owned();
    let gate = serde_json::to_value(minor.gate)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    vec![
        format!("{}{stage}", minor.k8s),
        minor.offline.kubernetes.clone(),
        gate,
        upstream,
    ]
}

#[test]
fn the_readme_lists_every_minor_as_the_table_does() {
    let rows = readme_rows();
    let expected: Vec<Vec<String>> = table().rows().iter().map(readme_row).collect();
    let got: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().take(4).cloned().collect())
        .collect();
    assert_eq!(
        got, expected,
        "README.md's table of minors (| minor | offline patch | gate | kind's image |) must say \
         what core/data/minors.yaml says"
    );
}

/// `NAME=value` from an env file of the offline build.
fn env_value(file: &str, name: &str) -> String {
    read(&repo().join(file))
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}=")).map(str::to_owned))
        .unwrap_or_else(|| panic!("{file} sets no {name}"))
}

#[test]
fn envoy_is_pinned_once_and_the_upstream_default_and_the_action_agree() {
    let pinned = env_value("images/versions/common.env", "ENVOY_VERSION");
    let upstream = sidecar_e2e_core::plan::UPSTREAM_ENVOY;
    assert_eq!(
        upstream.rsplit_once(":v").map(|(_, tag)| tag),
        Some(pinned.as_str()),
        "core's upstream Envoy ({upstream}) must be the offline build's ENVOY_VERSION"
    );
    let action = read(&repo().join("action.yml"));
    assert!(
        action.contains(upstream),
        "action.yml (which e2e.yml's jobs run) must pull {upstream}, the Envoy the offline build pins"
    );
    let tools = read(&repo().join("scripts/tools.sh"));
    assert!(
        !tools.contains(&format!("ENVOY_VERSION:-{pinned}")),
        "scripts/tools.sh reads the pin from common.env rather than repeating it"
    );
}
