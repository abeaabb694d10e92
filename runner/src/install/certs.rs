//! A throwaway CA and the serving certificate the builtin injector's webhook presents: valid for
//! the Service's DNS names, signed by a CA whose PEM goes into the webhook's `caBundle`.
//!
//! The API server calls a webhook Service as `<service>.<namespace>.svc`; the other names are
//! there for clients inside the cluster. Each install makes a new CA: nothing is reused across
//! runs, and the key never leaves the cluster's Secret.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

/// The certificates could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// rcgen refused a name or could not sign.
    #[error("could not issue the {what} certificate")]
    Issue {
        /// Which certificate (`CA`, `serving`).
        what: &'static str,
        /// Why.
        #[source]
        source: rcgen::Error,
    },
    /// No DNS name was given for the serving certificate.
    #[error("a serving certificate needs at least one DNS name")]
    NoNames,
}

/// PEM texts of a CA and of a serving certificate and key it signed.
#[derive(Clone)]
pub struct ServingCertificates {
    /// The CA certificate: the webhook's `caBundle` (base64 of this text).
    pub ca_pem: String,
    /// The serving certificate (the Secret's `tls.crt`).
    pub cert_pem: String,
    /// Its private key (the Secret's `tls.key`).
    pub key_pem: String,
}

impl std::fmt::Debug for ServingCertificates {
    // The key is a secret: never in logs or panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServingCertificates")
            .field("ca_pem", &self.ca_pem)
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// The DNS names a Service answers to inside the cluster, the one the API server uses first.
pub fn service_dns_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
        format!("{service}.{namespace}"),
        service.to_owned(),
    ]
}

impl ServingCertificates {
    /// A new CA, and a serving certificate for `dns_names` signed by it.
    ///
    /// # Errors
    /// [`CertError::NoNames`] for an empty list; [`CertError::Issue`] when rcgen refuses a name.
    pub fn issue(dns_names: &[String]) -> Result<Self, CertError> {
        let first = dns_names.first().ok_or(CertError::NoNames)?;
        let issue = |what| move |source| CertError::Issue { what, source };

        let ca_key = KeyPair::generate().map_err(issue("CA"))?;
        let mut ca = CertificateParams::new(Vec::new()).map_err(issue("CA"))?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        // Distinct subject names: OpenSSL (curl) takes a leaf whose issuer equals its own subject
        // for a self-signed certificate, and rcgen's default name is the same for both.
        ca.distinguished_name = common_name("sidecar-e2e injector CA");
        let ca_cert = ca.self_signed(&ca_key).map_err(issue("CA"))?;
        let issuer = Issuer::new(ca, ca_key);

        let key = KeyPair::generate().map_err(issue("serving"))?;
        let mut leaf = CertificateParams::new(dns_names.to_vec()).map_err(issue("serving"))?;
        leaf.distinguished_name = common_name(first);
        leaf.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = leaf.signed_by(&key, &issuer).map_err(issue("serving"))?;

        Ok(Self {
            ca_pem: ca_cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Certificates for the Service `service` in `namespace` ([`service_dns_names`]).
    ///
    /// # Errors
    /// As [`ServingCertificates::issue`].
    pub fn for_service(service: &str, namespace: &str) -> Result<Self, CertError> {
        Self::issue(&service_dns_names(service, namespace))
    }
}

fn common_name(name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    use super::*;

    fn verify(certs: &ServingCertificates, name: &str) -> Result<(), rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(certs.ca_pem.as_bytes()).expect("CA PEM"))
            .expect("CA is a valid root");
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .expect("verifier");
        let leaf = CertificateDer::from_pem_slice(certs.cert_pem.as_bytes()).expect("leaf PEM");
        let name = ServerName::try_from(name.to_owned()).expect("a DNS name");
        verifier
            .verify_server_cert(&leaf, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    }

    #[test]
    fn chain_verifies_for_every_service_name_and_only_those() {
        let certs = ServingCertificates::for_service("sidecar-injector", "sidecar-e2e-system")
            .expect("issued");
        for name in service_dns_names("sidecar-injector", "sidecar-e2e-system") {
            verify(&certs, &name).unwrap_or_else(|err| panic!("{name} must verify: {err}"));
        }
        assert!(
            verify(&certs, "sidecar-injector.other.svc").is_err(),
            "another namespace must not"
        );
        assert!(verify(&certs, "evil.example").is_err());
    }

    #[test]
    fn another_ca_does_not_vouch_for_the_certificate() {
        let ours = ServingCertificates::for_service("a", "b").expect("issued");
        let theirs = ServingCertificates::for_service("a", "b").expect("issued");
        let mixed = ServingCertificates {
            ca_pem: theirs.ca_pem,
            ..ours
        };
        assert!(verify(&mixed, "a.b.svc").is_err());
    }

    #[test]
    fn the_api_servers_name_comes_first_and_no_names_is_an_error() {
        assert_eq!(service_dns_names("s", "n")[0], "s.n.svc");
        assert!(matches!(
            ServingCertificates::issue(&[]),
            Err(CertError::NoNames)
        ));
    }

    #[test]
    fn debug_never_prints_the_key() {
        let certs = ServingCertificates::for_service("a", "b").expect("issued");
        let shown = format!("{certs:?}");
        assert!(!shown.contains("PRIVATE KEY") && shown.contains("<redacted>"));
    }
}
