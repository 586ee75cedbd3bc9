//! NAMESPACE (RFC 2342): where one's own, other users' and shared folders live.

use super::sexp::{self, Item};

/// One namespace: a prefix and its hierarchy delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    pub prefix: String,
    pub delimiter: Option<String>,
}

/// The three groups of a NAMESPACE response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    pub personal: Vec<Namespace>,
    pub other_users: Vec<Namespace>,
    pub shared: Vec<Namespace>,
}

/// Where a folder lives, as far as namespaces tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    pub shared: bool,
    pub owner: Option<String>,
}

impl Namespaces {
    /// The namespaces of a server without NAMESPACE: everything is personal.
    pub fn personal_only() -> Self {
        Namespaces {
            personal: vec![Namespace {
                prefix: String::new(),
                delimiter: None,
            }],
            ..Default::default()
        }
    }

    /// Parse the data of an untagged `NAMESPACE` response (what follows `* NAMESPACE `).
    pub fn parse(data: &[u8]) -> Option<Namespaces> {
        let items = sexp::parse(data)?;
        let [personal, other_users, shared] = items.as_slice() else {
            return None;
        };
        Some(Namespaces {
            personal: group(personal)?,
            other_users: group(other_users)?,
            shared: group(shared)?,
        })
    }

    /// For a folder in another user's or the shared namespace, its path inside that mailbox
    /// (`Shared/accueil/Demandes` -> `Demandes`); `None` for one's own folders and for roots.
    pub fn path_in_mailbox<'a>(&self, raw_name: &'a str) -> Option<&'a str> {
        let ns = self.namespace_of(raw_name)?;
        let delim = ns.delimiter.as_deref().filter(|d| !d.is_empty())?;
        let (_owner, path) = raw_name.strip_prefix(ns.prefix.as_str())?.split_once(delim)?;
        (!path.is_empty()).then_some(path)
    }

    /// The other users' or shared namespace a folder is in (the longest matching prefix).
    fn namespace_of(&self, raw_name: &str) -> Option<&Namespace> {
        self.other_users
            .iter()
            .chain(&self.shared)
            .filter(|ns| !ns.prefix.is_empty() && has_prefix(raw_name, &ns.prefix, ns.delimiter.as_deref()))
            .max_by_key(|ns| ns.prefix.len())
    }

    /// Who owns a folder (its raw, undecoded name): other users' and shared namespaces name the
    /// owner in the first level below their prefix (`Shared/accueil/Demandes` -> `accueil`).
    pub fn ownership(&self, raw_name: &str) -> Ownership {
        let Some(ns) = self.namespace_of(raw_name) else {
            return Ownership {
                shared: false,
                owner: None,
            };
        };
        let rest = raw_name.get(ns.prefix.len()..).unwrap_or("");
        let first = match ns.delimiter.as_deref() {
            Some(d) if !d.is_empty() => rest.split(d).next().unwrap_or(rest),
            _ => rest,
        };
        let owner = (!first.is_empty()).then(|| super::utf7::decode(first));
        Ownership { shared: true, owner }
    }
}

/// Whether `name` is inside a namespace: starts with its prefix, or is the prefix itself without
/// its trailing delimiter (`Shared` for `Shared/`).
fn has_prefix(name: &str, prefix: &str, delimiter: Option<&str>) -> bool {
    if name.starts_with(prefix) {
        return true;
    }
    match delimiter {
        Some(d) if !d.is_empty() => prefix.strip_suffix(d) == Some(name),
        _ => false,
    }
}

fn group(item: &Item) -> Option<Vec<Namespace>> {
    match item {
        Item::Nil => Some(Vec::new()),
        Item::List(descs) => descs.iter().map(descriptor).collect(),
        _ => None,
    }
}

fn descriptor(item: &Item) -> Option<Namespace> {
    let parts = item.as_list()?;
    let prefix = parts.first()?.as_str()?.to_owned();
    let delimiter = match parts.get(1)? {
        Item::Nil => None,
        other => Some(other.as_str()?.to_owned()),
    };
    Some(Namespace { prefix, delimiter })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_style() {
        let ns = Namespaces::parse(br#"(("" "/")) (("Shared/" "/")) NIL"#).unwrap();
        assert_eq!(ns.personal[0].prefix, "");
        assert_eq!(ns.other_users[0].prefix, "Shared/");
        assert!(ns.shared.is_empty());
        assert_eq!(
            ns.ownership("Shared/accueil/Demandes"),
            Ownership {
                shared: true,
                owner: Some("accueil".into())
            }
        );
        assert_eq!(
            ns.ownership("Shared/accueil"),
            Ownership {
                shared: true,
                owner: Some("accueil".into())
            }
        );
        assert_eq!(
            ns.ownership("Shared"),
            Ownership {
                shared: true,
                owner: None
            }
        );
        assert_eq!(
            ns.ownership("INBOX"),
            Ownership {
                shared: false,
                owner: None
            }
        );
        assert_eq!(
            ns.ownership("Sharedthings"),
            Ownership {
                shared: false,
                owner: None
            }
        );
    }

    #[test]
    fn bluemind_style_localised_prefixes() {
        let data = br#"(("" "/")) (("Autres utilisateurs/" "/")) (("Dossiers partag&AOk-s/" "/" "X-PARAM" ("x")))"#;
        let ns = Namespaces::parse(data).unwrap();
        let o = ns.ownership("Dossiers partag&AOk-s/urbanisme/Permis");
        assert_eq!(
            o,
            Ownership {
                shared: true,
                owner: Some("urbanisme".into())
            }
        );
        let o = ns.ownership("Autres utilisateurs/Fr&AOk-d&AOk-ric/INBOX");
        assert_eq!(o.owner.as_deref(), Some("Frédéric"));
    }

    #[test]
    fn malformed_is_none() {
        assert!(Namespaces::parse(b"(\"\" \"/\")").is_none());
        assert!(Namespaces::parse(b"((\"\")) NIL NIL").is_none());
        assert!(Namespaces::parse(b"NIL NIL NIL NIL").is_none());
    }
}
