//! What the offline build of one minor pins, written from the minors table
//! (`core/data/minors.yaml`) as the env file `images/build-minor.sh` sources: no script decides a
//! version or whether a minor exists.

use sidecar_e2e_core::plan::{Minor, Minors};

/// The env file of `minor`'s build: the kind release, the Kubernetes patch and its wrapper
/// module, the runtime set, what kubeadm asks for, and the Go toolchain when it needs a newer one.
pub fn pins_env(table: &Minors, minor: &Minor) -> String {
    let pins = &minor.offline;
    let mut env = format!(
        "# Written by sidecar-e2e from core/data/minors.yaml ({k8s}); do not edit.\n\
         KIND_VERSION={kind}\n\
         KUBERNETES_VERSION={kubernetes}\n\
         KUBERNETES_MODULE_DIR=images/go/kubernetes-{k8s}\n\
         RUNTIME={runtime}\n\
         ETCD_VERSION={etcd}\n\
         ETCD_IMAGE_TAG={etcd_tag}\n\
         ETCD_MODULE_DIR=images/go/etcd-{etcd}\n\
         COREDNS_VERSION={coredns}\n\
         PAUSE_VERSION={pause}\n",
        k8s = minor.k8s,
        kind = table.kind_release(),
        kubernetes = pins.kubernetes,
        runtime = pins.runtime,
        etcd = pins.etcd,
        etcd_tag = pins.etcd_image_tag,
        coredns = pins.coredns,
        pause = pins.pause,
    );
    if let Some(go) = &pins.go {
        // The go command fetches this toolchain from the module proxy.
        env.push_str(&format!("export GOTOOLCHAIN={go}\n"));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidecar_e2e_core::plan::K8sVersion;

    #[test]
    fn a_minors_pins_are_the_tables() {
        let table = Minors::embedded().expect("table");
        let minor = table.get(K8sVersion::new(32)).expect("1.32");
        let env = pins_env(table, minor);
        for line in [
            "KIND_VERSION=v0.33.0",
            "KUBERNETES_VERSION=v1.32.13",
            "KUBERNETES_MODULE_DIR=images/go/kubernetes-1.32",
            "RUNTIME=containerd-2.1",
            "ETCD_VERSION=v3.5.24",
            "ETCD_IMAGE_TAG=3.5.24-0",
            "ETCD_MODULE_DIR=images/go/etcd-v3.5.24",
            "COREDNS_VERSION=v1.11.3",
            "PAUSE_VERSION=3.10",
        ] {
            assert!(env.lines().any(|l| l == line), "{line} in\n{env}");
        }
        assert!(
            !env.contains("GOTOOLCHAIN"),
            "1.32 builds with this machine's Go"
        );
    }
}
