-- Field work (issue 18.4). A photo taken on a phone while offline waits in the browser and is sent
-- when the connection is back; when the answer to a send is lost, the phone sends it again with the
-- same key, and the server answers with the attachment it already stored instead of a second copy.
ALTER TABLE feature_attachment ADD COLUMN IF NOT EXISTS client_key text;
CREATE UNIQUE INDEX IF NOT EXISTS feature_attachment_client_key_idx
  ON feature_attachment (uploaded_by, client_key) WHERE client_key IS NOT NULL;

-- The attachment rows are the audit of who added which file (by its SHA-256) to which feature and
-- when: like feature_history they are append-only for every role, the table owner included.
CREATE OR REPLACE FUNCTION geoportal_attachment_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'feature_attachment is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS feature_attachment_no_update ON feature_attachment;
CREATE TRIGGER feature_attachment_no_update BEFORE UPDATE OR DELETE ON feature_attachment
  FOR EACH ROW EXECUTE FUNCTION geoportal_attachment_append_only();
