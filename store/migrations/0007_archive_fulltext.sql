-- Full-text search of the MUC archive (XEP-0431 in MAM, and the Stoa search across rooms).
--
-- The words of each body, as a tsvector kept by PostgreSQL itself: a STORED generated column
-- on the partitioned parent, which every partition inherits. Stored rather than an expression
-- index because a search matching many rows rechecks them from the heap, and a stored vector
-- spares computing to_tsvector again for each of them.
--
-- The 'simple' configuration: rooms mix languages, and a stemming dictionary chosen for one
-- language mangles the words of the others. 'simple' lower-cases and splits words without
-- stemming or stop words, so a search finds the words as written, in any language.
ALTER TABLE muc_archive
    ADD COLUMN body_words tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(body, ''))) STORED;

-- A GIN index on the partitioned parent: PostgreSQL creates it on every existing partition and
-- on every partition created or attached later.
CREATE INDEX muc_archive_body_words ON muc_archive USING gin (body_words);

-- As in 0005, with two changes that the generated column needs: a new partition copies the
-- generation expression (without INCLUDING GENERATED, LIKE makes body_words a plain column,
-- which ATTACH PARTITION refuses), and rows moved out of the default partition are inserted
-- by the names of the columns that are not generated (PostgreSQL refuses a value for a
-- generated column). The names come from the catalog, so that a column added later moves too.
CREATE OR REPLACE FUNCTION muc_archive_ensure_partitions(from_time timestamptz,
                                                         through_time timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamp := date_trunc('month', from_time AT TIME ZONE 'UTC');
    last_month  timestamp := date_trunc('month', through_time AT TIME ZONE 'UTC');
    low         timestamptz;
    high        timestamptz;
    part_name   text;
    columns     text;
    created     integer := 0;
BEGIN
    -- Two callers would otherwise both see a partition missing and both create it.
    PERFORM pg_advisory_xact_lock(hashtext('muc_archive_ensure_partitions'));
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute
    WHERE attrelid = 'muc_archive'::regclass AND attnum > 0 AND NOT attisdropped
          AND attgenerated = '';
    WHILE month_start <= last_month LOOP
        low := month_start AT TIME ZONE 'UTC';
        high := (month_start + interval '1 month') AT TIME ZONE 'UTC';
        part_name := 'muc_archive_' || to_char(month_start, 'YYYY_MM');
        IF to_regclass(part_name) IS NULL THEN
            -- Created apart and attached, because a partition cannot be created while the
            -- default partition holds rows of its range.
            EXECUTE format('CREATE TABLE %I (LIKE muc_archive INCLUDING DEFAULTS '
                           'INCLUDING CONSTRAINTS INCLUDING GENERATED)', part_name);
            EXECUTE format('WITH moved AS (DELETE FROM muc_archive_default '
                           'WHERE at >= %L AND at < %L RETURNING %s) '
                           'INSERT INTO %I (%s) SELECT * FROM moved',
                           low, high, columns, part_name, columns);
            EXECUTE format('ALTER TABLE muc_archive ATTACH PARTITION %I '
                           'FOR VALUES FROM (%L) TO (%L)', part_name, low, high);
            created := created + 1;
        END IF;
        month_start := month_start + interval '1 month';
    END LOOP;
    RETURN created;
END
$$;
