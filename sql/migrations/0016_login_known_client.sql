-- Addresses each account has signed in from (issue 14). A run of wrong passwords from unknown
-- addresses locks the account for those addresses only; its owner still signs in from an address
-- they used before, so anyone who knows an e-mail address can no longer lock its owner out.
-- Failures from a known address are counted per (account, address) and lock only that pair.
-- Keyed by SHA-256 of user id and address: the address itself is personal data and not needed.
CREATE TABLE IF NOT EXISTS login_known_client (
  user_id bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  client_hash text NOT NULL,
  last_success_at timestamptz NOT NULL DEFAULT now(),
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  PRIMARY KEY (user_id, client_hash)
);
CREATE INDEX IF NOT EXISTS login_known_client_seen_idx ON login_known_client (last_success_at);
