//! HTML bodies: sanitised with ammonia under our own policy for URLs and CSS, and rendered as
//! plain text for HTML-only messages.
//!
//! What survives: a fixed list of presentational elements (no script, style, form control,
//! frame, object, embed, SVG, MathML, meta, base or link), a few attributes, `style` reduced to
//! safe declarations (see [`super::css`]), links to http(s) and mailto opening in a new context
//! without referrer, and images from `cid:` (inline parts), `data:image/…`, and http(s) only
//! when remote content is allowed. Relative URLs have no meaning in a mail and are dropped.
//!
//! `blocked` is the remote URLs the input would have fetched that the output no longer holds,
//! found by scanning both (see [`super::remote`]). As a last line of defence, an output that
//! still holds a remote URL while remote content is blocked is not shown at all.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};

use super::css::sanitise_style;
use super::limit::bounded;
use super::remote::{is_remote, normalise, scan, scheme};
use super::{RemoteContent, MAX_BLOCKED};

/// Elements kept (their attributes filtered); anything else is unwrapped, its text kept.
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "map",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements removed with everything inside them.
const REMOVED_WITH_CONTENT: &[&str] = &[
    "script",
    "style",
    "svg",
    "math",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "noembed",
    "noframes",
    "template",
    "title",
    "head",
    "select",
    "audio",
    "video",
    "canvas",
    "xmp",
    "plaintext",
];

/// Attributes allowed on every kept element (`style` is then reduced by our filter).
const GENERIC_ATTRIBUTES: &[&str] = &[
    "align", "bgcolor", "border", "dir", "height", "lang", "style", "title", "valign", "width",
];

/// Attributes allowed on some elements.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang"]),
    ("area", &["alt", "coords", "href", "shape"]),
    ("bdo", &["dir"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("details", &["open"]),
    ("font", &["color", "face", "size"]),
    ("img", &["alt", "hspace", "src", "usemap", "vspace"]),
    ("li", &["type", "value"]),
    ("map", &["name"]),
    ("ol", &["reversed", "start", "type"]),
    (
        "table",
        &["background", "cellpadding", "cellspacing", "frame", "rules", "summary"],
    ),
    ("tbody", &["background"]),
    (
        "td",
        &["abbr", "background", "colspan", "headers", "nowrap", "rowspan", "scope"],
    ),
    ("tfoot", &["background"]),
    (
        "th",
        &["abbr", "background", "colspan", "headers", "nowrap", "rowspan", "scope"],
    ),
    ("thead", &["background"]),
    ("time", &["datetime"]),
    ("tr", &["background"]),
    ("ul", &["type"]),
];

/// Image types allowed as `data:` URLs (not SVG, which is a document).
const DATA_IMAGES: &[&str] = &["png", "gif", "jpeg", "jpg", "webp", "bmp"];

pub(super) struct Sanitised {
    /// `None` if the output could not be made safe.
    pub html: Option<String>,
    pub blocked: Vec<String>,
}

pub(super) fn sanitise(html: &str, remote: RemoteContent) -> Sanitised {
    let html = bounded(html);
    let html = html.as_ref();
    let clean = builder(remote).clean(html).to_string().trim().to_owned();
    let kept = scan(&clean);
    let kept_set: HashSet<&str> = kept.iter().map(String::as_str).collect();
    let blocked = scan(html)
        .into_iter()
        .filter(|u| !kept_set.contains(u.as_str()))
        .take(MAX_BLOCKED)
        .collect();
    let leaked = remote == RemoteContent::Block && !kept.is_empty();
    Sanitised {
        html: (!leaked).then_some(clean),
        blocked,
    }
}

fn builder(remote: RemoteContent) -> Builder<'static> {
    let tag_attributes: HashMap<&str, HashSet<&str>> = TAG_ATTRIBUTES
        .iter()
        .map(|(tag, attrs)| (*tag, attrs.iter().copied().collect()))
        .collect();
    let mut b = Builder::empty();
    b.tags(TAGS.iter().copied().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .url_schemes(["http", "https", "mailto", "cid", "data"].into_iter().collect())
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| filter(element, attribute, value, remote));
    b
}

/// Our policy for the attributes ammonia let through.
fn filter<'u>(element: &str, attribute: &str, value: &'u str, remote: RemoteContent) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        ("a" | "area", "href") => link(value).map(Cow::Owned),
        ("img", "src") | (_, "background") => image(value, remote).map(Cow::Owned),
        (_, "style") => sanitise_style(value).map(Cow::Owned),
        (_, "href" | "src" | "srcset" | "action" | "formaction" | "poster" | "data" | "xlink:href") => None,
        (_, "title" | "alt" | "summary" | "abbr") => Some(Cow::Borrowed(value)),
        _ => plain_token(value).then_some(Cow::Borrowed(value)),
    }
}

/// Presentational values (`align`, `width`, `color`, `face`…) are short plain tokens; anything
/// else in them is a broken or hostile document, not formatting.
fn plain_token(value: &str) -> bool {
    value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '#' | '%' | '.' | ',' | '-' | '+' | '_' | '\''))
}

/// Links: http, https and mailto only.
fn link(value: &str) -> Option<String> {
    let url = normalise(value);
    matches!(scheme(&url).as_deref(), Some("http" | "https" | "mailto")).then_some(url)
}

/// Image sources: inline parts and embedded images always; the network only when allowed.
fn image(value: &str, remote: RemoteContent) -> Option<String> {
    let url = normalise(value);
    let keep = match scheme(&url).as_deref() {
        Some("cid") => content_id_url(&url),
        Some("data") => data_image(&url),
        Some("http" | "https") => remote == RemoteContent::Allow && is_remote(&url),
        _ => false,
    };
    keep.then_some(url)
}

/// `cid:` URLs (RFC 2392) name a part by its Content-ID: an address, percent-encoded.
fn content_id_url(url: &str) -> bool {
    let id = url.get(4..).unwrap_or("");
    !id.is_empty()
        && id.len() <= 512
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@._%+$!~*'=&-#".contains(&b))
}

/// `data:image/png;base64,…` and the like: a raster type, base64, and nothing but base64 after
/// the comma.
fn data_image(url: &str) -> bool {
    let Some((head, payload)) = url.split_once(',') else {
        return false;
    };
    let head = head.to_ascii_lowercase();
    let Some(params) = head.strip_prefix("data:image/") else {
        return false;
    };
    let mut params = params.split(';');
    let subtype = params.next().unwrap_or("");
    DATA_IMAGES.contains(&subtype)
        && params.any(|p| p == "base64")
        && payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// Plain text from sanitised HTML, wrapped at about 100 columns, links as footnotes; layout
/// tables read as a single column.
pub(super) fn to_text(html: &str) -> String {
    let text = html2text::config::plain()
        .raw_mode(true)
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), 100)
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim().to_owned()
}
