//! Submission through the real Postfix (SASL through Dovecot, delivery over LMTP): over
//! STARTTLS and implicit TLS with the stack's certificate pinned; a wrong password and a wrong
//! pin are told apart, and nothing is sent on either. Then the outbox: identities, delegation
//! for the service mailbox, offline periods, refusals.

use std::time::{Duration, Instant};

use calame_core::account::{Account, TlsMode};
use calame_core::compose::{AttachmentFile, Draft};
use calame_core::outbox::State;
use calame_core::smtp::EndOfData;
use calame_core::{smtp, AccountSetup, Address, Calame, ErrorKind, Event, Origin, Secret};
use calame_testkit::proxy::{CutProxy, UNLIMITED};
use calame_testkit::{peer, Stack, User};
use serde_json::Value;

/// Nothing to record around the end of the data.
struct NoRecord;

impl EndOfData for NoRecord {
    fn before(&mut self) -> calame_core::Result<()> {
        Ok(())
    }
    fn after(&mut self) -> calame_core::Result<()> {
        Ok(())
    }
}

/// A profile with `user`'s account, submission over STARTTLS on `smtp_port`.
pub async fn sending_account(
    stack: &Stack,
    user: &User,
    smtp_port: u16,
) -> (tempfile::TempDir, Calame, Secret<String>) {
    let (tmp, calame) = crate::profile();
    let password = Secret::new(user.password.clone());
    let mut setup = crate::setup_for(stack, user);
    setup.smtp = Some(format!("{}:{smtp_port}", stack.info.host));
    setup.smtp_tls = Some(TlsMode::Starttls);
    calame.add_account(setup, &password, false).await.unwrap();
    (tmp, calame, password)
}

fn to(email: &str) -> Vec<Address> {
    vec![Address {
        name: None,
        email: email.to_owned(),
    }]
}

/// The messages of a folder whose subject contains `token`, waiting for `n` of them (delivery
/// goes through Postfix's queue), then a little more to see that no more come.
pub fn arrived(stack: &Stack, user: &User, folder: &str, token: &str, n: usize) -> Vec<Value> {
    let started = Instant::now();
    let matching = || -> Vec<Value> {
        peer::messages(stack, user, folder)
            .unwrap()
            .into_iter()
            .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(token)))
            .collect()
    };
    while matching().len() < n && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    matching()
}

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
                Box::new(NoRecord),
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
            Box::new(NoRecord),
        )
        .await
        .unwrap();
    let err = submission
        .send(
            "bob@example.test",
            std::slice::from_ref(&to.email),
            b"Subject: x\r\n\r\nx\r\n",
            Box::new(NoRecord),
        )
        .await
        .unwrap_err();
    let err = err.error;
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

