//! Test support shared by the core's, the CLI's and the app's tests, the benchmarks and the demo:
//! a private stack of real servers on 127.0.0.1 high ports, and a generator of realistic mail.

pub mod hostile;
pub mod mailgen;
pub mod peer;
pub mod proxy;
pub mod stack;

pub use stack::{Stack, StackInfo, StackOptions, User};
