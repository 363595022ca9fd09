-- Pairs matched once between the two platforms, consulted before any search so that nothing is
-- ever created twice. `kind` says what is linked; `key` is the identity on the source side.
CREATE TABLE links (
    id TEXT PRIMARY KEY,
    connection TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    extra TEXT,
    pinned BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (connection, kind, key)
);
CREATE INDEX links_by_remote ON links (connection, kind, remote_id);
