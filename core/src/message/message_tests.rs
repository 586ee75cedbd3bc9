//! Headers, parts, calendars and the small parsers beside them.

use super::*;

fn parse(raw: &str) -> Message {
    read(raw.replace('\n', "\r\n").as_bytes(), RemoteContent::Block)
}

#[test]
fn a_message_with_nothing_in_it() {
    assert_eq!(read(b"", RemoteContent::Block), Message::default());
    let m = read(b"no headers at all, just words", RemoteContent::Block);
    assert_eq!(m.text.as_deref(), Some("no headers at all, just words"));
}

#[test]
fn headers_are_decoded_and_bounded() {
    let m = parse(
        "From: =?UTF-8?Q?=C3=89lise_\u{202e}gnp.exe?= <elise@example.org>\n\
         To: Group: a@example.org, b@example.org;, c@example.org\n\
         Sender: <s@example.org>\n\
         Subject: =?ISO-8859-1?Q?Cong=E9s_?=\n  =?UTF-8?B?ZCfDqXTDqQ==?=\n\
         Date: Tue, 2 Mar 2027 23:59:60 -0930\n\
         Message-ID: <a@b>\n\
         References: <r1@x> <r2@x>\n\
         In-Reply-To: <r2@x>\n\nbody\n",
    );
    let h = m.headers;
    assert_eq!(
        h.from,
        [Address {
            name: Some("Élise gnp.exe".into()),
            email: "elise@example.org".into()
        }]
    );
    assert_eq!(
        h.to.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(),
        ["a@example.org", "b@example.org", "c@example.org"]
    );
    assert_eq!(h.sender.map(|s| s.email), Some("s@example.org".into()));
    assert_eq!(h.subject.as_deref(), Some("Congés d'été"));
    assert_eq!(h.date.as_deref(), Some("2027-03-02T23:59:60-09:30"));
    assert_eq!(h.message_id.as_deref(), Some("a@b"));
    assert_eq!(h.references, ["r1@x", "r2@x"]);
    assert_eq!(h.in_reply_to, ["r2@x"]);
}

#[test]
fn huge_reference_lists_keep_root_and_parents() {
    let refs: Vec<String> = (0..1000).map(|i| format!("<r{i}@x>")).collect();
    let m = parse(&format!("From: a@b\nReferences: {}\n\nx\n", refs.join(" ")));
    assert_eq!(m.headers.references.len(), 256);
    assert_eq!(m.headers.references[0], "r0@x");
    assert_eq!(m.headers.references[255], "r999@x");
    assert_eq!(m.headers.references[1], "r745@x");
}

#[test]
fn header_text_cleaning() {
    use super::text::{file_name, header_text};
    assert_eq!(header_text(" a\r\n\tb  c\u{0}d "), Some("a b c d".into()));
    assert_eq!(header_text("\u{200b}\u{202e}"), None);
    assert_eq!(header_text(&"é".repeat(10_000)).map(|s| s.len()), Some(MAX_HEADER_TEXT));
    assert_eq!(file_name("../../etc/passwd"), Some("_.._etc_passwd".into()));
    assert_eq!(file_name("C:\\Windows\\x.html"), Some("C__Windows_x.html".into()));
    assert_eq!(file_name("facture\u{202e}fdp.exe"), Some("facturefdp.exe".into()));
    assert_eq!(file_name("..."), None);
    assert_eq!(file_name(&"a".repeat(300)).map(|s| s.len()), Some(255));
}

#[test]
fn parts_are_numbered_as_imap_does() {
    let m = parse(
        "From: a@b\nContent-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n\
         --i\nContent-Type: text/plain\n\ntexte\n--i\nContent-Type: text/html\n\n<p>html</p>\n--i--\n\
         --o\nContent-Type: image/png; name=a.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n\
         --o\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=b.pdf\n\nPDF\n--o--\n",
    );
    assert_eq!(m.text.as_deref(), Some("texte"));
    assert_eq!(m.html.as_deref(), Some("<p>html</p>"));
    let ids: Vec<(&str, Option<&str>)> = m
        .attachments
        .iter()
        .map(|a| (a.part.as_str(), a.name.as_deref()))
        .collect();
    assert_eq!(ids, [("2", Some("a.png")), ("3", Some("b.pdf"))]);
    assert_eq!(m.attachments[0].size, 8);
    assert_eq!(m.attachments[1].size, 3);
}

