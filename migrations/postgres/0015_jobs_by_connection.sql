-- Workers claim connection by connection (so one connection's backlog never delays another's
-- jobs): index the unfinished jobs of each connection in arrival order.
CREATE INDEX jobs_unfinished_by_connection ON jobs (connection, seq)
    WHERE state IN ('pending', 'running');
