# The kind node image (before its images are imported): the node rootfs, kind's base files from
# its Go module (entrypoint, systemd units, containerd config), the container runtime and the
# Kubernetes node binaries -- the layout kind's own base image and node image build produce.
ARG BASE
FROM ${BASE}
COPY kind-base/usr/local/bin/ /usr/local/bin/
COPY kind-base/kind/ /kind/
COPY kind-base/etc/ /etc/
COPY bin/containerd bin/ctr bin/containerd-shim-runc-v2 bin/crictl /usr/local/bin/
COPY bin/runc /usr/local/sbin/runc
COPY bin/kubeadm bin/kubelet bin/kubectl /usr/bin/
COPY cni/ /opt/cni/bin/
COPY default-cni.yaml default-storage.yaml /kind/manifests/
COPY version /kind/version
# restrict_oom_score_adj: where a process cannot lower its oom_score_adj (hosts without
# CAP_SYS_RESOURCE), runc refuses the -997 the kubelet asks for the control plane. This switch of
# containerd's (kind turns it on for rootless nodes) raises such a value to containerd's own score;
# on a host that can lower it, containerd runs at -999 and nothing changes.
# File modes come from the build context (images/build.sh sets them): a chmod here would copy
# every binary into a second layer.
RUN find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete \
 && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/* \
 && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \
 && ln -sf "$(command -v systemd || echo /lib/systemd/systemd)" /sbin/init \
 && systemctl enable kubelet.service containerd.service undo-mount-hacks.service \
 && systemctl mask systemd-binfmt.service \
 && mkdir -p /etc/kubernetes/manifests \
 && ctr oci spec \
    | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
    | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json \
 && sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' /etc/containerd/config.toml \
 && grep -q 'restrict_oom_score_adj = true' /etc/containerd/config.toml \
 && containerd --version && runc --version && kubelet --version
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
