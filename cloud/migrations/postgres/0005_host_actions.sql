-- The audit log of host actions; in step with sqlite/0005_host_actions.sql
-- (an identity never reuses a number, as SQLite's AUTOINCREMENT).

CREATE TABLE host_actions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    meeting_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL,
    outcome TEXT NOT NULL
);

CREATE INDEX host_actions_by_meeting ON host_actions (meeting_id, at_ms);
