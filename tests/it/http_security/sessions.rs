//! Sessions end on the server at logout, with what the browser kept for offline reading;
//! private answers are not stored; pages carry a nonce CSP.

use super::*;

// ---------------------------------------------------------------------------------------------
// 3. – 5. Sessions, caching and the Content-Security-Policy.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_logged_out_session_cookie_no_longer_signs_in() {
    let site = Site::start(&[]);
    let cookie = site.login().await;
    site.wait_for_library(&cookie).await;
    assert_eq!(site.get("/", Some(&cookie)).await.status(), 200, "the fresh session does not sign in");
    let logout = no_redirects()
        .post(site.app.url("/logout"))
        .header("origin", &site.app.base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_redirection(), "logout answered {}", logout.status());
    let cleared = header(&logout, "set-cookie");
    assert!(cleared.starts_with("kobo_shelf_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(header(&logout, "clear-site-data"), "\"cache\", \"storage\"", "the offline copies and the worker go");

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

#[tokio::test(flavor = "multi_thread")]
async fn offline_reading_is_offered_to_a_signed_in_reader_only() {
    let site = Site::start(&[("KOBO_SHELF_OFFLINE_PAGES", "30".to_string())]);
    let login = site.get("/login", None).await.text().await.unwrap();
    assert!(login.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#), "installable from the first page");
    assert!(!login.contains("/offline.js"), "nothing is kept before login");
    let cookie = site.login().await;
    site.wait_for_library(&cookie).await;
    let page = site.get("/", Some(&cookie)).await.text().await.unwrap();
    assert!(page.contains(r#"<script src="/offline.js" defer data-pages="30" data-mb="50">"#), "{page}");
    let worker = site.get("/sw.js", None).await;
    assert_eq!(header(&worker, "content-security-policy"), "default-src 'self'", "its fetches may reach the site");
    assert!(header(&worker, "content-type").contains("javascript"));
    let off = Site::start(&[("KOBO_SHELF_OFFLINE_PAGES", "0".to_string())]);
    let cookie = off.login().await;
    off.wait_for_library(&cookie).await;
    assert!(!off.get("/", Some(&cookie)).await.text().await.unwrap().contains("/offline.js"), "0 turns it off");
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
