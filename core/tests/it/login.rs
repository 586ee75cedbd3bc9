//! Logging in: TLS modes, trust, pinning, wrong passwords.

use calame_core::{ErrorKind, Secret, TlsMode};
use calame_testkit::Stack;

use crate::{password, profile, setup};

#[tokio::test]
async fn login_over_implicit_tls_with_pinned_certificate() {
    let stack = Stack::shared();
    let (_dir, calame) = profile();
    let (account, folders) = calame
        .add_account(setup(stack, "alice"), &password(stack, "alice"), false)
        .await
        .unwrap();
    assert_eq!(account.email, "alice@example.test");
    assert!(!folders.is_empty());
    assert_eq!(calame.accounts().unwrap(), vec![account]);
}

#[tokio::test]
async fn login_over_starttls() {
    let stack = Stack::shared();
    let (_dir, calame) = profile();
    let mut s = setup(stack, "bob");
    s.imap = Some(format!("{}:{}", stack.info.host, stack.info.imap_port));
    s.tls = Some(TlsMode::Starttls);
    calame.add_account(s, &password(stack, "bob"), false).await.unwrap();
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_and_saves_nothing() {
    let stack = Stack::shared();
    let (_dir, calame) = profile();
    let err = calame
        .add_account(
            setup(stack, "alice"),
            &Secret::new("not-the-password".to_owned()),
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(calame.accounts().unwrap().is_empty());
}

#[tokio::test]
async fn unknown_certificate_is_refused_with_its_fingerprint() {
    let stack = Stack::shared();
    let (_dir, calame) = profile();
    let mut s = setup(stack, "alice");
    s.trust_cert = None;
    let err = calame
        .add_account(s, &password(stack, "alice"), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlsUntrusted, "{err}");
    match err {
        calame_core::Error::TlsUntrusted { fingerprint, .. } => assert_eq!(fingerprint, stack.info.cert_sha256),
        other => panic!("unexpected {other:?}"),
    }
    assert!(calame.accounts().unwrap().is_empty());
}

#[tokio::test]
async fn wrong_pin_is_refused_and_ca_pin_is_accepted() {
    let stack = Stack::shared();
    let (_dir, calame) = profile();
    let mut s = setup(stack, "alice");
    s.trust_cert = Some("00".repeat(32));
    let err = calame
        .add_account(s.clone(), &password(stack, "alice"), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlsUntrusted);
    // The stack's servers send their chain, so pinning the private CA is enough.
    s.trust_cert = Some(stack.info.ca_sha256.clone());
    calame.add_account(s, &password(stack, "alice"), false).await.unwrap();
}

#[tokio::test]
async fn closed_port_is_a_network_error() {
    let stack = Stack::shared();
    let (_dir, calame) = profile();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut s = setup(stack, "alice");
    s.imap = Some(format!("127.0.0.1:{port}"));
    let err = calame
        .add_account(s, &password(stack, "alice"), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
}
