//! The node-image table: which `kindest/node` image runs each Kubernetes minor, and the one kind
//! release that runs them all. The data is `kind-configs/node-images.yaml`, embedded at build
//! time; its header says which digests come from that kind release's notes and which from older
//! ones. The plan reads it to know which versions exist and to resolve each cell's node image;
//! the cluster stage only reads the resolved [`super::ClusterSpec`].

use serde::{Deserialize, Serialize};

use super::k8s::K8sVersion;

const TABLE: &str = include_str!("../../data/node-images.yaml");

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeImage {
    /// Kubernetes minor.
    pub k8s: K8sVersion,
    /// `kindest/node:v1.X.Y@sha256:<digest>`.
    pub image: String,
    /// The kind release whose notes published the image (`v0.25.0`). When it is not the table's
    /// kind release, kind runs the image "best effort" only (kind docs, design/node-image).
    pub published_by: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    kind: String,
    images: Vec<NodeImage>,
}

/// The table could not be read: a broken `kind-configs/node-images.yaml` in this build.
#[derive(Debug, thiserror::Error)]
#[error("kind-configs/node-images.yaml is malformed: {0}")]
pub struct TableError(String);

/// The parsed table: read it once, then look rows up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeImages {
    kind: String,
    rows: Vec<NodeImage>,
}

impl NodeImages {
    /// The table embedded in this build.
    ///
    /// # Errors
    /// [`TableError`] when the embedded file does not parse (a test guards against shipping that).
    pub fn embedded() -> Result<Self, TableError> {
        Self::parse(TABLE)
    }

    /// A table from its YAML text (the embedded file's shape).
    ///
    /// # Errors
    /// [`TableError`] when the text does not parse.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        serde_saphyr::from_str::<Table>(text)
            .map(|table| NodeImages {
                kind: table.kind,
                rows: table.images,
            })
            .map_err(|err| TableError(err.to_string()))
    }

    /// The kind release every cluster is created with (`v0.33.0`).
    pub fn kind_release(&self) -> &str {
        &self.kind
    }

    /// Every row, in file order.
    pub fn rows(&self) -> &[NodeImage] {
        &self.rows
    }

    /// The row for `k8s`, if the table has one.
    pub fn get(&self, k8s: K8sVersion) -> Option<&NodeImage> {
        self.rows.iter().find(|row| row.k8s == k8s)
    }

    /// The versions the table covers, ascending: the default `--k8s`.
    pub fn versions(&self) -> Vec<K8sVersion> {
        let mut versions: Vec<K8sVersion> = self.rows.iter().map(|row| row.k8s).collect();
        versions.sort();
        versions
    }

    /// [`NodeImages::versions`] as `1.28, 1.29, …`, for error messages.
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

    #[test]
    fn every_row_is_pinned_by_digest_and_matches_its_version() {
        let table = NodeImages::embedded().expect("table parses");
        let rows = table.rows();
        assert!(rows.len() >= 10, "1.28 to 1.37");
        for row in rows {
            let (tag, digest) = row.image.split_once("@sha256:").expect("pinned by digest");
            assert_eq!(digest.len(), 64, "{}", row.image);
            assert!(
                digest.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}",
                row.image
            );
            let version = tag
                .strip_prefix("kindest/node:v")
                .expect("kindest/node image");
            let (minor_part, patch) = version
                .split_once('.')
                .map(|(_, rest)| rest)
                .and_then(|r| r.split_once('.'))
                .expect("v1.X.Y");
            assert_eq!(
                minor_part.parse::<u32>().ok(),
                Some(row.k8s.minor),
                "{}",
                row.image
            );
            let patch: u32 = patch.parse().expect("numeric patch");
            // §1.1: sidecar status fix #123323 reached 1.29.3 (and 1.28.x); avoid the early patches.
            if row.k8s.minor == 28 {
                assert!(patch >= 8, "{} has the sidecar status bug", row.image);
            }
            if row.k8s.minor == 29 {
                assert!(patch >= 3, "{} has the sidecar status bug", row.image);
            }
            // An image comes from the notes of the table's kind release or an older one: a newer
            // release's image may need a kind the table does not run.
            assert!(
                kind_release(&row.published_by) <= kind_release(table.kind_release()),
                "{}: published by {}, newer than the table's kind {}",
                row.image,
                row.published_by,
                table.kind_release()
            );
        }
    }

    /// kind v0.33.0 is the only release that can create 1.37 and still drives 1.28 (kubeadm
    /// v1beta4 from 1.36, v1beta3 below; offline-versions.md §4).
    #[test]
    fn one_kind_release_that_drives_every_minor() {
        let table = NodeImages::embedded().expect("table parses");
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
    fn a_table_without_its_kind_release_is_an_error() {
        let err = NodeImages::parse("images: []\n").expect_err("no kind");
        assert!(err.to_string().contains("malformed"), "{err}");
        let err = NodeImages::parse(
            "kind: v0.33.0\nimages:\n- k8s: \"1.30\"\n  image: x\n  kind: v0.25.0\n",
        )
        .expect_err("per-row kind is the old shape");
        assert!(err.to_string().contains("malformed"), "{err}");
    }

    #[test]
    fn versions_are_unique_and_contiguous() {
        let versions = NodeImages::embedded().expect("table parses").versions();
        for pair in versions.windows(2) {
            assert_eq!(pair[1].minor, pair[0].minor + 1, "{versions:?}");
        }
    }
}
