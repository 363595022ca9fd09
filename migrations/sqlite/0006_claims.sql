-- Claims on things leafbridge creates on a platform and that several jobs may want at once
-- (the destination of a licence, the product of a SKU, a strain): a row per key with an owner
-- and an expiry, so one creator at a time holds it across replicas without a transaction open.
CREATE TABLE claims (
    connection TEXT NOT NULL,
    claim_key TEXT NOT NULL,
    owner TEXT NOT NULL,
    until_ms BIGINT NOT NULL,
    PRIMARY KEY (connection, claim_key)
);
