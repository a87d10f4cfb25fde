-- ÚAP deliveries (issue 22): a provider (or the planning department on its behalf) delivers one or
-- more phenomena (jevy, schemas/uap/jevy.json). The features go through the ETL into the uap-* layers;
-- here is what was delivered, by whom, when, for which jevy, how far, and whether it may be published.
-- Rows are never deleted: a later delivery of the same provider and jev supersedes an earlier one,
-- and the earlier stays as history (its features' versions are in feature_history).
CREATE TABLE IF NOT EXISTS uap_delivery (
  id bigint PRIMARY KEY,
  provider text NOT NULL CHECK (length(btrim(provider)) BETWEEN 1 AND 200),
  delivered_on date NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  is_public boolean NOT NULL,
  jevy integer[] NOT NULL,
  feature_count integer NOT NULL DEFAULT 0,
  extent geometry(Polygon, 4326),
  actor text NOT NULL,
  note text,
  synthetic boolean NOT NULL DEFAULT false
);
CREATE SEQUENCE IF NOT EXISTS uap_delivery_id_seq;
CREATE INDEX IF NOT EXISTS uap_delivery_provider_idx ON uap_delivery (provider, id);

-- one jev of a delivery: the file (part) it came from, the layer and ETL run it went through
CREATE TABLE IF NOT EXISTS uap_delivery_part (
  delivery_id bigint NOT NULL REFERENCES uap_delivery (id),
  jev integer NOT NULL,
  layer_id text NOT NULL,
  run_id bigint NOT NULL,
  source text NOT NULL,
  feature_count integer NOT NULL,
  PRIMARY KEY (delivery_id, jev, layer_id)
);

-- which municipalities a delivered jev touches (features intersecting the municipality), computed
-- once at delivery: the state of ÚAP per municipality reads this, not the geometries
CREATE TABLE IF NOT EXISTS uap_coverage (
  delivery_id bigint NOT NULL REFERENCES uap_delivery (id),
  jev integer NOT NULL,
  municipality_code integer NOT NULL,
  feature_count integer NOT NULL,
  PRIMARY KEY (delivery_id, jev, municipality_code)
);
CREATE INDEX IF NOT EXISTS uap_coverage_municipality_idx ON uap_coverage (municipality_code, jev);
