//! A small reader for the parenthesised lists of IMAP responses that async-imap does not parse
//! (NAMESPACE, and extension data). Bytes from the server are untrusted: every error is a value.

/// One item of an IMAP response: an atom, a string (quoted or literal), NIL or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Nil,
    Atom(String),
    Str(String),
    List(Vec<Item>),
}

impl Item {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Item::Str(s) | Item::Atom(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Item]> {
        match self {
            Item::List(items) => Some(items),
            _ => None,
        }
    }
}

const MAX_DEPTH: usize = 32;

/// Parse a sequence of items (the rest of a response line, literals already inlined).
pub fn parse(input: &[u8]) -> Option<Vec<Item>> {
    let mut p = Parser { input, pos: 0 };
    let items = p.items(0)?;
    p.skip_spaces();
    (p.pos == input.len()).then_some(items)
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn items(&mut self, depth: usize) -> Option<Vec<Item>> {
        let mut items = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                None | Some(b')') => return Some(items),
                Some(_) => items.push(self.item(depth)?),
            }
        }
    }

    fn item(&mut self, depth: usize) -> Option<Item> {
        match self.peek()? {
            b'(' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.pos += 1;
                let items = self.items(depth + 1)?;
                (self.peek()? == b')').then_some(())?;
                self.pos += 1;
                Some(Item::List(items))
            }
            b'"' => self.quoted().map(Item::Str),
            b'{' => self.literal().map(Item::Str),
            _ => {
                let atom = self.atom()?;
                Some(if atom.eq_ignore_ascii_case("NIL") {
                    Item::Nil
                } else {
                    Item::Atom(atom)
                })
            }
        }
    }

    fn quoted(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    out.push(self.peek()?);
                    self.pos += 1;
                }
                b'\r' | b'\n' => return None,
                c => out.push(c),
            }
        }
    }

    /// `{n}\r\n` followed by n bytes.
    fn literal(&mut self) -> Option<String> {
        let rest = self.input.get(self.pos..)?;
        let close = rest.iter().position(|&c| c == b'}')?;
        let digits = rest.get(1..close)?;
        let n: usize = std::str::from_utf8(digits).ok()?.trim_end_matches('+').parse().ok()?;
        let start = self.pos + close + 1;
        let start = if self.input.get(start..start + 2) == Some(b"\r\n") {
            start + 2
        } else {
            start
        };
        let bytes = self.input.get(start..start.checked_add(n)?)?;
        self.pos = start + n;
        String::from_utf8(bytes.to_vec()).ok()
    }

    fn atom(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if matches!(c, b' ' | b'(' | b')' | b'"' | b'{' | b'\r' | b'\n') || c < 0x20 {
                break;
            }
            self.pos += 1;
        }
        let bytes = self.input.get(start..self.pos)?;
        (!bytes.is_empty()).then(|| String::from_utf8_lossy(bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_strings_and_nil() {
        let items = parse(br#"(("" "/")) (("Shared/" "/" "X-EXT" ("a" "b"))) NIL"#).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[2], Item::Nil);
        let other = items[1].as_list().unwrap()[0].as_list().unwrap();
        assert_eq!(other[0].as_str(), Some("Shared/"));
    }

    #[test]
    fn literal_and_escapes() {
        let items = parse(b"({5}\r\nab\"cd \"q\\\"x\")").unwrap();
        let l = items[0].as_list().unwrap();
        assert_eq!(l[0].as_str(), Some("ab\"cd"));
        assert_eq!(l[1].as_str(), Some("q\"x"));
    }

    #[test]
    fn hostile_input_is_refused_not_panicking() {
        for bad in [
            &b"(("[..],
            b"\"unterminated",
            b"{999}\r\nab",
            b")",
            b"{x}\r\n",
            b"(\"a\r\n\")",
        ] {
            assert!(parse(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "(".repeat(10_000) + &")".repeat(10_000);
        assert!(parse(deep.as_bytes()).is_none());
    }
}
