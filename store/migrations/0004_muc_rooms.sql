-- Multi-user chat rooms (XEP-0045) of the MUC services, and their affiliations. Every room is
-- stored while it exists, temporary ones included, so that its archive (0005) has a room to
-- belong to; only persistent ones are loaded again at start.

CREATE TABLE muc_rooms (
    -- The archive refers to rooms by this key: 8 bytes per message rather than a JID.
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The prepared bare room JID, "room@conference.example.org" (RFC 7622: a local part of at
    -- most 1023 octets, '@', a domain of at most 1023).
    jid                text        NOT NULL UNIQUE
                       CHECK (octet_length(jid) BETWEEN 3 AND 2047 AND position('@' IN jid) > 1),
    -- The MUC service the room belongs to: its JID's domain.
    service            text        NOT NULL GENERATED ALWAYS AS (split_part(jid, '@', 2)) STORED,
    -- muc#roomconfig_persistentroom, apart from the rest of the configuration because start-up
    -- selects on it.
    persistent         boolean     NOT NULL,
    -- The rest of the room configuration (muc#roomconfig), one key per field. A document
    -- rather than columns so that a new field needs no migration: a key missing from an older
    -- row reads as the field's default.
    config             jsonb       NOT NULL CHECK (jsonb_typeof(config) = 'object'),
    -- The subject (XEP-0045 §8.1): empty text means none; the nick is empty when the room
    -- itself set it.
    subject            text        NOT NULL DEFAULT '',
    subject_nick       text        NOT NULL DEFAULT '',
    subject_changed_at timestamptz NOT NULL DEFAULT now(),
    -- Key of the XEP-0421 occupant ids, kept so that they stay stable across restarts.
    occupant_id_secret text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Start-up loads the persistent rooms of a service and purges its temporary ones.
CREATE INDEX muc_rooms_service ON muc_rooms (service, persistent);

-- Owners, admins, members and outcasts (XEP-0045 §5.2). "none" is never stored: it is the
-- absence of a row.
CREATE TABLE muc_affiliations (
    room_id     bigint NOT NULL REFERENCES muc_rooms (id) ON DELETE CASCADE,
    -- Usually a bare user JID; XEP-0045 §9 also allows a domain or a full JID.
    jid         text   NOT NULL CHECK (octet_length(jid) BETWEEN 1 AND 3071),
    affiliation text   NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
    -- As given by whoever set it; may be empty.
    reason      text   NOT NULL DEFAULT '',
    PRIMARY KEY (room_id, jid)
);

-- The rooms a user is affiliated with: rooms per owner, and the rooms a user may read when
-- searching across rooms.
CREATE INDEX muc_affiliations_jid ON muc_affiliations (jid);
