//! Server non-INVITE transactions (RFC 3261 §17.2.2), reduced to what a
//! registrar that answers at once needs: remember each final response for
//! Timer J (64·T1) and send it again when the request is retransmitted, so a
//! retransmitted REGISTER is never processed twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::clock::Millis;

use super::message::Request;

/// 64 × T1 (500 ms).
pub const TIMER_J_MS: Millis = 32_000;
/// Bound on remembered transactions (a flood cannot grow memory without limit).
const MAX_TRANSACTIONS: usize = 100_000;

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

/// A completed transaction: when it may be forgotten, and its final response.
type Completed = (Millis, Arc<Vec<u8>>);

#[derive(Default)]
pub struct Transactions {
    table: Mutex<HashMap<TransactionKey, Completed>>,
}

impl Transactions {
    /// The stored final response, if this request is a retransmission.
    pub fn lookup(&self, key: &TransactionKey, now: Millis) -> Option<Arc<Vec<u8>>> {
        let table = self.table.lock().expect("transaction lock");
        table
            .get(key)
            .filter(|(expires, _)| *expires > now)
            .map(|(_, response)| response.clone())
    }

    pub fn complete(&self, key: TransactionKey, response: Arc<Vec<u8>>, now: Millis) {
        let mut table = self.table.lock().expect("transaction lock");
        if table.len() >= MAX_TRANSACTIONS {
            table.retain(|_, (expires, _)| *expires > now);
            if table.len() >= MAX_TRANSACTIONS {
                // Under a flood keep answering; retransmissions then get
                // processed again, which the CSeq rule keeps harmless.
                table.clear();
            }
        }
        table.insert(key, (now + TIMER_J_MS, response));
    }

    pub fn purge(&self, now: Millis) {
        let mut table = self.table.lock().expect("transaction lock");
        table.retain(|_, (expires, _)| *expires > now);
    }
}
