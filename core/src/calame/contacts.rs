//! Addresses the composer suggests: those of the cached mail, people written to first.

use std::collections::HashMap;

use super::Calame;
use crate::envelope::Address;
use crate::error::Result;
use crate::folder::Role;
use crate::search::normalise;

/// How many envelopes of each folder other than Sent are looked at, newest first.
const RECENT_PER_FOLDER: usize = 5_000;

impl Calame {
    /// Up to `limit` known addresses whose name or address has a word starting with `prefix`
    /// (case and accents ignored), the most used first: an address written to (in a Sent
    /// folder) counts three times one seen in received mail. From the cache; the account's
    /// own addresses are left out.
    pub fn known_addresses(&self, email: &str, prefix: &str, limit: usize) -> Result<Vec<Address>> {
        let account = self.account(Some(email))?;
        let mine: Vec<String> = self
            .identities(&account.email)?
            .into_iter()
            .map(|i| i.email.to_lowercase())
            .collect();
        let wanted = normalise(prefix);
        let mut seen: HashMap<String, (Address, u32)> = HashMap::new();
        let mut count = |a: &Address, weight: u32| {
            let key = a.email.to_lowercase();
            if key.is_empty() || mine.contains(&key) {
                return;
            }
            let entry = seen.entry(key).or_insert_with(|| (a.clone(), 0));
            entry.1 += weight;
            if entry.0.name.is_none() {
                entry.0.name.clone_from(&a.name);
            }
        };
        for folder in self.store.folders(Some(&account.email))? {
            let raw = folder.raw_name.as_deref().unwrap_or(&folder.name);
            let Some(state) = self.store.folder_state(&account.email, raw)? else {
                continue;
            };
            if folder.role == Some(Role::Sent) {
                self.store.for_each_envelope(state.id, |e| {
                    e.to.iter().chain(&e.cc).for_each(|a| count(a, 3));
                    Ok(())
                })?;
            } else {
                for e in self.store.envelopes(state.id, 0, RECENT_PER_FOLDER)? {
                    e.from.iter().chain(&e.to).chain(&e.cc).for_each(|a| count(a, 1));
                }
            }
        }
        let matches = |a: &Address| {
            wanted.is_empty()
                || [a.name.as_deref().unwrap_or_default(), a.email.as_str()]
                    .iter()
                    .any(|text| {
                        let text = normalise(text);
                        text.starts_with(&wanted)
                            || text
                                .split(|c: char| !c.is_alphanumeric())
                                .any(|word| word.starts_with(&wanted))
                    })
        };
        let mut found: Vec<(Address, u32)> = seen.into_values().filter(|(a, _)| matches(a)).collect();
        found.sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.email.cmp(&b.email)));
        Ok(found.into_iter().take(limit).map(|(a, _)| a).collect())
    }
}
