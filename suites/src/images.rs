//! The image map the offline build wrote (`sidecar-e2e images build --output FILE`), read from
//! `SIDECAR_E2E_IMAGE_MAP` and resolved over the harness's upstream defaults.

use std::path::PathBuf;

use sidecar_e2e_core::plan::{ImageMap, ImageTable, K8sVersion};
use sidecar_e2e_runner::cluster::{find_tool, install_hint};

/// The variable naming the image map file.
pub const IMAGE_MAP_VAR: &str = "SIDECAR_E2E_IMAGE_MAP";

/// The resolved image table.
///
/// # Panics
/// When `SIDECAR_E2E_IMAGE_MAP` is unset or names a file that is missing or invalid: these tests
/// prove the offline images and must not run against guessed ones.
pub fn image_table() -> ImageTable {
    let path = image_map_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{IMAGE_MAP_VAR}={}: must be readable: {err}",
            path.display()
        )
    });
    let map = ImageMap::from_yaml(&text).unwrap_or_else(|err| {
        panic!(
            "{IMAGE_MAP_VAR}={}: must be a valid image map: {err}",
            path.display()
        )
    });
    ImageTable::upstream([]).overridden_by(map)
}

/// The image map's path, from `SIDECAR_E2E_IMAGE_MAP`.
///
/// # Panics
/// When the variable is unset.
pub fn image_map_path() -> PathBuf {
    let path = std::env::var_os(IMAGE_MAP_VAR).unwrap_or_else(|| {
        panic!(
            "{IMAGE_MAP_VAR} must name the image map of an offline build: run \
             `cargo run -p sidecar-e2e -- images build --k8s 1.32 --output target/sidecar-e2e/images.yaml` \
             and export {IMAGE_MAP_VAR}=target/sidecar-e2e/images.yaml (.ci/run does both)"
        )
    });
    PathBuf::from(path)
}

/// The node image the table has for `minor`.
///
/// # Panics
/// When the table has none.
pub fn node_image(table: &ImageTable, minor: &str) -> String {
    let k8s: K8sVersion = minor.parse().expect("test minors are valid");
    table
        .node_images
        .get(&k8s)
        .unwrap_or_else(|| panic!("the image map must name a node image for Kubernetes {minor}"))
        .clone()
}

/// A binary the offline build recorded (`kind`, `kubectl`).
///
/// # Panics
/// When the table does not record it or the file is not there.
pub fn tool(table: &ImageTable, name: &'static str) -> PathBuf {
    let recorded = table.tools.get(name).map(|tool| PathBuf::from(&tool.path));
    let Some(path) = recorded else {
        panic!(
            "the image map must record the {name} binary the offline build made (hint: {})",
            install_hint(name)
        )
    };
    find_tool(name, Some(&path), None).unwrap_or_else(|err| panic!("{err} (hint: {})", err.hint))
}

/// `name:tag` split for testcontainers' `GenericImage::new(name, tag)`.
///
/// # Panics
/// When the reference has no tag.
pub fn name_and_tag(reference: &str) -> (String, String) {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    let colon = reference[slash..]
        .rfind(':')
        .map(|i| slash + i)
        .unwrap_or_else(|| panic!("image {reference} must carry a tag"));
    (
        reference[..colon].to_owned(),
        reference[colon + 1..].to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::name_and_tag;

    #[test]
    fn splits_on_the_tag_colon_not_the_registry_port() {
        assert_eq!(
            name_and_tag("localhost:5000/curl:bookworm"),
            ("localhost:5000/curl".to_owned(), "bookworm".to_owned())
        );
        assert_eq!(
            name_and_tag("sidecar-e2e.local/envoy:v1.40.0"),
            ("sidecar-e2e.local/envoy".to_owned(), "v1.40.0".to_owned())
        );
    }
}
