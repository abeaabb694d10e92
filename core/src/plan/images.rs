//! The image table: every image the harness and its workloads use, named once.
//!
//! Defaults are the upstream images (kind's node images from `core/data/minors.yaml`,
//! Envoy, curl, go-httpbin, the injector). An image map — a YAML file given with `--image-map`, or
//! the one `sidecar-e2e images build` writes for what it built offline — overrides any of them, so
//! air-gapped sites and private registries point the harness at their own copies.
//!
//! ```yaml
//! # every key is optional; what is absent keeps its default
//! nodeImages:
//!   "1.32": sidecar-e2e.local/kind-node:v1.32.13
//! workloads:
//!   envoy: sidecar-e2e.local/envoy:v1.40.0
//!   curl: sidecar-e2e.local/curl:bookworm
//!   httpbin: sidecar-e2e.local/go-httpbin:v2.18.3
//!   injector: sidecar-e2e.local/injector:0.1.0
//! tools:
//!   kind: {version: v0.30.0, path: /root/.cache/sidecar-e2e/bin/kind-v0.30.0/kind}
//!   istioctl: {version: 1.31-dev, path: /root/.cache/sidecar-e2e/bin/istio-v0.0.0-.../istioctl}
//! istio:
//!   # per Istio minor: istioctl's hub and tag, naming {hub}/pilot:{tag} and {hub}/proxyv2:{tag}
//!   "1.31": {hub: sidecar-e2e.local/istio, tag: 1.31-dev}
//! nodeImagesWith:
//!   # per injector, then minor: a node image holding that injector's images too, so its
//!   # cells load nothing (images/build-node-layer.sh)
//!   istio@1.31:
//!     "1.32": sidecar-e2e.local/kind-node-istio-1.31:v1.32.13
//! ```
//!
//! Workload manifests name their images as `${CURL_IMAGE}` and `${HTTPBIN_IMAGE}` (so they also
//! work with `envsubst`); [`ImageTable::render_manifest`] fills them in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::K8sVersion;
use super::injector::InjectorSpec;
use super::minors::{Minors, TableError};
use super::profile::ImageKey;

/// The upstream Envoy image (the version the injector's tests run from PyPI).
pub const UPSTREAM_ENVOY: &str = "envoyproxy/envoy:v1.40.0";
/// The upstream curl image the workloads were written against.
pub const UPSTREAM_CURL: &str = "curlimages/curl:8.10.1";
/// The upstream go-httpbin image.
pub const UPSTREAM_HTTPBIN: &str = "mccutchen/go-httpbin:v2.18.3";
/// The injector image `scripts/build-injector-image.sh` tags by default.
pub const UPSTREAM_INJECTOR: &str = "sidecar-e2e/injector:dev";

/// An image map could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ImageMapError {
    /// The YAML did not parse into the image map's shape.
    #[error(
        "the image map is not valid (expected nodeImages, workloads and tools; see `sidecar-e2e images --help`)"
    )]
    Malformed(#[source] Box<serde_saphyr::Error>),
    /// An image reference is empty or has whitespace.
    #[error("the image map names an invalid image for {role}: {reference:?}")]
    BadReference {
        /// What the image is for (`workloads.curl`, `nodeImages.1.32`).
        role: String,
        /// The reference as written.
        reference: String,
    },
    /// An entry for a version nothing runs: it would be silently ignored, so a typo or a stale
    /// map would go unnoticed.
    #[error("the image map's {entry} applies to nothing: {reason}")]
    AppliesToNothing {
        /// The entry (`nodeImages.1.99`, `istio.1.50`).
        entry: String,
        /// Why: the versions that exist.
        reason: String,
    },
    /// The node-image table embedded in this build is broken.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// A manifest names an image variable the table does not know.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("manifest names ${{{variable}}}, which is not an image of the table (known: {known})")]
pub struct UnknownImageVariable {
    /// The variable, without `${}`.
    pub variable: String,
    /// The variables the table fills, comma-separated.
    pub known: String,
}

/// The workloads' images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadImages {
    /// The proxy the builtin injector adds.
    pub envoy: String,
    /// The client every scenario runs (`/bin/sh` and `curl`).
    pub curl: String,
    /// The upstream every scenario calls.
    pub httpbin: String,
    /// The builtin injector's webhook.
    pub injector: String,
}

