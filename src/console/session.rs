//! Console sign-in: the admin token or a connection token (checked by the API's one token
//! check), or a one-time link, makes a session cookie (`HttpOnly`, `SameSite=Strict`, `Secure`
//! behind TLS); a connection token's session sees that connection only and ends when the token
//! is revoked; every form carries the session's CSRF token; sessions expire; sign-out ends one.

use axum::Extension;
use axum::extract::{Form, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{HtmlError, layout};
use crate::http::access::{Access, CONNECTION_NAME_RULE, identify, valid_connection_name};
use crate::http::{ApiError, AppState};
use crate::store::{Db, console_sessions, now_ms};

/// The session cookie.
pub const COOKIE: &str = "lb_console";
/// The sign-in form's own CSRF cookie (double submit: no session exists yet).
const PRE_COOKIE: &str = "lb_console_signin";
/// How long a session lasts.
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;
/// How long a one-time sign-in link can be used.
pub const LINK_TTL_MS: i64 = 30 * 60_000;

/// A signed-in operator, as the pages see it.
#[derive(Clone, Debug)]
pub struct Session {
    /// Put in every form; a form posted without it is refused.
    pub csrf: String,
    /// The one connection a session signed in with a connection token sees; `None` for the
    /// admin, who sees every connection.
    pub connection: Option<String>,
}

impl Session {
    /// An admin session (every connection).
    pub fn admin(csrf: &str) -> Self {
        Self {
            csrf: csrf.to_owned(),
            connection: None,
        }
    }

    /// The state this session's pages and actions work on: a connection token's own
    /// connection, or the service's connection for the admin.
    pub fn scope(&self, state: &AppState) -> AppState {
        match &self.connection {
            Some(connection) => state.for_connection(connection),
            None => state.clone(),
        }
    }

    /// [`Self::scope`], or the connection `asked` for: any for the admin, only its own for a
    /// connection session (another is "not found", as on the API).
    pub fn pick(&self, state: &AppState, asked: Option<&str>) -> Result<AppState, HtmlError> {
        let Some(asked) = asked.map(str::trim).filter(|a| !a.is_empty()) else {
            return Ok(self.scope(state));
        };
        if !valid_connection_name(asked) {
            return Err(HtmlError(ApiError::BadRequest(format!(
                "connection: {CONNECTION_NAME_RULE}"
            ))));
        }
        match &self.connection {
            Some(own) if own != asked => Err(HtmlError(ApiError::NotFound(format!(
                "no connection {asked}"
            )))),
            _ => Ok(state.for_connection(asked)),
        }
    }
}

fn random_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The value of cookie `name` in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// True when the request reached leafbridge over TLS (a terminating proxy says so).
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value scoped to the console.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}")
}

fn with_cookies(response: impl IntoResponse, cookies: &[String]) -> Response {
    let mut response = response.into_response();
    for value in cookies {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Lets signed-in requests through with their [`Session`]; others go to the sign-in page.
/// Anything but GET must carry the session's CSRF token in its form body.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match check(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(response) => response,
    }
}

async fn check(state: &AppState, request: Request) -> Result<Request, Response> {
    let token = cookie(request.headers(), COOKIE);
    let found = match token {
        Some(token) => console_sessions::get_scoped(&state.db.pool, &hash(&token), now_ms())
            .await
            .map_err(|e| HtmlError(e.into()).into_response())?,
        None => None,
    };
    let Some(found) = found else {
        let next = if request.method() == Method::GET {
            request.uri().path_and_query().map(|p| p.to_string())
        } else {
            None
        };
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next.as_deref().unwrap_or("/console/"))
            .finish();
        return Err(Redirect::to(&format!("/console/sign-in?{query}")).into_response());
    };
    let mut request = if request.method() == Method::GET || request.method() == Method::HEAD {
        request
    } else {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, state.body_limit)
            .await
            .map_err(|_| {
                HtmlError(ApiError::PayloadTooLarge("the form is too large".into())).into_response()
            })?;
        let sent = url::form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if !same(&sent, &found.csrf) {
            return Err(HtmlError(ApiError::Forbidden(
                "this form's security token does not match your session; reload the page and \
                 try again"
                    .into(),
            ))
            .into_response());
        }
        Request::from_parts(parts, axum::body::Body::from(bytes))
    };
    request.extensions_mut().insert(Session {
        csrf: found.csrf,
        connection: found.connection,
    });
    Ok(request)
}

/// Where to go after signing in: a console path, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/console") && !n.starts_with("//") && !n.contains('\\') => {
            n.to_owned()
        }
        _ => "/console/".to_owned(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    pub next: Option<String>,
    pub notice: Option<String>,
}

/// `GET /console/sign-in`.
pub async fn sign_in_form(headers: HeaderMap, Query(query): Query<SignInQuery>) -> Response {
    let pre = random_secret();
    let page = layout::sign_in(
        &pre,
        &safe_next(query.next.as_deref()),
        query.notice.as_deref(),
    );
    with_cookies(
        super::html(page),
        &[set_cookie(PRE_COOKIE, &pre, 3_600, over_tls(&headers))],
    )
}

