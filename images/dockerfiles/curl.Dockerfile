# The workloads' client: Debian's curl and a POSIX shell, as a non-root user.
ARG BASE
FROM ${BASE}
USER 65532:65532
ENTRYPOINT ["curl"]
