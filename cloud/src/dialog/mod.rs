//! What the two sides that keep SIP dialogs share — the conference focus
//! (`focus/`, meeting calls) and the call router (`calls/`, room-to-room
//! calls): both sit on top of this, neither on the other.
//!
//! | file | job |
//! |---|---|
//! | `request.rs` | a request we send in a dialog (`LegIdentity` + `Outgoing`), built with rsip's types (pure) |
//! | `address.rs` | header values read leniently (the URI in a name-addr, its user, a tag) and written (name-addrs, display names, Call-IDs) (pure) |
//! | `contacts.rs` | our own address per transport and the Contact naming it |
//! | `respond.rs` | answering a request the SIP core handed over: the response, its server transaction completed, the `Warning: 399` carrying a reason code |
//! | `retransmit.rs` | RFC 3261's timers, and messages repeated over UDP until answered |

pub mod address;
pub mod contacts;
pub mod request;
pub mod respond;
pub mod retransmit;

pub use address::{quoted, tag_of, uri_of, user_of};
pub use contacts::Contacts;
pub use request::{new_branch, LegIdentity, Outgoing};
pub use respond::{complete, respond, warning, warning_header};
pub use retransmit::{Repeats, T1, T2, TRANSACTION_WAIT};
