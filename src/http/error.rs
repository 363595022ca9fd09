//! The one API error type: every failure answers a status and a JSON body `{code, message}`.
//! Internal errors are logged once here and say nothing internal to the caller.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an HTTP caller.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    InvalidSignature(String),
    #[error("{0}")]
    BadRequest(String),
    /// A valid token or session that may not do this (a connection token on admin-only
    /// endpoints, a console form without its session's CSRF token).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The request is well-formed but conflicts with the current state (e.g. retrying a job
    /// that is not dead).
    #[error("{0}")]
    Conflict(String),
    /// Well-formed JSON whose fields have the wrong type or value; the message names the field.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Unavailable(String),
    /// A platform leafbridge called on the caller's behalf failed.
    #[error("{0}")]
    BadGateway(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The JSON body of every error.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

impl ApiError {
    /// The status and the `code` this error answers.
    pub fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::InvalidSignature(_) => (StatusCode::UNAUTHORIZED, "invalid_signature"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::BadGateway(_) => (StatusCode::BAD_GATEWAY, "bad_gateway"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    /// Errors the caller's input caused (text PostgreSQL cannot store, a value too long for an
    /// index) answer 400; everything else is internal.
    fn from(error: sqlx::Error) -> Self {
        match input_refused(&error) {
            Some(reason) => Self::BadRequest(format!("the database refused the input: {reason}")),
            None => Self::Internal(error.into()),
        }
    }
}

/// Why the database refused a value, when the value is at fault: PostgreSQL's data exceptions
/// (class 22: bad encoding such as NUL, too long, out of range) and `54000` (an index row too
/// large).
fn input_refused(error: &sqlx::Error) -> Option<&'static str> {
    let code = error.as_database_error()?.code()?;
    // SQLSTATEs have five characters; SQLite's numeric codes are shorter.
    if code.len() != 5 {
        None
    } else if code.starts_with("22") {
        Some("a value is not valid text or is out of range")
    } else if code == "54000" {
        Some("a value is too long")
    } else {
        None
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        let message = match &self {
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                "internal error; see the server log".to_owned()
            }
            other => other.to_string(),
        };
        (
            status,
            Json(ErrorBody {
                code: code.to_owned(),
                message,
            }),
        )
            .into_response()
    }
}
