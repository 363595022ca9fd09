-- Connection-scoped operator tokens (only their SHA-256 is kept) and what the owner of a
-- connection is told: the channels (email, webhook; secrets sealed), the problems noticed and
-- whether a digest said them, and when each connection's last digest went out.
CREATE TABLE operator_tokens (
    id TEXT PRIMARY KEY,
    connection TEXT NOT NULL,
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX operator_tokens_by_connection ON operator_tokens (connection, id);

CREATE TABLE notification_channels (
    id TEXT PRIMARY KEY,
    connection TEXT NOT NULL,
    kind TEXT NOT NULL,
    settings TEXT NOT NULL,
    sealed_secret TEXT,
    secret_fingerprint TEXT,
    secret_set_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX notification_channels_by_connection ON notification_channels (connection, id);

CREATE TABLE notification_items (
    connection TEXT NOT NULL,
    item_key TEXT NOT NULL,
    category TEXT NOT NULL,
    detail TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    resolved_at BIGINT,
    announced_at BIGINT,
    resolution_announced_at BIGINT,
    PRIMARY KEY (connection, item_key)
);

CREATE TABLE notification_state (
    connection TEXT PRIMARY KEY,
    last_digest_at BIGINT NOT NULL
);
