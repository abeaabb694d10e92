# The node's CNI installer: writes a bridge + host-local configuration for the node's pod CIDR
# (see images/node/cni-bridge-install and images/node/default-cni.yaml).
ARG BASE
FROM ${BASE}
COPY cni-bridge-install /usr/local/bin/cni-bridge-install
ENTRYPOINT ["/usr/local/bin/cni-bridge-install"]
