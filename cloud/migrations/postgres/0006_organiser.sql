-- Who booked a meeting; in step with sqlite/0006_organiser.sql.

ALTER TABLE meetings ADD COLUMN organiser TEXT NOT NULL DEFAULT '';
