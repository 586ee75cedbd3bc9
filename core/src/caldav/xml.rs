//! WebDAV bodies: the requests we send (PROPFIND, REPORT) and the `multistatus` answers we
//! read. Answers are untrusted bytes: parsed with quick-xml's namespace-aware reader, bounded
//! in depth, count and size, and kept to what CalDAV needs — per response its href, its status,
//! and the properties of its successful propstats (text, hrefs, descendant element names).

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::error::{Error, Result};

pub const DAV: &str = "DAV:";
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const CALSERVER: &str = "http://calendarserver.org/ns/";
pub const APPLE_ICAL: &str = "http://apple.com/ns/ical/";

/// Nesting deeper than this is not a CalDAV answer.
const MAX_DEPTH: usize = 64;
/// Responses in one multistatus.
const MAX_RESPONSES: usize = 1_000_000;
/// Descendant names kept per property (privileges, component names, resource types).
const MAX_NAMES: usize = 256;

/// An element's name with its namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub ns: String,
    pub local: String,
}

impl Name {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
}

/// A property from a successful propstat.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prop {
    pub name: Option<Name>,
    /// Its text, entities resolved (for calendar-data, the iCalendar object).
    pub text: String,
    /// The `href`s inside it (current-user-principal, calendar-home-set, owner).
    pub hrefs: Vec<String>,
    /// The elements inside it, with their `name` attribute if any (resource types,
    /// privileges, supported components).
    pub names: Vec<(Name, Option<String>)>,
}

impl Prop {
    pub fn has(&self, ns: &str, local: &str) -> bool {
        self.names.iter().any(|(n, _)| n.is(ns, local))
    }
}

/// One `response` of a multistatus.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    pub href: String,
    /// The response's own status (a member removed, in a sync-collection report), if any.
    pub status: Option<u16>,
    pub props: Vec<Prop>,
}

impl Response {
    pub fn prop(&self, ns: &str, local: &str) -> Option<&Prop> {
        self.props
            .iter()
            .find(|p| p.name.as_ref().is_some_and(|n| n.is(ns, local)))
    }

    pub fn text(&self, ns: &str, local: &str) -> Option<&str> {
        self.prop(ns, local).map(|p| p.text.trim()).filter(|t| !t.is_empty())
    }
}

/// A parsed `multistatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Multistatus {
    pub responses: Vec<Response>,
    /// The `sync-token` of a sync-collection report.
    pub sync_token: Option<String>,
}

/// Where the reader is, within a response.
#[derive(Default)]
struct Cursor {
    response: Option<Response>,
    /// Inside `propstat`: its properties so far, and its status.
    propstat: Option<(Vec<Prop>, Option<u16>)>,
    /// Inside `prop`: the property being read, and the depth of its element.
    prop: Option<(Prop, usize)>,
}

/// Parse a `multistatus` body.
pub fn parse_multistatus(body: &[u8]) -> Result<Multistatus> {
    let text = std::str::from_utf8(body).map_err(|e| bad(format!("not UTF-8: {e}")))?;
    let mut reader = NsReader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let mut out = Multistatus::default();
    let mut stack: Vec<Name> = Vec::new();
    let mut cursor = Cursor::default();
    let mut seen_root = false;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|e| bad(e.to_string()))?;
        match event {
            Event::Start(start) => {
                let name = Name {
                    ns: namespace(&ns),
                    local: start.local_name().as_ref().to_owned(),
                };
                if stack.is_empty() {
                    if !name.is(DAV, "multistatus") {
                        return Err(bad(format!("expected a multistatus, got {}", name.local)));
                    }
                    seen_root = true;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(bad("nested too deep".into()));
                }
                let attr_name = start.try_get_attribute("name").ok().flatten().and_then(|a| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()
                        .map(|v| v.into_owned())
                });
                let depth = stack.len();
                match (&mut cursor.prop, &mut cursor.propstat, &mut cursor.response) {
                    (Some((prop, _)), _, _) if prop.names.len() < MAX_NAMES => {
                        prop.names.push((name.clone(), attr_name));
                    }
                    (None, Some(_), _) if parent_is(&stack, DAV, "prop") => {
                        cursor.prop = Some((
                            Prop {
                                name: Some(name.clone()),
                                ..Prop::default()
                            },
                            depth,
                        ));
                    }
                    (None, None, Some(_)) if name.is(DAV, "propstat") => {
                        cursor.propstat = Some((Vec::new(), None));
                    }
                    (None, None, None) if name.is(DAV, "response") && depth == 1 => {
                        if out.responses.len() >= MAX_RESPONSES {
                            return Err(bad("too many responses".into()));
                        }
                        cursor.response = Some(Response::default());
                    }
                    _ => {}
                }
                stack.push(name);
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return Err(bad("unbalanced end tag".into()));
                };
                let depth = stack.len();
                if cursor.prop.as_ref().is_some_and(|(_, d)| *d == depth) {
                    if let (Some((prop, _)), Some((props, _))) = (cursor.prop.take(), cursor.propstat.as_mut()) {
                        props.push(prop);
                    }
                } else if cursor.prop.is_none() && name.is(DAV, "propstat") {
                    if let (Some((props, status)), Some(response)) = (cursor.propstat.take(), cursor.response.as_mut())
                    {
                        // Only what the server has: 404 propstats list what it lacks.
                        if status.is_none_or(|s| (200..300).contains(&s)) {
                            response.props.extend(props);
                        }
                    }
                } else if cursor.propstat.is_none() && name.is(DAV, "response") && depth == 1 {
                    if let Some(response) = cursor.response.take() {
                        out.responses.push(response);
                    }
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                add_text(&mut cursor, &mut out, &stack, &content);
            }
            Event::CData(t) => {
                let content = t.xml10_content();
                add_text(&mut cursor, &mut out, &stack, &content);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(r.as_ref())
                        .ok_or_else(|| bad(format!("unknown entity &{};", r.as_ref())))?
                        .to_owned(),
                    Err(e) => return Err(bad(e.to_string())),
                };
                add_text(&mut cursor, &mut out, &stack, &resolved);
            }
            Event::DocType(_) => return Err(bad("a DOCTYPE in a WebDAV answer".into())),
            Event::Eof => break,
            Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !seen_root || !stack.is_empty() {
        return Err(bad("the answer ends before its multistatus does".into()));
    }
    Ok(out)
}

