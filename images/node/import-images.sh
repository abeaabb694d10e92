#!/bin/bash
# Runs inside the node-image build container (not in a cluster).
#   import-images.sh SOURCE TARGET < archive import a `docker save` archive of image SOURCE into
#                                            containerd's k8s.io namespace, named TARGET (what
#                                            kubeadm or a manifest asks for)
#   import-images.sh --check VERSION         fail unless every image `kubeadm config images list`
#                                            names for VERSION, and the sandbox image, is present
set -euo pipefail
sock=/run/containerd/containerd.sock

start_containerd() {
  if [ ! -S "$sock" ]; then
    containerd >>/var/log/sidecar-e2e-import.log 2>&1 &
    for _ in $(seq 1 100); do
      [ -S "$sock" ] && ctr version >/dev/null 2>&1 && return 0
      sleep 0.1
    done
    echo "containerd did not start; its log:" >&2
    tail -n 20 /var/log/sidecar-e2e-import.log >&2
    exit 1
  fi
}

start_containerd
if [ "${1:-}" = "--check" ]; then
  version="${2:?--check needs a Kubernetes version}"
  have=$(ctr -n k8s.io images list -q)
  sandbox=$(sed -n 's/^ *sandbox_image *= *"\(.*\)"/\1/p' /etc/containerd/config.toml)
  missing=0
  for image in $(kubeadm config images list --kubernetes-version "$version" 2>/dev/null) $sandbox; do
    if ! grep -qxF "$image" <<<"$have"; then
      echo "missing from the node image: $image" >&2
      missing=1
    fi
  done
  exit "$missing"
fi

source_name="${1:?usage: import-images.sh SOURCE TARGET < docker-archive}"
name="${2:?usage: import-images.sh SOURCE TARGET < docker-archive}"
ctr -n k8s.io images import --label=io.cri-containerd.pinned=pinned --no-unpack - >/dev/null
ctr -n k8s.io images list -q | grep -qxF "$source_name" || { echo "the archive did not hold $source_name" >&2; exit 1; }
# docker save names the image with its docker tag; rename it to what the node asks for.
if [ "$source_name" != "$name" ]; then
  ctr -n k8s.io images tag --force "$source_name" "$name" >/dev/null
  ctr -n k8s.io images rm "$source_name" >/dev/null
fi
echo "imported $name"
