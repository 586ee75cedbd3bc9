//! Any bytes as a mail: read under both remote content policies, then every listed part.
#![no_main]

use calame_core::message::{self, RemoteContent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for remote in [RemoteContent::Block, RemoteContent::Allow] {
        let m = message::read(data, remote);
        if remote == RemoteContent::Block {
            for a in &m.attachments {
                let (again, bytes) = message::attachment(data, &a.part).expect("a listed part can be fetched");
                assert_eq!(again.size, bytes.len() as u64);
            }
        }
    }
});
