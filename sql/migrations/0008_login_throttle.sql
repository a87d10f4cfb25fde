-- Failed sign-ins for e-mail addresses without an account are counted and locked exactly like an
-- account's (app_user.failed_logins / locked_until): before, only real accounts ever answered 429
-- "locked", so five wrong passwords told an attacker whether an address had an account.
-- Keyed by a SHA-256 of the normalised address: no submitted text is kept.
CREATE TABLE IF NOT EXISTS login_throttle (
  email_hash text PRIMARY KEY,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS login_throttle_last_failed_idx ON login_throttle (last_failed_at);
