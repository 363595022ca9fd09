-- Operator resyncs: what was asked, how many jobs it made, and which events belong to it (their
-- statuses and outcomes are its progress). Plus an index for listing events by outcome.
CREATE TABLE resyncs (
    id TEXT PRIMARY KEY,
    connection TEXT NOT NULL,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    jobs BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE resync_events (
    resync_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (resync_id, event_id)
);

CREATE INDEX events_by_outcome ON events (connection, outcome, id);
