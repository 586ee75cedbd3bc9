//! The core against real servers (Dovecot, Postfix, Radicale on loopback, started by
//! calame-testkit). One binary, one module per concern.

mod actions;
mod faults;
mod folders;
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
