-- What happened to each room, for the console's room page: added, code
-- reset, activated (from where), online and offline, renamed, an update
-- offered and what the room reported of it. The last 200 per room are
-- kept; a removed room's go with it.

CREATE TABLE device_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

CREATE INDEX device_events_by_device ON device_events (device_id, id);
