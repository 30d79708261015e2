-- The compliance outbox (design.md "The compliance path"): every room event, written in the
-- same transaction as the archive row or room change it reports, kept until every compliance
-- component has acknowledged it. Components receive events in sequence order.

-- The last sequence number handed out. A counter row rather than a SEQUENCE: the row lock
-- serializes writers (several nodes share the database), so events commit in sequence order
-- and a reader never sees seq N+1 before seq N; and a rolled-back write gives its numbers
-- back, so the sequence has no gaps.
CREATE TABLE compliance_sequence (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq  bigint  NOT NULL
);
INSERT INTO compliance_sequence (last_seq) VALUES (0);

CREATE TABLE compliance_outbox (
    seq         bigint      PRIMARY KEY,
    -- The prepared bare room JID.
    room        text        NOT NULL,
    -- muc::RoomEventKind by name: 'message', 'join', 'nick-change', ...
    kind        text        NOT NULL,
    -- When the room accepted the event.
    at          timestamptz NOT NULL,
    -- Real bare JID and nick of who did it (empty: the room or the service), and of whom it
    -- was done to.
    actor_jid   text        NOT NULL DEFAULT '',
    actor_nick  text        NOT NULL DEFAULT '',
    target_jid  text        NOT NULL DEFAULT '',
    target_nick text        NOT NULL DEFAULT '',
    -- The archive entry concerned (messages, subjects, moderation, removals).
    stanza_id   text        NOT NULL DEFAULT '',
    -- The stanza, the submitted form, or a short text (muc/room_event.hpp).
    payload     text        NOT NULL DEFAULT ''
);

-- How far each compliance component has acknowledged. Events at or below the lowest cursor of
-- the components entitled to them leave the outbox.
CREATE TABLE compliance_cursors (
    component text        PRIMARY KEY CHECK (octet_length(component) BETWEEN 1 AND 1023),
    acked_seq bigint      NOT NULL DEFAULT 0,
    acked_at  timestamptz NOT NULL DEFAULT now()
);
