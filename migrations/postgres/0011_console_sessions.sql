-- Operator console sign-ins: a session (cookie) or a one-time sign-in link, stored by the
-- SHA-256 of its secret, with the CSRF token its forms carry and when it stops working.
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
