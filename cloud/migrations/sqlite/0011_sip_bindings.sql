-- Where each room is registered, for the other nodes behind a SIP edge:
-- a node that takes a call from a room registered on another node checks
-- the caller here, and reaches a room registered elsewhere through the
-- binding's flow (the edge). Each node replaces its own rows of an AOR.

CREATE TABLE sip_bindings (
    node        TEXT NOT NULL,
    aor         TEXT NOT NULL,
    contact_key TEXT NOT NULL,
    uri         TEXT NOT NULL,
    params      TEXT NOT NULL,
    source      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (node, aor, contact_key)
);

CREATE INDEX sip_bindings_by_aor ON sip_bindings (aor, expires_at);
