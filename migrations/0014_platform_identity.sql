-- Users as the platform knows them: an external id for a `sub` that is not one of our integer ids,
-- roles (staff, moderator), deactivation, and when the profile was last taken from a token.
-- Deactivated users keep their rows and messages; they render with "deactivated": true.
ALTER TABLE users
    ADD COLUMN external_id text UNIQUE CHECK (char_length(external_id) BETWEEN 1 AND 255),
    ADD COLUMN roles text[] NOT NULL DEFAULT '{}' CHECK (roles <@ ARRAY['staff', 'moderator']::text[]),
    ADD COLUMN deactivated_at timestamptz,
    ADD COLUMN profile_synced_at timestamptz;

CREATE OR REPLACE FUNCTION chat_user_json(u users) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name, 'avatar', u.avatar,
                             'deactivated', u.deactivated_at IS NOT NULL)
$$;

-- Participants carry the flag too (same definition as 0008 otherwise).
CREATE OR REPLACE FUNCTION chat_conversations_json(p_rooms bigint[], p_viewer bigint)
RETURNS TABLE (room_id bigint, conversation json, activity_at timestamptz) LANGUAGE sql STABLE AS $$
    SELECT r.id,
        json_build_object(
            'id', r.id,
            'type', r.type,
            'name', CASE WHEN r.type = 'direct' THEN other.display_name ELSE r.name END,
            'avatar', CASE WHEN r.type = 'direct' THEN other.avatar ELSE r.avatar END,
            'createdBy', r.created_by,
            'createdAt', r.created_at,
            'participants', parts.participants,
            'lastMessage', CASE WHEN last.id IS NOT NULL THEN chat_message_json(last) END,
            'lastMessageAt', last.created_at,
            'unreadCount', coalesce(r.last_seq - me.last_read_seq, 0),
            'muted', coalesce(me.muted, false)),
        r.last_activity_at
    FROM chat_rooms r
    LEFT JOIN chat_messages last ON last.id = r.last_message_id
    LEFT JOIN chat_room_users me ON me.room_id = r.id AND me.user_id = p_viewer
    LEFT JOIN users other ON r.type = 'direct' AND p_viewer IS NOT NULL
        AND other.id = CASE WHEN r.direct_user_low = p_viewer THEN r.direct_user_high ELSE r.direct_user_low END
    CROSS JOIN LATERAL (
        SELECT json_agg(json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name,
                                          'avatar', u.avatar, 'deactivated', u.deactivated_at IS NOT NULL, 'role', p.role)
                        ORDER BY p.joined_at, p.role, u.id) AS participants
        FROM chat_room_users p
        CROSS JOIN LATERAL (SELECT * FROM users WHERE users.id = p.user_id OFFSET 0) u
        WHERE p.room_id = r.id) parts
    WHERE r.id = ANY (p_rooms)
$$;

