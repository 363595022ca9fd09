-- Connections stored as data: one row per LeafLink company ↔ Flourish account pairing with its
-- settings (the same keys as the configuration file, as JSON, no secret among them), and its
-- secrets, each encrypted at rest and shown only by a fingerprint.
CREATE TABLE connections (
    name TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE TABLE connection_secrets (
    connection TEXT NOT NULL,
    setting TEXT NOT NULL,
    sealed TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    set_at_ms BIGINT NOT NULL,
    PRIMARY KEY (connection, setting)
);
