//! The pages of the terminal and the controls on each, laid out as rows so
//! that a D-pad can reach every one. The Slint UI draws these; the control
//! API reports them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Page {
    /// First-boot wizard, step 1.
    Language,
    /// Step 2: DHCP or static addressing.
    Network,
    /// Step 2 with static addressing chosen: the address fields.
    NetworkStatic,
    /// Step 3: the cloud's address.
    Server,
    /// Step 4: the activation code on a keypad.
    Activation,
    Home,
    Settings,
    Diagnostics,
    /// "Erase everything?" before a factory reset; Back is focused first.
    ConfirmReset,
    /// Meeting ID and optional password on a keypad.
    Join,
    /// Calling, then in the meeting: the far picture, mute, leave.
    InCall,
    /// A room's number on a keypad, to call it.
    Dial,
    /// A call rings here: who calls, answer or decline.
    Incoming,
    /// The casting code, its QR code and the address to open.
    Share,
    /// A cast fills the screen: who shares, Stop.
    Casting,
    /// Someone asks to take over the cast showing: allow or decline.
    CastRequest,
    /// In a meeting: who is in it; for a host, what to do to one of them.
    Participants,
    /// In a meeting, for a host: mute all, lock, extend, end for all.
    HostMenu,
    /// In a meeting, for a participant who is not host: the host password
    /// on the keypad, to become host.
    ClaimHost,
}

impl Page {
    /// Every page, in the order the wizard and the menus meet them.
    pub const ALL: [Page; 19] = [
        Page::Language,
        Page::Network,
        Page::NetworkStatic,
        Page::Server,
        Page::Activation,
        Page::Home,
        Page::Settings,
        Page::Diagnostics,
        Page::ConfirmReset,
        Page::Join,
        Page::InCall,
        Page::Dial,
        Page::Incoming,
        Page::Share,
        Page::Casting,
        Page::CastRequest,
        Page::Participants,
        Page::HostMenu,
        Page::ClaimHost,
    ];

