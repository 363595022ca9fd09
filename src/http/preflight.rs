//! `GET /api/v1/preflight` (admin token): the preflight report as JSON.

use axum::Json;

use crate::preflight::{self, PreflightSettings, Report};

/// Runs preflight and answers the JSON report. Platform and database problems are findings in
/// the report, so the answer is always 200 once the admin token was accepted.
pub async fn get_preflight(settings: &PreflightSettings) -> Json<Report> {
    Json(preflight::build_report(settings).await)
}
