-- Software update offers; in step with sqlite/0003_updates.sql.

ALTER TABLE devices ADD COLUMN update_offer_id BIGINT;
ALTER TABLE devices ADD COLUMN update_version TEXT;
ALTER TABLE devices ADD COLUMN update_bundle TEXT;
ALTER TABLE devices ADD COLUMN update_sha256 TEXT;
ALTER TABLE devices ADD COLUMN update_size BIGINT;
ALTER TABLE devices ADD COLUMN update_state TEXT;
ALTER TABLE devices ADD COLUMN update_progress BIGINT;
ALTER TABLE devices ADD COLUMN update_message TEXT;
ALTER TABLE devices ADD COLUMN update_reported_at BIGINT;
