-- Rooms' SIP bindings, for the other nodes; in step with
-- sqlite/0011_sip_bindings.sql.

CREATE TABLE sip_bindings (
    node        TEXT NOT NULL,
    aor         TEXT NOT NULL,
    contact_key TEXT NOT NULL,
    uri         TEXT NOT NULL,
    params      TEXT NOT NULL,
    source      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (node, aor, contact_key)
);

CREATE INDEX sip_bindings_by_aor ON sip_bindings (aor, expires_at);