#[test]
fn a_body_that_lost_its_structure_is_still_shown() {
    let m = parse("From: a@b\nContent-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nperdu\n--x--\n");
    assert!(m.text.unwrap().contains("perdu"));
    assert!(m.attachments.is_empty());
    let m = parse(
        "From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: base64\n\nQm9uam91ciDDoCB0b3VzICE=!!!\n--b--\n",
    );
    assert_eq!(m.text.as_deref(), Some("Bonjour à tous !"));
}

#[test]
fn unknown_charsets_fall_back_to_windows_1252() {
    let raw = b"From: a@b\r\nContent-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9 \x80 cr\xe8me\r\n";
    assert_eq!(read(raw, RemoteContent::Block).text.as_deref(), Some("Café € crème"));
    let utf8_with_one_bad_byte =
        b"From: a@b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xc3\xa9t\xc3\xa9 \xff\r\n";
    assert_eq!(
        read(utf8_with_one_bad_byte, RemoteContent::Block).text.as_deref(),
        Some("été \u{fffd}")
    );
}

#[test]
fn bodies_are_cut_at_the_limit() {
    let raw = format!("From: a@b\r\n\r\n{}", "é".repeat(MAX_BODY));
    let m = read(raw.as_bytes(), RemoteContent::Block);
    assert!(m.truncated);
    assert!(m.text.unwrap().len() <= MAX_BODY);
}

#[test]
fn rfc2231_continuations_use_the_first_charset() {
    use super::rfc2231::parameter;
    let header = "attachment;\r\n filename*0*=ISO-8859-1''%E9t%E9%20;\r\n filename*1*=%E0%20Paris.pdf";
    assert_eq!(parameter(header, "filename").as_deref(), Some("été à Paris.pdf"));
    assert_eq!(
        parameter("attachment; filename*0=\"a\"; filename*1=\"b.txt\"", "filename").as_deref(),
        Some("ab.txt")
    );
    assert_eq!(parameter("attachment; filename*0=a; filename*2=c", "filename"), None);
    assert_eq!(parameter("attachment; filename=plain.txt", "filename"), None);
}

const ICS: &str = "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:u1\nSUMMARY:R\\u00e9union\\, salle 2\\nsuite\n\
    DTSTART;TZID=Europe/Paris:20270315T090000\nDTEND;TZID=Europe/Paris:20270315T100000\n\
    ORGANIZER;CN=\"Durand: Marie\":mailto:marie@example.org\nATTENDEE;CN=Jean:MAILTO:jean@example.org\n\
    LOCATION:Mairie\nBEGIN:VALARM\nTRIGGER:-PT15M\nSUMMARY:not this one\nEND:VALARM\nEND:VEVENT\nEND:VCALENDAR\n";

#[test]
fn invitations_from_calendar_text() {
    let inv = calendar::invitation(ICS, None, "2").unwrap();
    assert_eq!(inv.method, "REQUEST");
    assert_eq!(inv.uid, "u1");
    assert_eq!(inv.summary.as_deref(), Some("Ru00e9union, salle 2 suite"));
    assert_eq!(inv.start.as_deref(), Some("2027-03-15T09:00:00+01:00"));
    assert_eq!(inv.end.as_deref(), Some("2027-03-15T10:00:00+01:00"));
    assert_eq!(inv.organizer.as_deref(), Some("marie@example.org"));
    assert_eq!(inv.attendees, ["jean@example.org"]);
    assert_eq!(inv.location.as_deref(), Some("Mairie"));
    assert_eq!(inv.part, "2");
    assert!(!inv.all_day);
}

