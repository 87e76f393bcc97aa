//! The login and logout endpoints and the two middlewares: `require_login` (every page, server
//! function and API needs a session, assets excepted) and `reject_cross_site` (state-changing
//! requests must come from this site).

use super::SignedIn;
use crate::{
    model::{encode_url_component, ShelfError},
    server::AppState,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Form, Router,
};
use serde::Deserialize;
use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::OnceLock,
    time::{Duration, Instant},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/login", post(login)).route("/logout", post(logout))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(auth) = state.auth.clone() else { return Redirect::to("/").into_response() };
    let client = auth.client_address(peer.ip(), &headers);
    let next = safe_next(&form.next).to_string();
    if let Err(wait) = auth.limiter.attempt(client, Instant::now()) {
        tracing::warn!(%client, "login refused: too many attempts");
        return too_many_attempts(wait);
    }
    let checker = auth.clone();
    let matches = tokio::task::spawn_blocking(move || checker.credentials_match(&form.username, &form.password))
        .await
        .unwrap_or(false);
    if !matches {
        tracing::warn!(%client, "login failed");
        return Redirect::to(&format!("/login?failed=1&next={}", encode_url_component(&next))).into_response();
    }
    auth.limiter.clear(client);
    tracing::info!(%client, "login succeeded");
    with_cookie(Redirect::to(&next), &auth.session_cookie())
}

async fn logout(State(state): State<AppState>) -> Response {
    match &state.auth {
        Some(auth) => with_cookie(Redirect::to("/login"), &auth.expired_cookie()),
        None => Redirect::to("/").into_response(),
    }
}

fn with_cookie(redirect: Redirect, cookie: &str) -> Response {
    let mut response = redirect.into_response();
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn too_many_attempts(wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many attempts · kobo-shelf</title></head>\
         <body><h1>Too many login attempts</h1><p>Try again in {seconds} seconds.</p><p><a href=\"/login\">Back to the login page</a></p></body></html>"
    );
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::response::Html(page)).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Where to go after login: a path on this site only (no `//host` or `\\host` open redirect).
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    if local { next } else { "/" }
}

/// Paths anyone may fetch: the login page and endpoints, static assets, the health probe.
fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/logout" | "/theme" | "/favicon.svg" | "/api/health" | "/api/login_state")
        || path.starts_with("/pkg/")
}

/// The paths of the server functions, whose callers decode errors as `ShelfError`.
fn server_function_paths() -> &'static HashSet<&'static str> {
    static PATHS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    PATHS.get_or_init(|| leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect())
}

/// Lets a request through with its signed-in user, or answers: a page sends the browser to the
/// login page (and back afterwards), an API or server function answers 401 with a JSON error.
pub async fn require_login(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(auth) = state.auth.as_deref() else { return next.run(request).await };
    let user = auth.user_of(request.headers());
    let path = request.uri().path().to_string();
    match user {
        Some(user) => {
            request.extensions_mut().insert(SignedIn(user));
            next.run(request).await
        }
        None if is_public(&path) => next.run(request).await,
        None => login_required(&request),
    }
}

fn login_required(request: &Request) -> Response {
    let path = request.uri().path();
    let json = |body: String| {
        let mut response = (StatusCode::UNAUTHORIZED, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    };
    if server_function_paths().contains(path) {
        json(serde_json::to_string(&ShelfError::LoginRequired).unwrap_or_default())
    } else if path.starts_with("/api/") {
        json(serde_json::json!({ "error": "login required" }).to_string())
    } else if matches!(*request.method(), Method::GET | Method::HEAD) {
        let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Redirect::to(&format!("/login?next={}", encode_url_component(wanted))).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "login required").into_response()
    }
}

/// Refuses a state-changing request whose `Origin` (or else `Referer`) names another site.
/// Together with `SameSite=Lax` cookies this stops cross-site form posts.
pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let host = text(header::HOST);
    let source = text(header::ORIGIN).or_else(|| text(header::REFERER));
    match source {
        Some(source) if origin_host(source) != host => {
            tracing::warn!(origin = source, "refused a cross-site request");
            (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
        }
        _ => next.run(request).await,
    }
}

/// `https://example.org:8443/path` → `example.org:8443`; `null` and junk → `None`.
fn origin_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next("/book?id=x"), "/book?id=x");
        for hostile in ["https://evil.example/", "//evil.example/", "/\\evil.example", "", "javascript:alert(1)"] {
            assert_eq!(safe_next(hostile), "/", "{hostile}");
        }
    }

    #[test]
    fn origins_reduce_to_their_host() {
        assert_eq!(origin_host("http://127.0.0.1:3000"), Some("127.0.0.1:3000"));
        assert_eq!(origin_host("https://shelf.example/login?next=/"), Some("shelf.example"));
        assert_eq!(origin_host("null"), None);
    }
}
