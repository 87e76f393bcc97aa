//! The login and logout endpoints and the two middlewares: `require_login` (every route behind
//! it needs a session, but for an exact list of public paths) and `reject_cross_site`
//! (state-changing requests must come from this site).

use super::{cookies, error::text_answer, read_api, redirect, AppState};
use crate::{
    model::{encode_url_component, PageError},
    server::auth::{Auth, SignedIn},
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Extension, Form, Router,
};
use serde::Deserialize;
use std::{
    collections::HashSet,
    net::{IpAddr, SocketAddr},
    sync::OnceLock,
    time::Duration,
};

/// Password hashes computed at once at most (argon2 is slow on purpose: a flood of logins must
/// not take every core); further attempts wait this long for a turn, then get 429.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 2;
const PASSWORD_CHECK_WAIT: Duration = Duration::from_secs(10);

/// Paths that answer without a session: the login page and its server function, login,
/// logout, the theme switch and the health probe. Exact paths, compared after the path guard.
const PUBLIC_PATHS: [&str; 5] = ["/login", "/logout", "/theme", "/api/health", "/api/login_state"];

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
    let (Some(auth), Some(login)) = (state.auth.clone(), state.settings.login.as_ref()) else {
        return Redirect::to("/").into_response();
    };
    let client = client_address(peer.ip(), &headers, login.behind_proxy);
    let next = redirect::local_target(&form.next);
    if let Err(wait) = auth.attempt(client) {
        tracing::warn!(%client, "login refused: too many attempts");
        return too_many_attempts(wait);
    }
    let Ok(Ok(_turn)) = tokio::time::timeout(PASSWORD_CHECK_WAIT, state.password_checks.acquire()).await else {
        tracing::warn!(%client, "login refused: too many password checks at once");
        return too_many_attempts(Duration::from_secs(5));
    };
    let concurrent_checks = PASSWORD_CHECKS_AT_ONCE - state.password_checks.available_permits();
    let checker = auth.clone();
    let signed_in = tokio::task::spawn_blocking(move || {
        checker.credentials_match(&form.username, &form.password).then(|| checker.sign_in()).transpose()
    })
    .await;
    match signed_in {
        Ok(Ok(Some(token))) => {
            auth.forget_attempts(client);
            tracing::info!(%client, concurrent_checks, "login succeeded");
            with_cookie(Redirect::to(&next), cookies::session(&token, auth.session_length(), login.secure_cookie))
        }
        Ok(Ok(None)) => {
            tracing::warn!(%client, concurrent_checks, "login failed");
            Redirect::to(&format!("/login?failed=1&next={}", encode_url_component(&next))).into_response()
        }
        Ok(Err(err)) => text_answer(err),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

async fn logout(State(state): State<AppState>, signed_in: Option<Extension<SignedIn>>) -> Response {
    let (Some(auth), Some(login)) = (state.auth.clone(), state.settings.login.as_ref()) else {
        return Redirect::to("/").into_response();
    };
    let ended = match signed_in {
        Some(Extension(session)) => tokio::task::spawn_blocking(move || auth.sign_out(&session)).await,
        None => Ok(Ok(())),
    };
    match ended {
        Ok(Ok(())) => {
            let mut response =
                with_cookie(Redirect::to("/login"), cookies::session("", Duration::ZERO, login.secure_cookie));
            // Whatever the browser kept for reading offline goes, and the service worker with it.
            let clear = HeaderValue::from_static("\"cache\", \"storage\"");
            response.headers_mut().insert(HeaderName::from_static("clear-site-data"), clear);
            response
        }
        Ok(Err(err)) => text_answer(err),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

fn with_cookie(redirect: Redirect, cookie: HeaderValue) -> Response {
    let mut response = redirect.into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// The address login attempts are counted for: the peer, or behind a trusted reverse proxy the
/// last address it appended to the last `X-Forwarded-For` (earlier ones the client can forge).
fn client_address(peer: IpAddr, headers: &HeaderMap, behind_proxy: bool) -> IpAddr {
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).next_back();
    match forwarded {
        Some(list) if behind_proxy => list.rsplit(',').next().and_then(|last| last.trim().parse().ok()).unwrap_or(peer),
        _ => peer,
    }
}

/// The token of an `Authorization: Bearer <token>` header value.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
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

/// The paths of the server functions, whose callers decode errors as `PageError`.
fn server_function_paths() -> &'static HashSet<&'static str> {
    static PATHS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    PATHS.get_or_init(|| super::server_function_routes().map(|(_, path)| path).collect())
}

/// Lets a request through with its signed-in user, or a read API request (`/api/v1/…`) with
/// the API token as its bearer, or, unless its path is public, answers: a page sends the
/// browser to the login page (and back afterwards), an API or server function answers 401
/// with a JSON error.
pub async fn require_login(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(auth) = state.auth.as_deref() else { return next.run(request).await };
    let tokens: Vec<String> = cookies::values(request.headers(), cookies::SESSION).collect();
    match auth.signed_in(tokens.iter().map(String::as_str)) {
        Some(signed_in) => {
            request.extensions_mut().insert(signed_in);
            next.run(request).await
        }
        None if PUBLIC_PATHS.contains(&request.uri().path()) || bearer_opens_read_api(auth, &request) => {
            next.run(request).await
        }
        None => login_required(&request),
    }
}

/// Whether a request is for the read API and carries its token as `Authorization: Bearer`.
fn bearer_opens_read_api(auth: &Auth, request: &Request) -> bool {
    let Some(bearer) = request.headers().get(header::AUTHORIZATION) else { return false };
    if !request.uri().path().starts_with(read_api::PREFIX) {
        return false;
    }
    let opens = bearer.to_str().ok().and_then(bearer_token).is_some_and(|token| auth.api_token_matches(token));
    if !opens {
        tracing::warn!(path = request.uri().path(), "read API: refused a wrong token");
    }
    opens
}

fn login_required(request: &Request) -> Response {
    let path = request.uri().path();
    let json = |body: String| {
        let mut response = (StatusCode::UNAUTHORIZED, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    };
    if server_function_paths().contains(path) {
        json(serde_json::to_string(&PageError::LoginRequired).unwrap_or_default())
    } else if path.starts_with(read_api::PREFIX) {
        let mut response = json(serde_json::json!({ "error": "login or API token required" }).to_string());
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    } else if path.starts_with("/api/") {
        json(serde_json::json!({ "error": "login required" }).to_string())
    } else if matches!(*request.method(), Method::GET | Method::HEAD) {
        let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Redirect::to(&format!("/login?next={}", encode_url_component(wanted))).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "login required").into_response()
    }
}

/// Refuses a state-changing request whose `Origin` (or else `Referer`) names another site:
/// another origin than `KOBO_SHELF_PUBLIC_URL` when that is set, else another host than the
/// request's `Host`. Together with `SameSite=Lax` cookies this stops cross-site form posts.
pub async fn reject_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let source = text(header::ORIGIN).or_else(|| text(header::REFERER));
    if same_site(source, text(header::HOST), state.settings.public_origin.as_deref()) {
        next.run(request).await
    } else {
        tracing::warn!(origin = source.unwrap_or_default(), "refused a cross-site request");
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    }
}

/// Whether a request whose `Origin` (or else `Referer`) is `source` comes from this site: the
/// origin `public` when it is set, else the request's `Host`. No source at all is a request no
/// browser sent cross-site; `null` and junk are not this site.
fn same_site(source: Option<&str>, host: Option<&str>, public: Option<&str>) -> bool {
    match (source.map(parse_origin), public) {
        (None, _) => true,
        (Some(None), _) => false,
        (Some(Some(origin)), Some(public)) => origin.origin().ascii_serialization() == public,
        (Some(Some(origin)), None) => host.is_some_and(|host| host.eq_ignore_ascii_case(&host_and_port(&origin))),
    }
}

/// The origin a browser names in `Origin` or `Referer`, parsed as browsers do (WHATWG URL);
/// `null` and junk → `None`.
fn parse_origin(url: &str) -> Option<url::Url> {
    url::Url::parse(url).ok().filter(url::Url::has_host)
}

/// What a browser sends as `Host` for `url`: its host, and its port unless the scheme's own.
fn host_and_port(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    url.port().map_or_else(|| host.to_string(), |port| format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_of(url: &str) -> Option<String> {
        parse_origin(url).as_ref().map(host_and_port)
    }

    #[test]
    fn origins_reduce_to_the_host_a_browser_sends() {
        assert_eq!(host_of("http://127.0.0.1:3000").as_deref(), Some("127.0.0.1:3000"));
        assert_eq!(host_of("https://Shelf.example:443/login?next=/").as_deref(), Some("shelf.example"));
        assert_eq!(host_of("http://shelf.example:8443").as_deref(), Some("shelf.example:8443"));
        assert_eq!(host_of("null"), None);
    }

    #[test]
    fn only_this_sites_origin_may_change_state() {
        let host = Some("Shelf.example:3000");
        for ours in [None, Some("http://shelf.example:3000"), Some("http://SHELF.example:3000/login?next=/")] {
            assert!(same_site(ours, host, None), "{ours:?}");
        }
        for theirs in
            ["null", "junk", "http://evil.example", "http://shelf.example:3001", "http://user@evil.example:3000"]
        {
            assert!(!same_site(Some(theirs), host, None), "{theirs}");
        }
        assert!(!same_site(Some("http://shelf.example:3000"), None, None), "no Host to compare with");
        assert!(same_site(Some("https://shelf.example:443/x"), Some("shelf.example"), None), "a default port");
        assert!(same_site(Some("http://[::1]:3000"), Some("[::1]:3000"), None));
        let public = Some("https://books.example.org");
        assert!(same_site(Some("https://Books.Example.org:443/login"), Some("127.0.0.1:3000"), public));
        assert!(!same_site(Some("http://books.example.org"), Some("books.example.org"), public), "another scheme");
        assert!(!same_site(Some("https://127.0.0.1:3000"), Some("127.0.0.1:3000"), public), "the Host is not the site");
    }

    #[test]
    fn behind_a_proxy_the_last_forwarded_address_counts() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(client_address(proxy, &headers, true), proxy);
        headers.append("x-forwarded-for", HeaderValue::from_static("198.51.100.7"));
        headers.append("x-forwarded-for", HeaderValue::from_static("1.2.3.4, 203.0.113.9"));
        assert_eq!(client_address(proxy, &headers, true), "203.0.113.9".parse::<IpAddr>().unwrap());
        assert_eq!(client_address(proxy, &headers, false), proxy, "a forged header is ignored without a proxy");
        let garbage = HeaderMap::from_iter([(
            header::HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_static("garbage"),
        )]);
        assert_eq!(client_address(proxy, &garbage, true), proxy);
    }

    #[test]
    fn only_a_bearer_authorization_carries_a_token() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        for none in ["", "Bearer", "Bearer ", "Basic abc", "abc"] {
            assert_eq!(bearer_token(none), None, "{none:?}");
        }
    }

    #[test]
    fn origins_compare_as_browsers_send_them() {
        let serialized = |url: &str| parse_origin(url).map(|url| url.origin().ascii_serialization());
        assert_eq!(serialized("https://Books.Example.org:443/login").as_deref(), Some("https://books.example.org"));
        assert_eq!(serialized("http://127.0.0.1:3000").as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(serialized("null"), None);
        assert_eq!(serialized("data:text/html,hi"), None);
    }
}
