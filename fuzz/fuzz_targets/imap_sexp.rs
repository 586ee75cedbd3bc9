//! Any bytes as the rest of an IMAP response line: the list reader and the NAMESPACE parser.
#![no_main]

use calame_core::imap::namespace::Namespaces;
use calame_core::imap::sexp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sexp::parse(data);
    let _ = Namespaces::parse(data);
});
