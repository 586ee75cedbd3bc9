//! TLS trust: the system's roots, plus certificates the user pinned by SHA-256 fingerprint
//! (a town's private CA, or a self-signed server). Rustls with the ring provider only.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Lowercase hex SHA-256 of a DER certificate, the form `--trust-cert` takes.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// What the verifier saw, so that a refusal can show the user which certificate to pin.
#[derive(Debug, Default, Clone)]
pub struct Seen(Arc<Mutex<Option<String>>>);

impl Seen {
    /// The fingerprint of the server's own certificate, once a handshake got that far.
    pub fn fingerprint(&self) -> Option<String> {
        self.0.lock().ok().and_then(|g| g.clone())
    }

    fn record(&self, fp: String) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(fp);
        }
    }
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration that trusts the system roots and the pinned fingerprints.
pub fn client_config(pins: &[String], seen: Seen) -> Result<Arc<ClientConfig>> {
    let provider = provider();
    let system: Arc<dyn ServerCertVerifier> = Arc::new(
        rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| Error::Protocol(format!("cannot load the system's certificates: {e}")))?,
    );
    let verifier = PinningVerifier {
        system,
        pins: pins.to_vec(),
        provider: provider.clone(),
        seen,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Protocol(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Accepts a chain when any of its certificates has a pinned fingerprint (compared directly, so
/// a self-signed certificate passes, even one marked CA:true); otherwise asks the system.
/// Handshake signatures are always checked.
#[derive(Debug)]
struct PinningVerifier {
    system: Arc<dyn ServerCertVerifier>,
    pins: Vec<String>,
    provider: Arc<CryptoProvider>,
    seen: Seen,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.seen.record(fingerprint(end_entity));
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .any(|cert| self.pins.contains(&fingerprint(cert)));
        if pinned {
            return Ok(ServerCertVerified::assertion());
        }
        self.system
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Whether a TLS error means "the certificate is not trusted" (rather than a broken network).
pub fn is_trust_error(err: &std::io::Error) -> bool {
    err.get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
        .is_some_and(|e| matches!(e, rustls::Error::InvalidCertificate(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_lowercase_hex() {
        let fp = fingerprint(b"");
        assert_eq!(fp, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
