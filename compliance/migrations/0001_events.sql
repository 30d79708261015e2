-- Every room event stoad reported (docs/compliance-protocol.md), keyed by its sequence number:
-- writing an event twice (after a crash between storing and acknowledging) changes nothing.
CREATE TABLE compliance_events (
    seq         bigint      PRIMARY KEY CHECK (seq > 0),
    -- The bare room JID.
    room        text        NOT NULL,
    -- muc::RoomEventKind by name: 'message', 'join', 'nick-change', ...
    kind        text        NOT NULL,
    -- When the room accepted the event.
    at          timestamptz NOT NULL,
    -- Real bare JID and nick of who did it (empty: the room or the service), and of whom it
    -- was done to.
    actor       text        NOT NULL DEFAULT '',
    nick        text        NOT NULL DEFAULT '',
    target      text        NOT NULL DEFAULT '',
    target_nick text        NOT NULL DEFAULT '',
    -- The archive entry concerned (XEP-0359 stanza-id), if any.
    stanza_id   text        NOT NULL DEFAULT '',
    -- The stanza, the submitted form or a short text.
    payload     text        NOT NULL DEFAULT '',
    -- When this database stored it: the component's lag is stored_at - at.
    stored_at   timestamptz NOT NULL DEFAULT now()
);

-- Exports: by time, by room (grouped per room, in sequence order), by user (as actor or target).
CREATE INDEX compliance_events_at ON compliance_events (at);
CREATE INDEX compliance_events_room_seq ON compliance_events (room, seq);
CREATE INDEX compliance_events_actor ON compliance_events (actor, at) WHERE actor <> '';
CREATE INDEX compliance_events_target ON compliance_events (target, at) WHERE target <> '';
