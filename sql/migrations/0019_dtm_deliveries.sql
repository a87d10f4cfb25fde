-- JVF DTM deliveries (issue 19): every file handed to the regional digital technical map is recorded,
-- and with it the version (feature_history.version) of each feature it delivered. A change delivery
-- ("změnové věty") is what differs from that state: features new since (i), with a newer version (u),
-- or gone from the municipality (d). Keeping the delivered versions rather than a point in time
-- makes "since the previous delivery" exact even for edits committed while a delivery was built.
CREATE TABLE IF NOT EXISTS dtm_delivery (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  municipality_code integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('complete', 'changes')),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  inserted integer NOT NULL,
  updated integer NOT NULL,
  deleted integer NOT NULL,
  unmapped integer NOT NULL,
  sha256 text NOT NULL
);
CREATE INDEX IF NOT EXISTS dtm_delivery_municipality_idx ON dtm_delivery (municipality_code, id);

CREATE TABLE IF NOT EXISTS dtm_delivered_feature (
  municipality_code integer NOT NULL,
  layer_id text NOT NULL,
  fid bigint NOT NULL,
  version integer NOT NULL,
  delivery_id bigint NOT NULL REFERENCES dtm_delivery (id),
  PRIMARY KEY (municipality_code, layer_id, fid)
);