/// alice writes to bob through the outbox: sent at once when online and filed in her Sent,
/// headers and attachment names intact in bob's INBOX; queued when offline, then sent by a flush; each message arrives
/// once and the outbox ends empty.
#[tokio::test]
async fn messages_go_through_the_outbox_once_and_are_filed_in_sent() {
    let stack = Stack::shared();
    let to_user = stack.user("bob").clone();
    let from = stack.user("alice").clone();
    let n = std::process::id();
    let (_tmp, calame, password) = sending_account(stack, &from, stack.info.submission_port).await;
    let draft = |subject: &str| Draft {
        to: vec![Address {
            name: Some("Service urbanisme".into()),
            email: to_user.email.clone(),
        }],
        subject: subject.into(),
        text: "Bonjour,\nle dossier est complet.\n".into(),
        attachments: vec![AttachmentFile {
            name: "Arrêté n°12 – été.pdf".into(),
            mime: None,
            bytes: b"%PDF-1.4 arr\xc3\xaat\xc3\xa9".to_vec(),
        }],
        ..Default::default()
    };
    let own = Origin::default();

    let sent = calame
        .send_with(
            &from.email,
            draft(&format!("Permis n°42-{n} : dossier complet")),
            &own,
            Some(&password),
        )
        .await
        .unwrap();
    assert_eq!(sent.status, "sent");
    assert_eq!(sent.filed_in.as_deref(), Some("Sent"));
    assert!(calame.outbox_items(None).unwrap().is_empty(), "filed, then forgotten");
    let copies = arrived(stack, &from, "Sent", &format!("Permis n°42-{n}"), 1);
    assert_eq!(copies.len(), 1, "a copy in Sent");
    assert_eq!(copies[0]["flags"], serde_json::json!(["\\Seen"]));

    let queued = calame
        .send_with(
            &from.email,
            draft(&format!("Permis n°43-{n} : pièce manquante")),
            &own,
            None,
        )
        .await
        .unwrap();
    assert_eq!(queued.status, "queued");
    let items = calame.outbox_items(Some(&from.email)).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].message_id, queued.message_id);
    let report = calame.flush_outbox_with(&from.email, &password).await.unwrap();
    assert_eq!(report.sent, vec![queued.message_id.clone()]);
    calame.flush_outbox_with(&from.email, &password).await.unwrap();
    assert!(calame.outbox_items(None).unwrap().is_empty());

    let received = arrived(stack, &to_user, "INBOX", &format!("-{n} : "), 2);
    assert_eq!(received.len(), 2, "each once");
    let first = received
        .iter()
        .find(|m| m["message_id"] == format!("<{}>", sent.message_id))
        .expect("the first message, by its Message-ID");
    assert_eq!(first["subject"], format!("Permis n°42-{n} : dossier complet"));
    assert_eq!(first["from"], from.email.as_str());
    assert_eq!(first["sender"], Value::Null);
    assert_eq!(first["to"], format!("Service urbanisme <{}>", to_user.email));
    assert_eq!(first["attachments"], serde_json::json!(["Arrêté n°12 – été.pdf"]));
    assert_eq!(
        first["text"].as_str().map(|t| t.replace("\r\n", "\n")).as_deref(),
        Some("Bonjour,\nle dossier est complet.\n")
    );
}

