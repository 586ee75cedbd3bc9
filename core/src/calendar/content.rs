//! iCalendar content lines (RFC 5545 §3.1): unfolding, `NAME;PARAM=V,"V":VALUE`, the tree of
//! `BEGIN`/`END` components, TEXT escapes, and writing back with folding at 75 octets.
//!
//! A property read from a text keeps its unfolded line, and is written back from it unchanged:
//! only what an edit replaces is written anew. Bounded: the text's size, its number of lines and
//! components, and the nesting depth are capped, and anything malformed is a typed error.

use std::fmt::Write as _;

use crate::error::{Error, Result};

/// The largest calendar object we read (a series with many overrides stays far below).
pub(crate) const MAX_TEXT: usize = 2 << 20;
/// Content lines, after unfolding.
const MAX_LINES: usize = 50_000;
/// Components in one object, all levels.
const MAX_COMPONENTS: usize = 2_000;
/// VCALENDAR > VEVENT > VALARM is 3; VTIMEZONE > STANDARD is 3.
const MAX_DEPTH: usize = 8;
/// Parameters on one line.
const MAX_PARAMS: usize = 64;

/// One parameter: its name (upper case) and its values, without quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    pub name: String,
    pub values: Vec<String>,
}

/// One property: name (upper case), parameters, and the value as written (TEXT still escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prop {
    pub name: String,
    pub params: Vec<Param>,
    pub value: String,
    /// The unfolded line it was read from; `None` for a property made here.
    raw: Option<String>,
}

impl Prop {
    /// A property made here, written from its parts.
    pub fn new(name: &str, params: Vec<Param>, value: impl Into<String>) -> Prop {
        Prop {
            name: name.to_ascii_uppercase(),
            params,
            value: value.into(),
            raw: None,
        }
    }

    /// The first value of the parameter `name` (upper case).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.values.first())
            .map(String::as_str)
    }

    /// The unfolded line.
    fn line(&self) -> String {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut line = self.name.clone();
        for p in &self.params {
            line.push(';');
            line.push_str(&p.name);
            line.push('=');
            let values: Vec<String> = p.values.iter().map(|v| param_value(v)).collect();
            line.push_str(&values.join(","));
        }
        line.push(':');
        line.push_str(&self.value);
        line
    }
}

/// A parameter with one value.
pub(crate) fn param(name: &str, value: &str) -> Param {
    Param {
        name: name.to_ascii_uppercase(),
        values: vec![value.to_owned()],
    }
}

/// A component: `BEGIN:NAME`, properties, sub-components, `END:NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    pub name: String,
    pub props: Vec<Prop>,
    pub children: Vec<Component>,
}

impl Component {
    pub fn new(name: &str) -> Component {
        Component {
            name: name.to_ascii_uppercase(),
            props: Vec::new(),
            children: Vec::new(),
        }
    }

    /// The first property called `name` (upper case).
    pub fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    /// Every property called `name`.
    pub fn props_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Prop> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }

    /// The sub-components called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Component> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Replaces every `name` property by `props`, at the place of the first one (else at the end).
    pub fn set(&mut self, name: &str, props: Vec<Prop>) {
        let at = self
            .props
            .iter()
            .position(|p| p.name == name)
            .unwrap_or(self.props.len());
        self.props.retain(|p| p.name != name);
        let at = at.min(self.props.len());
        self.props.splice(at..at, props);
    }

    /// Replaces every `name` property by one with this value and no parameters, or removes them.
    pub fn set_value(&mut self, name: &str, value: Option<String>) {
        self.set(
            name,
            value.map(|v| Prop::new(name, Vec::new(), v)).into_iter().collect(),
        );
    }

    /// Appends this component, folded, with CRLF line ends.
    pub fn write(&self, out: &mut String) {
        fold(&format!("BEGIN:{}", self.name), out);
        for p in &self.props {
            fold(&p.line(), out);
        }
        for c in &self.children {
            c.write(out);
        }
        fold(&format!("END:{}", self.name), out);
    }

    /// The component as text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

