//! The node-image table: which `kindest/node` image (and kind release) runs each Kubernetes minor.
//! The data is `kind-configs/node-images.yaml`, embedded at build time. The plan reads it to know
//! which versions exist and to resolve each cell's node image; the cluster stage only reads the
//! resolved [`super::ClusterSpec`].

use serde::{Deserialize, Serialize};

use super::k8s::K8sVersion;

const TABLE: &str = include_str!("../../../kind-configs/node-images.yaml");

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeImage {
    /// Kubernetes minor.
    pub k8s: K8sVersion,
    /// `kindest/node:v1.X.Y@sha256:<digest>`.
    pub image: String,
    /// The kind release that published the image (`v0.25.0`): the binary to run it with.
    pub kind: String,
}

#[derive(Deserialize)]
struct Table {
    images: Vec<NodeImage>,
}

/// The table could not be read: a broken `kind-configs/node-images.yaml` in this build.
#[derive(Debug, thiserror::Error)]
#[error("kind-configs/node-images.yaml is malformed: {0}")]
pub struct TableError(String);

/// The parsed table: read it once, then look rows up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeImages {
    rows: Vec<NodeImage>,
}

impl NodeImages {
    /// The table embedded in this build.
    ///
    /// # Errors
    /// [`TableError`] when the embedded file does not parse (a test guards against shipping that).
    pub fn embedded() -> Result<Self, TableError> {
        serde_saphyr::from_str::<Table>(TABLE)
            .map(|table| NodeImages { rows: table.images })
            .map_err(|err| TableError(err.to_string()))
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

    /// [`NodeImages::versions`] as `1.27, 1.28, …`, for error messages.
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

    #[test]
    fn every_row_is_pinned_by_digest_and_matches_its_version() {
        let table = NodeImages::embedded().expect("table parses");
        let rows = table.rows();
        assert!(rows.len() >= 10, "1.27 to 1.36");
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
            assert!(row.kind.starts_with("v0."), "{}", row.kind);
        }
    }

    #[test]
    fn versions_are_unique_and_contiguous() {
        let versions = NodeImages::embedded().expect("table parses").versions();
        for pair in versions.windows(2) {
            assert_eq!(pair[1].minor, pair[0].minor + 1, "{versions:?}");
        }
    }
}