fn namespace(ns: &ResolveResult<'_>) -> String {
    match ns {
        ResolveResult::Bound(n) => n.0.to_owned(),
        _ => String::new(),
    }
}

fn parent_is(stack: &[Name], ns: &str, local: &str) -> bool {
    stack.last().is_some_and(|n| n.is(ns, local))
}

/// Text goes to the property being read, or to the href / status / sync-token it belongs to.
fn add_text(cursor: &mut Cursor, out: &mut Multistatus, stack: &[Name], text: &str) {
    let Some(here) = stack.last() else { return };
    if let Some((prop, _)) = cursor.prop.as_mut() {
        if here.is(DAV, "href") {
            // An href's text can come in pieces (entities).
            let open = href_open(prop);
            match prop.hrefs.last_mut() {
                Some(last) if open => last.push_str(text),
                _ => prop.hrefs.push(text.to_owned()),
            }
        } else {
            prop.text.push_str(text);
        }
        return;
    }
    if here.is(DAV, "status") {
        let code = status_code(text);
        if let Some((_, status)) = cursor.propstat.as_mut() {
            *status = code.or(*status);
        } else if let Some(response) = cursor.response.as_mut() {
            response.status = code.or(response.status);
        }
    } else if here.is(DAV, "href") && cursor.propstat.is_none() {
        if let Some(response) = cursor.response.as_mut() {
            response.href.push_str(text);
        }
    } else if here.is(DAV, "sync-token") && cursor.response.is_none() {
        out.sync_token.get_or_insert_with(String::new).push_str(text.trim());
    }
}

/// Whether the last href of `prop` is still being read (its text arrives in pieces): the
/// number of href elements opened inside the property equals the hrefs collected.
fn href_open(prop: &Prop) -> bool {
    let opened = prop.names.iter().filter(|(n, _)| n.is(DAV, "href")).count();
    opened == prop.hrefs.len()
}

/// `HTTP/1.1 200 OK` → 200.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bad(why: String) -> Error {
    Error::Protocol(format!("unreadable WebDAV answer: {why}"))
}

/// Escape text for an XML body we send.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// A PROPFIND body asking for `props` (`(namespace, name)`).
pub fn propfind(props: &[(&str, &str)]) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:propfind xmlns:d=\"DAV:\" \
         xmlns:c=\"urn:ietf:params:xml:ns:caldav\" xmlns:cs=\"http://calendarserver.org/ns/\" \
         xmlns:ic=\"http://apple.com/ns/ical/\"><d:prop>",
    );
    for (ns, name) in props {
        body.push_str(&format!("<{}:{name}/>", prefix(ns)));
    }
    body.push_str("</d:prop></d:propfind>");
    body
}

fn prefix(ns: &str) -> &'static str {
    match ns {
        CALDAV => "c",
        CALSERVER => "cs",
        APPLE_ICAL => "ic",
        _ => "d",
    }
}

/// A sync-collection REPORT (RFC 6578) from `token` (empty: everything), asking for ETags.
pub fn sync_collection(token: Option<&str>) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:sync-collection xmlns:d=\"DAV:\">\
         <d:sync-token>{}</d:sync-token><d:sync-level>1</d:sync-level>\
         <d:prop><d:getetag/></d:prop></d:sync-collection>",
        escape(token.unwrap_or(""))
    )
}

