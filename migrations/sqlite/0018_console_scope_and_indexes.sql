-- The operator console: sessions signed in with a connection token carry that connection and
-- the token's id (NULL for the admin; revoking the token ends them); the last preflight report
-- per connection; LeafLink order short ids (kept by a trigger as order events arrive) for the
-- console's search; and indexes that keep every console page bounded with many events stored.
ALTER TABLE console_sessions ADD COLUMN connection TEXT;
ALTER TABLE console_sessions ADD COLUMN token_id TEXT;

CREATE TABLE preflight_reports (
    connection TEXT PRIMARY KEY,
    html TEXT NOT NULL,
    ran_at BIGINT NOT NULL
);

CREATE TABLE order_short_ids (
    connection TEXT NOT NULL,
    short_id TEXT NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (connection, short_id, number)
);

CREATE TRIGGER events_order_short_id AFTER INSERT ON events
WHEN NEW.source = 'leaflink' AND NEW.kind = 'order' AND json_valid(NEW.body)
BEGIN
    INSERT OR IGNORE INTO order_short_ids (connection, short_id, number)
    SELECT NEW.connection, s, substr(NEW.entity_key, 16)
    FROM (SELECT CAST(COALESCE(json_extract(NEW.body, '$.data.short_id'),
                               json_extract(NEW.body, '$.short_id')) AS TEXT) AS s)
    WHERE s IS NOT NULL AND s <> '';
END;

INSERT OR IGNORE INTO order_short_ids (connection, short_id, number)
SELECT connection, s, substr(entity_key, 16)
FROM (SELECT connection, entity_key,
             CAST(COALESCE(json_extract(body, '$.data.short_id'),
                           json_extract(body, '$.short_id')) AS TEXT) AS s
      FROM events WHERE source = 'leaflink' AND kind = 'order' AND json_valid(body))
WHERE s IS NOT NULL AND s <> '';

-- Outcomes over the last hour and day, and events received per source, read from the index.
CREATE INDEX events_by_update ON events (connection, updated_at, outcome, source);
CREATE INDEX events_by_receipt ON events (connection, received_at, source);
-- "Is there a later finished event of this entity?" (the attention queue) without a row read.
CREATE INDEX events_by_entity_id ON events (connection, entity_key, id, status);
-- Jobs of one state in id order, and the queue figures without counting finished jobs.
CREATE INDEX jobs_by_connection_state ON jobs (connection, state, id);
CREATE INDEX jobs_by_connection_state_age ON jobs (connection, state, created_at);
-- Links by key or by the other side's id, any kind (the console's record search).
CREATE INDEX links_by_key ON links (connection, key);
CREATE INDEX links_by_remote_any ON links (connection, remote_id);
