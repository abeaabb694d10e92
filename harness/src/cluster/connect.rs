//! A kube client for one cluster: from the kubeconfig kind wrote for it, or the user's own
//! (`--kubeconfig`, `--context`). Never the ambient `~/.kube/config` by accident: a run names the
//! file it talks to.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

/// Where a cluster's API server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterAccess {
    /// The kubeconfig file.
    pub kubeconfig: PathBuf,
    /// The context in it (`None`: its current context).
    pub context: Option<String>,
}

/// A kube client could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The kubeconfig cannot be read or parsed.
    #[error("cannot read the kubeconfig {path}")]
    Kubeconfig {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// The kubeconfig does not describe a usable client.
    #[error("cannot use the kubeconfig {path}")]
    Client {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: kube::Error,
    },
}

impl ClusterAccess {
    /// `kubectl` arguments that reach the same cluster (for the inspection hints a kept cluster
    /// prints).
    pub fn kubectl_flags(&self) -> String {
        let mut flags = format!("--kubeconfig {}", self.kubeconfig.display());
        if let Some(context) = &self.context {
            flags.push_str(&format!(" --context {context}"));
        }
        flags
    }

    /// A client for the cluster.
    ///
    /// # Errors
    /// [`ConnectError`] naming the kubeconfig.
    pub async fn client(&self) -> Result<kube::Client, ConnectError> {
        client_for(&self.kubeconfig, self.context.as_deref()).await
    }
}

async fn client_for(path: &Path, context: Option<&str>) -> Result<kube::Client, ConnectError> {
    let label = path.display().to_string();
    let kubeconfig = Kubeconfig::read_from(path).map_err(|source| ConnectError::Kubeconfig {
        path: label.clone(),
        source,
    })?;
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|source| ConnectError::Kubeconfig {
            path: label.clone(),
            source,
        })?;
    kube::Client::try_from(config).map_err(|source| ConnectError::Client {
        path: label,
        source,
    })
}
