//! Quote cards through the real server: a highlight of the demo as a PNG, square or a story,
//! decoded back; an unknown highlight is not found, a handwritten markup has no text to draw;
//! the book page links each highlight to its card.

use crate::support::{client, App};
use kobo_shelf::{
    model::{encode_url_component, SyncPhase},
    server::demo::WAR_AND_PEACE_ID,
};
use serde_json::Value;

/// The card's status, content type and, for a PNG, its decoded size.
async fn card(app: &App, query: &str) -> (u16, String, Option<(u32, u32)>) {
    let response = client().get(app.url(&format!("/card.png?{query}"))).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = response.bytes().await.unwrap();
    let size = (content_type == "image/png").then(|| {
        let reader = png::Decoder::new(std::io::Cursor::new(body.to_vec())).read_info().unwrap();
        (reader.info().width, reader.info().height)
    });
    (status, content_type, size)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_highlight_is_drawn_as_a_png_square_or_story() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("data"), &[]);
    app.wait_for_end(SyncPhase::Completed).await;
    let book = encode_url_component(WAR_AND_PEACE_ID);
    let answer: Value =
        client().get(app.url(&format!("/api/v1/annotations?book={book}"))).send().await.unwrap().json().await.unwrap();
    let rows = answer["annotations"].as_array().unwrap();
    let id = |kind: &str| {
        let row = rows.iter().find(|row| row["kind"] == kind).unwrap_or_else(|| panic!("a {kind} in the demo"));
        encode_url_component(row["highlight_id"].as_str().unwrap())
    };
    let highlight = id("highlight");

    let (status, content_type, size) = card(&app, &format!("highlight={highlight}")).await;
    assert_eq!((status, content_type.as_str(), size), (200, "image/png", Some((1080, 1080))));
    let (_, _, story) = card(&app, &format!("highlight={highlight}&format=story")).await;
    assert_eq!(story, Some((1080, 1920)));
    let (status, _, _) = card(&app, "highlight=no-such-highlight").await;
    assert_eq!(status, 404);
    let (status, _, _) = card(&app, &format!("highlight={}", id("markup"))).await;
    assert_eq!(status, 400, "a handwritten markup has no text for a card");

    let (_, page) = app.page(&format!("/book?id={book}")).await;
    assert!(
        page.contains(&format!("href=\"/card.png?highlight={highlight}\" download=\"quote.png\"")),
        "the share link"
    );
}
