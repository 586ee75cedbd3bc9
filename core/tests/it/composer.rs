//! The app's composer against the real stack: a form answering a service mailbox's message,
//! saved twice as one draft, then sent from that draft (threading, Sender, the draft gone,
//! the original answered); a forward that drops the carried attachment and adds a file; the
//! addresses suggested from the cache.

use calame_core::{Address, AnswerKind, AnswerRef};
use calame_testkit::{peer, Stack};

use crate::send::{arrived, deliver, sending_account};

#[tokio::test]
async fn a_form_answers_from_a_draft_and_a_forward_keeps_only_what_it_keeps() {
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let token = format!("form-{}", std::process::id());
    let original_id = format!("<{token}.question@citoyen.test>");
    deliver(
        stack,
        "accueil",
        "INBOX",
        &format!(
            "From: Jeanne Citoyenne <{}>\nTo: accueil@example.test\nSubject: TR: {token} cantine\n\
             Date: Mon, 15 Mar 2027 09:00:00 +0100\nMessage-ID: {original_id}\nMIME-Version: 1.0\n\
             Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
             Bonjour,\nle menu de la cantine est-il en ligne ?\n",
            bob.email
        ),
    );
    let (_a, calame, password) = sending_account(stack, &alice, stack.info.submission_port).await;
    calame
        .sync_with(&alice.email, Some("Shared/accueil/INBOX"), &password)
        .await
        .unwrap();
    let uid = calame
        .list(&alice.email, "Shared/accueil/INBOX", 0, 500)
        .unwrap()
        .iter()
        .find(|e| e.subject.as_deref().is_some_and(|s| s.contains(&token)))
        .expect("the citizen's message, cached")
        .uid;
    let answering = AnswerRef {
        folder: "Shared/accueil/INBOX".into(),
        uid,
        kind: AnswerKind::Reply,
    };

    // The form starts as the answer would be: the service, on its behalf; the quote.
    let start = calame
        .compose_answer(&alice.email, &answering, Some(&password))
        .await
        .unwrap();
    let mut form = start.draft;
    assert_eq!(form.on_behalf_of.as_deref(), Some("accueil@example.test"));
    assert_eq!(form.from, None);
    assert_eq!(form.subject, format!("Re: {token} cantine"));
    assert_eq!(
        form.to.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(),
        vec![bob.email.as_str()]
    );
    assert!(
        form.text
            .contains("a écrit :\n> Bonjour,\n> le menu de la cantine est-il en ligne ?"),
        "{}",
        form.text
    );
    assert_eq!(form.answering.as_ref(), Some(&answering));
    assert!(start.attachments.is_empty());

    // Saved twice: one draft, the second version replacing the first.
    form.text = format!("Bonjour,\nOui.\n{}", form.text);
    let first = calame
        .save_form(&alice.email, form.clone(), Some(&password))
        .await
        .unwrap();
    assert_eq!(first.status, "saved");
    form.draft_id = Some(first.draft_id.clone());
    form.text = form.text.replacen("Oui.", "Oui, sur le site de la mairie.", 1);
    let second = calame
        .save_form(&alice.email, form.clone(), Some(&password))
        .await
        .unwrap();
    assert_eq!(second.draft_id, first.draft_id);
    let in_drafts = peer::messages(stack, &alice, "Drafts").unwrap();
    let versions: Vec<_> = in_drafts
        .iter()
        .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(&token)))
        .collect();
    assert_eq!(versions.len(), 1, "one draft on the server: {in_drafts:?}");
    assert_eq!(
        versions[0]["in_reply_to"],
        original_id.as_str(),
        "the draft keeps the threading"
    );

    // Continued, then sent from the draft.
    let continued = calame
        .compose_draft(&alice.email, &first.draft_id, Some(&password))
        .await
        .unwrap();
    assert!(continued
        .draft
        .text
        .starts_with("Bonjour,\nOui, sur le site de la mairie."));
    assert_eq!(continued.draft.on_behalf_of.as_deref(), Some("accueil@example.test"));
    let outcome = calame.send_form(&alice.email, form, Some(&password)).await.unwrap();
    assert_eq!(outcome.filed_in.as_deref(), Some("Shared/accueil/Sent"));
    let got = arrived(stack, &bob, "INBOX", &format!("Re: {token}"), 1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["from"], "accueil@example.test");
    assert_eq!(got[0]["sender"], alice.email.as_str());
    assert_eq!(got[0]["in_reply_to"], original_id.as_str());
    assert!(got[0]["text"]
        .as_str()
        .unwrap()
        .replace("\r\n", "\n")
        .starts_with("Bonjour,\nOui, sur le site de la mairie.\n"));
    assert!(
        calame
            .drafts(&alice.email)
            .unwrap()
            .iter()
            .all(|d| d.draft_id != first.draft_id),
        "the draft is gone once sent"
    );
    let left = peer::messages(stack, &alice, "Drafts").unwrap();
    assert!(
        left.iter()
            .all(|m| m["subject"].as_str().is_none_or(|s| !s.contains(&token))),
        "and gone from the server's Drafts: {left:?}"
    );
    let original = peer::messages(stack, &alice, "Shared/accueil/INBOX").unwrap();
    let flags = &original
        .iter()
        .find(|m| m["message_id"] == original_id.as_str())
        .unwrap()["flags"];
    assert!(flags.as_array().unwrap().iter().any(|f| f == "\\Answered"), "{flags}");

    // A forward: the carried attachment dropped, a file of the user's added.
    deliver(
        stack,
        "alice",
        "INBOX",
        &format!(
            "From: Urbanisme <urbanisme@example.test>\nTo: {}\nSubject: {token} plan\n\
             Date: Tue, 16 Mar 2027 10:00:00 +0100\nMessage-ID: <{token}.plan@example.test>\n\
             MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
             Content-Type: text/plain; charset=utf-8\n\nLe plan est joint.\n--b\n\
             Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"ancien.pdf\"\n\
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
    let start = calame
        .compose_answer(
            &alice.email,
            &AnswerRef {
                folder: "INBOX".into(),
                uid,
                kind: AnswerKind::Forward,
            },
            Some(&password),
        )
        .await
        .unwrap();
    assert_eq!(start.attachments.len(), 1);
    assert_eq!(start.attachments[0].name, "ancien.pdf");
    let files = tempfile::tempdir().unwrap();
    let new_plan = files.path().join("nouveau plan.pdf");
    std::fs::write(&new_plan, b"%PDF-1.4\n").unwrap();
    let mut form = start.draft;
    assert_eq!(form.subject, format!("TR: {token} plan"));
    form.to = vec![Address {
        name: None,
        email: bob.email.clone(),
    }];
    form.kept_attachments = Some(Vec::new());
    form.attachments = vec![new_plan.to_string_lossy().into_owned()];
    calame.send_form(&alice.email, form, Some(&password)).await.unwrap();
    let forwarded = arrived(stack, &bob, "INBOX", &format!("TR: {token} plan"), 1);
    assert_eq!(forwarded.len(), 1);
    assert_eq!(forwarded[0]["attachments"], serde_json::json!(["nouveau plan.pdf"]));
    assert_eq!(forwarded[0]["references"], format!("<{token}.plan@example.test>"));

    // Suggestions from the cache: words of names and addresses, accents ignored, not mine.
    let names = |prefix: &str| -> Vec<String> {
        calame
            .known_addresses(&alice.email, prefix, 10)
            .unwrap()
            .into_iter()
            .map(|a| a.email)
            .collect()
    };
    assert!(names("urb").contains(&"urbanisme@example.test".to_owned()));
    assert!(!names("").contains(&alice.email), "never my own address");
    assert_eq!(names("CITOYENNE"), vec![bob.email.clone()]);
    assert_eq!(names("jéan"), vec![bob.email.clone()]);
}

/// Once a form's message is queued, nothing is an error: a refused login leaves it queued with
/// a warning (the user is not led to send it again), and it leaves once, later.
#[tokio::test]
async fn a_form_queued_but_not_sent_is_a_warning_not_an_error() {
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let (_a, calame, password) = sending_account(stack, &alice, stack.info.submission_port).await;
    let subject = format!("refus-{}", std::process::id());
    let form = calame_core::DraftInput {
        to: vec![Address {
            name: None,
            email: bob.email.clone(),
        }],
        subject: subject.clone(),
        text: "Bonjour.".into(),
        ..Default::default()
    };
    let wrong = calame_core::Secret::new("pas le bon".to_owned());
    let outcome = calame.send_form(&alice.email, form, Some(&wrong)).await.unwrap();
    assert_eq!(outcome.status, "queued");
    assert!(
        outcome.warning.as_deref().is_some_and(|w| w.contains("outbox")),
        "{outcome:?}"
    );
    let queued = calame.outbox_items(Some(&alice.email)).unwrap();
    assert!(queued.iter().any(|i| i.message_id == outcome.message_id));
    let report = calame.flush_outbox_with(&alice.email, &password).await.unwrap();
    assert_eq!(report.sent, vec![outcome.message_id.clone()]);
    assert_eq!(arrived(stack, &bob, "INBOX", &subject, 1).len(), 1);
}

/// An attachment saved where the user chose is the sender's bytes, written whole; one opened
/// goes under the profile with a safe name; a program is refused.
#[tokio::test]
async fn attachments_are_saved_whole_and_programs_are_not_opened() {
    let stack = Stack::shared();
    let user = stack.add_user(&format!("pj-{}", std::process::id())).unwrap();
    deliver(
        stack,
        &user.login,
        "INBOX",
        "From: Urbanisme <urbanisme@example.test>\nTo: agent@example.test\nSubject: Pieces\n\
         Date: Tue, 16 Mar 2027 10:00:00 +0100\nMessage-ID: <pieces.1@example.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/plain; charset=utf-8\n\nDeux pièces.\n--b\n\
         Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"../plan d'ete.pdf\"\n\
         Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJeLjz9M=\n--b\n\
         Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"facture.pdf.exe\"\n\
         Content-Transfer-Encoding: base64\n\nTVqQAA==\n--b--\n",
    );
    let (tmp, calame, password) = sending_account(stack, &user, stack.info.submission_port).await;
    calame.sync_with(&user.email, Some("INBOX"), &password).await.unwrap();
    let uid = calame.list(&user.email, "INBOX", 0, 10).unwrap()[0].uid;
    let raw = calame
        .raw_message_with(&user.email, "INBOX", uid, Some(&password))
        .await
        .unwrap();
    let shown = calame.show(&raw, false).unwrap();
    let part_of = |name: &str| {
        shown
            .attachments
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {:?}", shown.attachments))
            .part
            .clone()
    };
    // The reader already makes the name safe (no folder).
    let (pdf, exe) = (part_of("_plan d'ete.pdf"), part_of("facture.pdf.exe"));

    let files = tempfile::tempdir().unwrap();
    let dest = files.path().join("plan.pdf");
    let size = calame
        .save_attachment(&user.email, "INBOX", uid, &pdf, &dest, Some(&password))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3");
    assert_eq!(size, 14);
    assert!(!files.path().join("plan.pdf.part").exists());

    let opened = calame
        .attachment_to_open(&user.email, "INBOX", uid, &pdf, Some(&password))
        .await
        .unwrap();
    assert!(opened.starts_with(tmp.path().join("opened")), "{}", opened.display());
    assert_eq!(opened.file_name().unwrap(), "_plan d'ete.pdf");
    assert_eq!(std::fs::read(&opened).unwrap(), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3");
    let refused = calame
        .attachment_to_open(&user.email, "INBOX", uid, &exe, Some(&password))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), calame_core::ErrorKind::BadInput, "{refused}");
}
