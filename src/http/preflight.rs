//! `GET /api/v1/preflight` (admin or the connection's token): the preflight report as JSON.

use axum::Json;
use axum::middleware;
use axum::routing::get;

use super::access::Scoped;
use super::routes::Routes;
use super::{ApiError, AppState};
use crate::preflight::{self, PreflightSettings, Report};

pub fn routes(state: AppState) -> Routes<AppState> {
    Routes::new()
        .add("GET", "/preflight", get(preflight_handler))
        .route_layer(middleware::from_fn_with_state(
            state,
            super::access::require_operator,
        ))
}

async fn preflight_handler(Scoped(state, _): Scoped) -> Result<Json<Report>, ApiError> {
    let settings = state.preflight.as_deref().ok_or_else(|| {
        // Like the operator calls that need the platforms: the service is fine, its setup is not.
        ApiError::Conflict(
            "preflight needs LEAFBRIDGE_LEAFLINK_API_KEY and LEAFBRIDGE_FLOURISH_API_KEY".into(),
        )
    })?;
    Ok(get_preflight(settings).await)
}

/// Runs preflight and answers the JSON report. Platform and database problems are findings in
/// the report, so the answer is always 200 once the admin token was accepted.
pub async fn get_preflight(settings: &PreflightSettings) -> Json<Report> {
    Json(preflight::build_report(settings).await)
}