/// A binary the offline build made, recorded so the harness can prefer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolBinary {
    /// Its version (`v0.30.0`).
    pub version: String,
    /// Where it is.
    pub path: String,
}

/// Istio's images for one minor, named the way istioctl names them: `{hub}/pilot:{tag}` (istiod)
/// and `{hub}/proxyv2:{tag}` (istio-init and istio-proxy). Passed to `istioctl install` as
/// `--set hub=` and `--set tag=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IstioImages {
    /// The registry and path before the image name (`sidecar-e2e.local/istio`, `docker.io/istio`).
    pub hub: String,
    /// The tag of both images. Never `latest`: Istio's chart makes the pull policy `Always` for
    /// it, and a kind node with no registry then cannot start istiod.
    pub tag: String,
}

impl IstioImages {
    /// istiod's image.
    pub fn pilot(&self) -> String {
        format!("{}/pilot:{}", self.hub, self.tag)
    }

    /// The sidecar's image (istio-init and istio-proxy run it).
    pub fn proxy(&self) -> String {
        format!("{}/proxyv2:{}", self.hub, self.tag)
    }

    /// Both images, istiod's first: what a kind cluster must hold before `istioctl install`.
    pub fn all(&self) -> [String; 2] {
        [self.pilot(), self.proxy()]
    }
}

/// Every image the harness uses, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageTable {
    /// Kubernetes minor -> kind node image.
    pub node_images: BTreeMap<K8sVersion, String>,
    /// The workloads' images.
    pub workloads: WorkloadImages,
    /// Binaries by name (`kind`, `kubectl`), when an offline build recorded them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tools: BTreeMap<String, ToolBinary>,
    /// Istio minor (`1.31`) -> its images. Empty by default: without an entry, istioctl uses the
    /// hub and tag it was built with (docker.io/istio and its own version, for a release).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub istio: BTreeMap<String, IstioImages>,
    /// What an offline build made for other injectors, by `name@version` (`otel@0.153`): their
    /// images by role and the install manifest it rendered.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub injectors: BTreeMap<String, BuiltInjector>,
    /// Node images that also hold an injector's images, by `name@version` then minor: a cell of
    /// that injector boots on one and loads nothing (images/build-node-layer.sh).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_images_with: BTreeMap<String, BTreeMap<K8sVersion, String>>,
}

/// What the offline build made for one injector version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuiltInjector {
    /// Its images by role (`operator`, `collector`): manifests name them `${<ROLE>_IMAGE}`.
    #[serde(default)]
    pub images: BTreeMap<String, String>,
    /// The install manifest it rendered, a file path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

/// An image map as written: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageMap {
    /// Node images to override, by minor.
    #[serde(default)]
    pub node_images: BTreeMap<K8sVersion, String>,
    /// Workload images to override.
    #[serde(default)]
    pub workloads: WorkloadOverrides,
    /// Binaries to record.
    #[serde(default)]
    pub tools: BTreeMap<String, ToolBinary>,
    /// Istio's images per minor (`"1.31"`), to add or override.
    #[serde(default)]
    pub istio: BTreeMap<String, IstioImages>,
    /// Other injectors' offline builds, by `name@version`.
    #[serde(default)]
    pub injectors: BTreeMap<String, BuiltInjector>,
    /// Node images holding an injector's images too, by `name@version` then minor.
    #[serde(default)]
    pub node_images_with: BTreeMap<String, BTreeMap<K8sVersion, String>>,
}

/// Workload images to override; absent ones keep the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadOverrides {
    /// Overrides [`WorkloadImages::envoy`].
    pub envoy: Option<String>,
    /// Overrides [`WorkloadImages::curl`].
    pub curl: Option<String>,
    /// Overrides [`WorkloadImages::httpbin`].
    pub httpbin: Option<String>,
    /// Overrides [`WorkloadImages::injector`].
    pub injector: Option<String>,
}

