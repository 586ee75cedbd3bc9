//! The stack's TLS material: a per-stack CA and one server certificate it signs.
//!
//! The leaf names `localhost`, the IP address `127.0.0.1` and also the *DNS name* `127.0.0.1`,
//! because some clients (mbsync) only ever match DNS names.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use sha2::{Digest, Sha256};

/// Where the PEM files were written and the fingerprints clients pin.
pub(crate) struct Certs {
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub ca_sha256: String,
    pub cert_sha256: String,
}

/// Generates the CA and the server certificate and writes `ca.pem`, `server.pem` (the server
/// certificate followed by the CA: the chain the servers send) and `server-key.pem` into `dir`.
pub(crate) fn generate(dir: &Path) -> Result<Certs> {
    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let ca_params = ca_params();
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .context("self-signing the CA certificate")?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().context("generating the server key")?;
    let leaf_cert = leaf_params()?
        .signed_by(&leaf_key, &issuer)
        .context("signing the server certificate")?;

    let certs = Certs {
        ca_file: dir.join("ca.pem"),
        cert_file: dir.join("server.pem"),
        key_file: dir.join("server-key.pem"),
        ca_sha256: sha256_hex(ca_cert.der()),
        cert_sha256: sha256_hex(leaf_cert.der()),
    };
    write(&certs.ca_file, &ca_cert.pem(), 0o644)?;
    // The servers send the whole chain, so a client may pin either the CA or the leaf.
    let chain = format!("{}{}", leaf_cert.pem(), ca_cert.pem());
    write(&certs.cert_file, &chain, 0o644)?;
    // Dovecot's config process and Postfix's daemons read the key as root before dropping
    // privileges, so it can stay private.
    write(&certs.key_file, &leaf_key.serialize_pem(), 0o600)?;
    Ok(certs)
}

/// Lowercase hex SHA-256 without separators, the form `--trust-cert` takes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Calame test stack");
    params
        .distinguished_name
        .push(DnType::CommonName, "Calame test stack CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = date_time_ymd(2000, 1, 1);
    params.not_after = date_time_ymd(2099, 12, 31);
    params
}

fn leaf_params() -> Result<CertificateParams> {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into().context("SAN localhost")?),
        SanType::IpAddress([127, 0, 0, 1].into()),
        SanType::DnsName("127.0.0.1".try_into().context("SAN 127.0.0.1")?),
    ];
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = date_time_ymd(2000, 1, 1);
    params.not_after = date_time_ymd(2099, 12, 31);
    Ok(params)
}

fn write(path: &Path, contents: &str, mode: u32) -> Result<()> {
    fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of {}", path.display()))
}
