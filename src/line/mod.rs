//! The room-controller line protocol: Crestron, Extron and AMX-style
//! controllers drive the room over TCP, one line per command, and may
//! follow its state as unsolicited events. Off unless the terminal is
//! started with `--line-listen`; every connection signs in with the
//! control token first.
//!
//! | file | job |
//! |---|---|
//! | `grammar.rs` | the lines in (xAPI-style commands) and how values are written out, pure |
//! | `server.rs` | the listener and one task per connection: sign-in, commands carried out on the `Terminal`, `xStatus`, events from the status watch |

pub mod grammar;
mod server;

pub use server::LineServer;
