-- Accounts of the local domain and their SCRAM verifiers (RFC 5802 §3). The password itself
-- is never stored.

CREATE TABLE accounts (
    -- The nodeprepped local part (RFC 7622 §3.3: at most 1023 octets).
    username   text        PRIMARY KEY
               CHECK (octet_length(username) BETWEEN 1 AND 1023),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One verifier per hash function, so that a client offering SCRAM-SHA-256 and one offering
-- SCRAM-SHA-1 can both authenticate against the same account.
CREATE TABLE credentials (
    username   text    NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,
    hash       text    NOT NULL CHECK (hash IN ('SHA-1', 'SHA-256', 'SHA-512')),
    salt       bytea   NOT NULL CHECK (octet_length(salt) > 0),
    iterations integer NOT NULL CHECK (iterations > 0),
    stored_key bytea   NOT NULL,
    server_key bytea   NOT NULL,
    PRIMARY KEY (username, hash)
);