#[derive(Debug, Deserialize)]
pub struct SignIn {
    pub token: String,
    pub csrf: String,
    pub next: Option<String>,
}

/// `POST /console/sign-in`: the token becomes a session.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Result<Response, HtmlError> {
    let next = safe_next(form.next.as_deref());
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or_default();
    if !same(&pre, &form.csrf) {
        return Err(HtmlError(ApiError::Forbidden(
            "the sign-in form expired; open the sign-in page again".into(),
        )));
    }
    // The admin token sees every connection; a connection token's session sees its own only.
    let access = match identify(&state, &form.token).await {
        Ok(access) => access,
        Err(error) => {
            let pre = random_secret();
            let page = layout::sign_in(&pre, &next, Some(&error.to_string()));
            let response = (axum::http::StatusCode::UNAUTHORIZED, page);
            return Ok(with_cookies(
                response,
                &[set_cookie(PRE_COOKIE, &pre, 3_600, over_tls(&headers))],
            ));
        }
    };
    let scope = match &access {
        Access::Admin => None,
        Access::Connection {
            token_id,
            connection,
        } => Some((connection.as_str(), token_id.as_str())),
    };
    start_session(&state.db, &headers, &next, scope).await
}

/// A new session: for the admin (`scope` is `None`) or for one connection's token.
async fn start_session(
    db: &Db,
    headers: &HeaderMap,
    next: &str,
    scope: Option<(&str, &str)>,
) -> Result<Response, HtmlError> {
    let now = now_ms();
    console_sessions::prune(&db.pool, now).await?;
    let secret = random_secret();
    console_sessions::create_scoped(
        &db.pool,
        &hash(&secret),
        &random_secret(),
        now,
        now + SESSION_TTL_MS,
        scope,
    )
    .await?;
    let secure = over_tls(headers);
    Ok(with_cookies(
        Redirect::to(next),
        &[
            set_cookie(COOKIE, &secret, SESSION_TTL_MS / 1000, secure),
            set_cookie(PRE_COOKIE, "", 0, secure),
        ],
    ))
}

#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    pub token: String,
}

/// `GET /console/sign-in/link?token=`: a one-time link (printed by `leafbridge demo`).
pub async fn sign_in_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LinkQuery>,
) -> Result<Response, HtmlError> {
    if !console_sessions::take(&state.db.pool, &hash(&query.token), "link", now_ms()).await? {
        return Err(HtmlError(ApiError::Unauthorized(
            "this sign-in link was used already or has expired; sign in with the admin token"
                .into(),
        )));
    }
    start_session(&state.db, &headers, "/console/", None).await
}

/// Makes a one-time sign-in link's secret (valid for [`LINK_TTL_MS`]); the caller prints
/// `/console/sign-in/link?token=<secret>`.
pub async fn one_time_link(db: &Db) -> sqlx::Result<String> {
    let secret = random_secret();
    let now = now_ms();
    console_sessions::create(&db.pool, &hash(&secret), "link", "", now, now + LINK_TTL_MS).await?;
    Ok(secret)
}

/// `POST /console/sign-out`.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(_session): Extension<Session>,
) -> Result<Response, HtmlError> {
    if let Some(token) = cookie(&headers, COOKIE) {
        console_sessions::take(&state.db.pool, &hash(&token), "session", now_ms()).await?;
    }
    Ok(with_cookies(
        Redirect::to("/console/sign-in?notice=You+are+signed+out."),
        &[set_cookie(COOKIE, "", 0, over_tls(&headers))],
    ))
}

/// The sign-out button every page carries.
pub fn sign_out_form(session: &Session) -> maud::Markup {
    html! {
        form method="post" action="/console/sign-out" class="inline" {
            input type="hidden" name="csrf" value=(session.csrf);
            button type="submit" { "Sign out" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("lb_console_signin=a; lb_console=b"),
        );
        assert_eq!(cookie(&headers, COOKIE).as_deref(), Some("b"));
        assert_eq!(cookie(&headers, PRE_COOKIE).as_deref(), Some("a"));
        assert_eq!(cookie(&headers, "other"), None);
    }

    #[test]
    fn session_cookies_are_http_only_strict_and_secure_behind_tls() {
        let plain = set_cookie(COOKIE, "v", 60, false);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        assert!(set_cookie(COOKIE, "v", 60, true).ends_with("; Secure"));
    }

    #[test]
    fn only_console_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/console/events?x=1")),
            "/console/events?x=1"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/console/");
        assert_eq!(safe_next(Some("//evil.example/console")), "/console/");
        assert_eq!(safe_next(None), "/console/");
    }

    #[test]
    fn an_empty_csrf_token_never_matches() {
        assert!(!same("", ""));
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
    }
}
