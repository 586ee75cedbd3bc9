//! `style` attributes: a small allow-list of properties whose values cannot fetch anything.
//!
//! CSS is a tracking vector (`background:url(…)`, `@import`, `image-set()`) and can hide both
//! through escapes and comments. Rather than parse CSS fully, we keep a declaration only when
//! its property is listed and its value is made of plain tokens: no backslash, comment, at-rule
//! or angle bracket anywhere in the attribute, and no function but colours and `calc`.

/// Properties kept in `style` attributes: colours, fonts, text, box model, tables. Not
/// `position` (overlays that imitate the reader's interface), not images, not `content`.
const PROPERTIES: &[&str] = &[
    "background",
    "background-color",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-style",
    "border-top-width",
    "border-width",
    "clear",
    "color",
    "direction",
    "display",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "list-style-position",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "overflow",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "vertical-align",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
];

/// Functions a kept value may call.
const FUNCTIONS: &[&str] = &["rgb", "rgba", "hsl", "hsla", "calc"];

/// The longest `style` attribute we look at.
const MAX_STYLE: usize = 8192;

/// The safe part of a `style` attribute, normalised as `name: value; name: value`, or `None`.
pub(super) fn sanitise_style(style: &str) -> Option<String> {
    if style.len() > MAX_STYLE || style.contains(['\\', '<', '>', '@', '{', '}']) || style.contains("/*") {
        return None;
    }
    let kept: Vec<String> = style.split(';').filter_map(declaration).collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

fn declaration(decl: &str) -> Option<String> {
    let (name, value) = decl.split_once(':')?;
    let name = name.trim().to_ascii_lowercase();
    let value = value.trim();
    (PROPERTIES.contains(&name.as_str()) && safe_value(value)).then(|| format!("{name}: {value}"))
}

/// Plain tokens only: letters, digits, `#`, `%`, `.`, `,`, `-`, `+`, `/`, `!`, spaces, balanced
/// quotes (font names) and the allowed functions.
fn safe_value(value: &str) -> bool {
    let chars_ok = value.chars().all(|c| {
        c.is_alphanumeric()
            || matches!(
                c,
                ' ' | '#' | '%' | '.' | ',' | '-' | '+' | '/' | '!' | '(' | ')' | '\'' | '"' | '_' | '*'
            )
    });
    let quotes_ok = value.matches('"').count().is_multiple_of(2) && value.matches('\'').count().is_multiple_of(2);
    !value.is_empty() && chars_ok && quotes_ok && functions_ok(value)
}

/// Every `(` follows an allowed function name; parentheses balance and do not nest deeply.
fn functions_ok(value: &str) -> bool {
    let mut depth = 0usize;
    let mut ident = String::new();
    for c in value.chars() {
        match c {
            '(' => {
                if !FUNCTIONS.contains(&ident.to_ascii_lowercase().as_str()) || depth >= 4 {
                    return false;
                }
                depth += 1;
            }
            ')' if depth == 0 => return false,
            ')' => depth -= 1,
            _ => {}
        }
        if c.is_alphanumeric() || c == '-' || c == '_' {
            ident.push(c);
        } else {
            ident.clear();
        }
    }
    depth == 0
}