#[test]
fn invitation_times() {
    let event = |props: &str| {
        let ics =
            format!("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n{props}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
        calendar::invitation(&ics, None, "1").unwrap()
    };
    let all_day = event("DTSTART;VALUE=DATE:20270714\r\nDTEND;VALUE=DATE:20270715");
    assert_eq!(
        (all_day.start.as_deref(), all_day.end.as_deref(), all_day.all_day),
        (Some("2027-07-14"), Some("2027-07-15"), true)
    );
    let utc = event("DTSTART:20270101T120000Z\r\nDURATION:PT1H30M");
    assert_eq!(
        (utc.start.as_deref(), utc.end.as_deref()),
        (Some("2027-01-01T12:00:00+00:00"), Some("2027-01-01T13:30:00+00:00"))
    );
    let summer = event("DTSTART;TZID=\"/mozilla.org/20070129_1/Europe/Paris\":20270701T090000");
    assert_eq!(summer.start.as_deref(), Some("2027-07-01T09:00:00+02:00"));
    let outlook = event("DTSTART;TZID=Romance Standard Time:20271230T090000");
    assert_eq!(outlook.start.as_deref(), Some("2027-12-30T09:00:00+01:00"));
    let gap = event("DTSTART;TZID=Europe/Paris:20270328T023000");
    assert_eq!(gap.start.as_deref(), Some("2027-03-28T03:30:00+02:00"));
    let floating = event("DTSTART:20270101T090000\r\nDTEND;TZID=Mars/Olympus:20270101T100000");
    assert_eq!(
        (floating.start.as_deref(), floating.end.as_deref()),
        (Some("2027-01-01T09:00:00"), Some("2027-01-01T10:00:00"))
    );
    let broken = event("DTSTART:2027-01-01\r\nDURATION:P1X\r\nUID:x");
    assert_eq!((broken.start, broken.end, broken.uid.as_str()), (None, None, "x"));
}

#[test]
fn not_every_calendar_is_an_invitation() {
    assert!(calendar::invitation(&ICS.replace("METHOD:REQUEST", "METHOD:PUBLISH"), None, "1").is_none());
    assert!(calendar::invitation(&ICS.replace("METHOD:REQUEST\n", ""), Some("cancel"), "1").is_some());
    assert!(calendar::invitation("BEGIN:VCALENDAR\nMETHOD:REQUEST\nEND:VCALENDAR\n", None, "1").is_none());
    assert!(calendar::invitation("garbage", Some("REQUEST"), "1").is_none());
    // Folded lines, and a VEVENT whose END never comes.
    let folded = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMM\r\n ARY:Pli\r\n\t\u{e9}\r\nUID:1";
    assert_eq!(
        calendar::invitation(folded, None, "1").unwrap().summary.as_deref(),
        Some("Plié")
    );
}

#[test]
fn huge_calendars_are_bounded() {
    let attendees = "ATTENDEE:mailto:a@example.org\r\n".repeat(5000);
    let ics = format!("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:1\r\n{attendees}SUMMARY:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "x".repeat(1 << 21));
    let inv = calendar::invitation(&ics, None, "1").unwrap();
    assert_eq!(inv.attendees.len(), 1000);
    assert!(inv.summary.is_none_or(|s| s.len() <= MAX_HEADER_TEXT));
}

#[test]
fn search_text_takes_plain_and_html_bodies_bounded() {
    let alt = "Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nLe lampadaire est en panne.\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Le <b>lampadaire</b></p>\r\n--b--\r\n";
    assert!(search_text(alt.as_bytes(), 1000).contains("lampadaire est en panne"));
    let html = "Subject: s\r\nContent-Type: text/html\r\n\r\n<p>Arr&ecirc;t&eacute; <script>x()</script>municipal</p>";
    let text = search_text(html.as_bytes(), 1000);
    assert!(text.contains("Arrêté") && text.contains("municipal"), "{text:?}");
    let long = format!(
        "Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
        "é".repeat(100)
    );
    assert_eq!(search_text(long.as_bytes(), 11).len(), 10, "cut at a character");
    assert_eq!(search_text(b"", 100), "");
}

#[test]
fn attachments_open_under_a_safe_name_and_programs_do_not_open() {
    use super::openable_name;
    let ok = |name: Option<&str>, mime: &str| openable_name(name, mime).unwrap();
    assert_eq!(
        ok(Some("Arrêté n°12 – été.pdf"), "application/pdf"),
        "Arrêté n°12 – été.pdf"
    );
    assert_eq!(ok(Some("../../etc/passwd"), "text/plain"), "passwd");
    assert_eq!(ok(Some("C:\\Users\\x\\plan.png"), "image/png"), "plan.png");
    assert_eq!(ok(Some("a:b*c?.txt"), "text/plain"), "abc.txt");
    assert_eq!(ok(None, "application/pdf"), "piece-jointe.pdf");
    assert_eq!(ok(Some(" .. "), "image/png"), "piece-jointe.png");
    assert_eq!(ok(Some("CON.txt"), "text/plain"), "_CON.txt");
    assert_eq!(ok(Some("com1"), "text/plain"), "_com1");
    assert_eq!(
        ok(Some(&format!("{}.pdf", "x".repeat(300))), "application/pdf")
            .chars()
            .count(),
        104
    );
    for runs in [
        "facture.exe",
        "FACTURE.PDF.EXE",
        "photo.js",
        "lien.lnk",
        "script.ps1",
        "lanceur.desktop",
        "macro.docm",
        "rapport\u{202e}fdp.exe",
    ] {
        assert!(openable_name(Some(runs), "application/octet-stream").is_err(), "{runs}");
    }
    assert!(openable_name(Some("setup"), "application/x-msdownload").is_err());
}