impl ImageMap {
    /// Parses an image map.
    ///
    /// # Errors
    /// [`ImageMapError`] when the YAML does not parse, names an empty or spaced reference, or has
    /// an entry for a version nothing runs (a node image for a minor the node-image table lacks,
    /// an Istio minor the plan does not know).
    pub fn from_yaml(text: &str) -> Result<Self, ImageMapError> {
        // An empty file is an empty map, not an error.
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let map: Self =
            serde_saphyr::from_str(text).map_err(|err| ImageMapError::Malformed(Box::new(err)))?;
        let workloads = [
            ("workloads.envoy", &map.workloads.envoy),
            ("workloads.curl", &map.workloads.curl),
            ("workloads.httpbin", &map.workloads.httpbin),
            ("workloads.injector", &map.workloads.injector),
        ];
        for (role, reference) in workloads {
            if let Some(reference) = reference {
                check_reference(role, reference)?;
            }
        }
        let table = Minors::embedded()?;
        for (minor, reference) in &map.node_images {
            check_node_image(&format!("nodeImages.{minor}"), *minor, reference, table)?;
        }
        for (version, images) in &map.istio {
            check_istio(version, images)?;
        }
        for (key, built) in &map.injectors {
            let entry = format!("injectors.{key}");
            check_injector_key(&entry, key)?;
            for (role, reference) in &built.images {
                check_reference(&format!("{entry}.images.{role}"), reference)?;
            }
        }
        for (key, nodes) in &map.node_images_with {
            check_injector_key(&format!("nodeImagesWith.{key}"), key)?;
            for (minor, reference) in nodes {
                let entry = format!("nodeImagesWith.{key}.{minor}");
                check_node_image(&entry, *minor, reference, table)?;
            }
        }
        Ok(map)
    }
}

/// A node image entry names a valid reference, for a minor the node-image table has.
fn check_node_image(
    entry: &str,
    minor: K8sVersion,
    reference: &str,
    table: &Minors,
) -> Result<(), ImageMapError> {
    check_reference(entry, reference)?;
    if table.get(minor).is_none() {
        return Err(ImageMapError::AppliesToNothing {
            entry: entry.to_owned(),
            reason: format!(
                "the node-image table has no Kubernetes {minor} (it has {})",
                table.versions_list()
            ),
        });
    }
    Ok(())
}

/// An injector's key is how cells name it: `name@version` for a profile with versions, the bare
/// name for one without (a user's own); profiles are loaded before the map.
fn check_injector_key(entry: &str, key: &str) -> Result<(), ImageMapError> {
    let planned = key.parse::<InjectorSpec>().ok().filter(|i| i.is_known());
    if planned.is_none_or(|i| i.to_string() != *key) {
        return Err(ImageMapError::AppliesToNothing {
            entry: entry.to_owned(),
            reason: match planned {
                Some(injector) => format!("cells name this injector {injector}: write that"),
                None => "its key must name a loaded injector profile: name@version, or the bare name of a profile without versions".to_owned(),
            },
        });
    }
    Ok(())
}

/// An Istio entry's key is a minor (`1.31`), and its hub and tag make valid references whose tag
/// is not `latest`.
impl ImageMap {
    /// Names Istio `version`'s images (`1.31`, hub, tag), replacing any earlier entry.
    pub fn insert_istio(&mut self, version: &str, hub: &str, tag: &str) {
        self.istio.insert(
            version.to_owned(),
            IstioImages {
                hub: hub.to_owned(),
                tag: tag.to_owned(),
            },
        );
    }
}

