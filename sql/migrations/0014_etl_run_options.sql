-- Issue 16.4: a run remembers a hash of what, besides the file, decides its result (layer, municipality,
-- CRS, encoding, mapping, id column, …). A re-import with the same file checksum and the same options as
-- the layer's last successful run is recorded as unchanged without reading the features.
ALTER TABLE etl_run ADD COLUMN IF NOT EXISTS options_hash text;
