//! Jobs with leases: a short claim that keeps per-entity arrival order, heartbeats, and short
//! completions. No transaction is held while a job runs. Jobs are written with their events, in
//! the same statements (`events::insert_batch`).

use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};

use super::{Backend, Db};

/// A job a worker holds a lease on.
#[derive(Clone, Debug)]
pub struct ClaimedJob {
    pub seq: i64,
    pub id: String,
    pub connection: String,
    pub event_id: String,
    pub kind: String,
    pub entity_key: String,
    /// 1 for the first run.
    pub attempt: i64,
}

/// Claims up to `limit` runnable jobs of the given kinds for `owner` until `lease_until`.
///
/// A job is runnable when it is pending and due, or running with an expired lease, and no
/// earlier job for the same entity is still pending or running: jobs of one entity run one at a
/// time, in arrival order. PostgreSQL skips rows other replicas are claiming.
pub async fn claim(
    db: &Db,
    kinds: &[String],
    owner: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> sqlx::Result<Vec<ClaimedJob>> {
    claim_for(db, None, kinds, owner, now, lease_until, limit).await
}

/// Like [`claim`], among the jobs of `connection` only (every connection's when `None`): the
/// worker claims connection by connection, in turn, so one connection's backlog never stands
/// in front of another's jobs.
pub async fn claim_for(
    db: &Db,
    connection: Option<&str>,
    kinds: &[String],
    owner: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> sqlx::Result<Vec<ClaimedJob>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = candidates_sql(kinds.len(), connection.is_some(), limit);
    let sql = match db.backend {
        Backend::Postgres => format!(
            "WITH next AS ({candidates} FOR UPDATE SKIP LOCKED) \
             UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
               attempts = attempts + 1, updated_at = $3 \
             FROM next WHERE jobs.seq = next.seq \
             RETURNING jobs.seq, jobs.id, jobs.connection, jobs.event_id, jobs.kind, \
               jobs.entity_key, jobs.attempts"
        ),
        Backend::Sqlite => format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
               attempts = attempts + 1, updated_at = $3 \
             WHERE seq IN ({candidates}) \
             RETURNING seq, id, connection, event_id, kind, entity_key, attempts"
        ),
    };
    let mut query = sqlx::query(&sql).bind(owner).bind(lease_until).bind(now);
    for kind in kinds {
        query = query.bind(kind);
    }
    if let Some(connection) = connection {
        query = query.bind(connection);
    }
    let rows = query.fetch_all(&db.writes).await?;
    let mut jobs = rows
        .iter()
        .map(|row| {
            Ok(ClaimedJob {
                seq: row.try_get("seq")?,
                id: row.try_get("id")?,
                connection: row.try_get("connection")?,
                event_id: row.try_get("event_id")?,
                kind: row.try_get("kind")?,
                entity_key: row.try_get("entity_key")?,
                attempt: row.try_get("attempts")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    jobs.sort_by_key(|job| job.seq);
    Ok(jobs)
}

/// The runnable jobs, first `limit` by arrival (`$3` is now; the kinds are `$4`…, then the
/// connection when `by_connection`). Both `jobs` scans go through the partial indexes of
/// unfinished jobs (migrations 0008 and 0015), so a claim does not slow down as finished jobs
/// pile up, overall, for one busy entity, or for another connection's backlog.
fn candidates_sql(kinds: usize, by_connection: bool, limit: i64) -> String {
    let kind_list: Vec<String> = (0..kinds).map(|i| format!("${}", i + 4)).collect();
    let connection = if by_connection {
        format!("j.connection = ${} AND ", kinds + 4)
    } else {
        String::new()
    };
    format!(
        "SELECT j.seq FROM jobs j \
         WHERE {connection}j.kind IN ({kinds}) AND j.state IN ('pending', 'running') \
           AND ((j.state = 'pending' AND j.run_at <= $3) \
             OR (j.state = 'running' AND j.lease_until < $3)) \
           AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.connection = j.connection \
             AND e.entity_key = j.entity_key AND e.seq < j.seq \
             AND e.state IN ('pending', 'running')) \
         ORDER BY j.seq LIMIT {limit}",
        kinds = kind_list.join(", "),
    )
}

/// Whether a later job for the same entity is already waiting. It will run after this one and,
/// since jobs re-read their record, repeat whatever this one would do: flows whose writes
/// depend only on the current state use this to let a burst collapse onto its newest event.
pub async fn newer_pending(pool: &AnyPool, job_id: &str) -> sqlx::Result<bool> {
    let newer: Option<String> = sqlx::query_scalar(
        "SELECT n.id FROM jobs j JOIN jobs n ON n.connection = j.connection \
           AND n.entity_key = j.entity_key AND n.seq > j.seq AND n.state = 'pending' \
         WHERE j.id = $1 LIMIT 1",
    )
    .bind(job_id)
    .fetch_optional(pool)
    .await?;
    Ok(newer.is_some())
}

/// Extends a lease while the job is still being worked on; false when the lease was lost.
pub async fn heartbeat(
    pool: &AnyPool,
    job: &ClaimedJob,
    owner: &str,
    lease_until: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET lease_until = $1 WHERE seq = $2 AND lease_owner = $3 AND state = 'running'",
    )
    .bind(lease_until)
    .bind(job.seq)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How a run ended, for [`finish`].
#[derive(Clone, Debug)]
pub enum Finish {
    /// Processed: the event records the outcome.
    Done {
        outcome: String,
        reason: Option<String>,
        detail: Option<String>,
    },
    /// Failed, to run again at `run_at`.
    Retry { error: String, run_at: i64 },
    /// Failed for good (permanent error or schedule exhausted).
    Dead { error: String },
    /// Given back unfinished (shutdown): the attempt does not count.
    Release,
}

/// Records the end of a run in one short transaction; false when the lease had been lost to
/// another worker (nothing is written then).
pub async fn finish(
    pool: &AnyPool,
    job: &ClaimedJob,
    owner: &str,
    started_at: i64,
    now: i64,
    finish: &Finish,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let (state, run_at, error, attempts_delta) = match finish {
        Finish::Done { .. } => ("done", None, None, 0_i64),
        Finish::Retry { error, run_at } => ("pending", Some(*run_at), Some(error.as_str()), 0),
        Finish::Dead { error } => ("dead", None, Some(error.as_str()), 0),
        Finish::Release => ("pending", Some(now), None, 1),
    };
    let updated = sqlx::query(
        "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), last_error = COALESCE($3, last_error), \
         attempts = attempts - $4, lease_owner = NULL, lease_until = NULL, updated_at = $5 \
         WHERE seq = $6 AND lease_owner = $7 AND state = 'running'",
    )
    .bind(state)
    .bind(run_at)
    .bind(error)
    .bind(attempts_delta)
    .bind(now)
    .bind(job.seq)
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    if !matches!(finish, Finish::Release) {
        let result = match finish {
            Finish::Done { outcome, .. } => outcome.as_str(),
            Finish::Retry { .. } => "retry",
            _ => "dead",
        };
        sqlx::query(
            "INSERT INTO job_attempts (job_id, attempt, started_at, finished_at, result, error) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id, attempt) DO NOTHING",
        )
        .bind(&job.id)
        .bind(job.attempt)
        .bind(started_at)
        .bind(now)
        .bind(result)
        .bind(error)
        .execute(&mut *tx)
        .await?;
    }
    update_event(&mut tx, job, now, finish).await?;
    if matches!(finish, Finish::Done { .. }) {
        supersede_dead(&mut tx, job, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// A job that succeeds for an entity settles the earlier dead jobs of the same kind for it (a
/// replay of their event, or a later event, did their work): they leave the dead count as
/// `superseded`, their attempts and events kept as they were.
async fn supersede_dead(
    tx: &mut Transaction<'_, Any>,
    job: &ClaimedJob,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'superseded', updated_at = $1 \
         WHERE connection = $2 AND entity_key = $3 AND kind = $4 AND seq < $5 AND state = 'dead'",
    )
    .bind(now)
    .bind(&job.connection)
    .bind(&job.entity_key)
    .bind(&job.kind)
    .bind(job.seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn update_event(
    tx: &mut Transaction<'_, Any>,
    job: &ClaimedJob,
    now: i64,
    finish: &Finish,
) -> sqlx::Result<()> {
    let query = match finish {
        Finish::Done {
            outcome,
            reason,
            detail,
        } => sqlx::query(
            "UPDATE events SET status = 'done', outcome = $1, reason = $2, detail = $3, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(outcome.clone())
        .bind(reason.clone())
        .bind(detail.clone()),
        Finish::Retry { error, .. } => sqlx::query(
            "UPDATE events SET status = 'retrying', last_error = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(error.clone()),
        Finish::Dead { error } => sqlx::query(
            "UPDATE events SET status = 'dead', outcome = 'failed', last_error = $1, \
             reason = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(error.clone()),
        Finish::Release => return Ok(()),
    };
    query
        .bind(now)
        .bind(&job.event_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One run of a job, for the event view.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Attempt {
    pub job_id: String,
    pub attempt: i64,
    pub started_at: i64,
    pub finished_at: i64,
    pub result: String,
    pub error: Option<String>,
}

/// The runs of every job of an event, oldest first.
pub async fn attempts_for_event(pool: &AnyPool, event_id: &str) -> sqlx::Result<Vec<Attempt>> {
    let rows = sqlx::query(
        "SELECT a.job_id, a.attempt, a.started_at, a.finished_at, a.result, a.error \
         FROM job_attempts a JOIN jobs j ON j.id = a.job_id \
         WHERE j.event_id = $1 ORDER BY j.seq, a.attempt",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attempt {
                job_id: r.try_get("job_id")?,
                attempt: r.try_get("attempt")?,
                started_at: r.try_get("started_at")?,
                finished_at: r.try_get("finished_at")?,
                result: r.try_get("result")?,
                error: r.try_get("error")?,
            })
        })
        .collect()
}

/// Job counts per state, and the age of the oldest job waiting to run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QueueStats {
    pub pending: i64,
    pub running: i64,
    pub done: i64,
    pub dead: i64,
    /// Milliseconds since the oldest pending job was created (0 when none).
    pub oldest_pending_age_ms: i64,
}

/// Jobs per state and the age of the oldest pending one, over every connection.
pub async fn stats(pool: &AnyPool, now: i64) -> sqlx::Result<QueueStats> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM jobs GROUP BY state",
    )
    .fetch_all(pool)
    .await?;
    queue_stats(&rows, now)
}

/// Folds rows of `state, n, oldest` (jobs grouped by state) into [`QueueStats`].
pub(crate) fn queue_stats(rows: &[sqlx::any::AnyRow], now: i64) -> sqlx::Result<QueueStats> {
    let mut stats = QueueStats::default();
    for row in rows {
        let state: String = row.try_get("state")?;
        let n: i64 = row.try_get("n")?;
        let oldest: Option<i64> = row.try_get("oldest")?;
        match state.as_str() {
            "pending" => {
                stats.pending = n;
                stats.oldest_pending_age_ms = oldest.map_or(0, |t| (now - t).max(0));
            }
            "running" => stats.running = n,
            "done" => stats.done = n,
            "dead" => stats.dead = n,
            _ => {}
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::tests::sqlite_db;

    #[tokio::test]
    async fn a_claim_reads_unfinished_jobs_through_their_own_indexes() {
        // SQLite whatever the test backend: the plan below is in its words.
        let (db, _dir) = sqlite_db().await;
        let plan = explain(&db, &candidates_sql(2, false, 1), None).await;
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX jobs_unfinished_by_entity")),
            "the check for earlier unfinished jobs of the entity must not walk its finished ones: {plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step == "SCAN j" || step == "SCAN e"),
            "a claim must not scan the whole jobs table: {plan:?}"
        );
    }

    #[tokio::test]
    async fn a_claim_for_one_connection_skips_other_connections_backlogs_by_index() {
        let (db, _dir) = sqlite_db().await;
        let plan = explain(&db, &candidates_sql(2, true, 1), Some("brand-b")).await;
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX jobs_unfinished_by_connection")),
            "a claim for one connection must read only that connection's unfinished jobs: {plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step == "SCAN j" || step == "SCAN e"),
            "a claim must not scan the whole jobs table: {plan:?}"
        );
    }

    /// SQLite's query plan for `sql`, one step a line.
    async fn explain(db: &Db, sql: &str, connection: Option<&str>) -> Vec<String> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query(&explain).bind("owner").bind(0_i64).bind(0_i64);
        for kind in ["leaflink.order", "leaflink.product"] {
            query = query.bind(kind);
        }
        if let Some(connection) = connection {
            query = query.bind(connection.to_owned());
        }
        query
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String, _>("detail").unwrap())
            .collect()
    }
}
