-- Which UPDATEd rows changed (issue 3): 0009 compared the before/after documents parsed back into
-- jsonb, two parses per row that made a 100k-row update slower than with jsonb documents. The rows
-- are now compared column by column (every column but updated_at, the geometry by its GeoJSON text
-- at the documents' 9 decimals), which says the same and costs a fraction.

-- ROW(…) over every column of `rel` except updated_at, for the alias `alias` of geoportal_row_select_list's output
CREATE OR REPLACE FUNCTION geoportal_row_compare_expr(rel regclass, alias text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'ROW(' || string_agg(CASE WHEN attname = 'geom' THEN format('%I.geom::text', alias) ELSE format('%I.%I', alias, attname) END, ', ' ORDER BY attnum) || ')'
  FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped AND attname <> 'updated_at'
$$;

CREATE OR REPLACE FUNCTION geoportal_record_history() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  layer text := TG_ARGV[0];
  known bigint := coalesce((SELECT max(h.fid) FROM feature_history h WHERE h.layer_id = TG_ARGV[0]), 0);
  next_version text := 'CASE WHEN %1$s.fid > $2 THEN 1 ELSE coalesce((SELECT max(h.version) FROM feature_history h WHERE h.layer_id = $1 AND h.fid = %1$s.fid), 0) + 1 END';
  cols text := geoportal_row_select_list(TG_RELID, 'r');
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO feature_history (layer_id, fid, version, op, actor, before, after)
        SELECT $1, n.fid, %s, ''insert'', geoportal_actor(), NULL, row_to_json(n) FROM (SELECT %s FROM new_rows r) n',
      format(next_version, 'n'), cols) USING layer, known;
  ELSIF TG_OP = 'UPDATE' THEN
    -- rows written without any change (other than updated_at) are not history
    EXECUTE format('INSERT INTO feature_history (layer_id, fid, version, op, actor, before, after)
        SELECT $1, n.fid, %s, ''update'', geoportal_actor(), row_to_json(o), row_to_json(n)
        FROM (SELECT %s FROM new_rows r) n JOIN (SELECT %s FROM old_rows r) o ON o.fid = n.fid
        WHERE %s IS DISTINCT FROM %s',
      format(next_version, 'n'), cols, cols, geoportal_row_compare_expr(TG_RELID, 'o'), geoportal_row_compare_expr(TG_RELID, 'n')) USING layer, known;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('INSERT INTO feature_history (layer_id, fid, version, op, actor, before, after)
        SELECT $1, o.fid, %s, ''delete'', geoportal_actor(), row_to_json(o), NULL FROM (SELECT %s FROM old_rows r) o',
      format(next_version, 'o'), cols) USING layer, known;
  END IF;
  RETURN NULL;
END $$;
