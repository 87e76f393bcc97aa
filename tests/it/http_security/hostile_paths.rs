//! Hostile paths without a session reveal nothing; the read API's token opens the read API only.

use super::*;

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
        "Library health",
        "Daily review",
        "Your tags",
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
        PrivateRoute::get("?device=kobo&sort=title"),
        PrivateRoute::get("stats"),
        PrivateRoute::get("settings"),
        PrivateRoute::get("health"),
        PrivateRoute::get("review"),
        PrivateRoute::get("tags"),
        PrivateRoute::get("export/library.zip"),
        PrivateRoute::get("export/library.json"),
        PrivateRoute::get("export/library.csv"),
        PrivateRoute::get("export/anki.txt"),
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
const PUBLIC_SERVER_FUNCTIONS: [&str; 1] = ["/api/login_state"];

/// A server function as the server registers it (`kobo-shelf routes`).
#[derive(Debug)]
struct ServerFunction {
    method: String,
    /// Without the leading `/`, as `PrivateRoute` paths are.
    path: String,
}

/// The private server functions, listed by the real binary: what it registers is what it serves.
fn server_functions() -> Vec<ServerFunction> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kobo-shelf")).arg("routes").output().unwrap();
    assert!(output.status.success(), "kobo-shelf routes: {output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(_, path)| !PUBLIC_SERVER_FUNCTIONS.contains(path))
        .map(|(method, path)| ServerFunction {
            method: method.to_string(),
            path: path.trim_start_matches('/').to_string(),
        })
        .collect()
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
    // Answers with a redirect to the review even with a session: checked only without one.
    routes.push(PrivateRoute::post("review/answer", "highlight=x&answer=good"));
    routes.push(PrivateRoute::post("review/feed/new-address", ""));
    routes.push(PrivateRoute::post("annotation/edit", "highlight=x&favourite=true"));
    let annotation = encode_url_component(WAR_AND_PEACE_ID);
    routes.push(PrivateRoute {
        method: "PATCH",
        path: format!("api/v1/annotations/{annotation}"),
        body: r#"{"favourite":true}"#.into(),
    });
    // A PNG holds no text a marker could find: checked only without a session.
    routes.push(PrivateRoute::get(format!("card.png?highlight={}", encode_url_component(markup_id))));
    // The feed is opened by its own token, not by a session: 401 with or without one.
    routes.push(PrivateRoute::get("review/feed.atom"));
    routes.push(PrivateRoute::get("review/feed.atom?token=guessed"));
    // The demo has no annotation deleted on the device, so this lists nothing even with a
    // session: checked only without one.
    routes.push(PrivateRoute::get("search?deleted=1"));
    let function_body = server_function_body(WAR_AND_PEACE_ID);
    for function in &server_functions() {
        routes.push(PrivateRoute::post(function.path.clone(), function_body.clone()));
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
        assert_eq!(function.method, "POST", "{function:?}: the boundary is checked for POST");
        let route = PrivateRoute::post(function.path.clone(), function_body.clone());
        match route.send(site.address(), "/", Some(&cookie)).await {
            Ok(response) if response.status != 404 => {
                function_leaks += usize::from(markers.iter().any(|m| response.text().contains(m.as_str())));
            }
            answer => {
                problems.push(format!("server function /{} not served: {:?}", function.path, answer.map(|r| r.status)))
            }
        }
    }
    if function_leaks == 0 {
        problems.push("no server function showed private text with a session".to_string());
    }
    assert!(problems.is_empty(), "positive control failed:\n{}\nserver log:\n{}", problems.join("\n"), site.app.log());
    assert!(
        functions.len() >= 5,
        "`kobo-shelf routes` listed only {} server functions: {functions:?}",
        functions.len()
    );

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
    site.wait_for_library(&cookie).await;
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