fn check_istio(version: &str, images: &IstioImages) -> Result<(), ImageMapError> {
    let role = format!("istio.{version}");
    let minor = version.strip_prefix("1.").unwrap_or("");
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ImageMapError::BadReference {
            role: "istio (its keys are Istio minors, such as \"1.31\")".to_owned(),
            reference: version.to_owned(),
        });
    }
    // `1.031` would be looked up as `1.31` and never match.
    if minor.len() > 1 && minor.starts_with('0') {
        return Err(ImageMapError::AppliesToNothing {
            entry: role,
            reason: format!(
                "write it without leading zeros: 1.{}",
                minor.trim_start_matches('0')
            ),
        });
    }
    let planned = minor.parse().ok().map(InjectorSpec::istio);
    if !planned.is_some_and(InjectorSpec::is_known) {
        return Err(ImageMapError::AppliesToNothing {
            entry: role,
            reason: format!(
                "no Istio {version} is planned (the known versions are {})",
                InjectorSpec::istio(31).known_versions()
            ),
        });
    }
    check_reference(&format!("{role}.hub"), &images.hub)?;
    check_reference(&format!("{role}.tag"), &images.tag)?;
    if images.tag == "latest" || images.tag.contains(['/', ':', '@']) {
        return Err(ImageMapError::BadReference {
            role: format!("{role}.tag"),
            reference: images.tag.clone(),
        });
    }
    Ok(())
}

fn check_reference(role: &str, reference: &str) -> Result<(), ImageMapError> {
    if reference.is_empty() || reference.chars().any(char::is_whitespace) {
        return Err(ImageMapError::BadReference {
            role: role.to_owned(),
            reference: reference.to_owned(),
        });
    }
    Ok(())
}

impl ImageTable {
    /// The upstream images, with the given node image per minor.
    pub fn upstream(node_images: impl IntoIterator<Item = (K8sVersion, String)>) -> Self {
        Self {
            node_images: node_images.into_iter().collect(),
            workloads: WorkloadImages {
                envoy: UPSTREAM_ENVOY.to_owned(),
                curl: UPSTREAM_CURL.to_owned(),
                httpbin: UPSTREAM_HTTPBIN.to_owned(),
                injector: UPSTREAM_INJECTOR.to_owned(),
            },
            tools: BTreeMap::new(),
            istio: BTreeMap::new(),
            injectors: BTreeMap::new(),
            node_images_with: BTreeMap::new(),
        }
    }

    /// The upstream images, with kind's node image for every version of the node-image table.
    pub fn upstream_for(node_images: &Minors) -> Self {
        Self::upstream(
            node_images
                .rows()
                .iter()
                .map(|row| (row.k8s, row.node_image())),
        )
    }

    /// This table with `map`'s entries taking precedence.
    #[must_use]
    pub fn overridden_by(mut self, map: ImageMap) -> Self {
        self.node_images.extend(map.node_images);
        let ImageMap {
            workloads,
            tools,
            istio,
            injectors,
            node_images_with,
            ..
        } = map;
        let slots = [
            (&mut self.workloads.envoy, workloads.envoy),
            (&mut self.workloads.curl, workloads.curl),
            (&mut self.workloads.httpbin, workloads.httpbin),
            (&mut self.workloads.injector, workloads.injector),
        ];
        for (slot, value) in slots {
            if let Some(value) = value {
                *slot = value;
            }
        }
        self.tools.extend(tools);
        self.istio.extend(istio);
        self.injectors.extend(injectors);
        for (injector, nodes) in node_images_with {
            self.node_images_with
                .entry(injector)
                .or_default()
                .extend(nodes);
        }
        self
    }

    /// The node image of Kubernetes `k8s` for a cell of `injector`: one that holds the
    /// injector's images too where the table has it, else the minor's.
    pub fn node_image(&self, k8s: K8sVersion, injector: Option<InjectorSpec>) -> Option<&String> {
        injector
            .and_then(|i| self.node_images_with.get(&i.to_string()))
            .and_then(|nodes| nodes.get(&k8s))
            .or_else(|| self.node_images.get(&k8s))
    }

