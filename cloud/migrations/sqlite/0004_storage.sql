-- The data partition's size and free space as the device last reported
-- them on its heartbeat (bytes; NULL until a terminal that reports them).

ALTER TABLE devices ADD COLUMN storage_total_bytes INTEGER;
ALTER TABLE devices ADD COLUMN storage_free_bytes INTEGER;
