-- The user directory (GET /api/users?q=). Each active user has search keys, folded (case and
-- accents) and compared in the C collation, so that "starts with" is one index range read in
-- order and a page continues by keyset:
--   kind 1: the whole username and the whole display name ("starts with");
--   kind 2: each later part of the display name: from every word start, and from every
--           character of a script written without spaces (Han, kana, Hangul, Thai, ...), where
--           "contains" is how a name is found ("太郎" finds "田中太郎").
-- Keys are kept by a trigger on users; a deactivated user has none, so is never listed.
CREATE TABLE user_directory_keys (
    kind    smallint NOT NULL CHECK (kind IN (1, 2)),
    key     text COLLATE "C" NOT NULL,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, key, user_id)
);
CREATE INDEX user_directory_keys_by_user ON user_directory_keys (user_id);

-- True for a character of a script written without spaces between words.
CREATE FUNCTION chat_unspaced_script(p_text text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT p_text ~ '[\u0E00-\u0EFF\u1000-\u109F\u1780-\u17FF\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]'
$$;

CREATE FUNCTION chat_directory_keys(p_username text, p_display text) RETURNS TABLE (kind smallint, key text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    folded text := chat_fold(p_display);
    previous text;
    current text;
BEGIN
    kind := 1; key := chat_fold(p_username); RETURN NEXT;
    IF folded <> chat_fold(p_username) THEN key := folded; RETURN NEXT; END IF;
    kind := 2;
    FOR i IN 2..char_length(folded) LOOP
        previous := substr(folded, i - 1, 1);
        current := substr(folded, i, 1);
        IF current !~ '[[:space:][:punct:]]'
           AND (previous ~ '[[:space:][:punct:]]' OR chat_unspaced_script(current) OR chat_unspaced_script(previous)) THEN
            key := substr(folded, i); RETURN NEXT;
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION chat_directory_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM user_directory_keys WHERE user_id = OLD.id;
    END IF;
    IF NEW.deactivated_at IS NULL THEN
        INSERT INTO user_directory_keys (kind, key, user_id)
        SELECT DISTINCT k.kind, k.key, NEW.id FROM chat_directory_keys(NEW.username, NEW.display_name) k;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_directory_insert AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION chat_directory_sync();
CREATE TRIGGER users_directory_update AFTER UPDATE OF username, display_name, deactivated_at ON users
    FOR EACH ROW EXECUTE FUNCTION chat_directory_sync();

INSERT INTO user_directory_keys (kind, key, user_id)
SELECT DISTINCT k.kind, k.key, u.id FROM users u CROSS JOIN LATERAL chat_directory_keys(u.username, u.display_name) k
WHERE u.deactivated_at IS NULL;

-- One page of matches after the cursor (p_after_kind 0 on the first page), best first: kind 1
-- (a name starts with the query; an exact match sorts first, being the shortest), then kind 2
-- (a later word, or inside an unspaced script); within a kind by the matched key. Each user
-- appears once, under its best key. Each kind reads the key index in order and stops at p_limit.
-- Returns the user as the API renders it and the viewer's direct conversation with them.
CREATE FUNCTION chat_directory_page(p_viewer bigint, p_query text, p_limit int, p_after_kind int, p_after_key text, p_after_id bigint)
RETURNS TABLE (kind smallint, sort_key text, user_id bigint, user_json json, direct_conversation_id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    q text COLLATE "C" := chat_fold(p_query);
    upper_bound text COLLATE "C" := chat_fold(p_query) || chr(1114111);
    after_key text COLLATE "C" := coalesce(p_after_key, '');
    found_count int := 0;
BEGIN
    IF p_after_kind <= 1 THEN
        RETURN QUERY
        SELECT k.kind, k.key::text, k.user_id, chat_user_json(u), r.id
        FROM (SELECT d.kind, d.key, d.user_id FROM user_directory_keys d
              WHERE d.kind = 1 AND d.key >= q AND d.key < upper_bound AND d.user_id <> p_viewer
                AND (p_after_kind < 1 OR (d.key, d.user_id) > (after_key, p_after_id))
                AND NOT EXISTS (SELECT 1 FROM user_directory_keys o WHERE o.user_id = d.user_id AND o.kind = 1
                                AND o.key >= q AND o.key < upper_bound AND o.key < d.key)
              ORDER BY d.key, d.user_id LIMIT p_limit) k
        JOIN users u ON u.id = k.user_id
        LEFT JOIN chat_rooms r ON r.direct_user_low = least(p_viewer, k.user_id) AND r.direct_user_high = greatest(p_viewer, k.user_id)
        ORDER BY k.key, k.user_id;
        GET DIAGNOSTICS found_count = ROW_COUNT;
        IF found_count >= p_limit THEN RETURN; END IF;
    END IF;
    RETURN QUERY
    SELECT k.kind, k.key::text, k.user_id, chat_user_json(u), r.id
    FROM (SELECT d.kind, d.key, d.user_id FROM user_directory_keys d
          WHERE d.kind = 2 AND d.key >= q AND d.key < upper_bound AND d.user_id <> p_viewer
            AND (p_after_kind < 2 OR (d.key, d.user_id) > (after_key, p_after_id))
            AND NOT EXISTS (SELECT 1 FROM user_directory_keys o WHERE o.user_id = d.user_id
                            AND o.key >= q AND o.key < upper_bound AND (o.kind, o.key) < (d.kind, d.key))
          ORDER BY d.key, d.user_id LIMIT p_limit - found_count) k
    JOIN users u ON u.id = k.user_id
    LEFT JOIN chat_rooms r ON r.direct_user_low = least(p_viewer, k.user_id) AND r.direct_user_high = greatest(p_viewer, k.user_id)
    ORDER BY k.key, k.user_id;
END
$$;
