//! The room-controller line protocol: Crestron, Extron and AMX-style
//! controllers drive the room over TCP or a serial port, one line per
//! command, and may follow its state as unsolicited events. Off unless
//! enabled in the settings (`POST /api/v1/settings/line-protocol`), the
//! terminal is started with `--line-listen` or its board profile names a
//! serial port (`[control] serial`); every conversation signs in with the
//! control token first.
//!
//! | file | job |
//! |---|---|
//! | `grammar.rs` | the lines in (xAPI-style commands) and how values are written out, pure |
//! | `server.rs` | the listener and one task per connection: sign-in, commands carried out on the `Terminal`, `xStatus`, events from the status watch |
//! | `serial.rs` | the same conversations on a serial port, set raw at the profile's speed |
//! | `switch.rs` | the listener the settings ask for, started, moved and stopped as they change |

pub mod grammar;
mod serial;
mod server;
mod switch;

pub use serial::SerialLine;
pub use server::LineServer;
pub use switch::follow_settings;
