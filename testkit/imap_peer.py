"""Another IMAP client, independent of Calame's code: Python's imaplib. Tests use it to look at
the server and to change it behind Calame's back. One command per run, JSON on stdout.

  imap_peer.py PORT CAFILE LOGIN PASSWORD uids FOLDER            -> {"uid": [flags...], ...}
  imap_peer.py PORT CAFILE LOGIN PASSWORD state FOLDER           -> {"message-id": [flags...], ...}
  imap_peer.py PORT CAFILE LOGIN PASSWORD store FOLDER UIDS +FLAGS|-FLAGS "(\\Flagged)"
  imap_peer.py PORT CAFILE LOGIN PASSWORD expunge FOLDER UIDS    (marks \\Deleted, UID EXPUNGE)
  imap_peer.py PORT CAFILE LOGIN PASSWORD append FOLDER COUNT    (plain test messages)
  imap_peer.py PORT CAFILE LOGIN PASSWORD recreate FOLDER        (DELETE + CREATE: new UIDVALIDITY)
  imap_peer.py PORT CAFILE LOGIN PASSWORD list PATTERN           -> [names as the server spells them]
  imap_peer.py PORT CAFILE LOGIN PASSWORD messages FOLDER        -> [{uid, flags, from, sender, to, cc,
      subject, message_id, in_reply_to, references, reply_to, text, attachments: [names],
      calendar: the first text/calendar part or null}]
      (parsed by Python's email package: headers decoded, attachment names from RFC 2231/2047)
"""
import email, email.policy, imaplib, json, re, ssl, sys

port, cafile, login, password, cmd, folder = sys.argv[1:7]
rest = sys.argv[7:]
ctx = ssl.create_default_context(cafile=cafile)
imap = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
imap.login(login, password)
quoted = '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'

def check(result):
    typ, data = result
    if typ != "OK":
        raise SystemExit(f"{cmd}: {typ} {data}")
    return data

if cmd == "uids":
    check(imap.select(quoted, readonly=True))
    out = {}
    for line in check(imap.uid("FETCH", "1:*", "(FLAGS)")):
        if not line:
            continue
        text = line.decode() if isinstance(line, bytes) else line[0].decode()
        m = re.search(r"UID (\d+)", text)
        f = re.search(r"FLAGS \(([^)]*)\)", text)
        if m:
            out[m.group(1)] = sorted(x for x in (f.group(1).split() if f else []) if x != "\\Recent")
    print(json.dumps(out))
elif cmd == "state":
    check(imap.select(quoted, readonly=True))
    out = {}
    data = check(imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"))
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, header = item[0].decode(), item[1].decode(errors="replace")
        f = re.search(r"FLAGS \(([^)]*)\)", meta)
        mid = re.search(r"<([^>]*)>", header)
        if mid:
            out[mid.group(1)] = sorted(x for x in (f.group(1).split() if f else []) if x != "\\Recent")
    print(json.dumps(out))
elif cmd == "messages":
    check(imap.select(quoted, readonly=True))
    out = []
    for item in check(imap.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")):
        if not isinstance(item, tuple):
            continue
        meta = item[0].decode()
        msg = email.message_from_bytes(item[1], policy=email.policy.default)
        flags = re.search(r"FLAGS \(([^)]*)\)", meta)
        body = msg.get_body(preferencelist=("plain",))
        header = lambda name: str(msg[name]) if msg[name] is not None else None
        out.append({
            "uid": int(re.search(r"UID (\d+)", meta).group(1)),
            "flags": sorted(x for x in (flags.group(1).split() if flags else []) if x != "\\Recent"),
            "from": header("From"), "sender": header("Sender"), "to": header("To"), "cc": header("Cc"),
            "bcc": header("Bcc"), "reply_to": header("Reply-To"), "subject": header("Subject"),
            "message_id": header("Message-ID"), "in_reply_to": header("In-Reply-To"),
            "references": header("References"),
            "text": body.get_content() if body is not None else None,
            "attachments": [p.get_filename() for p in msg.iter_attachments()],
            "calendar": next((p.get_content() for p in msg.walk() if p.get_content_type() == "text/calendar"), None),
        })
    print(json.dumps(out))
elif cmd == "store":
    check(imap.select(quoted))
    check(imap.uid("STORE", rest[0], rest[1], rest[2]))
    print("{}")
elif cmd == "expunge":
    check(imap.select(quoted))
    check(imap.uid("STORE", rest[0], "+FLAGS.SILENT", "(\\Deleted)"))
    check(imap.uid("EXPUNGE", rest[0]))
    print("{}")
elif cmd == "append":
    for i in range(int(rest[0])):
        msg = f"From: peer@example.test\r\nTo: {login}@example.test\r\nSubject: ajout {i}\r\nMessage-ID: <peer-{i}-{id(imap)}@example.test>\r\n\r\nbonjour {i}\r\n"
        check(imap.append(quoted, None, None, msg.encode()))
    print("{}")
elif cmd == "recreate":
    check(imap.delete(quoted))
    check(imap.create(quoted))
    print("{}")
elif cmd == "list":
    names = []
    for line in check(imap.list('""', quoted)):
        if line is None:
            continue  # imaplib's answer when nothing matches
        if isinstance(line, tuple):
            # A name sent as a literal: the first part ends with {n}, the second is the name.
            names.append(line[1].decode())
            continue
        m = re.match(r'\(([^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$', line.decode())
        if not m:
            raise SystemExit(f"list: unreadable line {line!r}")
        name = m.group(2)
        if name.startswith('"'):
            name = re.sub(r'\\(.)', r'\1', name[1:-1])
        names.append(name)
    print(json.dumps(sorted(names)))
else:
    raise SystemExit(f"unknown command {cmd}")
imap.logout()
