-- The message archive of MUC rooms: every groupchat message and subject change, stored before
-- it is delivered. It holds hundreds of millions of rows, so it is partitioned by time (one
-- partition per UTC month): retention drops whole partitions, and scans bounded in time touch
-- only the partitions they need.

-- The append order across all rooms, which breaks ties between entries of one room stamped
-- with the same microsecond. (PostgreSQL 15 allows no identity column on a partitioned table.)
CREATE SEQUENCE muc_archive_seq AS bigint;

CREATE TABLE muc_archive (
    -- muc_rooms.id. No foreign key: checking it would read and share-lock the room's row for
    -- every message; the store deletes a room's archive together with the room.
    room_id     bigint      NOT NULL,
    -- When the room accepted the entry (the <delay/> stamp of history and MAM).
    at          timestamptz NOT NULL,
    seq         bigint      NOT NULL DEFAULT nextval('muc_archive_seq'),
    kind        text        NOT NULL CHECK (kind IN ('message', 'subject')),
    -- The XEP-0359 stanza-id the room gave the message; unique per room (the room ensures it:
    -- a unique index on a partitioned table would have to include the time).
    stanza_id   text        NOT NULL CHECK (octet_length(stanza_id) BETWEEN 1 AND 1023),
    -- The sender's nick in the room, real bare JID and XEP-0421 occupant id.
    nick        text        NOT NULL,
    sender      text        NOT NULL,
    occupant_id text,
    -- The <body/>, NULL when the message has none: for search and exports.
    body        text,
    -- The <message/> as the room broadcast it, without 'to'.
    stanza      text        NOT NULL
) PARTITION BY RANGE (at);

ALTER SEQUENCE muc_archive_seq OWNED BY muc_archive.seq;

-- Entries whose month has no partition yet (a clock far off, an import of old messages): an
-- insert never fails for lack of a partition. muc_archive_ensure_partitions() moves them out.
CREATE TABLE muc_archive_default PARTITION OF muc_archive DEFAULT;

-- Newest N of a room, since a time, and paging: (room, time) with seq as the tie-break, which
-- is the archive order of one room.
CREATE INDEX muc_archive_room_time ON muc_archive (room_id, at, seq);
-- Looking up an entry by its stanza-id (MAM before-id/after-id/ids, retraction).
CREATE INDEX muc_archive_room_stanza_id ON muc_archive (room_id, stanza_id);

-- Creates the missing monthly partitions muc_archive_YYYY_MM for every UTC month from the one
-- holding `from_time` to the one holding `through_time`, moving any rows of those months out of
-- the default partition first; returns how many it created. Safe to call concurrently.
CREATE FUNCTION muc_archive_ensure_partitions(from_time timestamptz, through_time timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamp := date_trunc('month', from_time AT TIME ZONE 'UTC');
    last_month  timestamp := date_trunc('month', through_time AT TIME ZONE 'UTC');
    low         timestamptz;
    high        timestamptz;
    part_name   text;
    created     integer := 0;
BEGIN
    -- Two callers would otherwise both see a partition missing and both create it.
    PERFORM pg_advisory_xact_lock(hashtext('muc_archive_ensure_partitions'));
    WHILE month_start <= last_month LOOP
        low := month_start AT TIME ZONE 'UTC';
        high := (month_start + interval '1 month') AT TIME ZONE 'UTC';
        part_name := 'muc_archive_' || to_char(month_start, 'YYYY_MM');
        IF to_regclass(part_name) IS NULL THEN
            -- Created apart and attached, because a partition cannot be created while the
            -- default partition holds rows of its range.
            EXECUTE format('CREATE TABLE %I (LIKE muc_archive INCLUDING DEFAULTS '
                           'INCLUDING CONSTRAINTS)', part_name);
            EXECUTE format('WITH moved AS (DELETE FROM muc_archive_default '
                           'WHERE at >= %L AND at < %L RETURNING *) '
                           'INSERT INTO %I SELECT * FROM moved', low, high, part_name);
            EXECUTE format('ALTER TABLE muc_archive ATTACH PARTITION %I '
                           'FOR VALUES FROM (%L) TO (%L)', part_name, low, high);
            created := created + 1;
        END IF;
        month_start := month_start + interval '1 month';
    END LOOP;
    RETURN created;
END
$$;

SELECT muc_archive_ensure_partitions(now(), now() + interval '1 month');