/// Delegates of the service mailbox: on behalf (From = accueil, Sender = the agent) and send-as
/// (no Sender), the copy in accueil's own Sent where colleagues see it. bob may read accueil's
/// folders but not add to them: his message leaves, its copy goes to his own Sent, and he is
/// told why.
#[tokio::test]
async fn delegates_send_for_the_service_and_file_in_its_sent() {
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let service = "accueil@example.test";
    let (_a, as_alice, alice_password) = sending_account(stack, &alice, stack.info.submission_port).await;
    let (_b, as_bob, bob_password) = sending_account(stack, &bob, stack.info.submission_port).await;
    let token = format!("deleg-{}", std::process::id());

    let identities = as_alice.identities(&alice.email).unwrap();
    let offered: Vec<&str> = identities.iter().map(|i| i.email.as_str()).collect();
    assert_eq!(
        offered,
        vec![alice.email.as_str(), service],
        "own first, then the service"
    );

    let draft = |subject: String| Draft {
        to: to(&bob.email),
        subject,
        text: "Bonjour,\nvotre demande est enregistrée.\n".into(),
        ..Default::default()
    };
    let on_behalf = Origin {
        address: None,
        on_behalf_of: Some(service.into()),
    };
    let send_as = Origin {
        address: Some(service.into()),
        on_behalf_of: None,
    };
    let first = as_alice
        .send_with(
            &alice.email,
            draft(format!("{token} pour le compte")),
            &on_behalf,
            Some(&alice_password),
        )
        .await
        .unwrap();
    assert_eq!((first.status.as_str(), first.warning.as_deref()), ("sent", None));
    assert_eq!(first.filed_in.as_deref(), Some("Shared/accueil/Sent"));
    let second = as_alice
        .send_with(
            &alice.email,
            draft(format!("{token} en tant que")),
            &send_as,
            Some(&alice_password),
        )
        .await
        .unwrap();
    assert_eq!(second.filed_in.as_deref(), Some("Shared/accueil/Sent"));

    let received = arrived(stack, &bob, "INBOX", &token, 2);
    assert_eq!(received.len(), 2);
    let by_id = |id: &str| {
        received
            .iter()
            .find(|m| m["message_id"] == format!("<{id}>"))
            .unwrap_or_else(|| panic!("{id} in bob's INBOX"))
    };
    assert_eq!(by_id(&first.message_id)["from"], service);
    assert_eq!(by_id(&first.message_id)["sender"], alice.email.as_str());
    assert_eq!(by_id(&second.message_id)["from"], service);
    assert_eq!(by_id(&second.message_id)["sender"], Value::Null, "send-as: no Sender");
    let in_service_sent = arrived(stack, &alice, "Shared/accueil/Sent", &token, 2);
    assert_eq!(in_service_sent.len(), 2, "both copies in the service's Sent");
    assert!(
        arrived(stack, &alice, "Sent", &token, 0).is_empty(),
        "not in alice's own"
    );

    // bob has lrsw on accueil's folders: no right to insert.
    let third = as_bob
        .send_with(
            &bob.email,
            Draft {
                to: to(&alice.email),
                ..draft(format!("{token} par bob"))
            },
            &on_behalf,
            Some(&bob_password),
        )
        .await
        .unwrap();
    assert_eq!(third.status, "sent");
    assert_eq!(third.filed_in.as_deref(), Some("Sent"), "his own Sent instead");
    let warning = third.warning.expect("bob is told");
    assert!(
        warning.contains("Shared/accueil/Sent") && warning.contains("may not add messages"),
        "{warning}"
    );
    assert!(as_bob.outbox_items(None).unwrap().is_empty(), "nothing left behind");
    let to_alice = arrived(stack, &alice, "INBOX", &format!("{token} par bob"), 1);
    assert_eq!(to_alice.len(), 1);
    assert_eq!(to_alice[0]["sender"], bob.email.as_str());
    assert_eq!(arrived(stack, &bob, "Sent", &token, 1).len(), 1);
    assert_eq!(
        arrived(stack, &alice, "Shared/accueil/Sent", &token, 2).len(),
        2,
        "nothing added by bob"
    );
}

/// The server refuses: an unknown recipient is named and nothing leaves (the message stops
/// in the outbox as failed, with why); a message over the size limit is told as such.
#[tokio::test]
async fn refusals_name_the_recipient_and_the_size_and_stop() {
    let stack = Stack::shared();
    let from = stack.add_user("refused-from").unwrap();
    let ok = stack.add_user("refused-ok").unwrap();
    let (_tmp, calame, password) = sending_account(stack, &from, stack.info.submission_port).await;
    let mut draft = Draft {
        to: to(&ok.email),
        cc: to("personne-inconnue@example.test"),
        subject: "Destinataire inconnu".into(),
        text: "x".into(),
        ..Default::default()
    };
    let err = calame
        .send_with(&from.email, draft.clone(), &Origin::default(), Some(&password))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert!(
        err.to_string().contains("the recipient personne-inconnue@example.test"),
        "{err}"
    );
    let items = calame.outbox_items(None).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].state, State::Failed);
    assert_eq!(items[0].attempts, 1);
    // It stays failed: a flush does not try it again.
    calame.flush_outbox_with(&from.email, &password).await.unwrap();
    assert_eq!(calame.outbox_items(None).unwrap()[0].attempts, 1);
    calame.drop_outbox_item(&items[0].message_id).unwrap();

    draft.cc.clear();
    draft.subject = "Trop gros".into();
    draft.attachments.push(AttachmentFile {
        name: "plan.bin".into(),
        mime: None,
        bytes: vec![7; 11 * 1024 * 1024],
    });
    let err = calame
        .send_with(&from.email, draft, &Origin::default(), Some(&password))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
    assert_eq!(calame.outbox_items(None).unwrap()[0].state, State::Failed);
    assert!(arrived(stack, &ok, "INBOX", "", 0).is_empty(), "nothing arrived");
}

