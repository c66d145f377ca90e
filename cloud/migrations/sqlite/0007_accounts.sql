-- People who sign in to the web console: enterprise admins (everything in
-- their enterprise) and users (their own meetings). Passwords are kept as
-- Argon2id PHC strings. Wrong passwords count here, not in memory, so a
-- lockout holds for every process that serves the console.

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    enterprise_id   INTEGER NOT NULL REFERENCES enterprises(id),
    -- what the person types to sign in (lower case)
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    -- 'admin' or 'user'
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    -- wrong passwords in a row, and until when (unix seconds) the account
    -- refuses even the right one
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL
);

-- Console sessions: only a hash of the cookie's value is kept, with the
-- token its forms must carry (CSRF).
CREATE TABLE console_sessions (
    id_hash     TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX console_sessions_account ON console_sessions(account_id);

-- The console account that booked a meeting (a user sees and changes its
-- own); NULL for meetings booked through the admin API or CLI.
ALTER TABLE meetings ADD COLUMN organiser_account_id INTEGER
    REFERENCES accounts(id) ON DELETE SET NULL;
