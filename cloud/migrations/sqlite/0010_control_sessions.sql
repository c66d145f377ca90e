-- Sessions of the conference-control page (signed in with the admin
-- token): only a hash of the cookie's value is kept. In the store, so a
-- browser's requests may land on any node.

CREATE TABLE control_sessions (
    id_hash     TEXT PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX control_sessions_by_expiry ON control_sessions (expires_at);
