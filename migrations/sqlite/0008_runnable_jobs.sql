-- Claims look only at unfinished jobs: index those alone, so that a claim costs the same with a
-- million finished jobs in the table (or thousands for one busy entity) as with none.
CREATE INDEX jobs_unfinished ON jobs (seq) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_unfinished_by_entity ON jobs (connection, entity_key, seq)
    WHERE state IN ('pending', 'running');
