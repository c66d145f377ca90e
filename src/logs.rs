//! The process's recent log lines, kept in memory for the web admin's log
//! page and the diagnostic bundle: a `tracing` layer beside the one that
//! writes stderr (the journal on the image). The last [`KEPT`] lines, so
//! it never grows.

use std::collections::VecDeque;
use std::fmt::Write;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::lock;

/// Lines kept.
pub const KEPT: usize = 2000;

static RECENT: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// The layer that keeps the lines (add it to the subscriber once).
pub struct Recent;

impl<S: Subscriber> Layer<S> for Recent {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let mut line = format!(
            "{} {:5} {}:",
            chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%.3f"),
            meta.level(),
            meta.target()
        );
        event.record(&mut Fields(&mut line));
        let mut recent = lock(&RECENT);
        if recent.len() >= KEPT {
            recent.pop_front();
        }
        recent.push_back(line);
    }
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = if field.name() == "message" {
            write!(self.0, " {value:?}")
        } else {
            write!(self.0, " {}={value:?}", field.name())
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = if field.name() == "message" {
            write!(self.0, " {value}")
        } else {
            write!(self.0, " {}={value}", field.name())
        };
    }
}

/// The kept lines, oldest first.
pub fn recent() -> Vec<String> {
    lock(&RECENT).iter().cloned().collect()
}
