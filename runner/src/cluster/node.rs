//! A shell on a kind node: what a scenario that acts on the node itself needs (restarting the
//! kubelet). Only clusters the run made with kind have one; a `--kubeconfig` cluster has none.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::process::{ToolCommand, ToolError};

/// The node-side script of [`NodeShell::reboot_leaving_created_app`]: `$1` namespace, `$2` pod,
/// `$3` app container. kind's node images carry crictl and jq. The created instance must come
/// before the sandbox stops: containerd creates containers only in a running sandbox.
const REBOOT_LEAVING_CREATED_APP: &str = r#"set -euo pipefail
ns=$1 pod=$2 app=$3
sandbox=$(crictl pods --namespace "$ns" -o json | jq -r --arg p "$pod"   '.items[] | select(.metadata.name == $p and .state == "SANDBOX_READY") | .id' | head -n1)
[ -n "$sandbox" ] || { echo "no ready sandbox of pod $ns/$pod on this node" >&2; exit 1; }
running=$(crictl ps --pod "$sandbox" -o json | jq -r --arg a "$app"   '.containers[] | select(.metadata.name == $a and .state == "CONTAINER_RUNNING") | .id' | head -n1)
[ -n "$running" ] || { echo "no running container $app in pod $ns/$pod" >&2; exit 1; }
dir=$(mktemp -d /var/sidecar-e2e-reboot.XXXXXX)
trap 'rm -rf "$dir"' EXIT
crictl inspect "$running" | jq '.info.config
  | .metadata.attempt = ((.metadata.attempt // 0) + 1)
  | .annotations["io.kubernetes.container.restartCount"] = (.metadata.attempt | tostring)
  | .log_path = "\(.metadata.name)/\(.metadata.attempt).log"' > "$dir/container.json"
crictl inspectp "$sandbox" | jq '.info.config' > "$dir/sandbox.json"
systemctl stop kubelet
trap 'systemctl start kubelet; rm -rf "$dir"' EXIT
created=$(crictl create --no-pull "$sandbox" "$dir/container.json" "$dir/sandbox.json")
crictl stopp "$sandbox" >/dev/null
echo "left created: $created; stopped sandbox $sandbox"
"#;

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

    /// The command that copies image `reference` from this node's containerd into `to`'s,
    /// through a file (`ctr images export`, `docker cp` twice, `ctr images import`): how a worker of an older minor
    /// gets the control plane's kube-proxy, which no registry serves offline.
    pub fn copy_image_command(&self, to: &NodeShell, reference: &str) -> ToolCommand {
        // Through files, not a pipe: `docker exec`'s stdout cut a 147 MB stream short (ctr: short
        // read) when it was piped straight into the other node. Under /var, a volume: a kind
        // node's /tmp is a tmpfs, which `docker cp` cannot read.
        let script = "set -euo pipefail; tar=$(mktemp); trap 'rm -f \"$tar\"' EXIT; \
                      \"$1\" exec \"$2\" ctr -n k8s.io images export /var/copy-image.tar \"$4\"; \
                      \"$1\" cp \"$2\":/var/copy-image.tar \"$tar\"; \
                      \"$1\" exec \"$2\" rm -f /var/copy-image.tar; \
                      \"$1\" cp \"$tar\" \"$3\":/var/copy-image.tar; \
                      \"$1\" exec \"$3\" ctr -n k8s.io images import /var/copy-image.tar; \
                      \"$1\" exec \"$3\" rm -f /var/copy-image.tar";
        ToolCommand::new(
            std::path::Path::new("bash"),
            [
                "-c",
                script,
                "copy-image",
                &self.docker.to_string_lossy(),
                &self.container,
                &to.container,
                reference,
            ]
            .into_iter()
            .map(OsString::from)
            .collect(),
        )
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

    /// `docker exec NODE bash -c SCRIPT`: reboots the node as its kubelet sees it, leaving a
    /// created, never started instance of container `app` of pod `namespace/pod` behind (see
    /// [`Self::reboot_leaving_created_app`]).
    pub fn reboot_leaving_created_app_argv(
        &self,
        namespace: &str,
        pod: &str,
        app: &str,
    ) -> Vec<OsString> {
        [
            "exec",
            self.container.as_str(),
            "bash",
            "-c",
            REBOOT_LEAVING_CREATED_APP,
            "reboot-node",
            namespace,
            pod,
            app,
        ]
        .into_iter()
        .map(OsString::from)
        .collect()
    }

    /// Reboots the node as its kubelet sees it, in the state a power cut between the runtime's
    /// create and start of a container leaves (kubernetes#137710): the kubelet stopped, a new
    /// instance of `app` created from the running one's own CRI config (the next attempt) in the
    /// pod's sandbox, the sandbox stopped (its running containers die, the created one stays
    /// created), the kubelet started. The kubelet is started again whatever fails.
    ///
    /// # Errors
    /// [`ToolError`] when docker or a step on the node fails (the node's message says which).
    pub async fn reboot_leaving_created_app(
        &self,
        namespace: &str,
        pod: &str,
        app: &str,
    ) -> Result<(), ToolError> {
        ToolCommand::new(
            &self.docker,
            self.reboot_leaving_created_app_argv(namespace, pod, app),
        )
        .run()
        .await
        .map(drop)
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

    #[test]
    fn a_worker_cell_acts_on_the_worker_and_copies_images_by_argument() {
        let docker = PathBuf::from("/usr/bin/docker");
        let worker = NodeShell::workload_node(docker.clone(), "se2e-x", true);
        assert_eq!(worker.container, "se2e-x-worker");
        let single = NodeShell::workload_node(docker.clone(), "se2e-x", false);
        assert_eq!(single.container, "se2e-x-control-plane");
        let copy = single.copy_image_command(&worker, "registry.k8s.io/kube-proxy:v1.33.13");
        let args: Vec<String> = copy
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        // The names and the reference are arguments of the script, never part of its text.
        assert_eq!(
            args[2..],
            [
                "copy-image",
                "/usr/bin/docker",
                "se2e-x-control-plane",
                "se2e-x-worker",
                "registry.k8s.io/kube-proxy:v1.33.13"
            ]
        );
        assert!(!args[1].contains("kube-proxy") && args[1].contains("images import"));
    }
}
