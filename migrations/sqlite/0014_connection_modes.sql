-- The mode (shadow or live) an operator or a cutover set for a connection; it wins over the
-- configured LEAFBRIDGE_MODE so a switch survives restarts.
CREATE TABLE connection_modes (
    connection TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
