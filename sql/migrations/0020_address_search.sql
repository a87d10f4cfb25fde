-- Address search (issue 17): trigram indexes for type-ahead and typo tolerance. pg_trgm is a contrib
-- extension of PostgreSQL and is loaded into PGlite by sql/connection.ts. In public, so that a schema
-- of its own (tests) does not take the extension with it when dropped.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- geoportal_search_norm for expression indexes. PostgreSQL 17+ (PGlite) builds indexes with a
-- restricted search_path, in which geoportal_search_norm cannot find geoportal_unaccent; this
-- wrapper carries the search_path it was created with. Schemas with `searchIndex` (schemas/ddl.ts)
-- index their title with it, and searches must compare the same expression to use the index.
CREATE OR REPLACE FUNCTION geoportal_search_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT geoportal_search_norm(t)
$$;