/// Offline: sends queue with the error and a backoff; when the server is back, a flush sends
/// each exactly once, and `watch` sends what is queued by itself.
#[tokio::test]
async fn offline_sends_queue_and_leave_once_when_the_server_returns() {
    let stack = Stack::shared();
    let from = stack.add_user("offline-from").unwrap();
    let to_user = stack.add_user("offline-to").unwrap();
    let proxy = CutProxy::start(stack.info.submission_port).unwrap();
    let (_tmp, calame, password) = sending_account(stack, &from, proxy.port).await;
    proxy.cut_after(0);
    let mut ids = Vec::new();
    for n in 0..3 {
        let draft = Draft {
            to: to(&to_user.email),
            subject: format!("Hors ligne {n}"),
            text: "x".into(),
            ..Default::default()
        };
        let outcome = calame
            .send_with(&from.email, draft, &Origin::default(), Some(&password))
            .await
            .unwrap();
        assert_eq!(outcome.status, "queued");
        ids.push(outcome.message_id);
    }
    let items = calame.outbox_items(None).unwrap();
    assert_eq!(items.len(), 3);
    for item in &items {
        assert_eq!(item.state, State::Queued);
        assert!(
            item.last_error.as_deref().is_some_and(|e| e.contains("127.0.0.1")),
            "{item:?}"
        );
        assert!(item.next_attempt.is_some(), "a backoff");
    }
    // Still cut: a flush changes nothing but the errors.
    assert_eq!(
        calame
            .flush_outbox_with(&from.email, &password)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Network
    );
    proxy.cut_after(UNLIMITED);
    let report = calame.flush_outbox_with(&from.email, &password).await.unwrap();
    assert_eq!(report.sent.len(), 3);
    calame.flush_outbox_with(&from.email, &password).await.unwrap();
    let received = arrived(stack, &to_user, "INBOX", "Hors ligne", 3);
    let mut got: Vec<String> = received
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().trim_matches(['<', '>']).to_owned())
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids, "each exactly once");

    // Queued while offline, sent by `watch` once it is connected.
    let queued = calame
        .send_with(
            &from.email,
            Draft {
                to: to(&to_user.email),
                subject: "Parti tout seul".into(),
                text: "x".into(),
                ..Default::default()
            },
            &Origin::default(),
            None,
        )
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watching = {
        let email = from.email.clone();
        let password = password.clone();
        async move { calame.watch(&email, &password, |e| drop(tx.send(e))).await }
    };
    let wanted = queued.message_id.clone();
    let sent_event = async {
        while let Some(event) = rx.recv().await {
            if let Event::Outbox {
                message_id, sent: true, ..
            } = &event
            {
                if *message_id == wanted {
                    return event;
                }
            }
        }
        panic!("watch ended");
    };
    let event = tokio::select! {
        e = sent_event => e,
        r = watching => panic!("watch stopped: {r:?}"),
        _ = tokio::time::sleep(Duration::from_secs(30)) => panic!("not sent within 30 s"),
    };
    assert!(
        matches!(event, Event::Outbox { filed_in: Some(ref f), .. } if f == "Sent"),
        "{event:?}"
    );
    assert_eq!(arrived(stack, &to_user, "INBOX", "Parti tout seul", 1).len(), 1);
}

/// Put a message straight into a user's maildir folder (as delivered).
pub fn deliver(stack: &Stack, login: &str, folder: &str, raw: &str) {
    let dir = stack.create_maildir(login, folder).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let path = dir.join("new").join(format!(
        "{}.M{}P{}.send-test",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id()
    ));
    std::fs::write(&path, raw.replace('\n', "\r\n")).unwrap();
    stack.fix_mail_owner(&path).unwrap();
}

