//! Drafts against the real Dovecot and Postfix: kept here offline, put in the server's Drafts
//! folder online (one message per draft, the previous version replaced), found and resumed by
//! another profile of the same user from its synced cache, sent from there through the outbox,
//! and gone from Drafts once queued; deletions and sends made offline reach the server later.

use calame_core::compose::{AttachmentFile, Draft};
use calame_core::{Address, DraftPlace, ErrorKind, Origin};
use calame_testkit::{peer, Stack};
use serde_json::json;

use crate::send::{arrived, sending_account};

fn address(name: Option<&str>, email: &str) -> Address {
    Address {
        name: name.map(str::to_owned),
        email: email.to_owned(),
    }
}

fn subjects(messages: &[serde_json::Value]) -> Vec<&str> {
    messages.iter().map(|m| m["subject"].as_str().unwrap_or("")).collect()
}

#[tokio::test]
async fn drafts_round_trip_through_the_server() {
    let stack = Stack::shared();
    let user = stack.add_user("drafts-writer").unwrap();
    let to_user = stack.add_user("drafts-reader").unwrap();
    let (_first_dir, first, password) = sending_account(stack, &user, stack.info.submission_port).await;
    let pdf = b"%PDF-1.4 ordre du jour\x00\xff\xfe".to_vec();
    let draft = Draft {
        to: vec![address(Some("Service urbanisme"), &to_user.email)],
        bcc: vec![address(None, &user.email)],
        subject: "Conseil municipal du 15 mars".into(),
        text: "Bonjour,\nvoici l'ordre du jour.\nÀ compléter.\n".into(),
        attachments: vec![AttachmentFile {
            name: "ordre du jour n°3.pdf".into(),
            mime: None,
            bytes: pdf.clone(),
        }],
        in_reply_to: Some("convocation@example.test".into()),
        references: vec!["origine@example.test".into(), "convocation@example.test".into()],
        ..Draft::default()
    };
    // What comes back: From by the identity, the file's type named.
    let expected = |subject: &str| Draft {
        from: Some(address(None, &user.email)),
        subject: subject.into(),
        attachments: vec![AttachmentFile {
            mime: Some("application/pdf".into()),
            ..draft.attachments[0].clone()
        }],
        ..draft.clone()
    };

    // Offline: kept here, listed as such, resumed as written; nothing on the server.
    let saved = first
        .save_draft(&user.email, None, draft.clone(), &Origin::default(), None)
        .await
        .unwrap();
    assert_eq!((saved.status.as_str(), saved.warning.as_deref()), ("local", None));
    let id = saved.draft_id.clone();
    assert!(id.ends_with("@example.test"), "{id}");
    let listed = first.drafts(&user.email).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            &listed[0].draft_id,
            listed[0].place,
            listed[0].folder.as_deref(),
            listed[0].uid
        ),
        (&id, DraftPlace::Local, None, None)
    );
    assert_eq!(listed[0].subject, "Conseil municipal du 15 mars");
    assert_eq!(listed[0].to, draft.to);
    assert_eq!(
        first.open_draft_with(&user.email, &id, None).await.unwrap(),
        expected("Conseil municipal du 15 mars")
    );
    assert!(peer::messages(stack, &user, "Drafts").unwrap().is_empty());

    // Online: exactly one message in Drafts, flagged as a draft, with its file.
    let saved = first
        .save_draft(
            &user.email,
            Some(&id),
            draft.clone(),
            &Origin::default(),
            Some(&password),
        )
        .await
        .unwrap();
    assert_eq!(
        (saved.draft_id.as_str(), saved.status.as_str(), saved.warning.as_deref()),
        (id.as_str(), "saved", None)
    );
    let on_server = peer::messages(stack, &user, "Drafts").unwrap();
    assert_eq!(subjects(&on_server), vec!["Conseil municipal du 15 mars"]);
    assert_eq!(on_server[0]["flags"], json!(["\\Draft", "\\Seen"]));
    assert_eq!(on_server[0]["message_id"], format!("<{id}>"));
    assert_eq!(on_server[0]["attachments"], json!(["ordre du jour n°3.pdf"]));
    assert_eq!(on_server[0]["bcc"], user.email.as_str(), "a draft keeps its Bcc");
    let first_uid = on_server[0]["uid"].as_u64().unwrap() as u32;
    let listed = first.drafts(&user.email).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].place, listed[0].folder.as_deref(), listed[0].uid),
        (DraftPlace::Both, Some("Drafts"), Some(first_uid))
    );

    // Saved again with another subject: still one message there, the new version.
    let changed = Draft {
        subject: "Conseil municipal du 22 mars".into(),
        ..draft.clone()
    };
    let saved = first
        .save_draft(&user.email, Some(&id), changed, &Origin::default(), Some(&password))
        .await
        .unwrap();
    assert_eq!((saved.draft_id.as_str(), saved.status.as_str()), (id.as_str(), "saved"));
    let on_server = peer::messages(stack, &user, "Drafts").unwrap();
    assert_eq!(subjects(&on_server), vec!["Conseil municipal du 22 mars"]);
    assert_eq!(on_server[0]["message_id"], format!("<{id}>"), "the same id");
    let second_uid = on_server[0]["uid"].as_u64().unwrap() as u32;
    assert!(second_uid > first_uid);
    let listed = first.drafts(&user.email).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].subject.as_str(), listed[0].uid),
        ("Conseil municipal du 22 mars", Some(second_uid))
    );

    // Another profile of the same user: the draft from its synced cache, offline, byte for byte.
    let (_second_dir, second, _) = sending_account(stack, &user, stack.info.submission_port).await;
    second.sync_with(&user.email, None, &password).await.unwrap();
    let listed = second.drafts(&user.email).unwrap();
    assert_eq!(listed.len(), 1);
    let found = &listed[0];
    assert_eq!(
        (&found.draft_id, found.place, found.folder.as_deref(), found.uid),
        (&id, DraftPlace::Server, Some("Drafts"), Some(second_uid))
    );
    assert_eq!(found.subject, "Conseil municipal du 22 mars");
    assert_eq!(found.to, draft.to);
    let resumed = second.open_draft_with(&user.email, &id, None).await.unwrap();
    assert_eq!(resumed, expected("Conseil municipal du 22 mars"));
    assert_eq!(resumed.attachments[0].bytes, pdf);

    // Sent from there: it arrives once, and leaves Drafts (server and here).
    let sent = second
        .send_draft(&user.email, &id, None, Some(&password))
        .await
        .unwrap();
    assert_eq!(
        (sent.status.as_str(), sent.filed_in.as_deref(), sent.warning.as_deref()),
        ("sent", Some("Sent"), None)
    );
    assert_ne!(sent.message_id, id, "a message of its own");
    let received = arrived(stack, &to_user, "INBOX", "Conseil municipal du 22 mars", 1);
    assert_eq!(received.len(), 1, "once");
    assert_eq!(received[0]["to"], format!("Service urbanisme <{}>", to_user.email));
    assert_eq!(received[0]["bcc"], serde_json::Value::Null, "no Bcc header once sent");
    assert_eq!(received[0]["in_reply_to"], "<convocation@example.test>");
    assert_eq!(received[0]["attachments"], json!(["ordre du jour n°3.pdf"]));
    assert_eq!(
        received[0]["text"].as_str().map(|t| t.replace("\r\n", "\n")).as_deref(),
        Some("Bonjour,\nvoici l'ordre du jour.\nÀ compléter.\n")
    );
    assert_eq!(
        arrived(stack, &user, "INBOX", "Conseil municipal du 22 mars", 1).len(),
        1,
        "the Bcc copy"
    );
    assert!(
        peer::messages(stack, &user, "Drafts").unwrap().is_empty(),
        "Drafts is empty"
    );
    assert!(second.drafts(&user.email).unwrap().is_empty());
    assert!(second.outbox_items(None).unwrap().is_empty());

    // The first profile still holds its copy; deleting it there finds nothing more to remove.
    let deleted = first.delete_draft(&user.email, &id, Some(&password)).await.unwrap();
    assert_eq!((deleted.status.as_str(), deleted.warning.as_deref()), ("deleted", None));
    assert!(first.drafts(&user.email).unwrap().is_empty());
    let err = first.open_draft_with(&user.email, &id, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

/// Offline, a deletion and a send take the drafts away here at once; the server's copies go
/// with the next flush. A draft without recipients is saved, but sending it is refused and it
/// stays.
#[tokio::test]
async fn deleting_and_sending_offline_reach_the_server_later() {
    let stack = Stack::shared();
    let user = stack.add_user("drafts-offline").unwrap();
    let to_user = stack.add_user("drafts-offline-to").unwrap();
    let (dir, calame, password) = sending_account(stack, &user, stack.info.submission_port).await;
    let email = user.email.as_str();
    let own = Origin::default();
    let save = |subject: &str, to: Vec<Address>| {
        let draft = Draft {
            to,
            subject: subject.into(),
            text: "x".into(),
            ..Draft::default()
        };
        calame.save_draft(email, None, draft, &own, Some(&password))
    };
    let kept = save("Sans destinataire", vec![]).await.unwrap();
    let dropped = save("À jeter", vec![address(None, &to_user.email)]).await.unwrap();
    let later = save("Envoyé plus tard", vec![address(None, &to_user.email)])
        .await
        .unwrap();
    for saved in [&kept, &dropped, &later] {
        assert_eq!(saved.status, "saved");
    }
    let mut on_server = subjects(&peer::messages(stack, &user, "Drafts").unwrap())
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    on_server.sort();
    assert_eq!(on_server, vec!["Envoyé plus tard", "Sans destinataire", "À jeter"]);

    // Nobody to send to: refused, and the draft stays.
    let err = calame
        .send_draft(email, &kept.draft_id, None, Some(&password))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadInput, "{err}");
    assert!(calame.outbox_items(None).unwrap().is_empty());

    let deleted = calame.delete_draft(email, &dropped.draft_id, None).await.unwrap();
    assert_eq!(deleted.status, "local");
    let queued = calame.send_draft(email, &later.draft_id, None, None).await.unwrap();
    assert_eq!(queued.status, "queued");
    let listed: Vec<String> = calame.drafts(email).unwrap().into_iter().map(|d| d.subject).collect();
    assert_eq!(listed, vec!["Sans destinataire"], "gone here at once");
    assert_eq!(
        peer::messages(stack, &user, "Drafts").unwrap().len(),
        3,
        "not yet there"
    );

    let report = calame.flush_drafts(email, &password).await.unwrap();
    let mut removed = report.removed.clone();
    removed.sort();
    let mut expected = vec![dropped.draft_id.clone(), later.draft_id.clone()];
    expected.sort();
    assert_eq!((removed, report.uploaded.len(), report.failed.len()), (expected, 0, 0));
    assert_eq!(
        subjects(&peer::messages(stack, &user, "Drafts").unwrap()),
        vec!["Sans destinataire"]
    );
    let listed = calame.drafts(email).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].draft_id.as_str(), listed[0].place),
        (kept.draft_id.as_str(), DraftPlace::Both)
    );

    let flushed = calame.flush_outbox_with(email, &password).await.unwrap();
    assert_eq!(flushed.sent, vec![queued.message_id.clone()]);
    assert_eq!(arrived(stack, &to_user, "INBOX", "Envoyé plus tard", 1).len(), 1);
    assert!(arrived(stack, &to_user, "INBOX", "À jeter", 0).is_empty());

    // A damaged record is reported, not dropped: the others are still listed.
    let damaged = dir.path().join("drafts").join("damaged.json");
    std::fs::write(&damaged, b"{\"draft_id\": ").unwrap();
    assert_eq!(calame.drafts(email).unwrap().len(), 1);
    assert!(damaged.exists());
}
