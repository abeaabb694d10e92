//! Installing an injector into a cluster. Today: the certificates the builtin injector's webhook
//! serves with (the install steps themselves run in the e2e suites until `run` lands).

pub mod certs;

pub use certs::{CertError, ServingCertificates, service_dns_names};
