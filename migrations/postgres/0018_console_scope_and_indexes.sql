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

-- The short id in an order event's body, or NULL (a body that is not JSON never fails an insert).
CREATE FUNCTION leafbridge_order_short_id(body TEXT) RETURNS TEXT AS $$
DECLARE
    parsed JSONB;
BEGIN
    BEGIN
        parsed := body::jsonb;
    EXCEPTION WHEN others THEN
        RETURN NULL;
    END;
    IF jsonb_typeof(parsed) <> 'object' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(parsed -> 'data') = 'object' THEN
        RETURN NULLIF(parsed -> 'data' ->> 'short_id', '');
    END IF;
    RETURN NULLIF(parsed ->> 'short_id', '');
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION leafbridge_record_order_short_id() RETURNS trigger AS $$
DECLARE
    short TEXT;
BEGIN
    short := leafbridge_order_short_id(NEW.body);
    IF short IS NOT NULL THEN
        INSERT INTO order_short_ids (connection, short_id, number)
        VALUES (NEW.connection, short, substr(NEW.entity_key, 16))
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_order_short_id AFTER INSERT ON events
FOR EACH ROW WHEN (NEW.source = 'leaflink' AND NEW.kind = 'order')
EXECUTE FUNCTION leafbridge_record_order_short_id();

INSERT INTO order_short_ids (connection, short_id, number)
SELECT connection, s, substr(entity_key, 16)
FROM (SELECT connection, entity_key, leafbridge_order_short_id(body) AS s
      FROM events WHERE source = 'leaflink' AND kind = 'order') AS orders
WHERE s IS NOT NULL
ON CONFLICT DO NOTHING;

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