/// A citizen writes to the service; alice answers from the service's INBOX (on its behalf by
/// default): one prefix, threading headers, the quote, the copy in the service's Sent, the
/// original marked answered. Then she forwards a message with its attachment.
#[tokio::test]
async fn replies_and_forwards_keep_threading_and_attachments() {
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let token = format!("fil-{}", std::process::id());
    let original_id = format!("<{token}.demande@citoyen.test>");
    deliver(
        stack,
        "accueil",
        "INBOX",
        &format!(
            "From: Jeanne Citoyenne <{}>\nTo: accueil@example.test\nSubject: RE : TR: {token} horaires\n\
             Date: Mon, 15 Mar 2027 09:00:00 +0100\nMessage-ID: {original_id}\n\
             References: <racine.{token}@citoyen.test>\nMIME-Version: 1.0\n\
             Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
             Bonjour,\nquels sont vos horaires d'été ?\n",
            bob.email
        ),
    );
    let (_a, calame, password) = sending_account(stack, &alice, stack.info.submission_port).await;
    calame
        .sync_with(&alice.email, Some("Shared/accueil/INBOX"), &password)
        .await
        .unwrap();
    let page = calame.list(&alice.email, "Shared/accueil/INBOX", 0, 500).unwrap();
    let uid = page
        .iter()
        .find(|e| e.subject.as_deref().is_some_and(|s| s.contains(&token)))
        .expect("the citizen's message, cached")
        .uid;
    let outcome = calame
        .answer_with(
            &alice.email,
            &calame_core::Answering {
                folder: "Shared/accueil/INBOX".into(),
                uid,
                answer: calame_core::Answer::Reply,
                text: calame_core::AnswerText {
                    text: "Bonjour,\nde 9 h à 17 h.".into(),
                    ..Default::default()
                },
                origin: Origin::default(),
            },
            Some(&password),
        )
        .await
        .unwrap();
    assert_eq!(outcome.filed_in.as_deref(), Some("Shared/accueil/Sent"));
    let replies = arrived(stack, &bob, "INBOX", &token, 1);
    assert_eq!(replies.len(), 1);
    let reply = &replies[0];
    assert_eq!(reply["subject"], format!("Re: {token} horaires"));
    assert_eq!(reply["from"], "accueil@example.test");
    assert_eq!(reply["sender"], alice.email.as_str());
    assert_eq!(reply["in_reply_to"], original_id.as_str());
    assert_eq!(
        reply["references"],
        format!("<racine.{token}@citoyen.test> {original_id}")
    );
    let text = reply["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(
        text.starts_with("Bonjour,\nde 9 h à 17 h.\n")
            && text.contains("Le 15/03/2027 à 09:00, Jeanne Citoyenne <bob@example.test> a écrit :\n> Bonjour,\n> quels sont vos horaires d'été ?"),
        "{text}"
    );
    let answered = peer::messages(stack, &alice, "Shared/accueil/INBOX").unwrap();
    let flags = &answered
        .iter()
        .find(|m| m["message_id"] == original_id.as_str())
        .unwrap()["flags"];
    assert!(flags.as_array().unwrap().iter().any(|f| f == "\\Answered"), "{flags}");

    // Forward, from alice's own folder, with the attachment.
    deliver(
        stack,
        "alice",
        "INBOX",
        &format!(
            "From: Urbanisme <urbanisme@example.test>\nTo: {}\nSubject: {token} plan\n\
             Date: Tue, 16 Mar 2027 10:00:00 +0100\nMessage-ID: <{token}.plan@example.test>\n\
             MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
             Content-Type: text/plain; charset=utf-8\n\nLe plan est joint.\n--b\n\
             Content-Type: application/pdf\nContent-Disposition: attachment; filename*=utf-8''plan%20d%27%C3%A9t%C3%A9.pdf\n\
             Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n",
            alice.email
        ),
    );
    calame.sync_with(&alice.email, Some("INBOX"), &password).await.unwrap();
    let uid = calame
        .list(&alice.email, "INBOX", 0, 500)
        .unwrap()
        .iter()
        .find(|e| e.subject.as_deref() == Some(&format!("{token} plan")))
        .expect("the plan, cached")
        .uid;
    calame
        .answer_with(
            &alice.email,
            &calame_core::Answering {
                folder: "INBOX".into(),
                uid,
                answer: calame_core::Answer::Forward { to: to(&bob.email) },
                text: calame_core::AnswerText {
                    text: "Pour information.".into(),
                    ..Default::default()
                },
                origin: Origin::default(),
            },
            Some(&password),
        )
        .await
        .unwrap();
    let forwarded = arrived(stack, &bob, "INBOX", &format!("TR: {token} plan"), 1);
    assert_eq!(forwarded.len(), 1);
    assert_eq!(forwarded[0]["from"], alice.email.as_str());
    assert_eq!(forwarded[0]["references"], format!("<{token}.plan@example.test>"));
    assert_eq!(forwarded[0]["attachments"], serde_json::json!(["plan d'été.pdf"]));
    assert_eq!(arrived(stack, &alice, "Sent", &format!("TR: {token} plan"), 1).len(), 1);
}

