//! Server transactions (RFC 3261 §17.2) for the requests the call side
//! answers, over UDP: each final response is remembered for Timer J (64·T1)
//! and sent again when the request is retransmitted, so a retransmitted
//! INVITE or BYE is never processed twice. REGISTER, OPTIONS and refusals
//! are answered statelessly and never enter this table (see `core.rs`).
//!
//! [`Transactions::begin`] checks and reserves under one lock: of two workers
//! handed the same datagram, one processes it and the other sees the
//! transaction in progress (RFC 3261 §17.2.2 "Trying": the request is
//! absorbed, there is no provisional response to resend).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::clock::Millis;

use super::message::Request;

/// 64 × T1 (500 ms).
pub const TIMER_J_MS: Millis = 32_000;
/// Bound on remembered transactions, so a flood cannot grow memory without
/// limit: 1,024 dialog requests/s — far above what the conference focus
/// sets up — for the whole of Timer J. An entry is about 1 KiB (a response,
/// its key twice, table overhead), so this is ≈ 32 MiB at worst. Past it the
/// oldest transactions are forgotten first (a retransmission of one of them
/// is then handed to the call side again).
pub const MAX_TRANSACTIONS: usize = 1_024 * (TIMER_J_MS as usize / 1000);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TransactionKey {
    branch_or_call: String,
    sent_by: String,
    method: String,
}

impl TransactionKey {
    /// §17.2.3: the branch (with the RFC 3261 magic cookie) plus sent-by and
    /// method; for RFC 2543 clients, Call-ID and CSeq stand in for the branch.
    pub fn of(request: &Request) -> Self {
        let branch = request
            .via
            .branch
            .as_deref()
            .filter(|b| b.starts_with("z9hG4bK"));
        let branch_or_call = match branch {
            Some(branch) => branch.to_string(),
            None => format!(
                "{}|{}",
                request.call_id(),
                request.cseq().map(|c| c.0).unwrap_or_default()
            ),
        };
        Self {
            branch_or_call,
            sent_by: request.via.sent_by.to_ascii_lowercase(),
            method: request.method.to_string(),
        }
    }
}

/// What [`Transactions::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// A new transaction, now reserved: process it, then [`Transactions::complete`].
    New,
    /// A retransmission of a completed one: send this again.
    Retransmission(Arc<Vec<u8>>),
    /// A retransmission of one still being processed: drop it.
    InProgress,
}

struct Entry {
    expires: Millis,
    /// `None` while the request is being processed.
    response: Option<Arc<Vec<u8>>>,
}

#[derive(Default)]
struct Table {
    entries: HashMap<Arc<TransactionKey>, Entry>,
    /// Keys in the order they were reserved, with the expiry they had then.
    /// A key whose entry has another expiry was replaced; its old place is skipped.
    order: VecDeque<(Millis, Arc<TransactionKey>)>,
}

impl Table {
    /// Forgets expired transactions, then the oldest beyond `capacity`.
    fn shrink(&mut self, now: Millis, capacity: usize) {
        while let Some((expires, key)) = self.order.front() {
            let current = self.entries.get(key).map(|e| e.expires);
            if current != Some(*expires) {
                self.order.pop_front(); // stale place of a replaced entry
            } else if *expires <= now || self.entries.len() > capacity {
                self.entries.remove(key);
                self.order.pop_front();
            } else {
                break;
            }
        }
    }
}

pub struct Transactions {
    table: Mutex<Table>,
    capacity: usize,
}

impl Default for Transactions {
    fn default() -> Self {
        Self::with_capacity(MAX_TRANSACTIONS)
    }
}

