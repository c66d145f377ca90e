-- The data partition's size and free space; in step with sqlite/0004_storage.sql.

ALTER TABLE devices ADD COLUMN storage_total_bytes BIGINT;
ALTER TABLE devices ADD COLUMN storage_free_bytes BIGINT;
