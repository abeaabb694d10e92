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

/// A kubeconfig that names no usable context, found before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigProblem {
    /// The text is not a kubeconfig.
    #[error("{path} is not a kubeconfig: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// Where the parser stopped and why, in one line: the parser's own message goes on to
        /// quote the file, and a kubeconfig holds credentials.
        reason: String,
    },
    /// No `--context` was given and the file names no current context.
    #[error("{path} has no current-context: name one with --context (its contexts: {known})")]
    NoCurrentContext {
        /// The file.
        path: String,
        /// Its contexts, comma-separated.
        known: String,
    },
    /// The context asked for is not in the file.
    #[error("{path} has no context {context:?} (its contexts: {known})")]
    NoContext {
        /// The file.
        path: String,
        /// The context asked for (`--context`, or the file's current-context).
        context: String,
        /// Its contexts, comma-separated.
        known: String,
    },
    /// The context names a cluster the file does not describe.
    #[error(
        "{path}'s context {context:?} names the cluster {cluster:?}, which it does not describe"
    )]
    NoCluster {
        /// The file.
        path: String,
        /// The context.
        context: String,
        /// The cluster it names.
        cluster: String,
    },
}

impl ClusterAccess {
    /// Checks, with no connection, that `text` (this kubeconfig's content) is a kubeconfig whose
    /// context (`--context`, else its current-context) exists and names a cluster it describes:
    /// what a run can check before it creates or prints anything.
    ///
    /// # Errors
    /// [`KubeconfigProblem`] naming the file.
    pub fn check(&self, text: &str) -> Result<(), KubeconfigProblem> {
        let path = self.kubeconfig.display().to_string();
        let config = Kubeconfig::from_yaml(text).map_err(|err| KubeconfigProblem::Malformed {
            path: path.clone(),
            reason: first_line_of(&err),
        })?;
        let known = || {
            let names: Vec<&str> = config.contexts.iter().map(|c| c.name.as_str()).collect();
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        let Some(name) = self
            .context
            .clone()
            .or_else(|| config.current_context.clone())
            .filter(|name| !name.is_empty())
        else {
            return Err(KubeconfigProblem::NoCurrentContext {
                path,
                known: known(),
            });
        };
        let Some(context) = config.contexts.iter().find(|c| c.name == name) else {
            return Err(KubeconfigProblem::NoContext {
                path,
                context: name,
                known: known(),
            });
        };
        let cluster = context
            .context
            .as_ref()
            .map(|c| c.cluster.clone())
            .unwrap_or_default();
        if !config.clusters.iter().any(|c| c.name == cluster) {
            return Err(KubeconfigProblem::NoCluster {
                path,
                context: name,
                cluster,
            });
        }
        Ok(())
    }

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

/// The first line of a parser's message, without the prefixes that only repeat what failed:
/// `line 1 column 11: unclosed bracket '['`.
fn first_line_of(err: &kube::config::KubeconfigError) -> String {
    let text = err.to_string();
    let line = text.lines().next().unwrap_or_default();
    let line = line
        .strip_prefix("failed to parse kubeconfig YAML: ")
        .unwrap_or(line);
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\n- name: lost\n  context: {cluster: gone, user: u}\n";

    fn access(context: Option<&str>) -> ClusterAccess {
        ClusterAccess {
            kubeconfig: PathBuf::from("k.yaml"),
            context: context.map(str::to_owned),
        }
    }

    #[test]
    fn a_kubeconfig_is_checked_for_the_context_a_run_would_use() {
        let current = format!("{CONFIG}current-context: ctx\n");
        access(None).check(&current).expect("its current context");
        access(Some("ctx"))
            .check(CONFIG)
            .expect("the named context");
        let err = |access: ClusterAccess, text: &str| {
            sidecar_e2e_core::error_chain::error_chain(&access.check(text).expect_err("refused"))
        };
        assert_eq!(
            err(access(None), CONFIG),
            "k.yaml has no current-context: name one with --context (its contexts: ctx, lost)"
        );
        assert_eq!(
            err(access(Some("elsewhere")), &current),
            "k.yaml has no context \"elsewhere\" (its contexts: ctx, lost)"
        );
        assert_eq!(
            err(access(Some("lost")), CONFIG),
            "k.yaml's context \"lost\" names the cluster \"gone\", which it does not describe"
        );
        let malformed = format!("{CONFIG}token: [secret\n");
        assert_eq!(
            err(access(None), &malformed),
            "k.yaml is not a kubeconfig: line 14 column 8: unclosed bracket '['",
            "one line, quoting nothing of the file"
        );
    }
}
