"""Another CalDAV client, independent of Calame's code: Python's caldav (python3-caldav) and
icalendar packages. Tests use it to see what the server holds and to change it behind
Calame's back. One command per run, JSON on stdout.

  dav_peer.py URL LOGIN PASSWORD list CALENDAR          -> {"uid": {"summary", "href", "start", "end", "location",
                                                            "status", "attendees": {"address": "PARTSTAT"}}}
  dav_peer.py URL LOGIN PASSWORD put CALENDAR FILE      (creates or replaces the object of FILE's UID)
  dav_peer.py URL LOGIN PASSWORD delete CALENDAR UID
CALENDAR is a path on the server without its outer slashes (alice/calendar).
"""
import json, sys

import caldav
import icalendar

url, login, password, cmd, calendar = sys.argv[1:6]
rest = sys.argv[6:]
client = caldav.DAVClient(url=url, username=login, password=password)
cal = client.calendar(url=url.rstrip("/") + "/" + calendar + "/")


def when(prop):
    if prop is None:
        return None
    return prop.dt.isoformat()


if cmd == "list":
    out = {}
    for obj in cal.events():
        parsed = icalendar.Calendar.from_ical(obj.data)
        for ev in parsed.walk("VEVENT"):
            if ev.get("RECURRENCE-ID") is not None:
                continue
            out[str(ev.get("UID"))] = {
                "summary": str(ev.get("SUMMARY", "")),
                "location": str(ev.get("LOCATION", "")) or None,
                "start": when(ev.get("DTSTART")),
                "end": when(ev.get("DTEND")),
                "href": str(obj.url.path),
                "status": str(ev.get("STATUS")) if ev.get("STATUS") is not None else None,
                "attendees": {
                    str(a).lower().removeprefix("mailto:"): str(a.params.get("PARTSTAT", "NEEDS-ACTION"))
                    for a in (ev.get("ATTENDEE") if isinstance(ev.get("ATTENDEE"), list) else [ev.get("ATTENDEE")] if ev.get("ATTENDEE") is not None else [])
                },
            }
    print(json.dumps(out))
elif cmd == "put":
    with open(rest[0], encoding="utf-8") as f:
        cal.save_event(f.read())
    print("{}")
elif cmd == "delete":
    cal.event_by_uid(rest[0]).delete()
    print("{}")
else:
    raise SystemExit(f"unknown command {cmd}")
