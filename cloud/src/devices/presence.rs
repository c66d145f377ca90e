//! Which devices have their config channel open, and the fan-out of config
//! changes to those channels.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

pub struct Presence {
    open: Mutex<HashMap<i64, usize>>,
    events: broadcast::Sender<i64>,
    /// Enterprises whose meetings changed (their rooms refetch the day's).
    schedules: broadcast::Sender<i64>,
    /// Set when the cloud shuts down: every open channel closes.
    closing: watch::Sender<bool>,
}

impl Default for Presence {
    fn default() -> Self {
        Self {
            open: Mutex::new(HashMap::new()),
            events: broadcast::channel(1024).0,
            schedules: broadcast::channel(256).0,
            closing: watch::channel(false).0,
        }
    }
}

impl Presence {
    pub fn is_connected(&self, device_id: i64) -> bool {
        self.open
            .lock()
            .expect("presence lock")
            .get(&device_id)
            .is_some_and(|n| *n > 0)
    }

    /// Marks a channel open until the guard is dropped.
    pub fn connect(self: &Arc<Self>, device_id: i64) -> ChannelGuard {
        *self
            .open
            .lock()
            .expect("presence lock")
            .entry(device_id)
            .or_default() += 1;
        ChannelGuard {
            presence: self.clone(),
            device_id,
        }
    }

    /// Closes every open channel (the HTTP server's graceful shutdown does
    /// not reach upgraded WebSocket connections).
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`close_all`](Self::close_all) was called.
    pub async fn closed(&self) {
        let mut rx = self.closing.subscribe();
        let _ = rx.wait_for(|closing| *closing).await;
    }

    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.events.subscribe()
    }

    /// Tells the open channels of `enterprise_id`'s rooms that its
    /// meetings changed.
    pub fn schedule_changed(&self, enterprise_id: i64) {
        let _ = self.schedules.send(enterprise_id);
    }

    pub fn schedule_events(&self) -> broadcast::Receiver<i64> {
        self.schedules.subscribe()
    }

    /// Tells open channels of `device_id` that its record changed (renamed,
    /// re-activated or removed); each reloads it and acts accordingly.
    pub fn publish(&self, device_id: i64) {
        // No receivers just means no channel is open.
        let _ = self.events.send(device_id);
    }

    /// Every open channel reloads its room (changes may have been missed).
    pub fn publish_all(&self) {
        let open: Vec<i64> = self
            .open
            .lock()
            .expect("presence lock")
            .keys()
            .copied()
            .collect();
        for device_id in open {
            self.publish(device_id);
        }
    }
}

pub struct ChannelGuard {
    presence: Arc<Presence>,
    device_id: i64,
}

impl Drop for ChannelGuard {
    fn drop(&mut self) {
        let mut open = self.presence.open.lock().expect("presence lock");
        if let Some(count) = open.get_mut(&self.device_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.device_id);
            }
        }
    }
}