/// Reads an iCalendar text: exactly one top-level component (`VCALENDAR` expected by callers).
pub(crate) fn parse(text: &str) -> Result<Component> {
    if text.len() > MAX_TEXT {
        return Err(bad(format!(
            "calendar object too large ({} bytes, at most {MAX_TEXT})",
            text.len()
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut open: Vec<Component> = Vec::new();
    let mut done: Option<Component> = None;
    let mut components = 0usize;
    for (number, line) in unfold(text)? {
        if line.trim().is_empty() {
            continue;
        }
        let at = |m: String| bad(format!("line {number}: {m}"));
        if done.is_some() {
            return Err(at("text after the end of the calendar".into()));
        }
        let prop = parse_line(&line).map_err(at)?;
        match prop.name.as_str() {
            "BEGIN" => {
                components += 1;
                if components > MAX_COMPONENTS || open.len() >= MAX_DEPTH {
                    return Err(at("too many or too deeply nested components".into()));
                }
                let name = component_name(&prop.value).ok_or_else(|| at("BEGIN without a valid name".into()))?;
                open.push(Component::new(&name));
            }
            "END" => {
                let name = component_name(&prop.value).unwrap_or_default();
                let component = open.pop().ok_or_else(|| at(format!("END:{name} with nothing open")))?;
                if component.name != name {
                    return Err(at(format!("END:{name} where END:{} was expected", component.name)));
                }
                match open.last_mut() {
                    Some(parent) => parent.children.push(component),
                    None => done = Some(component),
                }
            }
            _ => match open.last_mut() {
                Some(component) => component.props.push(prop),
                None => return Err(at(format!("{} outside any component", prop.name))),
            },
        }
    }
    match (done, open.last()) {
        (Some(c), _) => Ok(c),
        (None, Some(c)) => Err(bad(format!("unterminated {} (no END:{})", c.name, c.name))),
        (None, None) => Err(bad("no calendar in the text".into())),
    }
}

fn bad(message: String) -> Error {
    Error::BadInput(format!("iCalendar: {message}"))
}

fn component_name(value: &str) -> Option<String> {
    let name = value.trim();
    let ok = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then(|| name.to_ascii_uppercase())
}

/// Logical lines with their first physical line number: a line starting with a space or a tab
/// continues the one before (that one character dropped). CRLF and bare LF both end lines.
fn unfold(text: &str) -> Result<Vec<(usize, String)>> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ => {
                if lines.len() >= MAX_LINES {
                    return Err(bad(format!("more than {MAX_LINES} lines")));
                }
                lines.push((i + 1, raw.to_owned()));
            }
        }
    }
    Ok(lines)
}

/// `NAME *(";" PARAM) ":" VALUE`, quoted parameter values allowed to hold `;`, `:` and `,`.
fn parse_line(line: &str) -> std::result::Result<Prop, String> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(line.len());
    let name = line.get(..name_end).unwrap_or_default();
    if name.is_empty() {
        return Err(format!("not a content line: {:?}", preview(line)));
    }
    let mut rest = line.get(name_end..).unwrap_or_default();
    let mut params = Vec::new();
    while let Some(after) = rest.strip_prefix(';') {
        if params.len() >= MAX_PARAMS {
            return Err("too many parameters".into());
        }
        let (p, after) = parse_param(after).ok_or_else(|| format!("bad parameter in {name}"))?;
        params.push(p);
        rest = after;
    }
    let value = rest.strip_prefix(':').ok_or_else(|| format!("{name} without ':'"))?;
    Ok(Prop {
        name: name.to_ascii_uppercase(),
        params,
        value: value.to_owned(),
        raw: Some(line.to_owned()),
    })
}

/// One `NAME=V,"V"` parameter, and what follows it.
fn parse_param(s: &str) -> Option<(Param, &str)> {
    let (name, mut rest) = s.split_once('=')?;
    let valid_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid_name {
        return None;
    }
    let mut values = Vec::new();
    loop {
        let (value, after) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let (v, after) = quoted.split_once('"')?;
                (v, after)
            }
            None => {
                let end = rest.find([',', ';', ':']).unwrap_or(rest.len());
                (rest.get(..end)?, rest.get(end..)?)
            }
        };
        values.push(value.to_owned());
        match after.strip_prefix(',') {
            Some(more) => rest = more,
            None => {
                return Some((
                    Param {
                        name: name.to_ascii_uppercase(),
                        values,
                    },
                    after,
                ))
            }
        }
    }
}

fn preview(line: &str) -> String {
    line.chars().take(40).collect()
}

/// A parameter value, quoted when it holds `;`, `:` or `,` (double quotes cannot be written:
/// they become single quotes; control characters are dropped).
fn param_value(v: &str) -> String {
    let clean: String = v
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    if clean.contains([';', ':', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// Appends `line` folded at 75 octets (continuations start with a space, which counts), never
/// inside a UTF-8 character, with CRLF.
fn fold(line: &str, out: &mut String) {
    let mut width = 0usize;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// A TEXT value escaped (RFC 5545 §3.3.11): `\\`, `\;`, `\,`, and `\n` for line breaks; other
/// control characters except tabs are dropped.
pub(crate) fn escape_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A TEXT value unescaped; an unknown escape keeps its character.
pub(crate) fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A list of TEXT values (CATEGORIES): split at unescaped commas, each unescaped.
pub(crate) fn text_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push('\\');
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ',' => items.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    items.push(current);
    items
        .iter()
        .map(|i| unescape_text(i).trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect()
}

/// A list of TEXT values escaped and joined with commas.
pub(crate) fn join_text_list(items: &[String]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", escape_text(item));
    }
    out
}
