//! Everything the project knows about each Kubernetes minor, read from one file
//! (`core/data/minors.yaml`, embedded at build time): which minors exist, the `SidecarContainers`
//! gate's state, the kubelet's and the API server's rules that change by minor, the kind node
//! image kind publishes, and what the offline build pins. The plan, the rules on
//! [`K8sVersion`], the printer ([`crate::views::kubectl::PrinterRules`]) and the image build
//! read it here; nothing else lists minors (`core/tests/minors.rs` holds the workflow, the
//! offline build's wrapper modules and the README to it).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::k8s::{GateSupport, K8sVersion};

const TABLE: &str = include_str!("../../data/minors.yaml");

/// Where the offline build puts the kind node image a minor's cells boot (`<repo>:<Kubernetes
/// version>`): the node with the workload and injector images already in its containerd, so a
/// cell loads nothing (images/build-minor.sh, its `kind-node-cell` layer).
pub const OFFLINE_NODE_IMAGE_REPO: &str = "sidecar-e2e.local/kind-node-cell";

/// Whether a minor's GA is out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Released: its GA is out.
    #[default]
    Released,
    /// Not yet released: a beta or release candidate, marked so in the plan and the grid.
    PreRelease,
}

/// `SidecarContainers` by default on a minor (docs/sidecar-semantics.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateState {
    /// Alpha: off by default, can be switched on (1.28).
    Alpha,
    /// Beta: on by default, can be switched off (1.29–1.32).
    Beta,
    /// GA and locked on: `false` stops the components (1.33–1.36).
    GaLocked,
    /// Removed: naming the gate at all stops the components (1.37+).
    Removed,
}

impl GateState {
    /// What the plan does with it.
    pub fn support(self) -> GateSupport {
        match self {
            GateState::Alpha => GateSupport::Settable { default_on: false },
            GateState::Beta => GateSupport::Settable { default_on: true },
            GateState::GaLocked => GateSupport::LockedOn,
            GateState::Removed => GateSupport::Removed,
        }
    }
}

/// The node image kind publishes for a minor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Upstream {
    /// `kindest/node:v1.X.Y@sha256:<digest>`.
    pub image: String,
    /// The kind release whose notes published the image (`v0.25.0`). When it is not the table's
    /// kind release, kind runs the image "best effort" only (kind docs, design/node-image).
    pub published_by: String,
}

/// What the offline build pins for a minor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfflinePins {
    /// The Kubernetes patch built (`v1.32.13`): the newest the Go module proxy serves.
    pub kubernetes: String,
    /// The runtime set (`containerd-2.1`: `images/versions/runtime-containerd-2.1.env`).
    pub runtime: String,
    /// The etcd module version kubeadm asks for (`v3.5.24`).
    pub etcd: String,
    /// etcd's image tag as kubeadm names it (`3.5.24-0`).
    pub etcd_image_tag: String,
    /// CoreDNS (`v1.11.3`).
    pub coredns: String,
    /// pause (`3.10`).
    pub pause: String,
    /// A Go toolchain newer than the machine's that the build needs (`go1.27.3`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go: Option<String>,
}

/// How a minor's API server prints pod rows (docs/sidecar-semantics.md §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrinterFacts {
    /// Terminal pods keep their status (from 1.31).
    pub terminal_pods_keep_status: bool,
    /// `Completed` becomes the error reason when a container failed (from 1.35).
    pub completed_shows_error: bool,
}

/// How a minor's kubelet behaves where it matters here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KubeletFacts {
    /// Sidecars are terminated after the app containers, in reverse order (from 1.29, §1.1).
    pub orders_sidecar_termination: bool,
    /// `failCgroupV1` defaults to true: on a cgroup v1 host it exits at start unless its
    /// configuration sets `failCgroupV1: false` (from 1.35, KEP-5573).
    pub refuses_cgroup_v1: bool,
}

