//! A throwaway CA and a serving certificate for given DNS names, for tests that talk TLS to a
//! container (the injector image).

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// PEM texts of a CA and a leaf it signed.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate (what a client trusts).
    pub ca_pem: String,
    /// The serving certificate.
    pub cert_pem: String,
    /// The serving certificate's private key.
    pub key_pem: String,
}

impl TestPki {
    /// A new CA and a leaf valid for `names`.
    ///
    /// # Panics
    /// When rcgen cannot make them (it must: the inputs are fixed).
    pub fn for_names(names: &[&str]) -> Self {
        let ca_key = KeyPair::generate().expect("must generate a CA key");
        let mut ca_params = CertificateParams::new(Vec::new()).expect("must make CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Distinct names: OpenSSL (curl) takes a leaf whose issuer equals its subject for a
        // self-signed certificate, and rcgen gives both the same default name.
        ca_params.distinguished_name = name("sidecar-e2e test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .expect("must self-sign the CA");
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate().expect("must generate a leaf key");
        let mut leaf_params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .expect("must make leaf params");
        leaf_params.distinguished_name =
            name(names.first().copied().unwrap_or("sidecar-e2e test server"));
        let leaf = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("must sign the leaf");
        Self {
            ca_pem: ca_cert.pem(),
            cert_pem: leaf.pem(),
            key_pem: leaf_key.serialize_pem(),
        }
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}
