-- History management: moderation (XEP-0425), removal and clearing by the administrator, and
-- retention. See docs/history-management.md.

-- When a moderator retracted the entry (XEP-0425) or the administrator removed or replaced it;
-- NULL for an entry as it was sent. A moderated entry keeps its row, so that MAM still pages
-- over it and returns the tombstone: its `stanza` is the tombstone (or the replacement) and its
-- `body` is the replacement text or NULL, so the retracted words leave the full-text index too.
ALTER TABLE muc_archive ADD COLUMN moderated_at timestamptz;

-- Retention drops the monthly partitions muc_archive_YYYY_MM that end at or before `cutoff`
-- (whole months whose every entry has expired), and returns their names. The default
-- partition is never dropped: its expired rows are deleted row by row like those of rooms
-- with a shorter retention.
CREATE FUNCTION muc_archive_drop_partitions_before(cutoff timestamptz)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    part_name   text;
    month_start timestamp;
BEGIN
    -- The same lock as muc_archive_ensure_partitions(): a partition being created must not be
    -- dropped halfway, nor one being dropped be found present.
    PERFORM pg_advisory_xact_lock(hashtext('muc_archive_ensure_partitions'));
    FOR part_name IN
        SELECT c.relname
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'muc_archive'::regclass
              AND c.relname ~ '^muc_archive_[0-9]{4}_[0-9]{2}$'
        ORDER BY c.relname
    LOOP
        month_start := to_date(substr(part_name, 13), 'YYYY_MM')::timestamp;
        IF ((month_start + interval '1 month') AT TIME ZONE 'UTC') <= cutoff THEN
            EXECUTE format('DROP TABLE %I', part_name);
            RETURN NEXT part_name;
        END IF;
    END LOOP;
END
$$;
