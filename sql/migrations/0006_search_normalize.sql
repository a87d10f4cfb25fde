-- Search support shared by PostgreSQL and PGlite (which has no unaccent extension):
-- the same accent folding as a plain SQL function over translate(), Czech and
-- other Latin letters. IMMUTABLE so it can back expression indexes.
CREATE OR REPLACE FUNCTION geoportal_unaccent(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT translate(t, 'áäčďéěëíĺľňóôöŕřšťúůüýžàâçèêîïùûÿãåñõøąćęłńśźżőűÁÄČĎÉĚËÍĹĽŇÓÔÖŔŘŠŤÚŮÜÝŽÀÂÇÈÊÎÏÙÛŸÃÅÑÕØĄĆĘŁŃŚŹŻŐŰ', 'aacdeeeillnooorrstuuuyzaaceeiiuuyaanooacelnszzouAACDEEEILLNOOORRSTUUUYZAACEEIIUUYAANOOACELNSZZOU')
$$;

-- what search compares: lower case, no accents, runs of blanks and punctuation as one space
CREATE OR REPLACE FUNCTION geoportal_search_norm(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(lower(geoportal_unaccent(t)), '[^a-z0-9]+', ' ', 'g'))
$$;
