//! `style` attributes: each vector and what is left of it.

use super::css::sanitise_style;

#[test]
fn keeps_plain_declarations() {
    let cases = [
        ("color:red", Some("color: red")),
        (
            "COLOR : #336699 ; font-weight:bold;",
            Some("color: #336699; font-weight: bold"),
        ),
        (
            "font-family: 'Helvetica Neue', Arial",
            Some("font-family: 'Helvetica Neue', Arial"),
        ),
        ("font: 12px/1.5 Arial", Some("font: 12px/1.5 Arial")),
        (
            "color: rgb(10, 20, 30); background-color: hsla(0, 0%, 0%, .5)",
            Some("color: rgb(10, 20, 30); background-color: hsla(0, 0%, 0%, .5)"),
        ),
        ("width: calc(100% - 2px)", Some("width: calc(100% - 2px)")),
        (
            "border:1px solid #ddd;padding:0 4px",
            Some("border: 1px solid #ddd; padding: 0 4px"),
        ),
        ("color: red !important", Some("color: red !important")),
    ];
    for (input, expected) in cases {
        assert_eq!(sanitise_style(input).as_deref(), expected, "{input}");
    }
}

#[test]
fn drops_what_can_fetch_or_hide() {
    let cases = [
        ("background:url(http://t.example/a.png)", None),
        (
            "background-image:url('//t.example/a.png'); color:red",
            Some("color: red"),
        ),
        ("background: #fff url(x.png) no-repeat", None),
        ("color: u\\72 l(http://t.example/)", None),
        ("color:red; /* */ background:url(http://t.example/)", None),
        ("width: expression(alert(1))", None),
        ("behavior: url(x.htc)", None),
        ("-moz-binding: url(x.xml#xss)", None),
        ("background: image-set('http://t.example/a.png' 1x)", None),
        ("list-style-image: url(x)", None),
        ("position: fixed; top: 0", None),
        ("content: 'x'", None),
        ("color: var(--x)", None),
        ("color: attr(title)", None),
        ("color: red; x:y", Some("color: red")),
        ("color: \"unbalanced", None),
        ("font-family: <script>", None),
        ("@import 'x'; color: red", None),
        ("color: red}body{background:url(x)", None),
        ("color: rgb(rgb(rgb(rgb(rgb(1)))))", None),
        ("", None),
        (";;;", None),
    ];
    for (input, expected) in cases {
        assert_eq!(sanitise_style(input).as_deref(), expected, "{input}");
    }
}

#[test]
fn long_styles_are_dropped() {
    assert_eq!(sanitise_style(&"color:red;".repeat(2000)), None);
}