    /// The images `injector`'s profile names, by role: the table's workload images it lists,
    /// and what the offline build made for it (Istio's `pilot` and `proxyv2`; another injector's
    /// `injectors.<name>@<version>` images). Its manifests name them `${<ROLE>_IMAGE}`.
    pub fn injector_images(&self, injector: InjectorSpec) -> Vec<(String, String)> {
        let mut images = Vec::new();
        for key in &injector.profile().images {
            match key {
                ImageKey::Workload(role) => {
                    let image = match role.as_str() {
                        "envoy" => &self.workloads.envoy,
                        "curl" => &self.workloads.curl,
                        "httpbin" => &self.workloads.httpbin,
                        "injector" => &self.workloads.injector,
                        _ => continue,
                    };
                    images.push((role.clone(), image.clone()));
                }
                ImageKey::Injector if injector.is("istio") => {
                    let minor = injector.version.map(|v| v.minor).unwrap_or_default();
                    if let Some(istio) = self.istio_for(minor) {
                        images.push(("pilot".to_owned(), istio.pilot()));
                        images.push(("proxyv2".to_owned(), istio.proxy()));
                    }
                }
                ImageKey::Injector => {
                    if let Some(built) = self.injectors.get(&injector.to_string()) {
                        images.extend(built.images.clone());
                    }
                }
            }
        }
        images
    }

    /// The install manifest the offline build rendered for `injector`, if it made one.
    pub fn injector_manifest(&self, injector: InjectorSpec) -> Option<String> {
        self.injectors
            .get(&injector.to_string())
            .and_then(|built| built.manifest.clone())
    }

    /// The images of Istio `1.<minor>`, when the table names them.
    pub fn istio_for(&self, minor: u32) -> Option<&IstioImages> {
        self.istio.get(&format!("1.{minor}"))
    }

    /// The table as an image map file (YAML) that [`ImageMap::from_yaml`] reads back.
    pub fn to_yaml(&self) -> String {
        let body = serde_saphyr::to_string(self).unwrap_or_else(|err| {
            // Plain strings and maps always serialise; keep the failure visible if that changes.
            format!("# could not serialise the image table: {err}\n")
        });
        format!(
            "# sidecar-e2e image map: every image the harness and its workloads use.\n\
             # Pass it with `--image-map FILE`; every key is optional.\n{body}"
        )
    }

