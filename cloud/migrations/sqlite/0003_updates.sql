-- Software updates: the signed bundle (a file in <data>/updates/) offered to
-- a device, and what the device last reported about it. The offer's id is
-- the config version it was made at: a new offer of the same release gets
-- a new id, so a device that gave up on one tries again.

ALTER TABLE devices ADD COLUMN update_offer_id INTEGER;
ALTER TABLE devices ADD COLUMN update_version TEXT;
ALTER TABLE devices ADD COLUMN update_bundle TEXT;
ALTER TABLE devices ADD COLUMN update_sha256 TEXT;
ALTER TABLE devices ADD COLUMN update_size INTEGER;
-- reported by the device: downloading, installing, rebooting, installed,
-- failed, rolled_back
ALTER TABLE devices ADD COLUMN update_state TEXT;
ALTER TABLE devices ADD COLUMN update_progress INTEGER;
ALTER TABLE devices ADD COLUMN update_message TEXT;
ALTER TABLE devices ADD COLUMN update_reported_at INTEGER;
