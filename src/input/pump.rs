//! One device's events → decoder → the terminal. Generic over the event
//! stream: a device's `EventStream`, or synthetic frames in tests.

use std::io;

use evdev::InputEvent;
use futures_util::{Stream, StreamExt};

use super::decoder::Decoder;
use crate::app::Terminal;

/// Feeds `events` through `decoder` and presses the keys on `terminal`, until
/// the stream ends (`Ok`) or fails (the error, e.g. ENODEV when unplugged).
pub async fn pump<S>(events: S, mut decoder: Decoder, terminal: &Terminal) -> io::Result<()>
where
    S: Stream<Item = io::Result<InputEvent>>,
{
    let mut events = std::pin::pin!(events);
    while let Some(event) = events.next().await {
        if let Some(key) = decoder.feed(event?) {
            tracing::debug!(?key, "input key");
            terminal.key(key).await;
        }
    }
    Ok(())
}
