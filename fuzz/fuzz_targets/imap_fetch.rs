//! Any bytes as a FETCH response (after `* `): the streaming envelope and body reader's parser,
//! and what a sync makes of its result.
#![no_main]

use calame_core::imap::{internal_date, parse_fetch, raw_envelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(item) = parse_fetch(data) {
        if let Some(raw) = raw_envelope(&item) {
            let _ = raw.parse();
        }
        if let Some(date) = item.internal_date.as_deref() {
            let _ = internal_date(date);
        }
    }
});
