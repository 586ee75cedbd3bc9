//! Queries: terms separated by spaces that must all match (AND), each a substring of the
//! text in normal form. `from:x`, `to:x` (To or Cc), `subject:x` and `body:x` restrict a term
//! to one field; `"a quoted phrase"` is one term (`from:"jean dupont"` too).

use memchr::memmem;

use super::index::Record;
use super::normalise::normalise;
use crate::error::{Error, Result};

/// Longer queries are refused (they would make an IMAP command of any length).
const MAX_QUERY: usize = 4096;
const MAX_TERMS: usize = 32;

/// Where a term must be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Any,
    From,
    /// To or Cc.
    To,
    Subject,
    Body,
}

#[derive(Debug, Clone)]
pub struct Term {
    pub field: Field,
    /// As typed, spaces collapsed and control characters removed: what a server is sent.
    pub text: String,
    /// In normal form: what the index is searched for.
    pub needle: String,
    finder: memmem::Finder<'static>,
}

impl Term {
    fn new(field: Field, typed: &str) -> Option<Term> {
        let needle = normalise(typed);
        if needle.is_empty() {
            return None;
        }
        let text = typed
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let finder = memmem::Finder::new(needle.as_bytes()).into_owned();
        Some(Term {
            field,
            text,
            needle,
            finder,
        })
    }

    /// Whether the term is found in its field of the record.
    fn found_in(&self, record: &Record<'_>) -> bool {
        let haystack = match self.field {
            Field::Any => record.all,
            Field::From => record.from,
            Field::To => record.to,
            Field::Subject => record.subject,
            Field::Body => record.body,
        };
        self.finder.find(haystack).is_some()
    }
}

/// A parsed query: at least one term.
#[derive(Debug, Clone)]
pub struct Query {
    pub terms: Vec<Term>,
}

impl Query {
    pub fn parse(input: &str) -> Result<Query> {
        if input.len() > MAX_QUERY {
            return Err(Error::BadInput(format!("search query longer than {MAX_QUERY} bytes")));
        }
        let mut terms = Vec::new();
        let mut rest = input;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let (field, after) = field_prefix(rest);
            let (typed, next) = token(after);
            rest = next;
            terms.extend(Term::new(field, typed));
        }
        if terms.is_empty() {
            return Err(Error::BadInput("empty search query".into()));
        }
        if terms.len() > MAX_TERMS {
            return Err(Error::BadInput(format!(
                "more than {MAX_TERMS} terms in the search query"
            )));
        }
        Ok(Query { terms })
    }

    /// The term an index is scanned for (then the others are checked in each hit): the
    /// longest, likely the rarest.
    pub fn driver(&self) -> Option<&Term> {
        self.terms.iter().max_by_key(|t| t.needle.len())
    }

    /// Whether a record matches every term.
    pub(crate) fn matches(&self, record: &Record<'_>) -> bool {
        self.terms.iter().all(|t| t.found_in(record))
    }
}

/// `from:`, `to:`, `subject:` or `body:` at the start of a term (any case).
fn field_prefix(s: &str) -> (Field, &str) {
    const PREFIXES: [(&str, Field); 4] = [
        ("from:", Field::From),
        ("to:", Field::To),
        ("subject:", Field::Subject),
        ("body:", Field::Body),
    ];
    for (name, field) in PREFIXES {
        if let Some(rest) = s
            .get(..name.len())
            .filter(|head| head.eq_ignore_ascii_case(name))
            .and_then(|_| s.get(name.len()..))
        {
            return (field, rest);
        }
    }
    (Field::Any, s)
}

/// One term's text and what follows it: a quoted phrase (to the closing quote, or the end),
/// else everything up to the next space.
fn token(s: &str) -> (&str, &str) {
    if let Some(quoted) = s.strip_prefix('"') {
        return match quoted.split_once('"') {
            Some((phrase, rest)) => (phrase, rest),
            None => (quoted, ""),
        };
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (s.get(..end).unwrap_or(s), s.get(end..).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(q: &str) -> Vec<(Field, String, String)> {
        Query::parse(q)
            .unwrap()
            .terms
            .into_iter()
            .map(|t| (t.field, t.text, t.needle))
            .collect()
    }

    fn term(field: Field, text: &str, needle: &str) -> (Field, String, String) {
        (field, text.to_owned(), needle.to_owned())
    }

    #[test]
    fn words_fields_and_phrases() {
        assert_eq!(
            parsed("  École   FROM:Hélène to:accueil@x subject:\"Permis de  construire\" body:pièce "),
            vec![
                term(Field::Any, "École", "ecole"),
                term(Field::From, "Hélène", "helene"),
                term(Field::To, "accueil@x", "accueil@x"),
                term(Field::Subject, "Permis de construire", "permis de construire"),
                term(Field::Body, "pièce", "piece"),
            ]
        );
        assert_eq!(
            parsed("\"acte de naissance\" re:x from:\"jean"),
            vec![
                term(Field::Any, "acte de naissance", "acte de naissance"),
                term(Field::Any, "re:x", "re:x"),
                term(Field::From, "jean", "jean"),
            ]
        );
        // An empty field or phrase is no term; `from: x` is the plain term x.
        assert_eq!(parsed("from: x \"\" subject:"), vec![term(Field::Any, "x", "x")]);
        // Multi-byte text right where a prefix could be does not confuse the prefix check.
        assert_eq!(parsed("éé:x"), vec![term(Field::Any, "éé:x", "ee:x")]);
    }

    #[test]
    fn empty_and_oversized_queries_are_refused() {
        for q in ["", "   ", "\"\"", "from:", "\u{301}"] {
            let err = Query::parse(q).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::BadInput, "{q:?}");
        }
        assert!(Query::parse(&"x ".repeat(33)).is_err());
        assert!(Query::parse(&"x".repeat(MAX_QUERY + 1)).is_err());
        assert!(Query::parse(&"x ".repeat(32)).is_ok());
    }

    #[test]
    fn the_longest_term_drives_the_scan() {
        let q = Query::parse("ab from:abcd abc").unwrap();
        assert_eq!(q.driver().map(|t| t.needle.as_str()), Some("abcd"));
    }

    #[test]
    fn records_match_every_term_in_its_field() {
        let bytes = b"jean dupont jean@x\x1fhelene h@y\x1fpermis de construire\x1fla piece jointe";
        let record = Record::parse(bytes).unwrap();
        let yes = [
            "jean",
            "from:dupont",
            "to:helene",
            "subject:permis",
            "body:piece",
            "PERMIS Jean",
            "\"de construire\"",
            "pièce",
        ];
        for q in yes {
            assert!(Query::parse(q).unwrap().matches(&record), "{q}");
        }
        let no = [
            "from:helene",
            "to:jean",
            "subject:piece",
            "body:permis",
            "jean absent",
            "\"construire la\"",
        ];
        for q in no {
            assert!(!Query::parse(q).unwrap().matches(&record), "{q}");
        }
    }
}