/// What the minors table says of a version: the rules the plan and the judge read.
impl K8sVersion {
    /// Where the gate stands by default, and whether it can be set (§1.1), from the minors
    /// table (`core/data/minors.yaml`). A minor the table lacks has no gate this project knows
    /// of; the plan refuses such a minor before it asks.
    pub fn gate_support(self) -> GateSupport {
        Minors::known(self).map_or(GateSupport::Absent, |m| m.gate.support())
    }

    /// The kubelet's `failCgroupV1` defaults to true (from 1.35, KEP-5573): on a cgroup v1 host
    /// it exits at start unless its KubeletConfiguration sets `failCgroupV1: false`. From the
    /// minors table.
    pub fn kubelet_refuses_cgroup_v1(self) -> bool {
        Minors::known(self).is_some_and(|m| m.kubelet.refuses_cgroup_v1)
    }

    /// Sidecars are terminated after the app containers, in reverse order (from 1.29, §1.1,
    /// kubernetes#120620; 1.28's alpha terminates them like regular containers). From the
    /// minors table.
    pub fn orders_sidecar_termination(self) -> bool {
        Minors::known(self).is_some_and(|m| m.kubelet.orders_sidecar_termination)
    }
}

/// One minor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Minor {
    /// `1.N`.
    pub k8s: K8sVersion,
    /// Released or not yet.
    #[serde(default)]
    pub stage: Stage,
    /// What to know about it, in a line.
    #[serde(default)]
    pub notes: String,
    /// The gate's default state.
    pub gate: GateState,
    /// kind's own node image, where kind publishes one.
    #[serde(default)]
    pub upstream: Option<Upstream>,
    /// What the offline build pins.
    pub offline: OfflinePins,
    /// The API server's printer.
    pub printer: PrinterFacts,
    /// The kubelet.
    pub kubelet: KubeletFacts,
}

impl Minor {
    /// The node image a cell of this minor boots unless an image map names another: kind's own,
    /// or, for a minor kind publishes none for, the offline build's.
    pub fn node_image(&self) -> String {
        match &self.upstream {
            Some(upstream) => upstream.image.clone(),
            None => self.offline_node_image(),
        }
    }

    /// The node image the offline build makes for this minor.
    pub fn offline_node_image(&self) -> String {
        format!("{OFFLINE_NODE_IMAGE_REPO}:{}", self.offline.kubernetes)
    }

    /// The kind release that published the upstream image, if there is one.
    pub fn published_by(&self) -> Option<&str> {
        self.upstream.as_ref().map(|u| u.published_by.as_str())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    kind: String,
    minors: Vec<Minor>,
}

/// The table could not be read: a broken `core/data/minors.yaml` in this build.
#[derive(Debug, Clone, thiserror::Error)]
#[error("core/data/minors.yaml is malformed: {0}")]
pub struct TableError(String);

/// The parsed table: read it once, then look minors up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minors {
    kind: String,
    rows: Vec<Minor>,
}

impl Minors {
    /// The table embedded in this build, parsed once.
    ///
    /// # Errors
    /// [`TableError`] when the embedded file does not parse (a test guards against shipping that).
    pub fn embedded() -> Result<&'static Minors, TableError> {
        static PARSED: OnceLock<Result<Minors, TableError>> = OnceLock::new();
        PARSED
            .get_or_init(|| Self::parse(TABLE))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A table from its YAML text (the embedded file's shape).
    ///
    /// # Errors
    /// [`TableError`] when the text does not parse, or lists a minor twice.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        let table =
            serde_saphyr::from_str::<Table>(text).map_err(|err| TableError(err.to_string()))?;
        let mut rows = table.minors;
        rows.sort_by_key(|m| m.k8s);
        if let Some(pair) = rows.windows(2).find(|pair| pair[0].k8s == pair[1].k8s) {
            return Err(TableError(format!("{} is listed twice", pair[0].k8s)));
        }
        Ok(Minors {
            kind: table.kind,
            rows,
        })
    }

    /// The kind release every cluster is created with (`v0.33.0`).
    pub fn kind_release(&self) -> &str {
        &self.kind
    }

