-- Every host action on a live meeting, taken or refused: who asked, what,
-- on whom, and how it came out (the audit log admins read).

CREATE TABLE host_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    meeting_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL,
    outcome TEXT NOT NULL
);

CREATE INDEX host_actions_by_meeting ON host_actions (meeting_id, at_ms);
