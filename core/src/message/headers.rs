//! The headers a reader shows, taken from mail-parser's decoded values and bounded.

use mail_parser::{Addr, DateTime, HeaderValue};

use super::text::header_text;
use super::{Address, Headers};

/// The most message ids kept from `References` (the first, then the last ones).
const MAX_REFERENCES: usize = 256;
/// The most addresses kept per address header.
const MAX_ADDRESSES: usize = 2000;

pub(super) fn of(msg: &mail_parser::Message<'_>) -> Headers {
    Headers {
        from: addresses(msg.from()),
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        reply_to: addresses(msg.reply_to()),
        sender: addresses(msg.sender()).into_iter().next(),
        subject: msg.subject().and_then(header_text),
        date: msg.date().and_then(rfc3339),
        message_id: msg.message_id().and_then(message_id),
        in_reply_to: ids(msg.in_reply_to()),
        references: references(ids(msg.references())),
    }
}

fn addresses(value: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    value
        .map(|a| a.iter().filter_map(address).take(MAX_ADDRESSES).collect())
        .unwrap_or_default()
}

fn address(addr: &Addr<'_>) -> Option<Address> {
    let name = addr.name().and_then(header_text);
    let email = addr
        .address()
        .and_then(header_text)
        .map(|e| e.replace(' ', ""))
        .unwrap_or_default();
    (name.is_some() || !email.is_empty()).then_some(Address { name, email })
}

fn message_id(id: &str) -> Option<String> {
    header_text(id.trim().trim_start_matches('<').trim_end_matches('>'))
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => message_id(id).into_iter().collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|id| message_id(id)).collect(),
        _ => Vec::new(),
    }
}

/// Threading needs the root (first) and the parents (last): keep those when the list is huge.
fn references(mut ids: Vec<String>) -> Vec<String> {
    if ids.len() > MAX_REFERENCES {
        let tail = ids.split_off(ids.len() - (MAX_REFERENCES - 1));
        ids.truncate(1);
        ids.extend(tail);
    }
    ids
}

/// RFC 3339 with the original offset (`+00:00` for UTC), or `None` for an impossible date.
pub(super) fn rfc3339(d: &DateTime) -> Option<String> {
    let valid = (1..=12).contains(&d.month)
        && (1..=31).contains(&d.day)
        && d.hour < 24
        && d.minute < 60
        && d.second <= 60
        && d.tz_hour < 24
        && d.tz_minute < 60
        && (1..=9999).contains(&d.year);
    let sign = if d.tz_before_gmt && (d.tz_hour, d.tz_minute) != (0, 0) {
        '-'
    } else {
        '+'
    };
    valid.then(|| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            d.year, d.month, d.day, d.hour, d.minute, d.second, d.tz_hour, d.tz_minute
        )
    })
}
