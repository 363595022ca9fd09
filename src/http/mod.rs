//! The HTTP surface: one router per concern merged here, the shared state, and the fallbacks
//! that keep every error a JSON `{code, message}`.

pub mod access;
pub mod admin;
pub mod error;
pub mod ingress;
pub mod ops;
pub mod preflight;
pub mod routes;

use std::sync::Arc;

use axum::Router;
use axum::http::Uri;
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::ingest::Ingest;
use crate::jobs::Processors;
use crate::metrics::Metrics;
use crate::store::Db;
use crate::sync::SyncContext;
pub use error::ApiError;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Seals the secrets stored in the database (`LEAFBRIDGE_SECRET_KEY`).
    pub sealer: crate::secrets::Sealer,
    pub ingest: Ingest,
    /// The processors the worker runs (for dry runs).
    pub processors: Processors,
    /// What `GET /api/v1/preflight` reads with; `None` until both API keys are set.
    pub preflight: Option<Arc<crate::preflight::PreflightSettings>>,
    /// Both platforms' clients and the rules' settings; `None` until the API keys are set.
    pub sync: Option<Arc<SyncContext>>,
    /// Every running connection: its clients, processors, preflight and webhook keys.
    pub connections: crate::connections::runtime::Registry,
    pub metrics: Metrics,
    pub connection: String,
    pub body_limit: usize,
    pub leaflink_keys: Arc<Vec<Secret>>,
    pub flourish_keys: Arc<Vec<Secret>>,
    /// SHA-256 of the admin token: compared in constant time without revealing its length.
    pub admin_token_hash: [u8; 32],
}

impl AppState {
    /// This state as seen by a request on `connection`: its rows only, and that connection's
    /// clients, processors, preflight and webhook keys (none for a connection not running).
    pub fn for_connection(&self, connection: &str) -> Self {
        let mut state = self.clone();
        state.connection = connection.to_owned();
        match self.connections.get(connection) {
            Some(running) => {
                state.sync = running.sync.clone();
                state.preflight = running.preflight.clone();
                state.processors = running.processors.clone();
                state.leaflink_keys = Arc::clone(&running.leaflink_keys);
                state.flourish_keys = Arc::clone(&running.flourish_keys);
            }
            None if connection == self.connection => {}
            None => {
                state.sync = None;
                state.preflight = None;
                state.processors = Processors::new();
                state.leaflink_keys = Arc::default();
                state.flourish_keys = Arc::default();
            }
        }
        state
    }
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn routes(state: &AppState) -> routes::Routes<AppState> {
    routes::Routes::new()
        .merge(ingress::routes())
        .merge(ops::routes())
        .nest("/api/v1", admin::routes(state.clone()))
        .nest("/api/v1", preflight::routes(state.clone()))
}

/// Every (method, path) the router serves, as written in `openapi.yaml`.
pub fn route_list(state: &AppState) -> Vec<(String, String)> {
    routes(state).into_parts().1
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let (router, _) = routes(&state).into_parts();
    router
        // The operator console: HTML pages for people, outside the JSON API and its spec.
        .merge(crate::console::router(state.clone()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |request: &axum::http::Request<_>| {
                    tracing::debug_span!(
                        "request",
                        method = %request.method(),
                        uri = %redacted_uri(request.uri()),
                        version = ?request.version(),
                    )
                },
            ),
        )
}

/// The URI as logged: the value of a `token` query parameter (a credential some clients put
/// in the URL) is replaced, the rest kept as sent.
fn redacted_uri(uri: &Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("token") => format!("{name}=[redacted]"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{}?{}", uri.path(), pairs.join("&"))
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}

async fn method_not_allowed(uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("method not allowed on {}", uri.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_query_parameters_are_not_logged() {
        let uri: Uri = "/api/v1/events?token=s3cret&limit=5&TOKEN=x"
            .parse()
            .unwrap();
        let logged = redacted_uri(&uri);
        assert_eq!(
            logged,
            "/api/v1/events?token=[redacted]&limit=5&TOKEN=[redacted]"
        );
        let plain: Uri = "/api/v1/events?limit=5".parse().unwrap();
        assert_eq!(redacted_uri(&plain), "/api/v1/events?limit=5");
    }
}
