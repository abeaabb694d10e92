//! A shell on a kind node: what a scenario that acts on the node itself needs (restarting the
//! kubelet). Only clusters the run made with kind have one; a `--kubeconfig` cluster has none.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::process::{ToolCommand, ToolError};

/// `docker exec` into one node container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeShell {
    /// The docker CLI.
    pub docker: PathBuf,
    /// The node's container (`<cluster>-control-plane`, or `<cluster>-worker`).
    pub container: String,
}

impl NodeShell {
    /// The control-plane node of kind cluster `cluster` (the single node of a cell without a
    /// worker).
    pub fn control_plane(docker: PathBuf, cluster: &str) -> Self {
        NodeShell {
            docker,
            container: format!("{cluster}-control-plane"),
        }
    }

    /// The node that runs the workload in kind cluster `cluster`: its worker (kind names the
    /// first `<cluster>-worker`) where the cell has one, else the control plane.
    pub fn workload_node(docker: PathBuf, cluster: &str, has_worker: bool) -> Self {
        match has_worker {
            true => NodeShell {
                docker,
                container: format!("{cluster}-worker"),
            },
            false => Self::control_plane(docker, cluster),
        }
    }

    /// `docker exec NODE systemctl restart kubelet`.
    pub fn restart_kubelet_argv(&self) -> Vec<OsString> {
        [
            "exec",
            self.container.as_str(),
            "systemctl",
            "restart",
            "kubelet",
        ]
        .into_iter()
        .map(OsString::from)
        .collect()
    }

    /// Restarts the node's kubelet (systemd waits for the new one to start).
    ///
    /// # Errors
    /// [`ToolError`] when docker or systemctl fails.
    pub async fn restart_kubelet(&self) -> Result<(), ToolError> {
        ToolCommand::new(&self.docker, self.restart_kubelet_argv())
            .run()
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_the_kubelet_of_the_control_plane_node() {
        let node = NodeShell::control_plane("/usr/bin/docker".into(), "se2e-x-1-35-on");
        assert_eq!(node.container, "se2e-x-1-35-on-control-plane");
        let argv: Vec<String> = node
            .restart_kubelet_argv()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            argv,
            [
                "exec",
                "se2e-x-1-35-on-control-plane",
                "systemctl",
                "restart",
                "kubelet"
            ]
        );
    }
}
