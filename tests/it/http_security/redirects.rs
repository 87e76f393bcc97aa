//! Redirect targets stay on this site.

use super::*;

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
