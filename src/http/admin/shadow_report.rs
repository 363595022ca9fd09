//! `GET /api/v1/shadow-report`: what live mode would have done over a window (default: the
//! last 7 days), from the plans recorded in shadow mode, surprises first.

use axum::Json;
use axum::routing::get;
use serde::Deserialize;

use super::{Params, parse_time};
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::operator::Operator;
use crate::operator::shadow_report::{ReportSettings, ShadowReport};
use crate::store::now_ms;

/// The window when `since` is not given.
pub const DEFAULT_WINDOW_MS: i64 = 7 * 24 * 3_600_000;

pub fn routes() -> Routes<AppState> {
    Routes::new().add("GET", "/shadow-report", get(shadow_report))
}

/// Query of `GET /api/v1/shadow-report`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Received at or after (RFC 3339); default 7 days ago.
    pub since: Option<String>,
    /// Received before (RFC 3339); default now.
    pub until: Option<String>,
    /// A price change above this percentage is a surprise (default 20).
    pub price_change_percent: Option<u32>,
}

async fn shadow_report(
    Scoped(state, _): Scoped,
    Params(query): Params<ReportQuery>,
) -> Result<Json<ShadowReport>, ApiError> {
    let now = now_ms();
    let until = parse_time("until", query.until.as_deref())?.unwrap_or(now);
    let since = parse_time("since", query.since.as_deref())?.unwrap_or(until - DEFAULT_WINDOW_MS);
    let mut settings = ReportSettings::default();
    if let Some(percent) = query.price_change_percent {
        settings.price_change_percent = percent;
    }
    let report = Operator::from_state(&state)
        .shadow_report(since, until, settings)
        .await?;
    Ok(Json(report))
}
