-- Message search in any language the community writes: case and accents folded ("milonga" finds
-- "Milongá"), partial words and prefixes ("milon"), and scripts without spaces (Japanese,
-- Chinese), all through one trigram index on the folded text. Both extensions ship with
-- PostgreSQL (postgresql-contrib) and are trusted: a database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (its dictionary could change); pinning the dictionary makes this
-- wrapper safe to declare IMMUTABLE, which an index expression requires.
CREATE FUNCTION chat_fold(p_text text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, p_text))
$$;

-- Deleted messages and earlier versions of edited ones are not in the index, so never found.
CREATE INDEX chat_messages_search ON chat_messages USING gin (chat_fold(content) gin_trgm_ops)
    WHERE deleted_at IS NULL;

-- LIKE needs its wildcards escaped in user input.
CREATE FUNCTION chat_like_escape(p_text text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT replace(replace(replace(p_text, '\', '\\'), '%', '\%'), '_', '\_')
$$;

-- Rank: 2 a whole word, 1 a word starting with the query, 0 anywhere inside a word (and every
-- match in scripts without spaces); newer first within a rank.
CREATE FUNCTION chat_search_rank(p_folded text, p_query text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE
        WHEN p_folded ~ ('(^|[^[:alnum:]])' || regexp_replace(p_query, '([.^$*+?()\[\]{}|\\-])', '\\\1', 'g') || '($|[^[:alnum:]])') THEN 2
        WHEN p_folded ~ ('(^|[^[:alnum:]])' || regexp_replace(p_query, '([.^$*+?()\[\]{}|\\-])', '\\\1', 'g')) THEN 1
        ELSE 0 END
$$;
