//! The one normal form of indexed text and queries: lower case, Latin accents folded
//! (`École` → `ecole`, `œ` → `oe`, `ß` → `ss`), typographic apostrophes made plain, and every
//! run of spaces and control characters a single space. Control characters never survive, so
//! the index's separators cannot appear inside a field.

/// Appends text to one field of a record (or one query term), in normal form.
pub struct FieldWriter<'a> {
    out: &'a mut String,
    start: usize,
    space: bool,
}

impl<'a> FieldWriter<'a> {
    /// A field that starts at the current end of `out`.
    pub fn new(out: &'a mut String) -> Self {
        let start = out.len();
        FieldWriter {
            out,
            start,
            space: false,
        }
    }

    /// Appends `text`; a separate part (another address, a name then an email) gets a space.
    pub fn push(&mut self, text: &str) {
        self.space |= self.out.len() > self.start;
        for c in text.chars() {
            if c.is_whitespace() || c.is_control() {
                self.space |= self.out.len() > self.start;
                continue;
            }
            let before = self.out.len();
            if self.space {
                self.out.push(' ');
            }
            fold(c, self.out);
            if self.out.len() == before + usize::from(self.space) {
                // Nothing visible came of it (a combining accent): no space either.
                self.out.truncate(before);
            } else {
                self.space = false;
            }
        }
    }
}

/// `text` in normal form.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    FieldWriter::new(&mut out).push(text);
    out
}

/// One character, lower-cased and folded.
fn fold(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        match folded(l) {
            Some(s) => out.push_str(s),
            None => out.push(l),
        }
    }
}

/// The ASCII spelling of a lower-case Latin letter with a diacritic (Latin-1 and Latin
/// Extended-A), of ligatures, typographic marks; `Some("")` for what carries no text.
fn folded(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ﬀ' => "ff",
        'ﬁ' => "fi",
        'ﬂ' => "fl",
        '‘' | '’' | 'ʼ' | '′' => "'",
        '«' | '»' | '“' | '”' | '„' => "\"",
        '‐' | '‑' | '‒' | '–' | '—' | '−' => "-",
        // Combining accents (decomposed text), soft hyphens, zero-width characters.
        '\u{0300}'..='\u{036f}' | '\u{00ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_and_accents_folded() {
        assert_eq!(normalise("École Élémentaire"), "ecole elementaire");
        assert_eq!(normalise("àâä çÇ éèêë îï ôö ùûü ÿ"), "aaa cc eeee ii oo uuu y");
        assert_eq!(normalise("Œuvre cœur Æther STRAßE"), "oeuvre coeur aether strasse");
        assert_eq!(normalise("Łódź Dvořák"), "lodz dvorak");
        // Decomposed accents (e + U+0301) fold like composed ones.
        assert_eq!(normalise("E\u{301}cole"), "ecole");
        assert_eq!(normalise("d’acte « urgent »"), "d'acte \" urgent \"");
    }

    #[test]
    fn spaces_and_controls_collapse() {
        assert_eq!(normalise("  a \t\r\n b\u{a0}\u{202f}c \x1f d\x00 "), "a b c d");
        assert_eq!(normalise(""), "");
        assert_eq!(normalise("\n\u{301}\u{200b}"), "");
        assert_eq!(normalise("x \u{301} y"), "x y");
    }

    #[test]
    fn fields_take_parts_with_one_space() {
        let mut out = String::from("prefix|");
        let mut f = FieldWriter::new(&mut out);
        f.push(" Hélène ");
        f.push("helene@example.test");
        f.push("");
        f.push("  ");
        f.push("B");
        assert_eq!(out, "prefix|helene helene@example.test b");
        let mut empty = String::new();
        let mut f = FieldWriter::new(&mut empty);
        f.push("   ");
        f.push("x");
        assert_eq!(empty, "x");
    }

    #[test]
    fn other_scripts_are_only_lower_cased() {
        assert_eq!(normalise("ΑΘΗΝΑ Москва 東京"), "αθηνα москва 東京");
        // One upper-case letter can become two lower-case characters.
        assert_eq!(normalise("İSTANBUL"), "istanbul");
    }
}
