//! `GET /api/v1/jobs?state=` and `POST /api/v1/jobs/{id}/retry` (dead jobs only).

use axum::Json;
use axum::extract::Path;
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Page, Params, limit};
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::store::job_admin::{self, JobRow};
use crate::store::now_ms;

pub fn routes() -> Routes<AppState> {
    Routes::new().add("GET", "/jobs", get(list_jobs)).add(
        "POST",
        "/jobs/{id}/retry",
        post(retry_job),
    )
}

/// Query of `GET /api/v1/jobs`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One page of jobs, oldest first.
pub type JobPage = Page<JobRow>;

async fn list_jobs(
    Scoped(state, _): Scoped,
    Params(query): Params<JobQuery>,
) -> Result<Json<JobPage>, ApiError> {
    list_page(&state, query).await.map(Json)
}

/// One page of jobs, as `GET /api/v1/jobs` answers it.
pub async fn list_page(state: &AppState, query: JobQuery) -> Result<JobPage, ApiError> {
    let limit = limit(query.limit)?;
    if let Some(wanted) = &query.state
        && !["pending", "running", "done", "dead"].contains(&wanted.as_str())
    {
        return Err(ApiError::BadRequest(format!(
            "state: unknown value {wanted:?} (expected pending, running, done or dead)"
        )));
    }
    let rows = job_admin::list(
        &state.db.pool,
        &state.connection,
        query.state.as_deref(),
        query.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    Ok(Page::cut(rows, limit, |j| j.id.clone()))
}

/// Makes a dead job run once more; answers the job as it now is.
async fn retry_job(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<Json<JobRow>, ApiError> {
    retry(&state, &id).await.map(Json)
}

/// Makes the dead job `id` run once more (409 when it is not dead).
pub async fn retry(state: &AppState, id: &str) -> Result<JobRow, ApiError> {
    let (pool, connection) = (&state.db.pool, &state.connection);
    let job = job_admin::get(pool, connection, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no job {id}")))?;
    if !job_admin::retry_dead(pool, connection, id, now_ms()).await? {
        return Err(ApiError::Conflict(format!(
            "job {id} is {}: only dead jobs can be retried",
            job.state
        )));
    }
    let job = job_admin::get(pool, connection, id).await?;
    job.ok_or_else(|| ApiError::NotFound(format!("no job {id}")))
}
