//! Errors with a stable kind that the shells act on (exit codes, UI messages).

use serde::Serialize;
use ts_rs::TS;

/// What went wrong, in terms a user interface can act on. Stable: the CLI's exit codes and the
/// UI's messages are keyed on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    BadInput,
    Auth,
    TlsUntrusted,
    Network,
    Refused,
    Conflict,
    ProfileInUse,
    NotFound,
    Offline,
    Storage,
    Protocol,
    /// No OS keyring to keep or read a password.
    Keyring,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    BadInput(String),
    #[error("the server refused the login for {login}")]
    Auth { login: String },
    #[error("untrusted certificate for {host} (SHA-256 {fingerprint})")]
    TlsUntrusted {
        host: String,
        fingerprint: String,
        reason: String,
    },
    #[error("cannot reach {host}: {reason}")]
    Network { host: String, reason: String },
    #[error("refused by the server: {0}")]
    Refused(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the profile {path} is in use by {holder}")]
    ProfileInUse { path: String, holder: String },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("no password for {email}: set CALAME_PASSWORD or store one with --password-stdin")]
    NoPassword { email: String },
    #[error("no secret store: {0}")]
    SecretStore(String),
    #[error("storage error in {path}: {reason}")]
    Storage { path: String, reason: String },
    #[error("protocol error: {0}")]
    Protocol(String),
    /// Refused before asking the server: the user's rights (RFC 4314 MYRIGHTS, as cached) lack
    /// the letter `right` on the folder `on`.
    #[error(
        "not allowed to {} {folder:?}: the right '{right}' ({}) is missing on {on:?}",
        op.en(),
        right_name(*right, Lang::En)
    )]
    NotAllowed {
        op: FolderOp,
        folder: String,
        on: String,
        right: char,
    },
    /// Something that only the server can do, asked for while working offline.
    #[error("{0} needs a connection to the server (not available offline)")]
    OnlineOnly(String),
}

/// A change to the folder tree, for messages about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderOp {
    Create,
    Rename,
    Delete,
}

impl FolderOp {
    fn en(self) -> &'static str {
        match self {
            FolderOp::Create => "create",
            FolderOp::Rename => "rename",
            FolderOp::Delete => "delete",
        }
    }

    fn fr(self) -> &'static str {
        match self {
            FolderOp::Create => "créer",
            FolderOp::Rename => "renommer",
            FolderOp::Delete => "supprimer",
        }
    }
}

/// What an RFC 4314 right letter allows, for a person.
fn right_name(right: char, lang: Lang) -> &'static str {
    match (right, lang) {
        ('k' | 'c', Lang::En) => "create folders",
        ('k' | 'c', Lang::Fr) => "créer des dossiers",
        ('x' | 'd', Lang::En) => "delete or rename the folder",
        ('x' | 'd', Lang::Fr) => "supprimer ou renommer le dossier",
        (_, Lang::En) => "see RFC 4314",
        (_, Lang::Fr) => "voir la RFC 4314",
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::BadInput(_) => ErrorKind::BadInput,
            Error::Auth { .. } => ErrorKind::Auth,
            Error::TlsUntrusted { .. } => ErrorKind::TlsUntrusted,
            Error::Network { .. } => ErrorKind::Network,
            Error::Refused(_) => ErrorKind::Refused,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::ProfileInUse { .. } => ErrorKind::ProfileInUse,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::NoPassword { .. } => ErrorKind::Auth,
            Error::Storage { .. } => ErrorKind::Storage,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::SecretStore(_) => ErrorKind::Keyring,
            Error::NotAllowed { .. } => ErrorKind::Refused,
            Error::OnlineOnly(_) => ErrorKind::BadInput,
        }
    }

    pub(crate) fn storage(path: impl AsRef<std::path::Path>, reason: impl ToString) -> Self {
        Error::Storage {
            path: path.as_ref().display().to_string(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn network(host: &str, reason: impl ToString) -> Self {
        Error::Network {
            host: host.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// One line for a person, in their language.
    pub fn describe(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Fr => self.describe_fr(),
        }
    }

    fn describe_fr(&self) -> String {
        match self {
            Error::BadInput(m) => format!("entrée invalide : {m}"),
            Error::Auth { login } => format!("le serveur a refusé l'identifiant {login} ou son mot de passe"),
            Error::TlsUntrusted { host, fingerprint, .. } => format!(
                "certificat non reconnu pour {host} (SHA-256 {fingerprint}) ; pour lui faire confiance : --trust-cert {fingerprint}"
            ),
            Error::Network { host, reason } => format!("impossible de joindre {host} : {reason}"),
            Error::Refused(m) => format!("refusé par le serveur : {m}"),
            Error::Conflict(m) => format!("conflit : {m}"),
            Error::ProfileInUse { path, holder } => format!("le profil {path} est déjà ouvert par {holder}"),
            Error::NotFound(m) => format!("introuvable : {m}"),
            Error::NoPassword { email } => format!(
                "aucun mot de passe pour {email} : définissez CALAME_PASSWORD ou enregistrez-le avec --password-stdin"
            ),
            Error::SecretStore(m) => format!("aucun trousseau de mots de passe disponible : {m}"),
            Error::Storage { path, reason } => format!("erreur de stockage dans {path} : {reason}"),
            Error::Protocol(m) => format!("réponse inattendue du serveur : {m}"),
            Error::NotAllowed { op, folder, on, right } => format!(
                "vous n'avez pas le droit de {} « {folder} » : il vous manque le droit « {right} » ({}) sur « {on} »",
                op.fr(),
                right_name(*right, Lang::Fr)
            ),
            Error::OnlineOnly(what) => format!("{what} demande une connexion au serveur (impossible hors ligne)"),
        }
    }
}

/// The languages of the interface; French first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// From a POSIX locale value (`en_GB.UTF-8`, `fr_FR`...): English only when it says so.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// From the process environment (`LC_ALL`, `LC_MESSAGES`, `LANG`, first non-empty wins).
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .map(|v| Lang::from_locale(&v))
            .unwrap_or_default()
    }
}

/// An error as the UI receives it: a stable kind to switch on and a message to show.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    /// For `tls_untrusted`: the SHA-256 of the certificate the server showed, to pin it
    /// (`AccountSetup::trust_cert`) once the user has compared it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fingerprint: Option<String>,
}

impl AppError {
    pub fn new(err: &Error, lang: Lang) -> Self {
        AppError {
            kind: err.kind(),
            message: err.describe(lang),
            fingerprint: match err {
                Error::TlsUntrusted { fingerprint, .. } => Some(fingerprint.clone()),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_picks_english_only_when_asked() {
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("fr_FR.UTF-8"), Lang::Fr);
        assert_eq!(Lang::from_locale("C.UTF-8"), Lang::Fr);
    }

    #[test]
    fn a_missing_right_is_named_in_both_languages() {
        let e = Error::NotAllowed {
            op: FolderOp::Create,
            folder: "Shared/accueil/Demandes/Essai".into(),
            on: "Shared/accueil/Demandes".into(),
            right: 'k',
        };
        assert_eq!(e.kind(), ErrorKind::Refused);
        assert!(e.describe(Lang::Fr).contains("le droit « k » (créer des dossiers)"));
        assert!(e.describe(Lang::En).contains("the right 'k' (create folders)"));
        assert_eq!(Error::OnlineOnly("x".into()).kind(), ErrorKind::BadInput);
    }

    #[test]
    fn kinds_serialise_in_snake_case() {
        let json = serde_json::to_string(&ErrorKind::TlsUntrusted).unwrap_or_default();
        assert_eq!(json, "\"tls_untrusted\"");
    }
}