/// After a crash just after the end of a message left (`confirming`), the message is not sent
/// again: on the same boot it is taken as accepted and filed; recorded on another boot
/// (power loss) it waits, unconfirmed, for the user, and `retry` sends it. (Linux: the boot
/// is told by its id.)
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_message_whose_end_had_left_is_never_sent_again_by_itself() {
    use calame_core::outbox::Outbox;
    let stack = Stack::shared();
    let from = stack.add_user("confirming-from").unwrap();
    let to_user = stack.add_user("confirming-to").unwrap();
    let (tmp, calame, password) = sending_account(stack, &from, stack.info.submission_port).await;
    let outbox = Outbox::open(tmp.path()).unwrap();
    let mut ids = Vec::new();
    for subject in ["Même démarrage", "Autre démarrage"] {
        let draft = Draft {
            to: to(&to_user.email),
            subject: subject.into(),
            text: "x".into(),
            ..Default::default()
        };
        let queued = calame
            .send_with(&from.email, draft, &Origin::default(), None)
            .await
            .unwrap();
        // What a process killed as it wrote the final dot leaves behind: the end mark set,
        // and (the second) the `confirming` record put in place too.
        let sending = outbox.mark(&queued.message_id, State::Sending, None).unwrap();
        let mut prepared = outbox.prepare_confirming(&sending).unwrap();
        prepared.mark_end();
        if subject == "Autre démarrage" {
            prepared.put_in_place().unwrap();
        }
        ids.push(queued.message_id);
    }
    let mut other_boot = outbox.get(&ids[1]).unwrap().unwrap();
    other_boot.boot = Some("an-earlier-boot".into());
    outbox.put(&other_boot).unwrap();
    let report = calame.flush_outbox_with(&from.email, &password).await.unwrap();
    assert!(report.sent.is_empty(), "nothing sent again: {report:?}");
    assert_eq!(
        report.filed,
        vec![(ids[0].clone(), "Sent".to_owned())],
        "same boot: accepted"
    );
    let left = calame.outbox_items(None).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        (left[0].message_id.as_str(), left[0].state),
        (ids[1].as_str(), State::Unconfirmed)
    );
    assert!(left[0].last_error.as_deref().unwrap().contains("outbox retry"));
    assert!(
        arrived(stack, &to_user, "INBOX", "", 0).is_empty(),
        "neither was sent again"
    );

    // The user decides to send it again.
    calame.retry_outbox_item(&ids[1]).unwrap();
    let report = calame.flush_outbox_with(&from.email, &password).await.unwrap();
    assert_eq!(report.sent, vec![ids[1].clone()]);
    assert_eq!(arrived(stack, &to_user, "INBOX", "Autre démarrage", 1).len(), 1);
    assert!(calame.outbox_items(None).unwrap().is_empty());
}
