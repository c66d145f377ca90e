-- Meetings: each device's permanent meeting room (kind 'room', created on
-- first use, ID '8' + device number) and scheduled meetings (kind
-- 'scheduled', 9 random digits starting 1-7). Times are unix seconds.

CREATE TABLE meetings (
    id                  INTEGER PRIMARY KEY,
    -- the digits people dial: sip:<meeting_id>@<domain>
    meeting_id          TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    enterprise_id       INTEGER NOT NULL REFERENCES enterprises(id),
    -- the device whose room this is (kind 'room' only)
    owner_device_id     INTEGER UNIQUE REFERENCES devices(id) ON DELETE CASCADE,
    subject             TEXT NOT NULL,
    -- kind 'scheduled' only
    start_at            INTEGER,
    duration_secs       INTEGER,
    -- wall-clock offset recurrences are expanded in (fixed, no DST)
    utc_offset_minutes  INTEGER NOT NULL DEFAULT 0,
    -- recurrence (RFC 5545 subset): 'none', 'daily', 'weekly', 'monthly';
    -- weekdays as a bit mask (bit 0 = Monday); end by until and/or count
    recur_freq          TEXT NOT NULL DEFAULT 'none',
    recur_weekdays      INTEGER NOT NULL DEFAULT 0,
    recur_until         INTEGER,
    recur_count         INTEGER,
    -- Argon2 hashes of 4-8 digit passwords
    host_password_hash  TEXT,
    guest_password_hash TEXT,
    join_before_host    INTEGER NOT NULL DEFAULT 0,
    party_limit         INTEGER NOT NULL DEFAULT 100,
    -- 'scheduled', 'live', 'ended', 'cancelled'
    state               TEXT NOT NULL DEFAULT 'scheduled',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE INDEX meetings_enterprise ON meetings(enterprise_id);

-- Invitees: a device of the enterprise (removed with it) or a SIP URI.
CREATE TABLE meeting_invitees (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    device_id   INTEGER REFERENCES devices(id) ON DELETE CASCADE,
    sip_uri     TEXT,
    UNIQUE (meeting_id, device_id),
    UNIQUE (meeting_id, sip_uri)
);

CREATE INDEX meeting_invitees_device ON meeting_invitees(device_id);
