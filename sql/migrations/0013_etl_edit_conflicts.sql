-- ETL safety (issue 13.2/13.3, issue 16.1): where a run's source ids came from, and the
-- features it found edited by staff since the previous import (a conflict per feature).

ALTER TABLE etl_run ADD COLUMN IF NOT EXISTS id_source text;
ALTER TABLE etl_run ADD COLUMN IF NOT EXISTS conflict_count integer NOT NULL DEFAULT 0;
-- edits-win (default) | source-wins | hold
ALTER TABLE etl_run ADD COLUMN IF NOT EXISTS edit_policy text;

CREATE TABLE IF NOT EXISTS etl_conflict (
  run_id bigint NOT NULL REFERENCES etl_run (id) ON DELETE CASCADE,
  file text NOT NULL,
  record integer NOT NULL,
  fid bigint NOT NULL,
  source_id text NOT NULL,
  -- who made the current version, and when (from feature_history)
  edited_by text NOT NULL,
  edited_at timestamptz,
  -- kept-edit (edits-win) | overwritten (source-wins) | held (hold: the run published nothing)
  outcome text NOT NULL CHECK (outcome IN ('kept-edit', 'overwritten', 'held')),
  -- [{ "field": …, "source": …, "edited": … }]
  differences jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS etl_conflict_run_idx ON etl_conflict (run_id);