-- A valid username (A-Z a-z 0-9 _ . -, 1-64) from whatever the platform calls its user: accents
-- folded ("José" -> "Jose"), other runs of characters as one "_", the fallback when nothing is left
-- (a name written entirely in another script).
CREATE FUNCTION chat_username_base(p_wanted text, p_fallback text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    cleaned text;
BEGIN
    cleaned := btrim(regexp_replace(public.unaccent('public.unaccent'::regdictionary, coalesce(p_wanted, '')), '[^A-Za-z0-9_.-]+', '_', 'g'), '_');
    RETURN left(coalesce(nullif(cleaned, ''), p_fallback), 64);
END
$$;

-- The base itself when no other user has it, else base_2, base_3, ... (then a random suffix).
CREATE FUNCTION chat_free_username(p_base text, p_self bigint) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    candidate text := p_base;
    n int := 1;
BEGIN
    LOOP
        IF NOT EXISTS (SELECT 1 FROM users WHERE username = candidate AND id IS DISTINCT FROM p_self) THEN
            RETURN candidate;
        END IF;
        n := n + 1;
        IF n <= 50 THEN
            candidate := left(p_base, 63 - length(n::text)) || '_' || n;
        ELSE
            candidate := left(p_base, 51) || '_' || substr(md5(random()::text || clock_timestamp()::text), 1, 12);
        END IF;
    END LOOP;
END
$$;

-- Tells everyone sharing a conversation with the user (and the user's own devices) the current
-- profile: one event outside any room (room_id 0), recipients listed.
CREATE FUNCTION chat_user_updated_event(p_user bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO chat_events (room_id, kind, payload, extra_recipients)
    SELECT 0, 'user_updated', json_build_object('user', chat_user_json(u)),
           ARRAY(SELECT o.user_id FROM chat_room_users m JOIN chat_room_users o ON o.room_id = m.room_id WHERE m.user_id = p_user
                 UNION SELECT p_user)
    FROM users u WHERE u.id = p_user
$$;

-- Creates or updates a platform user: by our id (p_id, for a canonical integer sub) or by
-- external id. NULL arguments leave a field as it is (on creation: the display name defaults to
-- the username, the username to one derived from the display name); '' clears the avatar.
-- p_min_interval > 0 skips users synced more recently than that (token claims: profile_sync_seconds);
-- `changed` is then NULL: nothing was compared.
-- A profile change announces itself (user_updated); any change wakes the pools' account caches.
-- SQLSTATE CHI09: p_id belongs to a user known by an external id (an integer sub never reaches them).
CREATE FUNCTION chat_upsert_user(p_id bigint, p_external text, p_username text, p_display text, p_avatar text,
                                 p_roles text[], p_min_interval interval DEFAULT '0')
RETURNS TABLE (user_id bigint, created boolean, changed boolean) LANGUAGE plpgsql AS $$
DECLARE
    u users;
    new_id bigint;
    new_username text;
    new_display text;
    new_avatar text;
    new_roles text[];
    attempt int := 0;
BEGIN
    IF (p_id IS NULL) = (p_external IS NULL) THEN
        RAISE EXCEPTION 'exactly one of id and external id' USING ERRCODE = '22023';
    END IF;
    LOOP
        attempt := attempt + 1;
        IF p_id IS NOT NULL THEN
            SELECT * INTO u FROM users WHERE id = p_id FOR UPDATE;
            IF FOUND AND u.external_id IS NOT NULL THEN
                RAISE EXCEPTION 'id belongs to an external user' USING ERRCODE = 'CHI09';
            END IF;
        ELSE
            SELECT * INTO u FROM users WHERE external_id = p_external FOR UPDATE;
        END IF;
        BEGIN
            IF NOT FOUND THEN
                new_username := chat_free_username(chat_username_base(coalesce(p_username, p_display), 'user'), NULL);
                INSERT INTO users (id, external_id, username, display_name, avatar, roles, profile_synced_at)
                VALUES (coalesce(p_id, nextval('users_id_seq')), p_external, new_username,
                        left(coalesce(nullif(btrim(p_display), ''), nullif(btrim(p_username), ''), new_username), 128),
                        nullif(p_avatar, ''), coalesce(p_roles, '{}'), now())
                RETURNING id INTO new_id;
                -- The platform's own ids stay ahead of our sequence, so ids we hand out later
                -- (external subs, messaging-admin user add) do not run into them.
                IF p_id IS NOT NULL AND p_id > (SELECT last_value FROM users_id_seq) THEN
                    PERFORM setval('users_id_seq', p_id);
                END IF;
                PERFORM pg_notify('chat_accounts', new_id::text);
                RETURN QUERY SELECT new_id, true, true;
                RETURN;
            END IF;
            IF p_min_interval > interval '0' AND u.profile_synced_at > now() - p_min_interval THEN
                RETURN QUERY SELECT u.id, false, NULL::boolean;  -- not looked at: synced too recently
                RETURN;
            END IF;
            new_username := CASE WHEN p_username IS NULL THEN u.username
                                 ELSE chat_free_username(chat_username_base(p_username, u.username), u.id) END;
            new_display := coalesce(left(nullif(btrim(p_display), ''), 128), u.display_name);
            new_avatar := CASE WHEN p_avatar IS NULL THEN u.avatar ELSE nullif(p_avatar, '') END;
            new_roles := coalesce(p_roles, u.roles);
            IF (new_username, new_display, new_avatar, new_roles) IS NOT DISTINCT FROM (u.username, u.display_name, u.avatar, u.roles) THEN
                IF p_min_interval > interval '0' THEN
                    UPDATE users SET profile_synced_at = now() WHERE id = u.id;
                END IF;
                RETURN QUERY SELECT u.id, false, false;
                RETURN;
            END IF;
            UPDATE users SET username = new_username, display_name = new_display, avatar = new_avatar, roles = new_roles,
                             profile_synced_at = now()
            WHERE id = u.id;
            IF (new_username, new_display, new_avatar) IS DISTINCT FROM (u.username, u.display_name, u.avatar) THEN
                PERFORM chat_user_updated_event(u.id);
            END IF;
            PERFORM pg_notify('chat_accounts', u.id::text);
            RETURN QUERY SELECT u.id, false, true;
            RETURN;
        EXCEPTION WHEN unique_violation THEN
            -- A concurrent creator of the same user, or of the same username: look again.
            IF attempt >= 5 THEN RAISE; END IF;
        END;
    END LOOP;
END
$$;

-- Deactivates or reactivates a user; false when it already was so. Deactivation keeps every
-- message; the user's live push sessions close (account_deactivated, to their daemons), their
-- contacts see the flag (user_updated), and every pool drops its cached account (chat_accounts).
-- SQLSTATE CHU04 for an unknown user.
CREATE FUNCTION chat_set_user_active(p_user bigint, p_active boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET deactivated_at = CASE WHEN p_active THEN NULL ELSE now() END
    WHERE id = p_user AND (deactivated_at IS NULL) <> p_active;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user) THEN
            RAISE EXCEPTION 'unknown users' USING ERRCODE = 'CHU04', DETAIL = p_user::text;
        END IF;
        RETURN false;
    END IF;
    PERFORM chat_user_updated_event(p_user);
    IF NOT p_active THEN
        INSERT INTO chat_events (room_id, kind, payload, extra_recipients)
        VALUES (0, 'account_deactivated', json_build_object('userId', p_user), ARRAY[p_user]);
    END IF;
    PERFORM pg_notify('chat_accounts', p_user::text);
    RETURN true;
END
$$;

-- Credentials of the platform's backend for the service API: only a SHA-256 of each token is
-- kept; the token itself is shown once, when created.
CREATE TABLE service_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    token_sha256 bytea NOT NULL UNIQUE CHECK (octet_length(token_sha256) = 32),
    scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['users:read', 'users:write']::text[] AND cardinality(scopes) > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
-- A name is unique among live tokens: a revoked one's name can be given to its replacement.
CREATE UNIQUE INDEX service_tokens_live_name ON service_tokens (name) WHERE revoked_at IS NULL;
