//! A folder's messages in the order the user picks: newest or oldest first, by sender, by
//! subject, or by conversation. Newest and oldest read the cache's own (UID) order; the others
//! are an order of UIDs made once from every envelope of the folder and kept until its
//! messages change (the store's generation), so that paging through 100,000 rows stays a
//! hundred lookups per page.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{find_folder, Calame};
use crate::envelope::Envelope;
use crate::error::Result;
use crate::search::normalise;
use crate::thread;

/// How a folder's messages are listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ListOrder {
    /// Newest first (the order of arrival).
    #[default]
    Newest,
    Oldest,
    /// By sender (name, else address; accents and case ignored), newest first within.
    From,
    /// By subject without its reply prefixes, newest first within.
    Subject,
    /// Conversations, the one with the newest message first; within one, in the order they were
    /// written.
    Thread,
}

/// Orders built, per (folder id, order): the folder's generation then, and the UIDs.
pub(crate) type Orders = std::sync::Mutex<HashMap<(u64, ListOrder), (u64, Arc<Vec<u32>>)>>;

impl Calame {
    /// A page of a folder's messages from the cache, in `order`.
    pub fn list_ordered(
        &self,
        email: &str,
        folder: &str,
        order: ListOrder,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Envelope>> {
        let folders = self.store.folders(Some(email))?;
        let folder = find_folder(&folders, folder)?;
        let raw = folder.raw_name.as_deref().unwrap_or(&folder.name);
        let Some(state) = self.store.folder_state(email, raw)? else {
            return Ok(Vec::new());
        };
        let id = state.id;
        let mut page = match order {
            ListOrder::Newest => self.store.envelopes(id, offset, limit)?,
            ListOrder::Oldest => self.store.envelopes_oldest_first(id, offset, limit)?,
            _ => {
                let uids = self.order_of(id, order)?;
                let mut page = Vec::with_capacity(limit.min(1000));
                for uid in uids.iter().skip(offset).take(limit) {
                    if let Some(e) = self.store.envelope(id, *uid)? {
                        page.push(e);
                    }
                }
                page
            }
        };
        self.join_threads_by_subject(id, &mut page)?;
        Ok(page)
    }

    fn order_of(&self, id: u64, order: ListOrder) -> Result<Arc<Vec<u32>>> {
        let generation = self.store.generation(id)?;
        {
            let built = self.orders.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((at, uids)) = built.get(&(id, order)) {
                if *at == generation {
                    return Ok(Arc::clone(uids));
                }
            }
        }
        let mut all = self.store.envelopes(id, 0, usize::MAX)?;
        if order == ListOrder::Thread {
            self.join_threads_by_subject(id, &mut all)?;
        }
        let uids = Arc::new(ordered(&all, order));
        self.orders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((id, order), (generation, Arc::clone(&uids)));
        Ok(uids)
    }
}

/// The UIDs of `envelopes` (newest first, as the store gives them) in `order`. Pure.
pub(crate) fn ordered(envelopes: &[Envelope], order: ListOrder) -> Vec<u32> {
    match order {
        ListOrder::Newest => envelopes.iter().map(|e| e.uid).collect(),
        ListOrder::Oldest => envelopes.iter().rev().map(|e| e.uid).collect(),
        ListOrder::From | ListOrder::Subject => {
            let key = |e: &Envelope| match order {
                ListOrder::From => normalise(
                    e.from
                        .as_ref()
                        .map(|a| a.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&a.email))
                        .unwrap_or_default(),
                ),
                _ => normalise(&thread::normalize_subject(e.subject.as_deref().unwrap_or_default())),
            };
            let mut keyed: Vec<(String, u32)> = envelopes.iter().map(|e| (key(e), e.uid)).collect();
            // Stable: equal keys keep the newest-first order they came in.
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            keyed.into_iter().map(|(_, uid)| uid).collect()
        }
        ListOrder::Thread => {
            // Conversations in the order of their newest message; each oldest first.
            let mut threads: Vec<(String, Vec<u32>)> = Vec::new();
            let mut index: HashMap<String, usize> = HashMap::new();
            for e in envelopes {
                let key = e
                    .thread_id
                    .clone()
                    .or_else(|| e.message_id.clone())
                    .unwrap_or_else(|| format!("uid:{}", e.uid));
                let at = *index.entry(key.clone()).or_insert_with(|| {
                    threads.push((key, Vec::new()));
                    threads.len() - 1
                });
                if let Some((_, uids)) = threads.get_mut(at) {
                    uids.push(e.uid);
                }
            }
            threads
                .into_iter()
                .flat_map(|(_, uids)| uids.into_iter().rev())
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Address;

    fn env(uid: u32, from: &str, subject: &str, thread: &str) -> Envelope {
        Envelope {
            uid,
            from: Some(Address {
                name: Some(from.into()),
                email: format!("{uid}@x.test"),
            }),
            subject: Some(subject.into()),
            thread_id: Some(thread.into()),
            message_id: Some(format!("{uid}@x.test")),
            ..Envelope::default()
        }
    }

    #[test]
    fn every_order_of_a_small_folder() {
        // Newest first, as the store gives them.
        let all = vec![
            env(5, "Élodie", "Re: Cantine", "a"),
            env(4, "bernard", "Voirie", "b"),
            env(3, "Adèle", "RE : Voirie", "b"),
            env(2, "Zoé", "Cantine", "a"),
            env(1, "élodie", "Permis", "c"),
        ];
        assert_eq!(ordered(&all, ListOrder::Newest), vec![5, 4, 3, 2, 1]);
        assert_eq!(ordered(&all, ListOrder::Oldest), vec![1, 2, 3, 4, 5]);
        // Accents and case ignored; newest first among equals.
        assert_eq!(ordered(&all, ListOrder::From), vec![3, 4, 5, 1, 2]);
        assert_eq!(ordered(&all, ListOrder::Subject), vec![5, 2, 1, 4, 3]);
        // The conversation with the newest message first, each in the order written.
        assert_eq!(ordered(&all, ListOrder::Thread), vec![2, 5, 3, 4, 1]);
    }
}
