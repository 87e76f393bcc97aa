//! The HTTP layer against hostile clients: the real server binary with login on, spoken to over
//! raw TCP (so no client normalises a path) and with a client that never follows redirects.
//! Proves that no path trick reaches private data without a session, that redirects stay on
//! this site, that logging out ends a session on the server, that private answers are not
//! cached, that pages carry a nonce-based Content-Security-Policy, that password guessing is
//! limited per IPv6 /64 and in parallel, and that stalled connections are dropped.

mod support;

use kobo_shelf::{model::encode_url_component, server::demo::WAR_AND_PEACE_ID};
use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};
use support::App;
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

// ---------------------------------------------------------------------------------------------
// 1. Hostile paths without a session.
// ---------------------------------------------------------------------------------------------

/// Text that only a signed-in reader may see: demo titles, authors and highlights, the
/// reading statistics, the sync API's fields, the markup SVG, and the data directory.
fn private_markers(app: &App) -> Vec<String> {
    let fixed = [
        "War and Peace",
        "Pride and Prejudice",
        "Moby-Dick",
        "Leo Tolstoy",
        "Jane Austen",
        "Herman Melville",
        "Genoa and Lucca",
        "Time and Patience",
        "Reading statistics",
        "__kobo_pwned",
        "\"is_syncing\"",
        "\"initiated\"",
    ];
    let mut markers: Vec<String> = fixed.iter().map(|m| m.to_string()).collect();
    markers.push(app.data_dir.display().to_string());
    markers
}

/// Path prefixes that try to reach a private route through a public one, or to dodge a prefix
/// check by encoding, doubling, case or separators. Each is put in front of every private route.
const HOSTILE_PREFIXES: [&str; 48] = [
    "/pkg/../",
    "/pkg/%2e%2e/",
    "/pkg/%2E%2E/",
    "/pkg/%2e%2E/",
    "/pkg/..%2f",
    "/pkg/..%2F",
    "/pkg/%2e%2e%2f",
    "/pkg/%2E%2e%2F",
    "/pkg/.%2e/",
    "/pkg/%2e./",
    "/pkg/..;/",
    "/pkg/..\\",
    "/pkg/..%5c",
    "/pkg/%5c..%5c",
    "/pkg/%2e%2e%5c",
    "/pkg/%252e%252e/",
    "/pkg/..%252f",
    "/pkg/%c0%ae%c0%ae/",
    "/pkg/..%00/",
    "/pkg/./../",
    "/pkg//../",
    "/pkg/..//",
    "/pkg/../../../",
    "/pkg/../pkg/../",
    "/pkg/%2e%2e/%2e%2e/",
    "/pkg%2f..%2f",
    "/PKG/../",
    "/Pkg/%2e%2E/",
    "//",
    "/./",
    "/%2f",
    "/%2e%2e/",
    "/./pkg/../",
    "/favicon.svg/../",
    "/pkg/kobo-shelf.js/../../",
    "/api/health/../",
    "/api/health%2f..%2f",
    "/api/login_state/../",
    "/login/../",
    "/LOGIN/../",
    "/login%2f..%2f",
    "/logout/../",
    "/theme/../",
    "/api/v1/../",
    "/api/v1%2f..%2f",
    "/api/v1/books/../../",
    "/API/V1/../",
    "http://127.0.0.1/pkg/../",
];

/// One private route: how to ask for it (path without its leading `/`, method, form body).
#[derive(Clone, Debug)]
struct PrivateRoute {
    method: &'static str,
    path: String,
    body: String,
}

impl PrivateRoute {
    fn get(path: impl Into<String>) -> PrivateRoute {
        PrivateRoute { method: "GET", path: path.into(), body: String::new() }
    }

    fn post(path: impl Into<String>, body: impl Into<String>) -> PrivateRoute {
        PrivateRoute { method: "POST", path: path.into(), body: body.into() }
    }

    async fn send(&self, address: &str, prefix: &str, cookie: Option<&str>) -> Result<RawResponse, String> {
        let cookie = cookie.map(|cookie| ("Cookie", cookie));
        self.send_with(address, prefix, cookie.as_slice()).await
    }

