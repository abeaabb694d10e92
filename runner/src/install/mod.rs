//! Installing an injector into a cluster: the builtin one (certificates, Secret, manifests by
//! server-side apply, the webhook proven live) or Istio through `istioctl`.

pub mod builtin;
pub mod certs;
pub mod istio;

pub use builtin::{INJECTION_LABEL, InstallError, injector_mode, install_builtin};
pub use certs::{CertError, ServingCertificates, service_dns_names};
pub use istio::{
    ISTIO_INJECTION_LABEL, IstioError, IstioSettings, Istioctl, UPSTREAM_ENVOY_SETTINGS,
    istio_failure_hint, istio_install_args,
};
