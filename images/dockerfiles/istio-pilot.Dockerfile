# istiod: pilot-discovery built from the istio.io/istio Go module, on the Debian tool rootfs.
# What Istio's pilot/docker/Dockerfile.pilot holds (one static binary, user 1337), without its
# Ubuntu base; the Debian one has the same shell and CA certificates for debugging.
ARG BASE
FROM ${BASE}
COPY pilot-discovery /usr/local/bin/pilot-discovery
RUN /usr/local/bin/pilot-discovery version --short
USER 1337:1337
ENTRYPOINT ["/usr/local/bin/pilot-discovery"]
