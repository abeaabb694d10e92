//! Which of a cell's images its nodes already hold. An offline node image carries the workload
//! images (docs/offline-images.md), so a cell loads only what a node lacks; a node is asked
//! (`crictl images -o json` in its container), never assumed, and an image counts as held only
//! when a node has it under the same name with the same image ID as the local Docker's copy (a
//! rebuilt injector keeps its tag, so a name alone would pass a stale image).

use std::time::Duration;

/// What a node's runtime said it holds: `crictl images -o json`, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeImages {
    /// Image ID (the config's digest, `sha256:…`) and the names it is held under.
    pub images: Vec<(String, Vec<String>)>,
}

/// `crictl images -o json` did not say what it holds.
#[derive(Debug, thiserror::Error)]
#[error("crictl's image list is not the JSON expected (images[].id, images[].repoTags)")]
pub struct UnreadableImageList(#[source] serde_json::Error);

impl NodeImages {
    /// Reads `crictl images -o json`.
    ///
    /// # Errors
    /// [`UnreadableImageList`] when the text is not that list.
    pub fn from_crictl_json(text: &str) -> Result<Self, UnreadableImageList> {
        #[derive(serde::Deserialize)]
        struct List {
            images: Vec<Image>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Image {
            id: String,
            // crictl writes `null` for an image held by digest only.
            #[serde(default)]
            repo_tags: Option<Vec<String>>,
        }
        let list: List = serde_json::from_str(text).map_err(UnreadableImageList)?;
        Ok(NodeImages {
            images: list
                .images
                .into_iter()
                .map(|image| {
                    let tags = image.repo_tags.unwrap_or_default();
                    (image.id, tags.iter().map(|t| normalize(t)).collect())
                })
                .collect(),
        })
    }

    /// Whether the node holds `reference` with image ID `id`, or under that name at all when
    /// the local ID is unknown.
    fn holds(&self, reference: &str, id: Option<&str>) -> bool {
        let name = normalize(reference);
        self.images.iter().any(|(held_id, tags)| {
            tags.contains(&name) && id.is_none_or(|id| id == held_id.as_str())
        })
    }
}

/// An image reference as containerd names it: `docker.io/` before a first component that is no
/// host, `library/` before a single component, `:latest` when there is neither tag nor digest.
pub fn normalize(reference: &str) -> String {
    let (first, rest) = reference.split_once('/').unwrap_or(("", reference));
    let is_host = first.contains(['.', ':']) || first == "localhost";
    let named = match (first.is_empty(), is_host) {
        (true, _) => format!("docker.io/library/{rest}"),
        (false, true) => reference.to_owned(),
        (false, false) => format!("docker.io/{reference}"),
    };
    let last = named.rsplit('/').next().unwrap_or_default();
    if last.contains([':', '@']) {
        named
    } else {
        format!("{named}:latest")
    }
}

/// The images (with their local Docker IDs, `None` when the local Docker has no such image) that
/// some node lacks: those must be loaded. An image whose ID is unknown locally counts as held
/// when every node has its name (nothing could be loaded in its place); a node that could not be
/// asked (`None`) holds nothing.
pub fn missing_from(
    wanted: &[(String, Option<String>)],
    nodes: &[Option<NodeImages>],
) -> Vec<String> {
    wanted
        .iter()
        .filter(|(reference, id)| {
            nodes.is_empty()
                || nodes.iter().any(|node| {
                    node.as_ref()
                        .is_none_or(|node| !node.holds(reference, id.as_deref()))
                })
        })
        .map(|(reference, _)| reference.clone())
        .collect()
}

/// What a cell's load-images phase did, for `timings.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// The images loaded into the nodes (empty: nothing was loaded).
    pub loaded: Vec<String>,
    /// The images every node already held.
    pub on_nodes: Vec<String>,
    /// How long the loading itself took (`docker save` and `kind load`), without the asking.
    pub load_took: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRICTL: &str = r#"{"images": [
      {"id": "sha256:aaa", "repoTags": ["sidecar-e2e.local/curl:bookworm"], "repoDigests": [], "size": "1"},
      {"id": "sha256:bbb", "repoTags": ["docker.io/curlimages/curl:8.10.1"], "repoDigests": []},
      {"id": "sha256:ccc", "repoTags": null, "repoDigests": ["x@sha256:1"]}
    ]}"#;

    #[test]
    fn names_references_as_containerd_does() {
        assert_eq!(normalize("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(
            normalize("curlimages/curl:8.10.1"),
            "docker.io/curlimages/curl:8.10.1"
        );
        assert_eq!(
            normalize("sidecar-e2e.local/curl:bookworm"),
            "sidecar-e2e.local/curl:bookworm"
        );
        assert_eq!(normalize("localhost/a"), "localhost/a:latest");
        assert_eq!(
            normalize("registry:5000/a/b@sha256:1"),
            "registry:5000/a/b@sha256:1"
        );
    }

    #[test]
    fn reads_crictls_list() {
        let node = NodeImages::from_crictl_json(CRICTL).expect("valid list");
        assert_eq!(node.images.len(), 3);
        assert!(node.holds("curlimages/curl:8.10.1", Some("sha256:bbb")));
        assert!(NodeImages::from_crictl_json("{\"images\": 3}").is_err());
        assert!(NodeImages::from_crictl_json("not json").is_err());
    }

    #[test]
    fn loads_only_what_a_node_lacks_or_holds_in_another_build() {
        let node = NodeImages::from_crictl_json(CRICTL).expect("valid list");
        let wanted =
            |reference: &str, id: Option<&str>| (reference.to_owned(), id.map(str::to_owned));
        let images = [
            wanted("sidecar-e2e.local/curl:bookworm", Some("sha256:aaa")),
            // The same tag rebuilt: another ID, so it is loaded.
            wanted("curlimages/curl:8.10.1", Some("sha256:new")),
            wanted("sidecar-e2e.local/injector:0.1.0", Some("sha256:ddd")),
            // Not in the local Docker, but on the node by name: nothing to load it from.
            wanted("sidecar-e2e.local/curl:bookworm", None),
        ];
        assert_eq!(
            missing_from(&images, &[Some(node.clone())]),
            ["curlimages/curl:8.10.1", "sidecar-e2e.local/injector:0.1.0"]
        );
        // Two nodes: what one of them lacks is loaded.
        assert_eq!(
            missing_from(
                &images[..1],
                &[Some(node.clone()), Some(NodeImages::default())]
            ),
            ["sidecar-e2e.local/curl:bookworm"]
        );
        // A node that could not be asked holds nothing; no node at all: load everything.
        assert_eq!(missing_from(&images[..1], &[Some(node), None]).len(), 1);
        assert_eq!(missing_from(&images[..1], &[]).len(), 1);
    }
}
