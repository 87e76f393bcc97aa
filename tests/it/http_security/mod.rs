//! The HTTP layer against hostile clients: the real server binary with login on, spoken to over
//! raw TCP (so no client normalises a path) and with a client that never follows redirects.
//! Proves that no path trick reaches private data without a session, that redirects stay on
//! this site, that logging out ends a session on the server, that private answers are not
//! cached, that pages carry a nonce-based Content-Security-Policy, that password guessing is
//! limited per IPv6 /64 and in parallel, and that stalled connections are dropped.

mod hostile_paths;
mod limits;
mod redirects;
mod sessions;

use crate::support::App;
use kobo_shelf::{model::encode_url_component, server::demo::WAR_AND_PEACE_ID};
use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};
use tempfile::TempDir;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::{timeout, timeout_at, Instant},
};

const USERNAME: &str = "reader";
const PASSWORD: &str = "correct horse battery staple";
const SESSION_SECRET: &str = "an-http-security-test-session-secret-0123456789";
const COOKIE_NAME: &str = "kobo_shelf_session";

// ---------------------------------------------------------------------------------------------
// The server under test.
// ---------------------------------------------------------------------------------------------

/// The server binary with login on and the demo library, in its own temp directory.
struct Site {
    app: App,
    _dir: TempDir,
}

impl Site {
    fn start(extra: &[(&str, String)]) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let hash = kobo_shelf::server::auth::hash_password(PASSWORD).unwrap();
        let mut env = vec![
            ("KOBO_SHELF_USERNAME", USERNAME.to_string()),
            ("KOBO_SHELF_PASSWORD_HASH", hash),
            ("KOBO_SHELF_SESSION_SECRET", SESSION_SECRET.to_string()),
        ];
        env.extend(extra.iter().cloned());
        let app = App::start(&dir.path().join("data"), &env);
        Site { app, _dir: dir }
    }

    /// Login on behind a reverse proxy: `X-Forwarded-For` names the client.
    fn behind_proxy() -> Site {
        Site::start(&[("KOBO_SHELF_BEHIND_PROXY", "true".to_string())])
    }

    /// `127.0.0.1:PORT`, for raw TCP.
    fn address(&self) -> &str {
        self.app.base.trim_start_matches("http://")
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = no_redirects().get(self.app.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap_or_else(|err| panic!("GET {path}: {err}\nserver log:\n{}", self.app.log()))
    }

    /// Waits until the first library is served (pages answer 503 until then).
    async fn wait_for_library(&self, cookie: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while self.get("/", Some(cookie)).await.status() != reqwest::StatusCode::OK {
            assert!(std::time::Instant::now() < deadline, "no library after 30 s:\n{}", self.app.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Logs in with the right credentials and returns the `Cookie` header value.
    async fn login(&self) -> String {
        let response = post_login(&self.app.base, USERNAME, PASSWORD, "/", &next_client_address()).await.unwrap();
        let set_cookie = header(&response, "set-cookie");
        let pair = set_cookie.split(';').next().unwrap_or("").trim().to_string();
        assert!(
            pair.starts_with(&format!("{COOKIE_NAME}=")) && pair.len() > COOKIE_NAME.len() + 1,
            "login gave no session cookie (status {}, Set-Cookie {set_cookie:?})\nserver log:\n{}",
            response.status(),
            self.app.log()
        );
        pair
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// `POST /login` as the login form sends it, from this site, for client `forwarded_for`.
async fn post_login(
    base: &str,
    username: &str,
    password: &str,
    next: &str,
    forwarded_for: &str,
) -> reqwest::Result<reqwest::Response> {
    let body = form_body(&[("username", username), ("password", password), ("next", next)]);
    no_redirects()
        .post(format!("{base}/login"))
        .header("origin", base)
        .header("x-forwarded-for", forwarded_for)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
}

/// A fresh client address for each login, so successful logins never count against a limit.
fn next_client_address() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode_url_component(name), encode_url_component(value)))
        .collect();
    pairs.join("&")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over TCP: the request target goes out byte for byte.
// ---------------------------------------------------------------------------------------------

struct RawResponse {
    status: u16,
    /// Names in lower case.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Headers and body as text, to search for private text.
    fn text(&self) -> String {
        let headers: Vec<String> = self.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        format!("{}\n\n{}", headers.join("\n"), String::from_utf8_lossy(&self.body))
    }
}

/// One request on a fresh connection (`Connection: close`), read to the end.
async fn raw_request(
    address: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<RawResponse, String> {
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method != "GET" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    let exchange = async {
        let mut stream = TcpStream::connect(address).await.map_err(|e| format!("connect: {e}"))?;
        stream.write_all(&bytes).await.map_err(|e| format!("write: {e}"))?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.map_err(|e| format!("read: {e}"))?;
        Ok::<_, String>(answer)
    };
    let answer =
        timeout(Duration::from_secs(10), exchange).await.map_err(|_| "no answer within 10 s".to_string())??;
    parse_response(&answer)
}

fn parse_response(answer: &[u8]) -> Result<RawResponse, String> {
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| {
        format!("no complete response head in {:?}", String::from_utf8_lossy(&answer[..answer.len().min(200)]))
    })?;
    let head = String::from_utf8_lossy(&answer[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status =
        status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or(format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let raw_body = &answer[split + 4..];
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked { dechunk(raw_body) } else { raw_body.to_vec() };
    Ok(RawResponse { status, headers, body })
}

/// The body of a `Transfer-Encoding: chunked` message (as far as it is well-formed).
fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        data = &data[end + 2..];
        if size == 0 || size > data.len() {
            body.extend_from_slice(&data[..size.min(data.len())]);
            break;
        }
        body.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
    body
}
