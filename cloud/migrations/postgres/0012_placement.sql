-- Meeting placement behind a SIP edge; in step with
-- sqlite/0012_placement.sql.

CREATE TABLE node_loads (
    node       TEXT NOT NULL PRIMARY KEY,
    sip        TEXT NOT NULL,
    cost_kpx   BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE meeting_places (
    meeting_id TEXT NOT NULL PRIMARY KEY,
    node       TEXT NOT NULL,
    placed_ms  BIGINT NOT NULL
);
