//! Submission through the real Postfix (SASL through Dovecot, delivery over LMTP): over
//! STARTTLS and implicit TLS with the stack's certificate pinned; a wrong password and a wrong
//! pin are told apart, and nothing is sent on either.

use std::time::{Duration, Instant};

use calame_core::account::{Account, TlsMode};
use calame_core::{smtp, AccountSetup, ErrorKind, Secret};
use calame_testkit::{peer, Stack, User};

fn account(stack: &Stack, user: &User, port: u16, tls: TlsMode, pin: &str) -> Account {
    AccountSetup {
        email: user.email.clone(),
        login: Some(user.login.clone()),
        imap: Some(format!("{}:{}", stack.info.host, stack.info.imaps_port)),
        smtp: Some(format!("{}:{port}", stack.info.host)),
        tls: Some(TlsMode::Implicit),
        smtp_tls: Some(tls),
        trust_cert: Some(pin.to_owned()),
        ..Default::default()
    }
    .into_account()
    .unwrap()
}

fn message(from: &User, to: &User, subject: &str) -> String {
    format!(
        "From: {}\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <{}.{}@example.test>\r\n\
         Date: Mon, 15 Mar 2027 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\nBonjour, ceci est un essai d'envoi.\r\n",
        from.email,
        to.email,
        subject.len(),
        to.login
    )
}

/// Wait until the folder holds `n` messages (delivery goes through Postfix's queue).
fn wait_for(stack: &Stack, user: &User, n: usize) -> usize {
    let started = Instant::now();
    loop {
        let count = peer::uid_flags(stack, user, "INBOX").unwrap().len();
        if count >= n || started.elapsed() > Duration::from_secs(20) {
            return count;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test]
async fn submission_over_starttls_and_implicit_tls_delivers() {
    let stack = Stack::shared();
    let to = stack.add_user("smtp-to").unwrap();
    let alice = stack.user("alice").clone();
    let password = Secret::new(alice.password.clone());
    let pin = stack.info.cert_sha256.clone();
    for (port, tls, subject) in [
        (stack.info.submission_port, TlsMode::Starttls, "Envoi par STARTTLS"),
        (stack.info.smtps_port, TlsMode::Implicit, "Envoi par TLS implicite"),
    ] {
        let mut submission = smtp::connect(&account(stack, &alice, port, tls, &pin), &password)
            .await
            .unwrap();
        submission
            .send(
                &alice.email,
                std::slice::from_ref(&to.email),
                message(&alice, &to, subject).as_bytes(),
            )
            .await
            .unwrap();
        submission.quit().await;
    }
    assert_eq!(wait_for(stack, &to, 2), 2, "both messages delivered to the INBOX");

    // A wrong password: authentication, not a network error.
    let wrong = Secret::new("not-the-password".to_owned());
    let starttls = account(stack, &alice, stack.info.submission_port, TlsMode::Starttls, &pin);
    let err = smtp::connect(&starttls, &wrong).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");

    // A pin that does not match: refused before any credential is sent.
    let other_pin = "00".repeat(32);
    for (port, tls) in [
        (stack.info.submission_port, TlsMode::Starttls),
        (stack.info.smtps_port, TlsMode::Implicit),
    ] {
        let err = smtp::connect(&account(stack, &alice, port, tls, &other_pin), &password)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TlsUntrusted, "{err}");
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        peer::uid_flags(stack, &to, "INBOX").unwrap().len(),
        2,
        "nothing more arrived"
    );
}

/// The server decides who may send as whom: alice may send as the service she is a delegate of,
/// not as bob; the refusal names the sender.
#[tokio::test]
async fn a_sender_the_login_does_not_own_is_refused_by_name() {
    let stack = Stack::shared();
    let to = stack.add_user("smtp-as").unwrap();
    let alice = stack.user("alice").clone();
    let password = Secret::new(alice.password.clone());
    let pin = stack.info.cert_sha256.clone();
    let setup = account(stack, &alice, stack.info.submission_port, TlsMode::Starttls, &pin);
    let mut submission = smtp::connect(&setup, &password).await.unwrap();
    let as_service = message(&alice, &to, "Au nom de l'accueil").replace(&alice.email, "accueil@example.test");
    submission
        .send(
            "accueil@example.test",
            std::slice::from_ref(&to.email),
            as_service.as_bytes(),
        )
        .await
        .unwrap();
    let err = submission
        .send(
            "bob@example.test",
            std::slice::from_ref(&to.email),
            b"Subject: x\r\n\r\nx\r\n",
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert!(err.to_string().contains("the sender bob@example.test"), "{err}");
    submission.quit().await;
    assert_eq!(wait_for(stack, &to, 1), 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        peer::uid_flags(stack, &to, "INBOX").unwrap().len(),
        1,
        "only the allowed one"
    );
}

/// Through the outbox: sent at once when online and filed in Sent; queued when offline, then
/// sent by a flush; each message arrives once and the outbox ends empty.
#[tokio::test]
async fn messages_go_through_the_outbox_once_and_are_filed_in_sent() {
    use calame_core::compose::Draft;
    use calame_core::Address;
    let stack = Stack::shared();
    let to = stack.add_user("outbox-to").unwrap();
    let from = stack.add_user("outbox-from").unwrap();
    let (_tmp, calame) = crate::profile();
    let password = Secret::new(from.password.clone());
    let mut setup = crate::setup_for(stack, &from);
    setup.smtp = Some(format!("{}:{}", stack.info.host, stack.info.submission_port));
    setup.smtp_tls = Some(TlsMode::Starttls);
    calame.add_account(setup, &password, false).await.unwrap();
    let draft = |subject: &str| Draft {
        to: vec![Address {
            name: Some("Service urbanisme".into()),
            email: to.email.clone(),
        }],
        subject: subject.into(),
        text: "Bonjour,\nle dossier est complet.\n".into(),
        ..Default::default()
    };

    let sent = calame
        .send_with(&from.email, draft("Permis n°42 : dossier complet"), Some(&password))
        .await
        .unwrap();
    assert_eq!(sent.status, "sent");
    assert!(calame.outbox_items(None).unwrap().is_empty(), "filed, then forgotten");
    assert_eq!(
        peer::uid_flags(stack, &from, "Sent").unwrap().len(),
        1,
        "a copy in Sent"
    );

    let queued = calame
        .send_with(&from.email, draft("Permis n°43 : pièce manquante"), None)
        .await
        .unwrap();
    assert_eq!(queued.status, "queued");
    let items = calame.outbox_items(Some(&from.email)).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].message_id, queued.message_id);
    calame.flush_outbox_with(&from.email, &password).await.unwrap();
    calame.flush_outbox_with(&from.email, &password).await.unwrap();
    assert!(calame.outbox_items(None).unwrap().is_empty());

    assert_eq!(wait_for(stack, &to, 2), 2);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(peer::uid_flags(stack, &to, "INBOX").unwrap().len(), 2, "each once");
    assert_eq!(peer::uid_flags(stack, &from, "Sent").unwrap().len(), 2);
}
