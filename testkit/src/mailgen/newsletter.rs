//! Newsletters: a table-laid-out HTML mailing with a banner and a tracking pixel (both on the
//! loopback discard port, never a real host), and its plain-text version.

use super::rng::Rng;
use super::text::{escape, expanded};
use super::words::{NEWSLETTERS, NEWS_TITLES, SENTENCES};

/// An article: title and paragraphs.
struct Article {
    title: String,
    paragraphs: Vec<String>,
}

fn articles(rng: &mut Rng, year: i64) -> Vec<Article> {
    (0..rng.range(3, 7))
        .map(|_| {
            let title = *rng.pick(NEWS_TITLES);
            let title = expanded(rng, year, title);
            let paragraphs = (0..rng.range(1, 3))
                .map(|_| {
                    let mut p = String::new();
                    for _ in 0..rng.range(2, 4) {
                        let s = *rng.pick(SENTENCES);
                        p.push_str(&expanded(rng, year, s));
                        p.push(' ');
                    }
                    p.trim_end().to_string()
                })
                .collect();
            Article { title, paragraphs }
        })
        .collect()
}

/// The newsletter's plain text and HTML versions.
pub(crate) fn newsletter(rng: &mut Rng, year: i64, which: usize, issue: u64) -> (String, String) {
    let (_, name, _) = NEWSLETTERS[which];
    let articles = articles(rng, year);
    let mut text = format!(
        "{name} – n°{issue}\n\nSi ce message ne s'affiche pas correctement, consultez la version en ligne.\n\n"
    );
    let mut html = String::with_capacity(16_384);
    html.push_str("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"UTF-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
    escape(name, &mut html);
    html.push_str("</title>\n</head>\n<body style=\"margin:0; padding:0; background:#eef1f5\">\n");
    html.push_str("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#eef1f5\">\n<tr><td align=\"center\">\n");
    html.push_str("<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#ffffff; font-family:Arial, sans-serif; color:#333333\">\n");
    html.push_str(&format!(
        "<tr><td style=\"background:#003f7f; padding:20px\"><img src=\"http://127.0.0.1:9/banniere.png\" width=\"560\" height=\"80\" alt=\"{}\" style=\"display:block; border:0\"></td></tr>\n",
        name.replace('"', "")
    ));
    for (i, article) in articles.iter().enumerate() {
        text.push_str(&format!("■ {}\n\n", article.title));
        html.push_str("<tr><td style=\"padding:16px 20px; border-bottom:1px solid #dddddd\">\n<h2 style=\"font-size:18px; color:#003f7f; margin:0 0 8px 0\">");
        escape(&article.title, &mut html);
        html.push_str("</h2>\n");
        for p in &article.paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str("<p style=\"font-size:14px; line-height:20px; margin:0 0 8px 0\">");
            escape(p, &mut html);
            html.push_str("</p>\n");
        }
        let link = format!("http://127.0.0.1:9/lettre/{issue}/article-{i}");
        text.push_str(&format!("Lire la suite : {link}\n\n"));
        html.push_str(&format!(
            "<p style=\"margin:0\"><a href=\"{link}\" style=\"color:#ffffff; background:#e2001a; padding:6px 12px; text-decoration:none; font-size:13px\">Lire la suite</a></p>\n</td></tr>\n"
        ));
    }
    let unsubscribe = format!("http://127.0.0.1:9/desinscription?n={issue}");
    text.push_str(&format!("Pour vous désinscrire : {unsubscribe}\n"));
    html.push_str(&format!(
        "<tr><td style=\"padding:16px 20px; font-size:11px; color:#888888\">Vous recevez cette lettre car vous êtes abonné(e). <a href=\"{unsubscribe}\" style=\"color:#888888\">Se désinscrire</a></td></tr>\n"
    ));
    html.push_str("</table>\n</td></tr>\n</table>\n");
    html.push_str(&format!(
        "<img src=\"http://127.0.0.1:9/pixel.gif?n={issue}&amp;u={}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block\">\n</body>\n</html>\n",
        rng.hex(16)
    ));
    (text, html)
}
