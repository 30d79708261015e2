-- Rosters (RFC 6121 §2) and presence subscription state (RFC 6121 §3, Appendix A), with
-- roster versioning (XEP-0237, RFC 6121 §2.6).

-- One counter per account. Every change to a visible roster item takes the next value and
-- stamps it on the item (or its tombstone), so "what changed since version N" is a range query
-- and the 'ver' attribute sent to clients is just this number.
CREATE TABLE roster_versions (
    owner   text   PRIMARY KEY REFERENCES accounts (username) ON DELETE CASCADE,
    version bigint NOT NULL DEFAULT 0 CHECK (version >= 0)
);

CREATE TABLE roster_items (
    owner        text    NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,
    -- The contact's bare JID, prepared (RFC 7622): at most 3071 octets.
    contact      text    NOT NULL CHECK (octet_length(contact) BETWEEN 1 AND 3071),
    -- The 'name' attribute; NULL when the item has none (distinct from an empty name).
    name         text,
    -- The 'subscription' attribute (RFC 6121 §2.1.2.5).
    subscription text    NOT NULL DEFAULT 'none'
                 CHECK (subscription IN ('none', 'to', 'from', 'both')),
    -- "Pending Out": the user asked to subscribe to the contact and is waiting for an answer;
    -- shown as ask='subscribe' (RFC 6121 §2.1.2.2).
    ask          boolean NOT NULL DEFAULT false,
    -- "Pending In": the contact asked to subscribe to the user, who has not answered yet. The
    -- server must redeliver the request, with its extended content, whenever the user comes
    -- online until it is answered (RFC 6121 §3.1.3), so the whole presence stanza is kept.
    pending_in   boolean NOT NULL DEFAULT false,
    pending_in_stanza text,
    -- Subscription pre-approval (RFC 6121 §3.4): a later request from the contact is approved
    -- without asking the user.
    approved     boolean NOT NULL DEFAULT false,
    -- The <group/> names, in the order the client gave them.
    groups       text[]  NOT NULL DEFAULT '{}',
    -- False for a row that only records a pending inbound request from someone the user has not
    -- put in the roster: such a contact is not a roster item (RFC 6121 §3.1.3), so it is left
    -- out of roster results and pushes, but its request must survive until answered.
    in_roster    boolean NOT NULL DEFAULT true,
    -- The roster_versions value of the last change to this row.
    version      bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (owner, contact),
    CHECK (pending_in OR pending_in_stanza IS NULL),
    CHECK (in_roster OR (subscription = 'none' AND NOT ask AND NOT approved AND pending_in)),
    -- Pending In is meaningless once the contact already has a subscription from the user.
    CHECK (NOT (pending_in AND subscription IN ('from', 'both'))),
    -- Pending Out is meaningless once the user already has a subscription to the contact.
    CHECK (NOT (ask AND subscription IN ('to', 'both')))
);

-- Roster items removed since some version, so that a client holding an older version can be
-- sent the removals as pushes with subscription='remove' (XEP-0237 §4). A re-added contact
-- deletes its tombstone.
CREATE TABLE roster_tombstones (
    owner   text   NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,
    contact text   NOT NULL CHECK (octet_length(contact) BETWEEN 1 AND 3071),
    version bigint NOT NULL,
    PRIMARY KEY (owner, contact)
);

-- "Changes since version N" for one owner.
CREATE INDEX roster_items_owner_version ON roster_items (owner, version);
CREATE INDEX roster_tombstones_owner_version ON roster_tombstones (owner, version);
-- Presence broadcast and probes look up who is subscribed to a user's presence, i.e. the rows
-- whose contact is that user (for local contacts).
CREATE INDEX roster_items_contact ON roster_items (contact);
