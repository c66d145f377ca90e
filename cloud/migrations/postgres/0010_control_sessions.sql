-- Sessions of the conference-control page; in step with
-- sqlite/0010_control_sessions.sql.

CREATE TABLE control_sessions (
    id_hash     TEXT PRIMARY KEY,
    expires_at  BIGINT NOT NULL
);

CREATE INDEX control_sessions_by_expiry ON control_sessions (expires_at);
