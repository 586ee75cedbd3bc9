//! The core against real servers (Dovecot, Postfix, Radicale on loopback, started by
//! calame-testkit). One binary, one module per concern.

mod actions;
mod calendar;
mod composer;
mod drafts;
mod faults;
mod folders;
mod imip;
mod login;
mod search;
mod send;
mod sync;

use calame_core::{AccountSetup, Calame, TlsMode};
use calame_testkit::Stack;

/// An account setup for a stack user over implicit TLS, trusting the stack's certificate.
pub fn setup(stack: &Stack, login: &str) -> AccountSetup {
    setup_for(stack, stack.user(login))
}

pub fn setup_for(stack: &Stack, user: &calame_testkit::User) -> AccountSetup {
    AccountSetup {
        email: user.email.clone(),
        login: Some(user.login.clone()),
        imap: Some(format!("{}:{}", stack.info.host, stack.info.imaps_port)),
        tls: Some(TlsMode::Implicit),
        trust_cert: Some(stack.info.cert_sha256.clone()),
        ..Default::default()
    }
}

/// A new user with `count` generated messages in INBOX (generator seed `seed`), and a fresh
/// profile with its account (not synced yet).
pub async fn seeded_account(
    stack: &Stack,
    name: &str,
    seed: u64,
    count: u64,
) -> (
    calame_testkit::User,
    tempfile::TempDir,
    Calame,
    calame_core::Secret<String>,
) {
    let user = stack.add_user(name).expect("add a user");
    stack.seed(&user, "INBOX", seed, count).expect("seed INBOX");
    let (tmp, calame) = profile();
    let password = calame_core::Secret::new(user.password.clone());
    calame
        .add_account(setup_for(stack, &user), &password, false)
        .await
        .expect("add the account");
    (user, tmp, calame, password)
}

/// A folder's cached UIDs and flags (sorted), to compare with the server's.
pub fn cached_flags(calame: &Calame, email: &str, folder: &str) -> std::collections::BTreeMap<u32, Vec<String>> {
    calame
        .list(email, folder, 0, usize::MAX)
        .expect("list the cache")
        .into_iter()
        .map(|e| {
            let mut flags = e.flags;
            flags.sort();
            (e.uid, flags)
        })
        .collect()
}

/// A fresh profile in a temporary directory.
pub fn profile() -> (tempfile::TempDir, Calame) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let calame = Calame::open(dir.path(), "core tests").expect("open profile");
    (dir, calame)
}

pub fn password(stack: &Stack, login: &str) -> calame_core::Secret<String> {
    calame_core::Secret::new(stack.user(login).password.clone())
}

/// A small deterministic generator (xorshift64*), so that a failing random test can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
