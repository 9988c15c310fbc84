//! The root certificates the functions' TLS connector trusts, read for a short first request.
//!
//! The SDK's default trust store (`TrustStore::default()`: rustls-native-certs) reads the
//! system CA bundle and then every file of the system certificate directories: on the 2-core
//! sandbox, the bundle and the 146 certificate files of `/etc/ssl/certs`, the same roots twice,
//! which took 6 to 8 ms of the first request. The functions read the one bundle instead: the
//! first system bundle that OpenSSL's usual locations hold (openssl-probe's list). On Lambda's
//! `provided.al2023` that is `/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem`, the file
//! `/etc/pki/tls/certs/ca-bundle.crt` links to (Amazon Linux's system-wide trust store, kept up
//! to date with the runtime); on Debian, `/etc/ssl/certs/ca-certificates.crt`.
//!
//! Nothing about verification changes: the bundle is the trust store (not added to it), and
//! every server certificate is checked against it as before.
//!
//! A custom CA set the OpenSSL way, `SSL_CERT_FILE` or `SSL_CERT_DIR`, leaves the choice to the
//! SDK's default, which reads exactly those (as before this change). `AWS_CA_BUNDLE` (the
//! `ca_bundle` setting, <https://docs.aws.amazon.com/sdkref/latest/guide/feature-gen-config.html>)
//! is not read by the AWS SDK for Rust, nor here.
//!
//! When there is no bundle, or it holds a certificate that rustls would not take as a root, the
//! functions fall back to the SDK's default with a warning: the SDK loads a certificate it is
//! handed explicitly with `expect` (a panic on the first request), but skips unusable ones when
//! it reads the system store itself.

use std::env;
use std::fs;
use std::sync::LazyLock;

use aws_smithy_http_client::tls::TrustStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The trust store of the functions' HTTP client, decided once per process.
pub fn trust_store() -> TrustStore {
    static STORE: LazyLock<TrustStore> = LazyLock::new(decide);
    STORE.clone()
}

fn decide() -> TrustStore {
    if env::var_os("SSL_CERT_FILE").is_some() || env::var_os("SSL_CERT_DIR").is_some() {
        return TrustStore::default();
    }
    match system_bundle() {
        Ok(pem) => TrustStore::empty().with_pem_certificate(pem),
        Err(why) => {
            tracing::warn!("{why}; loading the system root certificates the SDK's way");
            TrustStore::default()
        }
    }
}

/// The system CA bundle's PEM text, every certificate in it checked.
fn system_bundle() -> Result<Vec<u8>, String> {
    let path = openssl_probe::probe()
        .cert_file
        .ok_or("no system CA bundle found")?;
    let pem = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    check_roots(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(pem)
}

/// How many root certificates `pem` holds, or why rustls would refuse one of them as a trust
/// anchor (the checks the SDK makes, with `expect`, when it builds the connector).
pub fn check_roots(pem: &[u8]) -> Result<usize, String> {
    let mut roots = rustls::RootCertStore::empty();
    for (i, cert) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let cert = cert.map_err(|e| format!("certificate {}: bad PEM: {e}", i + 1))?;
        roots
            .add(cert)
            .map_err(|e| format!("certificate {}: not usable as a root: {e}", i + 1))?;
    }
    match roots.len() {
        0 => Err("no certificate in it".to_string()),
        n => Ok(n),
    }
}
