-- System-versioned history (issue 16.3), as SQL:2011 temporal tables. Until now every write of a
-- layer row added an after-image to feature_history, so a first import of 100k features wrote 100k
-- history documents identical to the live rows. Now:
--  * the live row is the current version: `version`, `valid_from`, `changed_by` (user:N, etl:run:N,
--    db:role, system:baseline) and `change_source` (import | edit | db | system) are columns of every
--    layer table (added by schemas/ddl.ts, which also moves each row's last event onto it);
--  * feature_history holds only earlier versions: one row per version that stopped being current,
--    written by the layer's UPDATE/DELETE triggers with the time, actor and kind of its end.
-- An insert writes no history at all. The change log "who/when/before/after" is derived: the change
-- that made version v has actor/time of version v, before = version v-1 (when it ended by 'update'),
-- after = version v; a deletion is the change numbered (last version + 1) with after = null.
--
-- The former event log is kept, renamed, append-only as before: it is converted below and read once
-- more by schemas/ddl.ts (the live rows' version, time and actor), never written again.

ALTER TABLE feature_history RENAME TO feature_history_events;
ALTER INDEX IF EXISTS feature_history_layer_at_idx RENAME TO feature_history_events_layer_at_idx;

CREATE OR REPLACE FUNCTION geoportal_change_source(actor text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN actor LIKE 'etl:%' THEN 'import' WHEN actor LIKE 'user:%' THEN 'edit'
              WHEN actor LIKE 'system:%' THEN 'system' ELSE 'db' END
$$;

CREATE TABLE feature_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  layer_id text NOT NULL,
  fid bigint NOT NULL,
  version integer NOT NULL,
  -- the version's own period and author
  valid_from timestamptz NOT NULL,
  changed_by text NOT NULL,
  change_source text GENERATED ALWAYS AS (geoportal_change_source(changed_by)) STORED,
  -- how it stopped being current: replaced by the next version, or the feature was deleted
  valid_to timestamptz NOT NULL,
  ended_by text NOT NULL,
  ended text NOT NULL CHECK (ended IN ('update', 'delete')),
  -- the whole row as it was (every column but the versioning ones, geometry as GeoJSON)
  row json NOT NULL,
  UNIQUE (layer_id, fid, version)
);
CREATE INDEX feature_history_layer_valid_to_idx ON feature_history (layer_id, valid_to);

DROP TRIGGER IF EXISTS feature_history_no_update ON feature_history;
CREATE TRIGGER feature_history_no_update BEFORE UPDATE OR DELETE ON feature_history
  FOR EACH ROW EXECUTE FUNCTION geoportal_history_append_only();
DROP TRIGGER IF EXISTS feature_history_no_truncate ON feature_history;
CREATE TRIGGER feature_history_no_truncate BEFORE TRUNCATE ON feature_history
  FOR EACH STATEMENT EXECUTE FUNCTION geoportal_history_append_only();

-- Every state of the event log that a later event ended becomes a history row; the state of a
-- feature's last event is its live row (or, for a delete, the 'before' it removed).
INSERT INTO feature_history (layer_id, fid, version, valid_from, changed_by, valid_to, ended_by, ended, row)
SELECT e.layer_id, e.fid, e.version, e.state_from, e.state_by, e.end_at, e.end_by, e.end_op, e.state
FROM (
  SELECT h.layer_id, h.fid, h.version, h.op,
         coalesce(h.after, h.before) AS state,
         h.at AS state_from, h.actor AS state_by,
         lead(h.at) OVER w AS end_at, lead(h.actor) OVER w AS end_by,
         CASE WHEN lead(h.op) OVER w = 'delete' THEN 'delete' ELSE 'update' END AS end_op,
         lead(h.op) OVER w AS next_op
  FROM feature_history_events h
  WINDOW w AS (PARTITION BY h.layer_id, h.fid ORDER BY h.version)
) e
-- a state with a following event, that is not itself a deletion
WHERE e.op <> 'delete' AND e.next_op IS NOT NULL;

-- SELECT list of a layer row for history documents: every column but the versioning ones,
-- the geometry as GeoJSON (the same document shape as the event log's after-images).
CREATE OR REPLACE FUNCTION geoportal_history_select_list(rel regclass, alias text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT string_agg(CASE WHEN attname = 'geom' THEN format('ST_AsGeoJSON(%I.geom, 9)::json AS geom', alias)
                         ELSE format('%I.%I', alias, attname) END, ', ' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped
    AND attname NOT IN ('version', 'valid_from', 'changed_by', 'change_source')
$$;

-- Statement-level, over the transition tables: the versions an UPDATE replaced (rows whose
-- version the row trigger advanced) or a DELETE removed become history rows, in one INSERT … SELECT.
CREATE OR REPLACE FUNCTION geoportal_version_history() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  doc text := format('(SELECT row_to_json(d) FROM (SELECT %s) d)', geoportal_history_select_list(TG_RELID, 'o'));
BEGIN
  IF TG_OP = 'UPDATE' THEN
    EXECUTE format('INSERT INTO feature_history (layer_id, fid, version, valid_from, changed_by, valid_to, ended_by, ended, row)
        SELECT $1, o.fid, o.version, o.valid_from, o.changed_by, n.valid_from, n.changed_by, ''update'', %s
        FROM old_rows o JOIN new_rows n ON n.fid = o.fid WHERE n.version <> o.version', doc) USING TG_ARGV[0];
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('INSERT INTO feature_history (layer_id, fid, version, valid_from, changed_by, valid_to, ended_by, ended, row)
        SELECT $1, o.fid, o.version, o.valid_from, o.changed_by, now(), geoportal_actor(), ''delete'', %s
        FROM old_rows o', doc) USING TG_ARGV[0];
  END IF;
  RETURN NULL;
END $$;
