//! The check the functions make of the system CA bundle before handing it to the SDK as their
//! trust store (shared/aws/src/trust_roots.rs): a bundle the SDK would panic on is refused.

use sagescale_aws::trust_roots::check_roots;

/// Amazon Root CA 1, the root of the certificates AWS endpoints present.
fn amazon_root() -> String {
    let path = format!(
        "{}/../../tests/fixtures/tls/amazon-root-ca-1.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn a_bundle_of_root_certificates_is_accepted_and_counted() {
    let root = amazon_root();
    assert_eq!(check_roots(root.as_bytes()), Ok(1));
    // Text around and between the certificates, as distribution bundles have, is ignored.
    let bundle = format!("# Amazon Root CA 1\n{root}\nsome comment\n{root}");
    assert_eq!(check_roots(bundle.as_bytes()), Ok(2));
}

#[test]
fn a_bundle_without_certificates_is_refused() {
    assert_eq!(check_roots(b""), Err("no certificate in it".to_string()));
    let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_eq!(
        check_roots(key.as_bytes()),
        Err("no certificate in it".to_string())
    );
}

#[test]
fn a_certificate_the_sdk_would_panic_on_is_refused_with_its_position() {
    let root = amazon_root();
    // Valid base64 that is not a certificate: the SDK's `roots.add(..).expect(..)` would panic.
    let not_a_cert = "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n";
    let err = check_roots(format!("{root}{not_a_cert}").as_bytes()).unwrap_err();
    assert!(
        err.starts_with("certificate 2: not usable as a root"),
        "{err}"
    );
    // Broken base64: the SDK's PEM `expect` would panic.
    let broken = root.replacen("MII", "M!I", 1);
    let err = check_roots(broken.as_bytes()).unwrap_err();
    assert!(err.starts_with("certificate 1: bad PEM"), "{err}");
}