/// A calendar-multiget REPORT for `hrefs`, asking for ETags and data.
pub fn calendar_multiget(hrefs: &[String]) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<c:calendar-multiget xmlns:d=\"DAV:\" \
         xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:prop><d:getetag/><c:calendar-data/></d:prop>",
    );
    for href in hrefs {
        body.push_str(&format!("<d:href>{}</d:href>", escape(href)));
    }
    body.push_str("</c:calendar-multiget>");
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    const DISCOVERY: &str = r#"<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/"><response><href>/alice/calendar/</href><propstat><prop><resourcetype><C:calendar /><collection /></resourcetype><displayname>Calendrier d&apos;Alice &amp; co</displayname><current-user-privilege-set><privilege><read /></privilege><privilege><write /></privilege></current-user-privilege-set><CS:getctag>"db2d"</CS:getctag><sync-token>http://radicale.org/ns/sync/e3b0</sync-token><C:supported-calendar-component-set><C:comp name="VEVENT" /><C:comp name="VTODO" /></C:supported-calendar-component-set><owner><href>/alice/</href></owner></prop><status>HTTP/1.1 200 OK</status></propstat><propstat><prop><ICAL:calendar-color /></prop><status>HTTP/1.1 404 Not Found</status></propstat></response></multistatus>"#;

    #[test]
    fn a_calendar_listing_reads_with_namespaces_and_entities() {
        let ms = parse_multistatus(DISCOVERY.as_bytes()).unwrap();
        assert_eq!(ms.responses.len(), 1);
        let r = &ms.responses[0];
        assert_eq!(r.href, "/alice/calendar/");
        assert_eq!(r.text(DAV, "displayname"), Some("Calendrier d'Alice & co"));
        assert!(r.prop(DAV, "resourcetype").unwrap().has(CALDAV, "calendar"));
        assert!(r.prop(DAV, "current-user-privilege-set").unwrap().has(DAV, "write"));
        assert_eq!(r.text(CALSERVER, "getctag"), Some("\"db2d\""));
        assert_eq!(r.prop(DAV, "owner").unwrap().hrefs, vec!["/alice/".to_owned()]);
        let comps: Vec<Option<&str>> = r
            .prop(CALDAV, "supported-calendar-component-set")
            .unwrap()
            .names
            .iter()
            .map(|(_, a)| a.as_deref())
            .collect();
        assert_eq!(comps, vec![Some("VEVENT"), Some("VTODO")]);
        assert!(
            r.prop(APPLE_ICAL, "calendar-color").is_none(),
            "a 404 propstat is not kept"
        );
    }

    #[test]
    fn a_sync_report_gives_changes_removals_and_its_token() {
        let body = r#"<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:response><d:href>/a/cal/x%20y.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag><c:calendar-data><![CDATA[BEGIN:VCALENDAR
END:VCALENDAR]]></c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/a/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
<d:sync-token>http://example/sync/42</d:sync-token></d:multistatus>"#;
        let ms = parse_multistatus(body.as_bytes()).unwrap();
        assert_eq!(ms.sync_token.as_deref(), Some("http://example/sync/42"));
        assert_eq!(ms.responses[0].href, "/a/cal/x%20y.ics");
        assert_eq!(ms.responses[0].text(DAV, "getetag"), Some("\"1\""));
        assert_eq!(
            ms.responses[0].prop(CALDAV, "calendar-data").unwrap().text,
            "BEGIN:VCALENDAR\nEND:VCALENDAR"
        );
        assert_eq!(
            (ms.responses[1].href.as_str(), ms.responses[1].status),
            ("/a/cal/gone.ics", Some(404))
        );
    }

    #[test]
    fn hostile_answers_are_errors() {
        for body in [
            "",
            "<html>nope</html>",
            "<d:multistatus xmlns:d=\"DAV:\"><d:response>",
            "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><d:multistatus xmlns:d=\"DAV:\">&a;</d:multistatus>",
            "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>&unknown;</d:href></d:response></d:multistatus>",
        ] {
            assert!(parse_multistatus(body.as_bytes()).is_err(), "{body}");
        }
        let deep = format!(
            "<d:multistatus xmlns:d=\"DAV:\">{}{}</d:multistatus>",
            "<x>".repeat(100),
            "</x>".repeat(100)
        );
        assert!(parse_multistatus(deep.as_bytes()).is_err());
        assert!(parse_multistatus(&[0xff, 0xfe, 0x00]).is_err());
    }

    #[test]
    fn requests_escape_what_they_carry() {
        let body = calendar_multiget(&["/a/<b>&.ics".into()]);
        assert!(body.contains("<d:href>/a/&lt;b&gt;&amp;.ics</d:href>"), "{body}");
        assert!(sync_collection(Some("t&1")).contains("<d:sync-token>t&amp;1</d:sync-token>"));
    }
}
