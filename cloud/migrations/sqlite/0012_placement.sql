-- Meeting placement behind a SIP edge: what each node composes now (its
-- MCU's pixels per second, in thousands) and where its SIP is, published
-- every second; and the node each meeting was placed on by its first
-- join, which the other nodes send later joins to. In step with
-- postgres/0012_placement.sql.

CREATE TABLE node_loads (
    node       TEXT NOT NULL PRIMARY KEY,
    sip        TEXT NOT NULL,
    cost_kpx   INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE meeting_places (
    meeting_id TEXT NOT NULL PRIMARY KEY,
    node       TEXT NOT NULL,
    placed_ms  INTEGER NOT NULL
);
