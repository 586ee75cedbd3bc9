//! A TCP proxy on loopback that cuts connections: after a byte budget from the server to the
//! client is spent, both sides are closed mid-stream. For fault-injection tests of sync.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use anyhow::{Context, Result};

/// A proxy to `127.0.0.1:target`; stops when dropped.
pub struct CutProxy {
    pub port: u16,
    budget: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

/// No cut.
pub const UNLIMITED: u64 = u64::MAX;

impl CutProxy {
    pub fn start(target: u16) -> Result<CutProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the proxy")?;
        let port = listener.local_addr()?.port();
        let budget = Arc::new(AtomicU64::new(UNLIMITED));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, s) = (Arc::clone(&budget), Arc::clone(&stop));
        thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                // Each connection gets the budget set when it opened.
                let left = Arc::new(AtomicU64::new(b.load(Ordering::Relaxed)));
                relay(client, server, left);
            }
        });
        Ok(CutProxy { port, budget, stop })
    }

    /// Connections opened from now on are cut after `bytes` from the server.
    pub fn cut_after(&self, bytes: u64) {
        self.budget.store(bytes, Ordering::Relaxed);
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn relay(client: TcpStream, server: TcpStream, left: Arc<AtomicU64>) {
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    // Client to server: unlimited.
    thread::spawn(move || copy(c2, s2, None));
    // Server to client: within the budget, then both sides closed.
    thread::spawn(move || copy(server, client, Some(left)));
}

fn copy(mut from: TcpStream, mut to: TcpStream, budget: Option<Arc<AtomicU64>>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let allowed = match &budget {
            None => n,
            Some(left) => {
                let l = left.load(Ordering::Relaxed);
                let a = n.min(usize::try_from(l).unwrap_or(usize::MAX));
                left.store(l.saturating_sub(a as u64), Ordering::Relaxed);
                a
            }
        };
        if to.write_all(&buf[..allowed]).is_err() || allowed < n {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