impl Transactions {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            table: Mutex::new(Table::default()),
            capacity: capacity.max(1),
        }
    }

    /// Looks the request up and, if it is new, reserves its transaction, all
    /// under one lock.
    pub fn begin(&self, key: &TransactionKey, now: Millis) -> Begin {
        let mut table = self.table.lock().expect("transaction lock");
        if let Some(entry) = table.entries.get(key).filter(|e| e.expires > now) {
            return match &entry.response {
                Some(response) => Begin::Retransmission(response.clone()),
                None => Begin::InProgress,
            };
        }
        let key = Arc::new(key.clone());
        let expires = now + TIMER_J_MS;
        table.entries.insert(
            key.clone(),
            Entry {
                expires,
                response: None,
            },
        );
        table.order.push_back((expires, key));
        // Under a flood the oldest go first, not the whole table.
        table.shrink(now, self.capacity);
        Begin::New
    }

    /// Stores the final response of a transaction [`begin`](Self::begin) reserved.
    pub fn complete(&self, key: &TransactionKey, response: Arc<Vec<u8>>) {
        let mut table = self.table.lock().expect("transaction lock");
        // Gone if it was evicted meanwhile: then there is nothing to resend.
        if let Some(entry) = table.entries.get_mut(key) {
            entry.response = Some(response);
        }
    }

    /// Forgets expired transactions, and gives memory back after a burst.
    pub fn purge(&self, now: Millis) {
        let mut table = self.table.lock().expect("transaction lock");
        table.shrink(now, self.capacity);
        if table.entries.capacity() > 1024 && table.entries.len() < table.entries.capacity() / 4 {
            table.entries.shrink_to_fit();
            table.order.shrink_to_fit();
        }
    }

    /// How many transactions are remembered.
    pub fn len(&self) -> usize {
        self.table.lock().expect("transaction lock").entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> TransactionKey {
        TransactionKey {
            branch_or_call: format!("z9hG4bK-{n}"),
            sent_by: "192.0.2.1:5060".into(),
            method: "REGISTER".into(),
        }
    }

    fn answer(text: &str) -> Arc<Vec<u8>> {
        Arc::new(text.as_bytes().to_vec())
    }

    #[test]
    fn a_retransmission_gets_the_stored_answer_until_timer_j() {
        let t = Transactions::default();
        assert_eq!(t.begin(&key(1), 0), Begin::New);
        t.complete(&key(1), answer("401"));
        assert_eq!(
            t.begin(&key(1), TIMER_J_MS - 1),
            Begin::Retransmission(answer("401"))
        );
        // Another branch is another transaction.
        assert_eq!(t.begin(&key(2), 1), Begin::New);
        // After Timer J the same key starts afresh.
        assert_eq!(t.begin(&key(1), TIMER_J_MS), Begin::New);
    }

    #[test]
    fn a_retransmission_during_processing_is_absorbed() {
        let t = Transactions::default();
        assert_eq!(t.begin(&key(1), 0), Begin::New);
        assert_eq!(t.begin(&key(1), 5), Begin::InProgress);
        t.complete(&key(1), answer("200"));
        assert_eq!(t.begin(&key(1), 10), Begin::Retransmission(answer("200")));
    }

    #[test]
    fn concurrent_copies_of_one_request_are_processed_once() {
        let t = Arc::new(Transactions::default());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || {
                    (0..1000)
                        .filter(|n| t.begin(&key(*n), 0) == Begin::New)
                        .count()
                })
            })
            .collect();
        let processed: usize = threads.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(processed, 1000);
    }

    #[test]
    fn over_capacity_the_oldest_are_dropped_not_all() {
        let t = Transactions::with_capacity(3);
        for n in 0..5 {
            assert_eq!(t.begin(&key(n), n as Millis), Begin::New);
            t.complete(&key(n), answer(&n.to_string()));
        }
        assert_eq!(t.len(), 3);
        assert_eq!(t.begin(&key(4), 10), Begin::Retransmission(answer("4")));
        assert_eq!(t.begin(&key(2), 10), Begin::Retransmission(answer("2")));
        // The two oldest were forgotten (and this begins 1 anew).
        assert_eq!(t.begin(&key(1), 10), Begin::New);
    }

    #[test]
    fn purge_forgets_expired_transactions() {
        let t = Transactions::default();
        t.begin(&key(1), 0);
        t.begin(&key(2), 1_000);
        t.purge(TIMER_J_MS);
        assert_eq!(t.len(), 1);
        t.purge(TIMER_J_MS + 1_000);
        assert!(t.is_empty());
        // A key reserved again after expiry keeps only its new place.
        t.begin(&key(3), 0);
        t.begin(&key(3), TIMER_J_MS);
        t.purge(TIMER_J_MS + 1);
        assert_eq!(t.len(), 1);
    }
}
