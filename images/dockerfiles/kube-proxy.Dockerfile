# kube-proxy on the Debian tool rootfs (iptables, conntrack), with iptables-select standing in for
# every iptables command so kube-proxy writes rules with the backend the node uses.
ARG BASE
FROM ${BASE}
COPY kube-proxy /usr/local/bin/kube-proxy
COPY iptables-select /usr/sbin/iptables-select
# Modes come from the build context: a chmod here would copy kube-proxy into a second layer.
RUN for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do \
      ln -sf iptables-select "/usr/sbin/$t"; \
    done
ENTRYPOINT ["/usr/local/bin/kube-proxy"]
