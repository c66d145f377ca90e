-- Initial schema. Timestamps are unix seconds (INTEGER) so the same schema
-- maps onto PostgreSQL BIGINT without conversion.

CREATE TABLE enterprises (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE devices (
    id                INTEGER PRIMARY KEY,
    sn                TEXT NOT NULL UNIQUE,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
    name              TEXT NOT NULL,
    model             TEXT,
    -- 'pending' until activated, then 'active'
    state             TEXT NOT NULL,
    -- device number: also the SIP user name of its account
    number            TEXT NOT NULL UNIQUE,
    code_hash         TEXT,
    code_created_at   INTEGER,
    code_expires_at   INTEGER,
    code_used_at      INTEGER,
    token_hash        TEXT UNIQUE,
    activated_at      INTEGER,
    last_seen_at      INTEGER,
    software_version  TEXT,
    config_version    INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL
);

CREATE INDEX devices_enterprise ON devices(enterprise_id);

-- SIP accounts: one per device (device_id set, credentials set at activation)
-- and any number for third-party endpoints. Only digest HA1 values are kept.
CREATE TABLE sip_accounts (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id),
    device_id      INTEGER UNIQUE REFERENCES devices(id) ON DELETE CASCADE,
    display_name   TEXT NOT NULL,
    ha1_md5        TEXT,
    ha1_sha256     TEXT,
    -- digest algorithms offered to this account, in order of preference.
    -- Many deployed endpoints give up when offered one they do not know, so
    -- third-party accounts default to MD5 alone.
    digest_algorithms TEXT NOT NULL DEFAULT 'MD5',
    created_at     INTEGER NOT NULL
);
