-- Events as received (raw body kept for replay), their deduplication keys, and the jobs that
-- process them. Times are integer milliseconds since the Unix epoch; ids are text.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    connection TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    action TEXT,
    entity_key TEXT NOT NULL,
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    reason TEXT,
    detail TEXT,
    last_error TEXT,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX events_by_connection ON events (connection, id);
CREATE INDEX events_by_entity ON events (connection, entity_key);

CREATE TABLE event_dedupe (
    connection TEXT NOT NULL,
    source TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (connection, source, body_hash)
);
CREATE INDEX event_dedupe_by_age ON event_dedupe (received_at);

CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    connection TEXT NOT NULL,
    event_id TEXT NOT NULL REFERENCES events (id),
    kind TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_by_state ON jobs (state, run_at);
CREATE INDEX jobs_by_entity ON jobs (connection, entity_key, seq);
CREATE INDEX jobs_by_event ON jobs (event_id);

CREATE TABLE job_attempts (
    job_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    result TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (job_id, attempt)
);
