-- Roster tombstones are bounded per account: the oldest are deleted once there are too many,
-- so that adding and removing ever new contacts cannot grow the table without end. A client
-- whose cached roster predates a deleted tombstone cannot be sent that removal, so it gets the
-- full roster instead (XEP-0237 §4: the server may always do so).
ALTER TABLE roster_versions
    ADD COLUMN tombstones_pruned_through bigint NOT NULL DEFAULT 0
        CHECK (tombstones_pruned_through >= 0);
