-- Who booked a meeting, as rooms show it beside its subject (a name for
-- now; user accounts will reference a user).

ALTER TABLE meetings ADD COLUMN organiser TEXT NOT NULL DEFAULT '';