    /// The manifest with `${CURL_IMAGE}`, `${HTTPBIN_IMAGE}`, `${ENVOY_IMAGE}` and
    /// `${INJECTOR_IMAGE}` replaced by this table's images.
    ///
    /// # Errors
    /// [`UnknownImageVariable`] for any other `${..._IMAGE}` variable, so a typo in a manifest
    /// fails before anything is applied.
    pub fn render_manifest(&self, manifest: &str) -> Result<String, UnknownImageVariable> {
        let variables = [
            ("CURL_IMAGE", &self.workloads.curl),
            ("HTTPBIN_IMAGE", &self.workloads.httpbin),
            ("ENVOY_IMAGE", &self.workloads.envoy),
            ("INJECTOR_IMAGE", &self.workloads.injector),
        ];
        let mut out = String::with_capacity(manifest.len());
        let mut rest = manifest;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let variable = &after[..end];
            match variables.iter().find(|(name, _)| *name == variable) {
                Some((_, image)) => out.push_str(image),
                None if variable.ends_with("_IMAGE") => {
                    return Err(UnknownImageVariable {
                        variable: variable.to_owned(),
                        known: variables.map(|(name, _)| name).join(", "),
                    });
                }
                // Not ours (a shell variable in a script): leave it for the shell.
                None => out.push_str(&rest[start..start + 2 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> K8sVersion {
        text.parse().expect("test versions parse")
    }

    fn upstream() -> ImageTable {
        ImageTable::upstream([(v("1.32"), "kindest/node:v1.32.8@sha256:abc".to_owned())])
    }

    #[test]
    fn map_overrides_only_what_it_names() {
        let map = ImageMap::from_yaml(
            "nodeImages:\n  \"1.32\": sidecar-e2e.local/kind-node:v1.32.13\nworkloads:\n  curl: my.registry/curl:1\n",
        )
        .expect("valid map");
        let table = upstream().overridden_by(map);
        assert_eq!(
            table.node_images[&v("1.32")],
            "sidecar-e2e.local/kind-node:v1.32.13"
        );
        assert_eq!(table.workloads.curl, "my.registry/curl:1");
        assert_eq!(table.workloads.envoy, UPSTREAM_ENVOY);
        assert_eq!(table.workloads.httpbin, UPSTREAM_HTTPBIN);
    }

    #[test]
    fn written_table_reads_back_as_the_same_table() {
        let mut table = upstream();
        table.tools.insert(
            "kind".to_owned(),
            ToolBinary {
                version: "v0.30.0".to_owned(),
                path: "/cache/kind".to_owned(),
            },
        );
        let yaml = table.to_yaml();
        let back = ImageTable::upstream([])
            .overridden_by(ImageMap::from_yaml(&yaml).expect("own output parses"));
        assert_eq!(back, table);
    }

    #[test]
    fn rejects_unknown_keys_and_blank_references() {
        assert!(matches!(
            ImageMap::from_yaml("workload:\n  curl: x\n"),
            Err(ImageMapError::Malformed(_))
        ));
        assert!(matches!(
            ImageMap::from_yaml("workloads:\n  curl: \"\"\n"),
            Err(ImageMapError::BadReference { role, .. }) if role == "workloads.curl"
        ));
        assert!(matches!(
            ImageMap::from_yaml("nodeImages:\n  \"1.32\": \"a b\"\n"),
            Err(ImageMapError::BadReference { role, .. }) if role == "nodeImages.1.32"
        ));
        assert!(matches!(
            ImageMap::from_yaml("nodeImages:\n  \"banana\": x\n"),
            Err(ImageMapError::Malformed(_))
        ));
    }

    #[test]
    fn istio_entries_name_istioctls_two_images_per_minor() {
        let map = ImageMap::from_yaml(
            "istio:\n  \"1.31\": {hub: sidecar-e2e.local/istio, tag: 1.31-dev}\n",
        )
        .expect("valid map");
        let table = upstream().overridden_by(map);
        let istio = table.istio_for(31).expect("1.31 is named");
        assert_eq!(istio.pilot(), "sidecar-e2e.local/istio/pilot:1.31-dev");
        assert_eq!(istio.proxy(), "sidecar-e2e.local/istio/proxyv2:1.31-dev");
        assert_eq!(table.istio_for(30), None);
        assert_eq!(upstream().istio_for(31), None, "no default: istioctl's own");
        let back = ImageTable::upstream([])
            .overridden_by(ImageMap::from_yaml(&table.to_yaml()).expect("own output parses"));
        assert_eq!(back, table);
    }

    #[test]
    fn rejects_istio_entries_kind_could_not_run() {
        for (yaml, role) in [
            (
                "istio:\n  \"1.31\": {hub: h, tag: latest}\n",
                "istio.1.31.tag",
            ),
            (
                "istio:\n  \"1.31\": {hub: \"a b\", tag: t}\n",
                "istio.1.31.hub",
            ),
            (
                "istio:\n  \"1.31\": {hub: h, tag: \"x:y\"}\n",
                "istio.1.31.tag",
            ),
            ("istio:\n  \"31\": {hub: h, tag: t}\n", "istio (its keys"),
            ("istio:\n  \"1.x\": {hub: h, tag: t}\n", "istio (its keys"),
        ] {
            match ImageMap::from_yaml(yaml) {
                Err(ImageMapError::BadReference { role: got, .. }) => {
                    assert!(got.starts_with(role), "{yaml}: {got}")
                }
                other => panic!("{yaml} must be refused, got {other:?}"),
            }
        }
        assert!(matches!(
            ImageMap::from_yaml("istio:\n  \"1.31\": {hub: h}\n"),
            Err(ImageMapError::Malformed(_))
        ));
    }

    #[test]
    fn refuses_entries_for_versions_nothing_runs() {
        for (yaml, entry) in [
            (
                "nodeImages:\n  \"1.99\": my/node:v1.99.0\n",
                "nodeImages.1.99",
            ),
            ("istio:\n  \"1.50\": {hub: h, tag: t}\n", "istio.1.50"),
            ("istio:\n  \"1.18\": {hub: h, tag: t}\n", "istio.1.18"),
            ("istio:\n  \"1.031\": {hub: h, tag: t}\n", "istio.1.031"),
            ("injectors:\n  otel: {images: {}}\n", "injectors.otel"),
            (
                "injectors:\n  otel@0.99: {images: {}}\n",
                "injectors.otel@0.99",
            ),
            (
                "injectors:\n  linkerd@2.20: {images: {}}\n",
                "injectors.linkerd@2.20",
            ),
            (
                "nodeImagesWith:\n  istio@1.50:\n    \"1.32\": my/node:v1\n",
                "nodeImagesWith.istio@1.50",
            ),
            (
                "nodeImagesWith:\n  istio@1.31:\n    \"1.99\": my/node:v1\n",
                "nodeImagesWith.istio@1.31.1.99",
            ),
        ] {
            match ImageMap::from_yaml(yaml) {
                Err(ImageMapError::AppliesToNothing { entry: got, .. }) => {
                    assert_eq!(got, entry, "{yaml}")
                }
                other => panic!("{yaml} must be refused, got {other:?}"),
            }
        }
        let err = ImageMap::from_yaml("injectors:\n  otel: {images: {}}\n").expect_err("bare");
        assert!(
            err.to_string()
                .contains("cells name this injector otel@0.153"),
            "{err}"
        );
        assert!(ImageMap::from_yaml("injectors:\n  otel@0.153: {images: {}}\n").is_ok());
        let err =
            ImageMap::from_yaml("istio:\n  \"1.031\": {hub: h, tag: t}\n").expect_err("padded");
        assert!(
            err.to_string()
                .ends_with("write it without leading zeros: 1.31"),
            "{err}"
        );
    }

    #[test]
    fn a_cell_of_an_injector_boots_on_the_node_image_holding_its_images() {
        let map = ImageMap::from_yaml(
            "nodeImages:\n  \"1.32\": local/kind-node-cell:v1.32.13\n\
             nodeImagesWith:\n  istio@1.31:\n    \"1.32\": local/kind-node-istio-1.31:v1.32.13\n",
        )
        .expect("valid map");
        let table = upstream().overridden_by(map);
        let k8s = v("1.32");
        let node = |injector| table.node_image(k8s, injector).map(String::as_str);
        assert_eq!(
            node(Some(InjectorSpec::istio(31))),
            Some("local/kind-node-istio-1.31:v1.32.13")
        );
        // Another injector, or none, boots on the minor's own node image.
        assert_eq!(
            node(Some(InjectorSpec::builtin())),
            Some("local/kind-node-cell:v1.32.13")
        );
        assert_eq!(node(None), Some("local/kind-node-cell:v1.32.13"));
        // A minor the injector's layer was not built for keeps the minor's image.
        assert_eq!(
            table.node_image(v("1.37"), Some(InjectorSpec::istio(31))),
            table.node_images.get(&v("1.37"))
        );
        let back = ImageTable::upstream([])
            .overridden_by(ImageMap::from_yaml(&table.to_yaml()).expect("own output parses"));
        assert_eq!(back, table);
        assert!(matches!(
            ImageMap::from_yaml("nodeImagesWith:\n  istio@1.31:\n    \"1.32\": \"a b\"\n"),
            Err(ImageMapError::BadReference { .. })
        ));
    }

    #[test]
    fn empty_map_changes_nothing() {
        let map = ImageMap::from_yaml("\n").expect("empty is fine");
        assert_eq!(upstream().overridden_by(map), upstream());
    }

    #[test]
    fn renders_image_variables_and_leaves_shell_variables() {
        let manifest = "image: ${CURL_IMAGE}\nargs: [\"echo ${POD_NAMESPACE}\"]\n";
        let out = upstream()
            .render_manifest(manifest)
            .expect("known variables");
        assert_eq!(
            out,
            format!("image: {UPSTREAM_CURL}\nargs: [\"echo ${{POD_NAMESPACE}}\"]\n")
        );
    }

    #[test]
    fn rejects_unknown_image_variable() {
        let err = upstream()
            .render_manifest("image: ${CRUL_IMAGE}\n")
            .expect_err("typo must fail");
        assert_eq!(err.variable, "CRUL_IMAGE");
        assert!(err.known.contains("CURL_IMAGE"));
    }
}
