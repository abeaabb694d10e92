# One static binary on an empty image: control-plane components, etcd, CoreDNS, pause, go-httpbin.
# images/build.sh renders @NAME@ (the binary's name, also the entrypoint) and @USER@.
FROM scratch
COPY binary /usr/local/bin/@NAME@
# kubeadm's static pods name their command without a path (`etcd`, `kube-apiserver`).
ENV PATH=/usr/local/bin:/usr/bin:/bin
USER @USER@
ENTRYPOINT ["/usr/local/bin/@NAME@"]
