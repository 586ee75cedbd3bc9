//! The HTML sanitiser: each vector and its exact output, under both remote content policies.

use super::html::{sanitise, to_text};
use super::remote::{css_urls, is_remote, scan};
use super::RemoteContent::{self, Allow, Block};

fn clean(html: &str, remote: RemoteContent) -> (String, Vec<String>) {
    let s = sanitise(html, remote);
    (s.html.expect("output withheld"), s.blocked)
}

/// (input, output with remote content blocked, URLs listed as blocked)
const VECTORS: &[(&str, &str, &[&str])] = &[
    ("<p>Bonjour <b>à tous</b></p>", "<p>Bonjour <b>à tous</b></p>", &[]),
    ("<script>alert(1)</script>texte", "texte", &[]),
    (
        "<ScRiPt SRC=http://t.example/x.js></sCrIpT>",
        "",
        &["http://t.example/x.js"],
    ),
    ("<img src=x onerror=alert(1)>", "<img>", &[]),
    (
        "<div onclick=\"alert(1)\" title=\"t\">x</div>",
        "<div title=\"t\">x</div>",
        &[],
    ),
    (
        "<a href=\"javascript:alert(1)\">a</a>",
        "<a target=\"_blank\" rel=\"noopener noreferrer\">a</a>",
        &[],
    ),
    (
        "<a href=\"jav&#x09;ascript:alert(1)\">a</a>",
        "<a target=\"_blank\" rel=\"noopener noreferrer\">a</a>",
        &[],
    ),
    (
        "<a href=\" &#14; javascript:alert(1)\">a</a>",
        "<a target=\"_blank\" rel=\"noopener noreferrer\">a</a>",
        &[],
    ),
    (
        "<a href=\"vbscript:x\">a</a>",
        "<a target=\"_blank\" rel=\"noopener noreferrer\">a</a>",
        &[],
    ),
    (
        "<a href=\"data:text/html,x\">a</a>",
        "<a rel=\"noopener noreferrer\" target=\"_blank\">a</a>",
        &[],
    ),
    (
        "<a href=\"file:///etc/passwd\">a</a>",
        "<a target=\"_blank\" rel=\"noopener noreferrer\">a</a>",
        &[],
    ),
    (
        "<a href=\"//host.example/x\">a</a>",
        "<a target=\"_blank\" rel=\"noopener noreferrer\">a</a>",
        &[],
    ),
    (
        "<a href=\"https://link.example/a?b=1&amp;c=2\" target=\"_self\" rel=\"opener\">a</a>",
        "<a href=\"https://link.example/a?b=1&amp;c=2\" target=\"_blank\" rel=\"noopener noreferrer\">a</a>",
        &[],
    ),
    (
        "<a href=\"mailto:accueil@mairie.example\">écrire</a>",
        "<a href=\"mailto:accueil@mairie.example\" target=\"_blank\" rel=\"noopener noreferrer\">écrire</a>",
        &[],
    ),
    ("<svg onload=alert(1)><circle r=1 /></svg>après", "après", &[]),
    (
        "<svg><image href=\"http://t.example/i.png\"/></svg>",
        "",
        &["http://t.example/i.png"],
    ),
    ("<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>", "", &[]),
    (
        "<style>@import 'http://t.example/a.css';</style>x",
        "x",
        &["http://t.example/a.css"],
    ),
    (
        "<style>p{background:url(\"//t.example/b.png\")}</style>",
        "",
        &["//t.example/b.png"],
    ),
    (
        "<p style=\"color:red;background:url(http://t.example/c.png)\">x</p>",
        "<p style=\"color: red\">x</p>",
        &["http://t.example/c.png"],
    ),
    (
        "<img src=\"http://t.example/p.gif\" width=\"1\" height=\"1\">",
        "<img height=\"1\" width=\"1\">",
        &["http://t.example/p.gif"],
    ),
    (
        "<img srcset=\"http://t.example/a.png 1x, https://t.example/b.png 2x\" src=\"cid:logo@m\">",
        "<img src=\"cid:logo@m\">",
        &["http://t.example/a.png", "https://t.example/b.png"],
    ),
    (
        "<picture><source srcset=\"http://t.example/a.webp\"><img src=\"cid:f@m\"></picture>",
        "<img src=\"cid:f@m\">",
        &["http://t.example/a.webp"],
    ),
    (
        "<video poster=\"http://t.example/p.jpg\" src=\"http://t.example/v.mp4\"></video>",
        "",
        &["http://t.example/p.jpg", "http://t.example/v.mp4"],
    ),
    (
        "<table background=\"http://t.example/bg.gif\"><tr><td>x</td></tr></table>",
        "<table><tbody><tr><td>x</td></tr></tbody></table>",
        &["http://t.example/bg.gif"],
    ),
    (
        "<body background=\"http://t.example/body.gif\">x",
        "x",
        &["http://t.example/body.gif"],
    ),
    (
        "<meta http-equiv=\"refresh\" content=\"0; URL='http://t.example/go'\">",
        "",
        &["http://t.example/go"],
    ),
    (
        "<base href=\"http://t.example/\"><link rel=stylesheet href=\"http://t.example/s.css\">",
        "",
        &["http://t.example/", "http://t.example/s.css"],
    ),
    (
        "<form action=\"http://t.example/f\"><input name=p><button>OK</button></form>",
        "OK",
        &["http://t.example/f"],
    ),
    (
        "<iframe srcdoc=\"<img src=http://t.example/in.gif>\"></iframe>",
        "",
        &["http://t.example/in.gif"],
    ),
    (
        "<object data=\"http://t.example/o\"></object><embed src=\"http://t.example/e\">",
        "",
        &["http://t.example/o", "http://t.example/e"],
    ),
    (
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        "<img>\"&gt;",
        &[],
    ),
    ("<!--<img src=\"--><img src=x onerror=alert(1)//\">", "<img>", &[]),
    (
        "<img src=\"data:image/png;base64,iVBO\">",
        "<img src=\"data:image/png;base64,iVBO\">",
        &[],
    ),
    ("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "<img>", &[]),
    (
        "<img src=\"cid:a@b\"><img src=\"http://t.example/a.gif\"><img src=\"http://t.example/a.gif\">",
        "<img src=\"cid:a@b\"><img><img>",
        &["http://t.example/a.gif"],
    ),
    (
        "<font color=\"red\" face=\"Arial\" size=\"2\" onmouseover=\"x\">f</font>",
        "<font color=\"red\" face=\"Arial\" size=\"2\">f</font>",
        &[],
    ),
    (
        "<div id=\"x\" class=\"c\" data-x=\"1\" align=\"center\">d</div>",
        "<div align=\"center\">d</div>",
        &[],
    ),
];

#[test]
fn each_vector_gives_its_output_when_blocked() {
    let mut failures = Vec::new();
    for (input, expected, blocked) in VECTORS {
        let (html, got_blocked) = clean(input, Block);
        if html != *expected || got_blocked != *blocked {
            failures.push(format!("{input}\n  html:    {html:?}\n  blocked: {got_blocked:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn allowing_keeps_remote_images_and_backgrounds_only() {
    let (html, blocked) = clean(
        "<img src=\"http://t.example/p.gif\" width=\"1\"><table background=\"https://t.example/bg.gif\"><tr><td>x</td></tr></table>\
         <p style=\"background:url(http://t.example/c.png)\">c</p><img srcset=\"http://t.example/s.png 2x\">",
        Allow,
    );
    assert_eq!(
        html,
        "<img src=\"http://t.example/p.gif\" width=\"1\"><table background=\"https://t.example/bg.gif\"><tbody><tr><td>x</td></tr></tbody></table>\
         <p>c</p><img>"
    );
    // CSS and srcset stay out even when allowed: what was removed is still listed.
    assert_eq!(blocked, ["http://t.example/c.png", "http://t.example/s.png"]);
}

#[test]
fn allowing_never_lets_relative_or_odd_schemes_through() {
    let (html, _) = clean(
        "<img src=\"//t.example/a.gif\"><img src=\"ftp://t.example/b.gif\"><img src=\"x.gif\">",
        Allow,
    );
    assert_eq!(html, "<img><img><img>");
}

#[test]
fn links_are_normalised_like_a_browser_reads_them() {
    let (html, _) = clean("<a href=\" https://link.example/a\tb \">x</a>", Block);
    assert_eq!(
        html,
        "<a href=\"https://link.example/ab\" target=\"_blank\" rel=\"noopener noreferrer\">x</a>"
    );
}

#[test]
fn remote_url_recognition() {
    for url in [
        "http://a",
        "HTTPS://a",
        " https://a",
        "//a/b",
        "\\\\a\\b",
        "/\\a",
        "ht\ttp://a",
        "http:a",
    ] {
        assert!(is_remote(url), "{url:?}");
    }
    for url in [
        "cid:a@b",
        "data:image/png;base64,x",
        "mailto:a@b",
        "/a/b",
        "a.png",
        "javascript:x",
        "#top",
        "",
    ] {
        assert!(!is_remote(url), "{url:?}");
    }
}

#[test]
fn css_url_extraction() {
    let css = "@import 'http://a.example/1.css'; p { background: URL( \"//b.example/2.png\" ) } \
               q { background: image-set(\"https://c.example/3.png\" 1x) } r { x: u\\72 l(http://d.example/4) }";
    let urls = css_urls(css);
    for u in [
        "http://a.example/1.css",
        "//b.example/2.png",
        "https://c.example/3.png",
        "http://d.example/4",
    ] {
        assert!(urls.iter().any(|x| x == u), "{u} not in {urls:?}");
    }
}

#[test]
fn scan_follows_the_parser_states() {
    // Inside <textarea> and <title> there is only text, so nothing is fetched.
    assert!(
        scan("<textarea><img src=http://t.example/a></textarea><title><img src=http://t.example/b></title>").is_empty()
    );
    // In SVG, <style> is an element with markup inside.
    assert_eq!(
        scan("<svg><style><img src=http://t.example/c></style></svg>"),
        ["http://t.example/c"]
    );
    // Links are click-only.
    assert!(scan("<a href=http://link.example/>x</a><area href=http://link.example/>").is_empty());
}

#[test]
fn html_only_bodies_render_as_text() {
    let text = to_text("<h1>Titre</h1><p>Un <a href=\"https://link.example/\">lien</a>.</p><table><tr><td>a</td><td>b</td></tr></table>");
    assert_eq!(text, "# Titre\n\nUn [lien][1].\n\na\nb\n\n[1]: https://link.example/");
}

#[test]
fn pathological_html_finishes() {
    let deep = "<div>".repeat(50_000) + "x";
    assert!(sanitise(&deep, Block).html.is_some());
    let nested_tables = "<table><tr><td>".repeat(500);
    assert!(!to_text(&(nested_tables + "x")).is_empty());
    let many_attributes = format!(
        "<p {}>x</p>",
        (0..20_000)
            .map(|i| format!("a{i}=\"{i}\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert_eq!(sanitise(&many_attributes, Block).html.as_deref(), Some("<p>x</p>"));
}
