-- The platform's users, the seed's four chat tables, and the event log.
-- Timestamps are timestamptz throughout; message and event ids are bigint.

CREATE TABLE users (
    id           bigserial PRIMARY KEY,
    username     text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{1,64}$'),
    display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 128),
    avatar       text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_rooms (
    id               bigserial PRIMARY KEY,
    type             text NOT NULL CHECK (type IN ('direct', 'group')),
    name             text,
    avatar           text,
    created_by       bigint NOT NULL REFERENCES users (id),
    -- A direct room records its pair, lower id first. The unique constraint is what makes
    -- "one direct room per pair" hold when two workers create it at the same moment.
    direct_user_low  bigint REFERENCES users (id),
    direct_user_high bigint REFERENCES users (id),
    -- Per-room message sequence: unread = last_seq - member's last_read_seq, an O(1) count.
    last_seq         bigint NOT NULL DEFAULT 0,
    last_message_id  bigint,
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_rooms_direct_pair_shape CHECK (
        (type = 'direct' AND direct_user_low IS NOT NULL AND direct_user_high IS NOT NULL
            AND direct_user_low < direct_user_high AND name IS NULL)
        OR (type = 'group' AND direct_user_low IS NULL AND direct_user_high IS NULL AND name IS NOT NULL)
    ),
    CONSTRAINT chat_rooms_direct_pair_unique UNIQUE (direct_user_low, direct_user_high)
);

CREATE TABLE chat_room_users (
    room_id              bigint NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id              bigint NOT NULL REFERENCES users (id),
    role                 text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    joined_at            timestamptz NOT NULL DEFAULT now(),
    -- Read marker: never moves backwards (enforced by the functions that move it).
    last_read_seq        bigint NOT NULL DEFAULT 0,
    last_read_message_id bigint,
    last_read_at         timestamptz,
    muted                boolean NOT NULL DEFAULT false,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chat_room_users_by_user ON chat_room_users (user_id, room_id);

CREATE TABLE chat_messages (
    id                bigserial PRIMARY KEY,
    room_id           bigint NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id         bigint NOT NULL REFERENCES users (id),
    seq               bigint NOT NULL,
    content           text NOT NULL DEFAULT '',
    media_url         text,
    media_type        text CHECK (media_type IN ('image', 'video')),
    client_message_id text,
    reply_to_id       bigint REFERENCES chat_messages (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    edited_at         timestamptz,
    deleted_at        timestamptz,
    CONSTRAINT chat_messages_media_pair CHECK ((media_url IS NULL) = (media_type IS NULL)),
    CONSTRAINT chat_messages_not_empty CHECK (content <> '' OR media_url IS NOT NULL OR deleted_at IS NOT NULL)
);
-- History pages walk (room_id, id); ids grow with seq inside a room because a send takes the
-- room's row lock before it draws its id.
CREATE INDEX chat_messages_history ON chat_messages (room_id, id);
-- A retried send with the same clientMessageId finds the original instead of storing a twin.
CREATE UNIQUE INDEX chat_messages_client_id ON chat_messages (sender_id, client_message_id)
    WHERE client_message_id IS NOT NULL;

CREATE TABLE message_reactions (
    message_id bigint NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id),
    emoji      text NOT NULL CHECK (octet_length(emoji) BETWEEN 1 AND 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id, emoji)
);

-- The event log: every change others must see, written in the same transaction as the change.
-- Readers order by (txid, id) and read only transactions older than the oldest one still
-- running (pg_snapshot_xmin), so an event whose transaction commits late is never skipped.
CREATE TABLE chat_events (
    id               bigserial PRIMARY KEY,
    txid             xid8 NOT NULL DEFAULT pg_current_xact_id(),
    room_id          bigint NOT NULL,
    kind             text NOT NULL,
    payload          json NOT NULL,
    -- Users outside the room's current membership who must also receive it (e.g. one just removed).
    extra_recipients bigint[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_events_commit_order ON chat_events (txid, id);
