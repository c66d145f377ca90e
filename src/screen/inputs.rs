//! Taps, keys, text and directory picks from a window's pages back to the
//! runtime, in the order they were given: the room's window and the web
//! remote's offscreen copy of it both hand their input on this way.

use slint::ComponentHandle;

use super::{control_from_id, AppState, AppWindow};
use crate::app::Terminal;
use crate::keys::Key;
use crate::ui::Control;

/// What a window hands to the runtime.
enum Input {
    Tap(Control),
    Key(Key),
    Text(String),
    /// A room of the Dial page's directory, by its place in the list.
    Pick(usize),
}

/// Wires `app`'s callbacks to `terminal` through one queue and one
/// forwarding task: a task per keystroke would let fast typing arrive out
/// of order.
pub(super) fn forward(app: &AppWindow, runtime: &tokio::runtime::Handle, terminal: Terminal) {
    let state = app.global::<AppState>();
    let (inputs, mut queue) = tokio::sync::mpsc::unbounded_channel::<Input>();
    runtime.spawn(async move {
        while let Some(input) = queue.recv().await {
            match input {
                Input::Tap(control) => terminal.tap(control).await,
                Input::Key(key) => terminal.key(key).await,
                Input::Text(text) => terminal.text(&text).await,
                Input::Pick(index) => terminal.pick_contact(index).await,
            }
        }
    });
    {
        let inputs = inputs.clone();
        state.on_tapped(move |id| {
            if let Some(control) = control_from_id(&id) {
                let _ = inputs.send(Input::Tap(control));
            }
        });
    }
    {
        let inputs = inputs.clone();
        state.on_key(move |name| {
            let key: Option<Key> =
                serde_json::from_value(serde_json::Value::String(name.to_string())).ok();
            if let Some(key) = key {
                let _ = inputs.send(Input::Key(key));
            }
        });
    }
    {
        let inputs = inputs.clone();
        state.on_picked(move |index| {
            if let Ok(index) = usize::try_from(index) {
                let _ = inputs.send(Input::Pick(index));
            }
        });
    }
    state.on_typed(move |text| {
        let _ = inputs.send(Input::Text(text.to_string()));
    });
}
