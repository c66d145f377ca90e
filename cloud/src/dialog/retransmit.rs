//! RFC 3261's timers, and messages repeated over UDP until what they wait
//! for arrives: the ACK of a final INVITE answer (§13.3.1.4), the answer to
//! a request we sent (§17.1.2.2). TCP needs none of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::lock;
use crate::sip::ReplyPath;

pub const T1: Duration = Duration::from_millis(500);
pub const T2: Duration = Duration::from_secs(4);
/// Timers B, F, H: how long a transaction waits for its answer (or ACK).
pub const TRANSACTION_WAIT: Duration = Duration::from_secs(32);

/// What stops a repetition: the Call-ID and CSeq it answers.
type Key = (String, u32);

/// Messages being repeated, each with the signal that stops it.
#[derive(Default)]
pub struct Repeats {
    waiting: Arc<Mutex<HashMap<Key, watch::Sender<bool>>>>,
}

impl Repeats {
    /// Repeats `bytes` (already sent once) down `path` — T1, doubling up to
    /// T2 — until [`Repeats::stop`] for `(call_id, cseq)`, or for
    /// [`TRANSACTION_WAIT`].
    pub fn start(&self, call_id: String, cseq: u32, path: ReplyPath, bytes: Arc<Vec<u8>>) {
        let (stop_tx, mut stopped) = watch::channel(false);
        let key = (call_id, cseq);
        lock(&self.waiting).insert(key.clone(), stop_tx.clone());
        let waiting = self.waiting.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + TRANSACTION_WAIT;
            let mut wait = T1;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopped.wait_for(|s| *s) => return,
                }
                if Instant::now() >= deadline {
                    tracing::debug!(call_id = %key.0, cseq = key.1, "never answered");
                    let mut waiting = lock(&waiting);
                    if waiting.get(&key).is_some_and(|s| s.same_channel(&stop_tx)) {
                        waiting.remove(&key);
                    }
                    return;
                }
                path.send(bytes.clone());
                wait = (wait * 2).min(T2);
            }
        });
    }

    /// What the repetition of `(call_id, cseq)` waited for arrived.
    pub fn stop(&self, call_id: &str, cseq: u32) {
        if let Some(stop) = lock(&self.waiting).remove(&(call_id.to_string(), cseq)) {
            let _ = stop.send(true);
        }
    }
}
