-- Sign-in attempts per client address, counted in the database (fixed windows), so several API
-- instances behind a load balancer share one limit instead of each allowing its own. Keyed by a
-- SHA-256 of the address (an IP address is personal data; only the counting is needed).
CREATE TABLE IF NOT EXISTS login_client_throttle (
  client_hash text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  attempts integer NOT NULL
);
CREATE INDEX IF NOT EXISTS login_client_throttle_window_idx ON login_client_throttle (window_start);