    /// Every minor, ascending.
    pub fn rows(&self) -> &[Minor] {
        &self.rows
    }

    /// The minor `k8s`, if the table has it.
    pub fn get(&self, k8s: K8sVersion) -> Option<&Minor> {
        self.rows.iter().find(|row| row.k8s == k8s)
    }

    /// The minor `k8s` from the embedded table, if it is there (a minor the table lacks is
    /// refused by the plan before any rule is asked of it).
    pub fn known(k8s: K8sVersion) -> Option<&'static Minor> {
        Self::embedded().ok().and_then(|table| table.get(k8s))
    }

    /// How plans and grids name `k8s`: `1.38 (pre-release)` for a minor not yet released, so
    /// nobody takes a beta's result for the release's.
    pub fn label(&self, k8s: K8sVersion) -> String {
        match self.get(k8s).map(|row| row.stage) {
            Some(Stage::PreRelease) => format!("{k8s} (pre-release)"),
            _ => k8s.to_string(),
        }
    }

    /// [`Minors::label`] from the embedded table.
    pub fn label_of(k8s: K8sVersion) -> String {
        Self::embedded().map_or_else(|_| k8s.to_string(), |table| table.label(k8s))
    }

    /// The versions the table covers, ascending: the default `--k8s`.
    pub fn versions(&self) -> Vec<K8sVersion> {
        self.rows.iter().map(|row| row.k8s).collect()
    }

    /// [`Minors::versions`] as `1.28, 1.29, …`, for error messages.
    pub fn versions_list(&self) -> String {
        self.versions()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `v0.33.0` as (0, 33, 0), for comparing kind releases.
    fn kind_release(text: &str) -> (u32, u32, u32) {
        let parts: Vec<u32> = text
            .strip_prefix('v')
            .unwrap_or_else(|| panic!("{text}: a kind release starts with v"))
            .split('.')
            .map(|p| p.parse().unwrap_or_else(|_| panic!("{text}: vX.Y.Z")))
            .collect();
        match parts.as_slice() {
            [major, minor, patch] => (*major, *minor, *patch),
            _ => panic!("{text}: vX.Y.Z"),
        }
    }

    /// `v1.32.13` or `v1.38.0-beta.0` as (minor, patch).
    fn minor_patch(version: &str) -> (u32, u32) {
        let rest = version
            .strip_prefix("v1.")
            .unwrap_or_else(|| panic!("{version}: v1.X.Y"));
        let (minor, patch) = rest.split_once('.').expect("v1.X.Y");
        let patch = patch.split('-').next().unwrap_or(patch);
        (
            minor.parse().expect("numeric minor"),
            patch.parse().expect("numeric patch"),
        )
    }

    #[test]
    fn every_upstream_image_is_pinned_by_digest_and_matches_its_minor() {
        let table = Minors::embedded().expect("table parses");
        assert!(table.rows().len() >= 10, "1.28 to 1.37");
        for row in table.rows() {
            let Some(upstream) = &row.upstream else {
                assert_eq!(
                    row.stage,
                    Stage::PreRelease,
                    "{}: only a pre-release minor may lack kind's image",
                    row.k8s
                );
                continue;
            };
            let (tag, digest) = upstream
                .image
                .split_once("@sha256:")
                .expect("pinned by digest");
            assert_eq!(digest.len(), 64, "{}", upstream.image);
            assert!(
                digest.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}",
                upstream.image
            );
            let version = tag
                .strip_prefix("kindest/node:")
                .expect("kindest/node image");
            let (minor, patch) = minor_patch(version);
            assert_eq!(minor, row.k8s.minor, "{}", upstream.image);
            // §1.1: sidecar status fix #123323 reached 1.29.3 (and 1.28.8); avoid the early patches.
            if minor == 28 {
                assert!(patch >= 8, "{} has the sidecar status bug", upstream.image);
            }
            if minor == 29 {
                assert!(patch >= 3, "{} has the sidecar status bug", upstream.image);
            }
            // An image comes from the notes of the table's kind release or an older one: a newer
            // release's image may need a kind the table does not run.
            assert!(
                kind_release(&upstream.published_by) <= kind_release(table.kind_release()),
                "{}: published by {}, newer than the table's kind {}",
                upstream.image,
                upstream.published_by,
                table.kind_release()
            );
        }
    }

    #[test]
    fn every_offline_pin_is_of_its_own_minor() {
        for row in Minors::embedded().expect("table parses").rows() {
            let (minor, _) = minor_patch(&row.offline.kubernetes);
            assert_eq!(minor, row.k8s.minor, "{}", row.offline.kubernetes);
            let etcd = row.offline.etcd.trim_start_matches('v');
            assert!(
                row.offline.etcd_image_tag.starts_with(&format!("{etcd}-")),
                "{}: etcd {} but image tag {}",
                row.k8s,
                row.offline.etcd,
                row.offline.etcd_image_tag
            );
            assert!(
                row.offline.runtime.starts_with("containerd-"),
                "{}",
                row.k8s
            );
        }
    }

    /// kind v0.33.0 is the only release that can create 1.37 and still drives 1.28 (kubeadm
    /// v1beta4 from 1.36, v1beta3 below).
    #[test]
    fn one_kind_release_that_drives_every_minor() {
        let table = Minors::embedded().expect("table parses");
        let newest = *table.versions().last().expect("rows");
        if newest.minor >= 37 {
            assert!(
                kind_release(table.kind_release()) >= (0, 32, 0),
                "kubeadm 1.37 rejects the v1beta3 config kind {} writes",
                table.kind_release()
            );
        }
    }

    #[test]
    fn a_malformed_table_is_an_error_that_names_the_file() {
        let err = Minors::parse("minors: []\n").expect_err("no kind");
        assert!(
            err.to_string().contains("minors.yaml is malformed"),
            "{err}"
        );
        let err = Minors::parse("kind: v0.33.0\nimages: []\n").expect_err("the old shape");
        assert!(err.to_string().contains("malformed"), "{err}");
        let one = "- k8s: \"1.30\"\n  gate: beta\n  offline: {kubernetes: v1.30.14, runtime: containerd-2.1, etcd: v3.5.15, etcdImageTag: 3.5.15-0, coredns: v1.11.3, pause: \"3.9\"}\n  printer: {terminalPodsKeepStatus: false, completedShowsError: false}\n  kubelet: {ordersSidecarTermination: true, refusesCgroupV1: false}\n";
        let err = Minors::parse(&format!("kind: v0.33.0\nminors:\n{one}{one}")).expect_err("twice");
        assert!(err.to_string().contains("1.30 is listed twice"), "{err}");
    }

    #[test]
    fn a_pre_release_minor_is_labelled_so() {
        let row = |minor: &str, extra: &str| {
            format!(
                "- k8s: \"1.{minor}\"\n{extra}  gate: removed\n  offline: {{kubernetes: v1.{minor}.0, runtime: containerd-2.3, etcd: v3.7.1, etcdImageTag: 3.7.1-0, coredns: v1.15.0, pause: \"3.10.2\"}}\n  printer: {{terminalPodsKeepStatus: true, completedShowsError: true}}\n  kubelet: {{ordersSidecarTermination: true, refusesCgroupV1: true}}\n"
            )
        };
        let text = format!(
            "kind: v0.33.0\nminors:\n{}{}",
            row("37", ""),
            row("38", "  stage: pre-release\n")
        );
        let table = Minors::parse(&text).expect("parses");
        assert_eq!(table.label(K8sVersion::new(37)), "1.37");
        assert_eq!(table.label(K8sVersion::new(38)), "1.38 (pre-release)");
        assert_eq!(
            table.label(K8sVersion::new(39)),
            "1.39",
            "unknown: as written"
        );
    }

    #[test]
    fn minors_are_contiguous() {
        let versions = Minors::embedded().expect("table parses").versions();
        for pair in versions.windows(2) {
            assert_eq!(pair[1].minor, pair[0].minor + 1, "{versions:?}");
        }
    }
}
