-- Reconciliation pollers. `poll_state` keeps, per connection and poller, how far the poller has
-- read (the watermark: the newest change time seen, on the platform's clock, in milliseconds),
-- when it last finished a pass, and the error of the last pass when that pass failed.
-- `running_until` is the lease of the instance running a pass, so replicas take turns.
CREATE TABLE poll_state (
    connection TEXT NOT NULL,
    poller TEXT NOT NULL,
    watermark BIGINT,
    last_success_at BIGINT,
    last_attempt_at BIGINT,
    last_error TEXT,
    last_error_at BIGINT,
    running_until BIGINT,
    PRIMARY KEY (connection, poller)
);

-- What a poller without change timestamps (inventory) saw last, per key (a SKU): a fingerprint
-- of the figures, compared on the next pass to find what changed.
CREATE TABLE poll_seen (
    connection TEXT NOT NULL,
    poller TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (connection, poller, key)
);
