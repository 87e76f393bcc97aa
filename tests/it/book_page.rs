//! The book page is rendered once per library version and query (then served as it was): the
//! same escaped body to every request, hostile text shown as text in every field and attribute,
//! each filter its own page, the tab's title escaped too; sent gzipped around the body kept
//! deflated. That a new version replaces it is checked in `one_library`.

use crate::support::{client, App};
use kobo_shelf::{
    model::{book_href, book_view_href, HighlightColor, SyncPhase},
    server::demo::{HOSTILE_TEXT_ID, WAR_AND_PEACE_ID},
};
use std::io::Read;

/// The page's `<article>`: everything but the shell, whose nonces differ per request.
async fn article(app: &App, href: &str) -> String {
    let (status, page) = app.page(href).await;
    assert_eq!(status, 200, "{href}");
    article_of(&page)
}

fn article_of(page: &str) -> String {
    let start = page.find("<article class=\"book\">").unwrap_or_else(|| panic!("no article in {page}"));
    let end = page[start..].find("</article>").expect("the article ends") + start;
    page[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_gets_the_same_body_with_hostile_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("data"), &[]);
    app.wait_for_end(SyncPhase::Completed).await;
    let href = book_href(HOSTILE_TEXT_ID);
    let body = article(&app, &href).await;
    let (_, page) = app.page(&href).await;
    assert!(page.contains("<title>Escaping &lt;Everything&gt; &amp; Other \"Stories\" · kobo-shelf</title>"), "{page}");

    // The title, author, chapter, highlight and note of the hostile book, as the reader wrote
    // them: shown escaped, in text and in attributes (the cover's alt, the links).
    for raw in ["<script", "<img src=x", "<b>stay</b>", "<Everything>"] {
        assert!(!body.contains(raw), "{raw} reached the page unescaped:\n{body}");
    }
    for shown in [
        "<h1>Escaping &lt;Everything&gt; &amp; Other \"Stories\"",
        "alt=\"Cover of Escaping &lt;Everything&gt; &amp; Other &quot;Stories&quot;\"",
        "by O'Brien &lt;script&gt;window.__kobo_pwned = 'author'&lt;/script&gt;",
        "<h3>&lt;img src=x onerror=\"window.__kobo_pwned='chapter'\"&gt;",
        "<blockquote>&lt;script&gt;window.__kobo_pwned = 'highlight'&lt;/script&gt;",
        "Ampersands &amp; angle brackets &lt;b&gt;stay&lt;/b&gt; text.",
        "&lt;img src=x onerror=\"window.__kobo_pwned='note'\"&gt; &amp; \"quotes\"",
        "href=\"/export/book.md?id=file%3A%2F%2F%2Fmnt%2Fonboard%2FSecurity%2FEscaping%20%3CEverything%3E.kepub.epub\"",
    ] {
        assert!(body.contains(shown), "{shown} is not on the page:\n{body}");
    }
    for _ in 0..3 {
        assert_eq!(article(&app, &href).await, body, "a later request gets the page as it was rendered");
    }

    // A colour is its own page, with only that colour's highlights; the whole book is unchanged.
    let pink = article(&app, &book_view_href(HOSTILE_TEXT_ID, false, Some(HighlightColor::Pink))).await;
    let colours = |page: &str| page.matches("class=\"highlight color-").count();
    assert!(colours(&pink) > 0 && colours(&pink) < colours(&body), "pink {} of {}", colours(&pink), colours(&body));
    assert_eq!(colours(&pink), pink.matches("class=\"highlight color-pink\"").count());
    assert_eq!(article(&app, &href).await, body);
}

/// A client that accepts gzip gets the book page gzipped around its body as kept deflated, sent
/// whole with its length (the compression layer would stream it without one): the same page as
/// uncompressed, every time; one that refuses gzip gets it as it is.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_accepts_gzip_gets_the_same_page_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("data"), &[]);
    app.wait_for_end(SyncPhase::Completed).await;
    for href in [book_href(HOSTILE_TEXT_ID), book_href(WAR_AND_PEACE_ID)] {
        let plain = article(&app, &href).await;
        for accept in ["gzip", "br;q=1.0, gzip;q=0.8", "gzip", "*"] {
            let response = client().get(app.url(&href)).header("accept-encoding", accept).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let headers = response.headers().clone();
            assert_eq!(headers["content-encoding"], "gzip", "{accept}");
            assert!(headers.get_all("vary").iter().any(|vary| vary.to_str().unwrap().contains("accept-encoding")));
            let gzip = response.bytes().await.unwrap();
            assert_eq!(headers["content-length"].to_str().unwrap(), gzip.len().to_string(), "sent whole");
            let mut page = String::new();
            flate2::read::GzDecoder::new(&gzip[..]).read_to_string(&mut page).expect("one valid gzip member");
            assert_eq!(article_of(&page), plain, "{accept}");
            assert!(page.contains("</body>") && page.contains("nonce="), "the whole page, shell and scripts");
            assert!(gzip.len() < page.len() / 2, "{} bytes for {}", gzip.len(), page.len());
        }
        let refused = client().get(app.url(&href)).header("accept-encoding", "gzip;q=0, br").send().await.unwrap();
        assert!(refused.headers().get("content-encoding").is_none());
        assert_eq!(article_of(&refused.text().await.unwrap()), plain);
    }
}