    /// Controls in rows, top to bottom, left to right.
    pub fn rows(self) -> &'static [&'static [Control]] {
        use Control::*;
        match self {
            Page::Language => &[&[LanguageZh, LanguageEn], &[Next]],
            Page::Network => &[&[NetworkDhcp, NetworkStatic], &[Back, Next]],
            Page::NetworkStatic => &[
                &[NetworkDhcp, NetworkStatic],
                &[AddressField, GatewayField],
                &[DnsField, Dns2Field],
                &[Back, Next],
            ],
            Page::Server => &[&[ServerField], &[Back, Next]],
            Page::Activation => &[
                &[CodeField],
                &[Key1, Key2, Key3],
                &[Key4, Key5, Key6],
                &[Key7, Key8, Key9],
                &[Delete, Key0, Activate],
                &[Back],
            ],
            Page::Home => &[&[Join, Call, Share, Settings], &[StartMeeting]],
            Page::Settings => &[
                &[
                    SettingsNetwork,
                    SettingsServer,
                    SettingsLanguage,
                    AutoAnswer,
                    CastTakeOver,
                ],
                &[OpenDiagnostics, FactoryReset],
                &[Back],
            ],
            Page::Diagnostics => &[&[PingServer], &[Back]],
            Page::ConfirmReset => &[&[Back, ConfirmReset]],
            Page::Join => &[
                &[MeetingIdField, PasswordField],
                &[Key1, Key2, Key3],
                &[Key4, Key5, Key6],
                &[Key7, Key8, Key9],
                &[Delete, Key0, JoinMeeting],
                &[Back],
            ],
            Page::InCall => &[&[
                Mute,
                Camera,
                Layout,
                VolumeDown,
                VolumeUp,
                Participants,
                HostMenu,
                Leave,
            ]],
            Page::Participants => &[
                &[ParticipantPrev, ParticipantNext],
                &[
                    ParticipantMute,
                    ParticipantVideo,
                    ParticipantBroadcast,
                    ParticipantCoHost,
                    ParticipantHost,
                ],
                &[ParticipantRemove, RaiseHand, Back],
            ],
            Page::HostMenu => &[
                &[MuteAll, SelfUnmute, UnmuteAll],
                &[LockMeeting, PollMeeting, ExtendMeeting, EndForAll],
                &[WaitingRoom, HostOnlyShare, MuteOnEntry],
                &[Invite, Back],
            ],
            Page::Dial => &[
                &[NumberField],
                &[DirectoryPrev, DirectoryNext],
                &[Key1, Key2, Key3],
                &[Key4, Key5, Key6],
                &[Key7, Key8, Key9],
                &[Delete, Key0, PlaceCall],
                &[Back, DirectorySearchField],
            ],
            Page::Incoming => &[&[Answer, Decline]],
            Page::ClaimHost => &[
                &[ClaimHostField],
                &[Key1, Key2, Key3],
                &[Key4, Key5, Key6],
                &[Key7, Key8, Key9],
                &[Delete, Key0, ClaimHost],
                &[Back],
            ],
            Page::Share => &[&[Back]],
            Page::Casting => &[&[StopCast]],
            Page::CastRequest => &[&[AllowCast, DeclineCast]],
        }
    }

    /// The Participants page's rows for a host with someone waiting
    /// picked: Admit (Mute's place) and Deny (Remove's).
    pub const WAITING_ROWS: &'static [&'static [Control]] = &[
        &[Control::ParticipantPrev, Control::ParticipantNext],
        &[Control::ParticipantMute],
        &[
            Control::ParticipantRemove,
            Control::RaiseHand,
            Control::Back,
        ],
    ];

    /// The Participants page's rows for a host with someone being rung
    /// in picked: Remove's place stops the ringing.
    pub const RINGING_ROWS: &'static [&'static [Control]] = &[
        &[Control::ParticipantPrev, Control::ParticipantNext],
        &[
            Control::ParticipantRemove,
            Control::RaiseHand,
            Control::Back,
        ],
    ];

    /// How many of the day's meetings Home offers a button for.
    pub const HOME_MEETINGS: usize = 2;

    /// Home's rows with `meetings` of the day listed (a button each for the
    /// first `HOME_MEETINGS`).
    pub fn home_rows(meetings: usize) -> &'static [&'static [Control]] {
        use Control::*;
        match meetings {
            0 => Page::Home.rows(),
            1 => &[&[Join, Call, Share, Settings], &[StartMeeting, Meeting0]],
            _ => &[
                &[Join, Call, Share, Settings],
                &[StartMeeting, Meeting0, Meeting1],
            ],
        }
    }

    /// The in-call rows of a call with a single room (not a meeting).
    pub const CALL_ROWS: &'static [&'static [Control]] = &[&[
        Control::Mute,
        Control::Camera,
        Control::Layout,
        Control::VolumeDown,
        Control::VolumeUp,
        Control::Leave,
    ]];

    /// The rows a participant without host rights has: the pages of a
    /// meeting without the host's controls.
    pub fn guest_rows(self) -> &'static [&'static [Control]] {
        use Control::*;
        match self {
            Page::InCall => &[&[
                Mute,
                Camera,
                Layout,
                VolumeDown,
                VolumeUp,
                Participants,
                Leave,
            ]],
            Page::Participants => &[
                &[ParticipantPrev, ParticipantNext],
                &[RaiseHand, BecomeHost, Back],
            ],
            Page::HostMenu => &[&[Back]],
            other => other.rows(),
        }
    }

    /// Where Back leads (`None`: nowhere, e.g. the first wizard step or Home).
    pub fn parent(self) -> Option<Page> {
        match self {
            // A call is left with Leave, a cast with Stop.
            Page::Language
            | Page::Home
            | Page::InCall
            | Page::Incoming
            | Page::Casting
            | Page::CastRequest => None,
            Page::Network | Page::NetworkStatic => Some(Page::Language),
            Page::Server => Some(Page::Network),
            Page::Activation => Some(Page::Server),
            Page::Settings | Page::Join | Page::Dial | Page::Share => Some(Page::Home),
            Page::Diagnostics | Page::ConfirmReset => Some(Page::Settings),
            Page::Participants | Page::HostMenu => Some(Page::InCall),
            Page::ClaimHost => Some(Page::Participants),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    LanguageZh,
    LanguageEn,
    NetworkDhcp,
    NetworkStatic,
    AddressField,
    GatewayField,
    DnsField,
    Dns2Field,
    ServerField,
    CodeField,
    Key0,
    Key1,
    Key2,
    Key3,
    Key4,
    Key5,
    Key6,
    Key7,
    Key8,
    Key9,
    Delete,
    Activate,
    Next,
    Back,
    Join,
    /// Home: a meeting in the room's own meeting room, as host.
    StartMeeting,
    /// Home: the first and second of the day's meetings.
    Meeting0,
    Meeting1,
    Call,
    Share,
    Settings,
    SettingsNetwork,
    SettingsServer,
    SettingsLanguage,
    OpenDiagnostics,
    FactoryReset,
    /// On the confirmation page: really erase.
    ConfirmReset,
    PingServer,
    /// On the Join page: the fields the keypad types into, and dial.
    MeetingIdField,
    PasswordField,
    JoinMeeting,
    /// On the Dial page: the number, and call it; the directory's
    /// previous and next room (which fills the number).
    NumberField,
    PlaceCall,
    DirectoryPrev,
    DirectoryNext,
    /// A call ringing here: pick up, or refuse it.
    Answer,
    Decline,
    /// In Settings: answer incoming calls without asking (a toggle).
    AutoAnswer,
    /// In Settings: who may take over a cast (allowed, ask, never).
    CastTakeOver,
    /// Casting: stop the cast on screen; allow or decline a take-over.
    StopCast,
    AllowCast,
    DeclineCast,
    /// In a call: microphone on/off, camera on/off, the speaker's level,
    /// and hang up.
    Mute,
    Camera,
    /// The next meeting layout for this room (gallery, speaker, PiP).
    Layout,
    VolumeDown,
    VolumeUp,
    Leave,
    /// In a meeting: the Participants page, the Host menu.
    Participants,
    HostMenu,
    /// On the Participants page: the previous and next participant, and
    /// what a host does to the one picked — mute or unmute, stop or start
    /// its picture, make it co-host (or guest again), hand it the host
    /// role, remove it; and this room's own hand.
    ParticipantPrev,
    ParticipantNext,
    ParticipantMute,
    ParticipantVideo,
    ParticipantCoHost,
    ParticipantHost,
    ParticipantRemove,
    /// Everyone watches the one picked full screen (or, if it is
    /// broadcast, the broadcast stops).
    ParticipantBroadcast,
    RaiseHand,
    /// In the Host menu: mute everyone else, whether they may unmute
    /// themselves (a toggle), lift every mute; lock or unlock, 30 minutes
    /// more, end the meeting for everyone.
    MuteAll,
    SelfUnmute,
    UnmuteAll,
    LockMeeting,
    /// Broadcast each site in turn, or stop.
    PollMeeting,
    /// Guests wait for the host to let them in, or not (a toggle).
    WaitingRoom,
    /// Only the host and co-hosts may share, or everyone (a toggle).
    HostOnlyShare,
    /// Newcomers join muted, or not (a toggle).
    MuteOnEntry,
    /// The Dial page, to ring a room (or number) into the meeting.
    Invite,
    /// On the Participants page of a participant who is not host: the
    /// Claim host page; there, the typed host password sent.
    BecomeHost,
    ClaimHostField,
    ClaimHost,
    /// On the Dial page: search the directory by name or number (opens
    /// the keyboard).
    DirectorySearchField,
    ExtendMeeting,
    EndForAll,
    /// On-screen keyboard: erase the last character.
    Backspace,
    /// On-screen keyboard: close it, keeping the text.
    Done,
    /// On-screen keyboard: type `https://`.
    Https,
    /// On-screen keyboard: a character key; its id is the character itself.
    #[serde(untagged)]
    Char(char),
}

impl Control {
    /// The digit an on-screen keypad key types.
    pub fn keypad_digit(self) -> Option<char> {
        use Control::*;
        Some(match self {
            Key0 => '0',
            Key1 => '1',
            Key2 => '2',
            Key3 => '3',
            Key4 => '4',
            Key5 => '5',
            Key6 => '6',
            Key7 => '7',
            Key8 => '8',
            Key9 => '9',
            _ => return None,
        })
    }
}
