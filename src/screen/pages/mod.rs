//! Each page group's global, set from the UI state and the status: one
//! file per group of `ui/pages/`, as `src/ui/` has. The home page reads
//! only the shared status (`../status.rs`).

pub mod cast;
pub mod dial;
pub mod in_call;
pub mod incoming;
pub mod join;
pub mod settings;
pub mod wizard;
