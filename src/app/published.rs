//! What the runtime publishes, shared by its parts: the status every face
//! reads and the screen's UI state. Each part changes them through here;
//! none holds a lock across an await.

use std::sync::Arc;

use tokio::sync::watch;

use crate::status::TerminalStatus;
use crate::ui::UiState;

#[derive(Clone)]
pub struct Published {
    pub status: Arc<watch::Sender<TerminalStatus>>,
    pub ui: Arc<watch::Sender<UiState>>,
}

impl Published {
    pub fn status(&self, change: impl FnOnce(&mut TerminalStatus)) {
        self.status.send_modify(change);
    }

    pub fn ui(&self, change: impl FnOnce(&mut UiState)) {
        self.ui.send_modify(change);
    }

    /// Changes the UI state and returns what the change computed (the
    /// effect of a key or a tap).
    pub fn ui_with<R>(&self, change: impl FnOnce(&mut UiState) -> R) -> R {
        let mut out = None;
        self.ui.send_modify(|ui| out = Some(change(ui)));
        out.expect("send_modify runs the closure")
    }
}
