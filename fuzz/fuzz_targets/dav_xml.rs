//! Any bytes as a WebDAV multistatus answer (PROPFIND, sync-collection, calendar-multiget).
#![no_main]

use calame_core::caldav::xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xml::parse_multistatus(data);
});
