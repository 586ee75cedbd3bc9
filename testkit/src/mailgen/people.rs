//! Participants: the town hall's agents and services, citizens and outside organisations.
//!
//! Agents and citizens come from per-seed pools, so the same people write again and again, as
//! in a real mailbox.

use super::encode::ascii_fold;
use super::rng::{Rng, Stream};
use super::words::{CITIZEN_DOMAINS, FIRST_NAMES, JOB_TITLES, LAST_NAMES, ORGANISATIONS, SERVICES, TOWN};
use super::Mailbox;

/// Agents working at the town hall.
const AGENT_POOL: u64 = 45;
/// Citizens who write to it.
const CITIZEN_POOL: u64 = 2500;
/// Offset separating citizens from agents in the people stream.
const CITIZEN_KEYS: u64 = 1 << 32;

/// Who a participant is, for signatures and for choosing recipients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Agent,
    Service,
    Citizen,
    Organisation,
}

/// A participant with what the text generator needs to sign as them.
#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub mailbox: Mailbox,
    pub role: Role,
    /// Full name as signed (`Hélène Dupont`, `Service Urbanisme`…).
    pub signed: String,
    pub title: &'static str,
}

/// How a display name is written; most people have a plain one, some clients write
/// `NOM Prénom`, `Nom, Prénom` (needs quotes), lowercase, or nothing at all.
fn display_name(rng: &mut Rng, first: &str, last: &str) -> String {
    match rng.weighted(&[70, 12, 8, 5, 5]) {
        0 => format!("{first} {last}"),
        1 => format!("{} {first}", last.to_uppercase()),
        2 => format!("{last}, {first}"),
        3 => format!("{first} {last}").to_lowercase(),
        _ => String::new(),
    }
}

fn names(rng: &mut Rng) -> (&'static str, &'static str) {
    (*rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES))
}

/// Agent number `k` of the pool: `prenom.nom@domain`.
pub(crate) fn agent(seed: u64, k: u64, domain: &str) -> Person {
    let mut rng = Rng::for_message(seed, k % AGENT_POOL, Stream::People);
    let (first, last) = names(&mut rng);
    let email = format!("{}.{}@{domain}", ascii_fold(first), ascii_fold(last));
    let name = if rng.percent(90) {
        format!("{first} {last}")
    } else {
        format!("{} {first}", last.to_uppercase())
    };
    Person {
        mailbox: Mailbox { name, email },
        role: Role::Agent,
        signed: format!("{first} {last}"),
        title: rng.word(JOB_TITLES),
    }
}

/// A random agent of the pool.
pub(crate) fn any_agent(rng: &mut Rng, seed: u64, domain: &str) -> Person {
    agent(seed, rng.below(AGENT_POOL), domain)
}

/// Citizen number `k` of the pool, with a personal address at a mail provider.
pub(crate) fn citizen(seed: u64, k: u64) -> Person {
    let mut rng = Rng::for_message(seed, CITIZEN_KEYS + k % CITIZEN_POOL, Stream::People);
    let (first, last) = names(&mut rng);
    let (f, l) = (ascii_fold(first), ascii_fold(last));
    let local = match rng.below(6) {
        0 | 1 => format!("{f}.{l}"),
        2 => format!("{f}{l}{}", rng.range(1, 99)),
        3 => format!("{}.{l}", &f[..1]),
        4 => format!("{l}.{f}"),
        _ => format!("famille.{l}"),
    };
    let domain = rng.pick(CITIZEN_DOMAINS);
    Person {
        mailbox: Mailbox {
            name: display_name(&mut rng, first, last),
            email: format!("{local}@{domain}"),
        },
        role: Role::Citizen,
        signed: format!("{first} {last}"),
        title: "",
    }
}

/// A random citizen of the pool.
pub(crate) fn any_citizen(rng: &mut Rng, seed: u64) -> Person {
    citizen(seed, rng.below(CITIZEN_POOL))
}

/// A service mailbox of the town hall (`urbanisme@domain`…).
pub(crate) fn service(rng: &mut Rng, domain: &str) -> Person {
    let (local, name) = rng.pick(SERVICES);
    Person {
        mailbox: Mailbox {
            name: (*name).to_string(),
            email: format!("{local}@{domain}"),
        },
        role: Role::Service,
        signed: format!("{name}\nMairie de {TOWN}"),
        title: "",
    }
}

/// An outside organisation (company, prefecture, school…).
pub(crate) fn organisation(rng: &mut Rng) -> Person {
    let (email, name) = rng.pick(ORGANISATIONS);
    let (first, last) = names(rng);
    Person {
        mailbox: Mailbox {
            name: (*name).to_string(),
            email: (*email).to_string(),
        },
        role: Role::Organisation,
        signed: format!("{first} {last}\n{name}"),
        title: "",
    }
}

/// The first sender of a thread: agents, services, citizens and organisations.
pub(crate) fn any_sender(rng: &mut Rng, seed: u64, domain: &str) -> Person {
    match rng.weighted(&[40, 14, 34, 12]) {
        0 => any_agent(rng, seed, domain),
        1 => service(rng, domain),
        2 => any_citizen(rng, seed),
        _ => organisation(rng),
    }
}