    /// Sends the request after `prefix`, with `extra` headers.
    async fn send_with(&self, address: &str, prefix: &str, extra: &[(&str, &str)]) -> Result<RawResponse, String> {
        let target = format!("{prefix}{}", self.path);
        let mut headers = extra.to_vec();
        if self.method == "POST" {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        raw_request(address, self.method, &target, &headers, self.body.as_bytes()).await
    }
}

const MOBY_DICK_ID: &str = "file:///mnt/onboard/Melville, Herman/Moby-Dick.kepub.epub";

/// The pages, downloads and APIs that need a session, with real ids so a leak would show.
fn private_pages(book_id: &str, markup_id: &str) -> Vec<PrivateRoute> {
    let book = encode_url_component(book_id);
    vec![
        PrivateRoute::get(""),
        PrivateRoute::get(format!("book?id={book}")),
        PrivateRoute::get("search?q=war"),
        PrivateRoute::get("stats"),
        PrivateRoute::get("settings"),
        PrivateRoute::get("export/library.zip"),
        PrivateRoute::get("export/library.json"),
        PrivateRoute::get("export/library.csv"),
        PrivateRoute::get(format!("export/book.md?id={book}")),
        PrivateRoute::get(format!("markup/{markup_id}.svg")),
        // A cover drawn from the title and author (Moby-Dick has no thumbnail in the demo).
        PrivateRoute::get(format!("cover?id={}", encode_url_component(MOBY_DICK_ID))),
        PrivateRoute::get("api/sync-status"),
        PrivateRoute::post("api/check-and-sync", ""),
        PrivateRoute::get("api/v1/books"),
        PrivateRoute::get(format!("api/v1/annotations?book={book}")),
    ]
}

/// Server functions that are public by design (the login page needs them signed out).
const PUBLIC_SERVER_FUNCTIONS: [&str; 1] = ["get_login_state"];

/// A `#[server]` function found in the source, with the URLs it may be served at.
#[derive(Debug)]
struct ServerFunction {
    name: String,
    candidates: Vec<String>,
}

/// Finds the server functions by reading `src/**/*.rs`: a `#[server…]` attribute followed by
/// `pub async fn NAME`. Leptos 0.8 serves one at `/api/<endpoint>` when the attribute names an
/// endpoint, else at `/api/<NAME><xxh64("<CARGO_MANIFEST_DIR>:<module path>")>` (decimal); the bare
/// `/api/<NAME>` is tried too. Which candidates are live is checked with a session.
fn server_functions() -> Vec<ServerFunction> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for file in rust_files(&src) {
        let module = module_path(&src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        let mut attribute: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[server") {
                attribute = Some(line.to_string());
            } else if let (Some(attr), Some(name)) = (&attribute, async_fn_name(line)) {
                found.push(ServerFunction { candidates: server_function_urls(attr, &name, &module), name });
                attribute = None;
            }
        }
    }
    found.retain(|f| !PUBLIC_SERVER_FUNCTIONS.contains(&f.name.as_str()));
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `src/pages/library.rs` → `kobo_shelf::pages::library` (`mod.rs` and `lib.rs` name their folder).
fn module_path(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts = vec!["kobo_shelf".to_string()];
    parts.extend(relative.iter().map(|p| p.to_string_lossy().into_owned()).filter(|p| p != "mod" && p != "lib"));
    parts.join("::")
}

fn async_fn_name(line: &str) -> Option<String> {
    let rest = line.strip_prefix("pub async fn ")?;
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

fn server_function_urls(attribute: &str, name: &str, module: &str) -> Vec<String> {
    let endpoint = attribute
        .split_once("endpoint")
        .and_then(|(_, rest)| rest.split('"').nth(1))
        .map(|e| e.trim_start_matches('/').to_string());
    // cargo-leptos may set SERVER_FN_OVERRIDE_KEY instead of the manifest dir as the hash key.
    let keys = [Some(env!("CARGO_MANIFEST_DIR")), option_env!("SERVER_FN_OVERRIDE_KEY")];
    let hashes = keys
        .into_iter()
        .flatten()
        .map(|key| leptos::server_fn::xxhash_rust::const_xxh64::xxh64(format!("{key}:{module}").as_bytes(), 0));
    let mut urls: Vec<String> =
        std::iter::once(format!("api/{name}")).chain(hashes.map(|h| format!("api/{name}{h}"))).collect();
    if let Some(endpoint) = endpoint {
        urls.insert(0, format!("api/{endpoint}"));
    }
    urls
}

/// Arguments for every server function at once (each takes the fields it knows).
fn server_function_body(book_id: &str) -> String {
    form_body(&[("id", book_id), ("q", "war"), ("query[q]", ""), ("query[sort]", "title"), ("query[page]", "1")])
}

/// A markup id from a book page's `/markup/<id>.jpg|svg` links.
fn markup_id_in(page: &str) -> Option<String> {
    let start = page.find("/markup/")? + "/markup/".len();
    let id: String =
        page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    (!id.is_empty()).then_some(id)
}

/// Why a response to a request without a session is not acceptable, if it is not.
fn hostile_answer_problem(answer: &Result<RawResponse, String>, markers: &[String]) -> Option<String> {
    let response = match answer {
        Ok(response) => response,
        Err(err) => return Some(format!("no HTTP answer: {err}")),
    };
    let location = response.header("location").unwrap_or("");
    // A login redirect's `next=` repeats the request's own path (an id the client sent): only
    // its body could leak.
    let login_redirect = matches!(response.status, 302 | 303 | 307) && location.starts_with("/login");
    let text = if login_redirect { String::from_utf8_lossy(&response.body).into_owned() } else { response.text() };
    if let Some(marker) = markers.iter().find(|m| text.contains(m.as_str())) {
        return Some(format!("status {} shows private text {marker:?}", response.status));
    }
    match response.status {
        400 | 401 | 403 | 404 => None,
        302 | 303 | 307 if location.starts_with("/login") => None,
        status => Some(format!("status {status} (Location {location:?})")),
    }
}

/// The private pages, a GET of a POST-only API, and every server function at each URL it may
/// be served at.
fn every_private_route(markup_id: &str) -> Vec<PrivateRoute> {
    let mut routes = private_pages(WAR_AND_PEACE_ID, markup_id);
    // POST-only: a GET with a session is refused (405), so it is not in the positive control.
    routes.push(PrivateRoute::get("api/check-and-sync"));
    let function_body = server_function_body(WAR_AND_PEACE_ID);
    for function in &server_functions() {
        routes.extend(function.candidates.iter().map(|url| PrivateRoute::post(url.clone(), function_body.clone())));
    }
    routes
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_paths_without_a_session_reveal_nothing() {
    let site = Site::start(&[]);
    let cookie = site.login().await;
    // The first sync may still be running: wait until the book page (and its markup) is served.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let markup_id = loop {
        let book_page = site.get(&format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID)), Some(&cookie)).await;
        if let Some(id) = markup_id_in(&book_page.text().await.unwrap()) {
            break id;
        }
        assert!(std::time::Instant::now() < deadline, "the book page never showed its markup:\n{}", site.app.log());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let markers = private_markers(&site.app);
    let routes = every_private_route(&markup_id);
    let functions = server_functions();
    let function_body = server_function_body(WAR_AND_PEACE_ID);

    // Positive control: with a session the same routes answer, and show private text.
    let mut problems = Vec::new();
    for route in private_pages(WAR_AND_PEACE_ID, &markup_id) {
        let answer = route.send(site.address(), "/", Some(&cookie)).await;
        match answer {
            Ok(r) if r.status == 200 && markers.iter().any(|m| r.text().contains(m.as_str())) => {}
            Ok(r) => problems.push(format!("{} /{}: status {}, no private text", route.method, route.path, r.status)),
            Err(err) => problems.push(format!("{} /{}: {err}", route.method, route.path)),
        }
    }
    let mut function_leaks = 0;
    for function in &functions {
        let mut live = Vec::new();
        for url in &function.candidates {
            let route = PrivateRoute::post(url.clone(), function_body.clone());
            if let Ok(response) = route.send(site.address(), "/", Some(&cookie)).await {
                if response.status != 404 {
                    live.push(format!("/{url} → {}", response.status));
                    function_leaks += usize::from(markers.iter().any(|m| response.text().contains(m.as_str())));
                }
            }
        }
        println!("server function {}: live at {live:?}", function.name);
        if live.is_empty() {
            problems.push(format!(
                "server function {} answers 404 at every candidate {:?}",
                function.name, function.candidates
            ));
        }
    }
    if function_leaks == 0 {
        problems.push("no server function showed private text with a session".to_string());
    }
    assert!(problems.is_empty(), "positive control failed:\n{}\nserver log:\n{}", problems.join("\n"), site.app.log());
    assert!(functions.len() >= 5, "found only {} server functions in src: {functions:?}", functions.len());

    // Without a session, no prefix trick reaches any of them.
    let mut sent = 0;
    for prefix in HOSTILE_PREFIXES {
        for route in &routes {
            let answer = route.send(site.address(), prefix, None).await;
            sent += 1;
            if let Some(problem) = hostile_answer_problem(&answer, &markers) {
                problems.push(format!("{} {prefix}{}: {problem}", route.method, route.path));
            }
        }
    }
    println!("hostile requests sent: {sent} ({} prefixes × {} routes)", HOSTILE_PREFIXES.len(), routes.len());
    assert!(sent >= 100, "only {sent} hostile requests");
    assert!(
        problems.is_empty(),
        "{} of {sent} hostile requests got a bad answer:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

const API_TOKEN: &str = "a-read-api-token-for-the-hostile-suite-0123456789";

/// Whether a read API answer is the 401 JSON a script can read, with `WWW-Authenticate`.
fn api_refusal_problem(answer: &Result<RawResponse, String>, markers: &[String]) -> Option<String> {
    let response = match answer {
        Ok(response) => response,
        Err(err) => return Some(format!("no HTTP answer: {err}")),
    };
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    let wanted = (401, Some("application/json"), Some("Bearer"), true);
    let found = (
        response.status,
        response.header("content-type"),
        response.header("www-authenticate"),
        body["error"].is_string(),
    );
    if found != wanted {
        return Some(format!("answered {found:?}, not {wanted:?}"));
    }
    markers.iter().find(|m| response.text().contains(m.as_str())).map(|m| format!("shows private text {m:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_token_opens_the_read_api_and_nothing_else() {
    let site = Site::start(&[("KOBO_SHELF_API_TOKEN", API_TOKEN.to_string())]);
    let cookie = site.login().await;
    let markers = private_markers(&site.app);
    let bearer = format!("Bearer {API_TOKEN}");
    let api = [
        PrivateRoute::get("api/v1/books"),
        PrivateRoute::get(format!("api/v1/annotations?book={}", encode_url_component(WAR_AND_PEACE_ID))),
    ];
    let same_length_wrong = format!("Bearer {}", API_TOKEN.replace('0', "1"));
    let wrong_tokens = [
        same_length_wrong.as_str(),
        "Bearer ",
        "Bearer x",
        API_TOKEN,
        &format!("Basic {API_TOKEN}"),
        &format!("Bearer {API_TOKEN}x"),
    ];
    let mut problems = Vec::new();
    for route in &api {
        for opens in [("Authorization", bearer.as_str()), ("Cookie", cookie.as_str())] {
            match route.send_with(site.address(), "/", &[opens]).await {
                Ok(r) if r.status == 200 && markers.iter().any(|m| r.text().contains(m.as_str())) => {}
                Ok(r) => {
                    problems.push(format!("{} with {}: status {}, no private text", route.path, opens.0, r.status))
                }
                Err(err) => problems.push(format!("{} with {}: {err}", route.path, opens.0)),
            }
        }
        let mut refused = vec![route.send_with(site.address(), "/", &[]).await];
        for wrong in wrong_tokens {
            refused.push(route.send_with(site.address(), "/", &[("Authorization", wrong)]).await);
        }
        let in_query =
            PrivateRoute::get(format!("{}&access_token={API_TOKEN}", route.path.replace("books", "books?x=1")));
        refused.push(in_query.send(site.address(), "/", None).await);
        problems.extend(
            refused
                .iter()
                .filter_map(|answer| api_refusal_problem(answer, &markers))
                .map(|p| format!("{}: {p}", route.path)),
        );
    }
    // The token opens nothing but the read API, whatever the path.
    let others: Vec<PrivateRoute> =
        every_private_route("x").into_iter().filter(|r| !r.path.starts_with("api/v1/")).collect();
    let mut sent = 0;
    for prefix in std::iter::once("/").chain(HOSTILE_PREFIXES) {
        for route in &others {
            let answer = route.send_with(site.address(), prefix, &[("Authorization", bearer.as_str())]).await;
            sent += 1;
            if let Some(problem) = hostile_answer_problem(&answer, &markers) {
                problems.push(format!("{} {prefix}{} with the token: {problem}", route.method, route.path));
            }
        }
    }
    assert!(sent >= 500, "only {sent} requests with the token");
    let log = site.app.log();
    assert!(!log.contains(API_TOKEN), "the token was logged:\n{log}");
    assert!(log.contains("read API: refused a wrong token"), "{log}");
    assert!(problems.is_empty(), "{}\nserver log:\n{log}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 2. Redirect targets stay on this site.
// ---------------------------------------------------------------------------------------------

/// Targets that must never be followed: each is a value the server receives (percent-encoded
/// once on the wire). The ones with `%` escapes are also sent decoded (real tab, CR LF, LF).
const HOSTILE_TARGETS: [&str; 19] = [
    "/%09/evil.example",
    "/\t/evil.example",
    "/%0d%0a/evil.example",
    "/\r\n/evil.example",
    "%0a//evil.example",
    "\n//evil.example",
    "/\\evil.example",
    "/%5cevil.example",
    "/%5Cevil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/\u{FF0F}evil.example",
    "\\/evil.example",
    "/%2f%2fevil.example",
    "/%2F%2Fevil.example",
    "http:evil.example",
    "",
];

/// Local targets that must be kept as they are.
const GOOD_TARGETS: [&str; 2] = ["/book?id=a%20b", "/search?q=x"];

/// Every target with the `Location` it must lead to.
fn redirect_cases() -> Vec<(&'static str, &'static str)> {
    let hostile = HOSTILE_TARGETS.iter().map(|target| (*target, "/"));
    hostile.chain(GOOD_TARGETS.iter().map(|target| (*target, *target))).collect()
}

/// Lists each target whose answer differs from `expected`; `location` gives the answer.
async fn wrong_redirects<F, Fut>(location: F) -> Vec<String>
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let mut wrong = Vec::new();
    for (target, expected) in redirect_cases() {
        match location(target).await {
            Ok(found) if found == expected => {}
            Ok(found) => wrong.push(format!("{target:?}: got {found:?}, expected {expected:?}")),
            Err(err) => wrong.push(format!("{target:?}: {err}")),
        }
    }
    wrong
}

/// The `Location` of a redirect, or why there is none.
fn redirect_location(answer: reqwest::Result<reqwest::Response>) -> Result<String, String> {
    let response = answer.map_err(|err| format!("no answer: {err}"))?;
    if !response.status().is_redirection() {
        return Err(format!("status {}, not a redirect", response.status()));
    }
    response
        .headers()
        .get("location")
        .ok_or("no Location".to_string())
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_theme_switch_only_goes_back_to_this_site() {
    let site = Site::start(&[]);
    let wrong = wrong_redirects(|target| {
        let url = site.app.url(&format!("/theme?set=dark&back={}", encode_url_component(target)));
        async move { redirect_location(no_redirects().get(url).send().await) }
    })
    .await;
    assert!(wrong.is_empty(), "theme redirects off this site:\n{}\nserver log:\n{}", wrong.join("\n"), site.app.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn login_only_goes_on_to_this_site() {
    let site = Site::behind_proxy();
    let base = site.app.base.clone();
    let wrong = wrong_redirects(|target| {
        let base = base.clone();
        async move { redirect_location(post_login(&base, USERNAME, PASSWORD, target, &next_client_address()).await) }
    })
    .await;
    assert!(wrong.is_empty(), "login redirects off this site:\n{}\nserver log:\n{}", wrong.join("\n"), site.app.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_login_form_only_carries_local_targets() {
    let site = Site::start(&[]);
    let wrong = wrong_redirects(|target| {
        let url = site.app.url(&format!("/login?next={}", encode_url_component(target)));
        async move {
            let page = no_redirects()
                .get(url)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .text()
                .await
                .map_err(|e| e.to_string())?;
            // No hidden field echoes the target: nothing to misuse. An empty one means "/".
            let value = hidden_next(&page).unwrap_or_else(|| "/".to_string());
            Ok(if value.is_empty() { "/".to_string() } else { value })
        }
    })
    .await;
    assert!(wrong.is_empty(), "the login form carries targets off this site:\n{}", wrong.join("\n"));
}

/// The value of the login form's hidden `next` field, unescaped.
fn hidden_next(page: &str) -> Option<String> {
    let field = page.find("name=\"next\"")?;
    let tag_start = page[..field].rfind('<')?;
    let tag = &page[tag_start..tag_start + page[tag_start..].find('>')?];
    let value = tag.split_once("value=\"")?.1.split('"').next()?;
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

// ---------------------------------------------------------------------------------------------
// 3. – 5. Sessions, caching and the Content-Security-Policy.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_logged_out_session_cookie_no_longer_signs_in() {
    let site = Site::start(&[]);
    let cookie = site.login().await;
    assert_eq!(site.get("/", Some(&cookie)).await.status(), 200, "the fresh session does not sign in");
    let logout = no_redirects()
        .post(site.app.url("/logout"))
        .header("origin", &site.app.base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_redirection(), "logout answered {}", logout.status());

    let page = site.get("/", Some(&cookie)).await;
    let location = header(&page, "location");
    assert!(
        page.status().is_redirection() && location.starts_with("/login"),
        "the old cookie still opens the library: status {}, Location {location:?}",
        page.status()
    );
    let api = site.get("/api/sync-status", Some(&cookie)).await;
    assert_eq!(api.status(), 401, "the old cookie still opens the API");
}

/// The first `/book?id=…` link of a page.
fn first_book_link(page: &str) -> Option<String> {
    let start = page.find("href=\"/book?id=")? + "href=\"".len();
    let link = &page[start..start + page[start..].find('"')?];
    Some(link.replace("&amp;", "&"))
}

#[tokio::test(flavor = "multi_thread")]
async fn private_responses_are_not_stored() {
    let site = Site::start(&[]);
    let cookie = site.login().await;
    let library = site.get("/", Some(&cookie)).await.text().await.unwrap();
    let book = first_book_link(&library).expect("a book link on the library page");
    let mut missing = Vec::new();
    let paths = [
        "/",
        book.as_str(),
        "/search?q=war",
        "/stats",
        "/settings",
        "/api/sync-status",
        "/api/v1/books",
        "/export/library.zip",
        "/export/library.csv",
    ];
    for path in paths {
        let response = site.get(path, Some(&cookie)).await;
        let cache_control = header(&response, "cache-control");
        if response.status() != 200 || !cache_control.contains("no-store") {
            missing.push(format!("{path}: status {}, Cache-Control {cache_control:?}", response.status()));
        }
    }
    assert!(missing.is_empty(), "private responses that may be stored:\n{}", missing.join("\n"));
}

/// The nonce of a policy's `script-src`, after checking the directives a page needs.
fn checked_policy_nonce(policy: &str) -> Result<String, String> {
    let directive = |name: &str| policy.split(';').map(str::trim).find(|d| d.split_whitespace().next() == Some(name));
    let script_src = directive("script-src").ok_or("no script-src")?;
    if !script_src.contains("'self'") || script_src.contains("unsafe-inline") {
        return Err(format!("script-src is {script_src:?}"));
    }
    for (name, value) in [("frame-ancestors", "'none'"), ("base-uri", "'none'")] {
        if directive(name).and_then(|d| d.split_whitespace().nth(1)) != Some(value) {
            return Err(format!("{name} is not {value}"));
        }
    }
    let nonce = script_src.split_whitespace().find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''));
    nonce.filter(|n| !n.is_empty()).map(str::to_string).ok_or(format!("no nonce in {script_src:?}"))
}

/// Inline `<script>` tags (no `src`) that do not carry `nonce="<nonce>"`, and how many there are.
fn inline_scripts_without(page: &str, nonce: &str) -> (usize, Vec<String>) {
    let tags: Vec<&str> = page
        .match_indices("<script")
        .filter_map(|(at, _)| page[at..].find('>').map(|end| &page[at..=at + end]))
        .filter(|tag| !tag.contains(" src="))
        .collect();
    let wanted = format!("nonce=\"{nonce}\"");
    (tags.len(), tags.iter().filter(|tag| !tag.contains(&wanted)).map(|tag| tag.to_string()).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_carry_a_nonce_based_content_security_policy() {
    let site = Site::start(&[]);
    let cookie = site.login().await;
    let book = format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID));
    let signed_in =
        ["/", book.as_str(), "/stats", "/settings", "/search?q=war"].map(|path| (path, Some(cookie.as_str())));
    let mut problems = Vec::new();
    for (path, cookie) in [("/login", None)].into_iter().chain(signed_in) {
        let response = site.get(path, cookie).await;
        let policy = header(&response, "content-security-policy");
        let page = response.text().await.unwrap();
        match checked_policy_nonce(&policy) {
            Err(problem) => problems.push(format!("{path}: {problem} (policy {policy:?})")),
            Ok(nonce) => {
                let (inline, without) = inline_scripts_without(&page, &nonce);
                if inline == 0 {
                    problems.push(format!("{path}: no inline script to check"));
                }
                problems
                    .extend(without.into_iter().map(|tag| format!("{path}: inline script without the nonce: {tag}")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 6. – 8. Password guessing and slow clients.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn login_attempts_are_limited_per_ipv6_64() {
    let site = Site::behind_proxy();
    let same_64 = [
        "2001:db8:1:2::1",
        "2001:db8:1:2::2",
        "2001:db8:1:2:ffff::9",
        "2001:db8:1:2:1234:5678:9abc:def0",
        "2001:db8:1:2::ffff",
        "2001:db8:1:2:8000::1",
        "2001:db8:1:2:ffff:ffff:ffff:ffff",
        "2001:db8:1:2:a::b",
    ];
    let mut answers = Vec::new();
    for address in same_64 {
        let response = post_login(&site.app.base, USERNAME, "wrong password", "/", address).await.unwrap();
        answers.push((address, response.status().as_u16(), header(&response, "retry-after")));
    }
    for (address, status, retry_after) in &answers[5..] {
        assert!(
            *status == 429 && !retry_after.is_empty(),
            "attempt from {address} in the same /64 was not refused: status {status}, Retry-After {retry_after:?}; all: {answers:?}"
        );
    }
    let other = post_login(&site.app.base, USERNAME, "wrong password", "/", "2001:db8:1:3::1").await.unwrap();
    assert_ne!(other.status(), 429, "another /64 is refused too");
}

/// The `concurrent_checks=N` values the server logged, one per password check.
fn logged_concurrent_checks(log: &str) -> Vec<usize> {
    log.match_indices("concurrent_checks=")
        .filter_map(|(at, key)| {
            let digits: String = log[at + key.len()..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_two_password_checks_run_at_once() {
    let site = Site::behind_proxy();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=50 {
        let base = site.app.base.clone();
        tasks.spawn(async move {
            let response = post_login(&base, USERNAME, "wrong password", "/", &format!("198.51.100.{i}")).await;
            response.map(|r| r.status().as_u16()).map_err(|e| e.to_string())
        });
    }
    let statuses: Vec<Result<u16, String>> = tasks.join_all().await;
    let checked = statuses.iter().filter(|s| matches!(s, Ok(302 | 303))).count();
    let bad: Vec<_> = statuses.iter().filter(|s| !matches!(s, Ok(302 | 303 | 429))).collect();
    assert!(bad.is_empty(), "answers other than a redirect or 429: {bad:?}");

    let deadline = Instant::now() + Duration::from_secs(3);
    let mut checks = logged_concurrent_checks(&site.app.log());
    while checks.len() < checked.max(1) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        checks = logged_concurrent_checks(&site.app.log());
    }
    assert!(
        !checks.is_empty(),
        "no `concurrent_checks=` line in the log ({checked} checks answered)\n{}",
        site.app.log()
    );
    assert!(checks.len() >= checked, "{} check lines for {checked} checked answers", checks.len());
    assert!(checks.iter().all(|n| (1..=2).contains(n)), "more than two password checks at once: {checks:?}");
    println!("{checked} of 50 attempts checked, {} refused as busy; concurrent_checks: {checks:?}", 50 - checked);
}

/// Whether the server closes `stream` before `deadline` (a read ends or fails).
async fn closed_by_server(mut stream: TcpStream, deadline: Instant) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        match timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

// Slow: up to ~45 s, the time the server may take to drop connections whose headers never end.
#[tokio::test(flavor = "multi_thread")]
async fn stalled_connections_neither_block_others_nor_stay_open() {
    let site = Site::start(&[]);
    let opened = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(site.address()).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        stalled.push(stream);
    }

    let health = timeout(Duration::from_secs(2), raw_request(site.address(), "GET", "/api/health", &[], b"")).await;
    let health = health.expect("/api/health did not answer within 2 s beside 300 stalled connections").unwrap();
    assert_eq!((health.status, String::from_utf8_lossy(&health.body).trim()), (200, "ok"));

    let deadline = opened + Duration::from_secs(45);
    let mut waits = tokio::task::JoinSet::new();
    for stream in stalled {
        waits.spawn(closed_by_server(stream, deadline));
    }
    let closed = waits.join_all().await.into_iter().filter(|closed| *closed).count();
    println!("stalled connections closed by the server after {:?}: {closed} of 300", opened.elapsed());
    assert_eq!(closed, 300, "stalled connections still open after 45 s");
}
