//! What the reader adds to an annotation on the web, through the API for scripts against the
//! real server: a favourite, tags and a note of their own, kept beside the device's note,
//! surviving a new device version, the device deleting the annotation and a restart; refused
//! from another site; the device's file never written; found again by tag and favourite.

use crate::support::{client, edited_copy, generated_library, s3_env, App};
use kobo_shelf::{
    model::encode_url_component,
    model::SyncPhase,
    server::demo::{CURATED_ITEMS, WAR_AND_PEACE_ID},
};
use kobo_shelf_testkit::{seconds_ago, Testkit, DATABASE_KEY};
use serde_json::{json, Value};
use std::path::Path;

/// War and Peace's annotations as the API gives them.
async fn annotations(app: &App) -> Vec<Value> {
    let url = app.url(&format!("/api/v1/annotations?book={}", encode_url_component(WAR_AND_PEACE_ID)));
    let answer: Value = client().get(url).send().await.unwrap().json().await.unwrap();
    answer["annotations"].as_array().unwrap().clone()
}

async fn patch(app: &App, id: &str, body: &str) -> (u16, Value) {
    let url = app.url(&format!("/api/v1/annotations/{}", encode_url_component(id)));
    let response =
        client().patch(url).header("content-type", "application/json").body(body.to_string()).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

fn start(data: &Path, library: &Path) -> App {
    let env = [
        ("KOBO_SHELF_SOURCE", format!("file://{}", library.display())),
        ("KOBO_SHELF_CHECK_INTERVAL_SECS", "0".to_string()),
    ];
    App::start(data, &env)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_favourite_tags_and_a_web_note_are_kept_beside_the_devices_note_through_syncs_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("library.sqlite"), 1, CURATED_ITEMS);
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    kit.upload(DATABASE_KEY, &library).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    let data = dir.path().join("data");
    let mut app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    let rows = annotations(&app).await;
    let noted = rows.iter().find(|row| row["device_note"].is_string()).expect("a highlight with a device note");
    let id = noted["highlight_id"].as_str().unwrap().to_string();
    let device_note = noted["note"].as_str().unwrap().to_string();
    assert_eq!((noted["favourite"].clone(), noted["tags"].clone()), (json!(false), json!([])));

    let book_page = format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID));
    assert!(!app.page(&book_page).await.1.contains("★ Favourite"), "rendered (and kept) before the edit");
    let hostile_note = format!("<script>alert('x')</script> & {}", "long ".repeat(2_000));
    let body = json!({ "favourite": true, "tags": [" Ideas ", "ideas", "<b>War</b> & \"Peace\"", "", "東京"], "note": hostile_note });
    let (status, edited) = patch(&app, &id, &body.to_string()).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        edited["tags"],
        json!(["Ideas", "<b>War</b> & \"Peace\"", "東京"]),
        "trimmed, the same tag in another case once"
    );
    assert_eq!((edited["favourite"].clone(), edited["note"].clone()), (json!(true), json!(hostile_note)));
    assert_eq!(edited["device_note"], json!(device_note), "the device's note is kept");
    let (status, page) = app.page(&book_page).await;
    assert_eq!(status, 200);
    let page = page.replace("<!>", ""); // Leptos' hydration markers between nodes
    let after = page.split(&format!("id=\"h-{id}\"")).nth(1).unwrap();
    let item = after.split("<li id=\"h-").next().unwrap().to_string(); // up to the next annotation
    assert!(item.contains("★ Favourite"), "{item}");
    assert!(
        item.contains(">&lt;b&gt;War&lt;/b&gt; &amp; \"Peace\"</a></li>") && item.contains(">東京</a></li>"),
        "tags as text: {item}"
    );
    assert!(item.contains("Your note: </span>&lt;script&gt;alert('x')&lt;/script&gt; &amp; long"), "{item}");
    assert!(item.contains("Note on the device: "), "both notes, each named: {item}");
    let (_, library_page) = app.page("/?q=war").await;
    let plain = library_page.replace("<!>", "");
    assert!(plain.contains("class=\"favourite\">★ 1</span>"), "the library counts favourites");
    let (_, json) = app.page("/export/library.json").await;
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    let row = rows.iter().find(|row| row["highlight_id"] == json!(id)).unwrap();
    assert_eq!(
        (row["favourite"].clone(), row["tags"].clone()),
        (json!(true), edited["tags"].clone()),
        "the exports carry them"
    );
    assert_eq!((row["web_note"].clone(), row["note"].clone()), (json!(hostile_note), json!(device_note)));
    let (_, markdown) = app.page(&format!("/export/book.md?id={}", encode_url_component(WAR_AND_PEACE_ID))).await;
    assert!(markdown.contains("★ **Your note:** ") && markdown.contains("**Note on the device:** "), "{markdown}");
    assert!(
        markdown.contains("#Ideas") && markdown.contains("  - \"Ideas\"\n"),
        "tags in the body and the front matter"
    );

    let (status, only_favourite) = patch(&app, &id, r#"{"favourite": false}"#).await;
    assert_eq!(
        (status, only_favourite["tags"].clone(), only_favourite["note"].clone()),
        (200, edited["tags"].clone(), edited["note"].clone()),
        "fields left out stay"
    );
    let (status, cleared) = patch(&app, &id, r#"{"note": null, "favourite": true}"#).await;
    assert_eq!(
        (status, cleared["note"].clone()),
        (200, json!(device_note)),
        "null clears the web note: the device's shows"
    );

    // A new device version without the annotation, then a restart: the edits stay.
    let without = edited_copy(
        &library,
        &dir.path().join("v2.sqlite"),
        &format!("DELETE FROM Bookmark WHERE BookmarkID = '{id}'"),
    );
    let uploaded = std::fs::read(&without).unwrap();
    kit.upload(DATABASE_KEY, &without).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(2_000)).unwrap();
    app.check_and_sync().await;
    app.wait_for_end(SyncPhase::Completed).await;
    app.kill();
    let app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::UpToDate).await;
    let row =
        annotations(&app).await.into_iter().find(|row| row["highlight_id"] == json!(id)).expect("kept by the archive");
    assert!(row["deleted_on_device"].is_string());
    assert_eq!((row["favourite"].clone(), row["tags"].clone()), (json!(true), edited["tags"].clone()));
    assert_eq!(std::fs::read(data.join("KoboReader.sqlite")).unwrap(), uploaded, "the device's file is never written");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_edits_are_refused_and_concurrent_ones_leave_one_whole_result() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("library.sqlite"), 2, CURATED_ITEMS);
    let app = start(&dir.path().join("data"), &library);
    app.wait_for_end(SyncPhase::Completed).await;
    let id = annotations(&app).await[0]["highlight_id"].as_str().unwrap().to_string();
    let refused = [
        ("not json", "Send a JSON object"),
        ("[]", "Send a JSON object"),
        (r#"{"favourite": "yes"}"#, "`favourite` is not something an annotation has, or not of its type."),
        (r#"{"tags": [1]}"#, "Each tag is text."),
        (r#"{"colour": "pink"}"#, "`colour` is not something"),
    ];
    for (body, says) in refused {
        let (status, answer) = patch(&app, &id, body).await;
        assert_eq!(status, 400, "{body}");
        assert!(answer["error"].as_str().unwrap_or_default().starts_with(says), "{body}: {answer}");
    }
    let many: Vec<String> = (0..51).map(|n| format!("tag {n}")).collect();
    assert_eq!(patch(&app, &id, &json!({ "tags": many }).to_string()).await.0, 400, "too many tags");
    assert_eq!(patch(&app, "no-such-annotation", r#"{"favourite": true}"#).await.0, 404);
    let cross_site = client()
        .patch(app.url(&format!("/api/v1/annotations/{}", encode_url_component(&id))))
        .header("origin", "https://evil.example")
        .body(r#"{"favourite": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "a write from another site");

    let edits = (0..8).map(|n| {
        let (app, id) = (&app, id.clone());
        async move {
            patch(
                app,
                &id,
                &json!({ "tags": [format!("a{n}"), format!("b{n}")], "note": format!("note {n}") }).to_string(),
            )
            .await
        }
    });
    for (status, _) in futures::future::join_all(edits).await {
        assert_eq!(status, 200);
    }
    let row = annotations(&app).await.into_iter().find(|row| row["highlight_id"] == json!(id)).unwrap();
    let n = row["note"].as_str().unwrap().trim_start_matches("note ").to_string();
    assert_eq!(row["tags"], json!([format!("a{n}"), format!("b{n}")]), "tags and note from the same request");
}

/// The book page's plain forms, sent as a browser without JavaScript sends them: each goes back
/// to the annotation, and the page shows the result, hostile text as text.
#[tokio::test(flavor = "multi_thread")]
async fn the_book_pages_forms_mark_a_favourite_and_save_tags_and_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("library.sqlite"), 3, CURATED_ITEMS);
    let app = start(&dir.path().join("data"), &library);
    app.wait_for_end(SyncPhase::Completed).await;
    let id = annotations(&app).await[0]["highlight_id"].as_str().unwrap().to_string();
    let book_page = format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID));
    let item = |page: String| -> String {
        let page = page.replace("<!>", "");
        let after = page.split(&format!("id=\"h-{id}\"")).nth(1).unwrap().to_string();
        after.split("<li id=\"h-").next().unwrap().to_string()
    };
    assert!(item(app.page(&book_page).await.1).contains("★ Mark as favourite"));
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let send = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![("highlight", id.clone()), ("back", book_page.clone())];
        form.extend(fields);
        browser.post(app.url("/annotation/edit")).form(&form).send()
    };
    let answer = send(vec![("favourite", "true".into())]).await.unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.headers()["location"].to_str().unwrap(), format!("{book_page}#h-{id}"), "back at the annotation");
    // The page's forms carry no `back`: the page they were on (its Referer), else the book's.
    let coloured = format!("{book_page}&color=yellow");
    let from_page = browser
        .post(app.url("/annotation/edit"))
        .header("referer", app.url(&coloured))
        .form(&[("highlight", id.as_str()), ("favourite", "true")]);
    let location = |answer: reqwest::Response| answer.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location(from_page.send().await.unwrap()), format!("{coloured}#h-{id}"));
    let elsewhere = browser
        .post(app.url("/annotation/edit"))
        .header("referer", "https://evil.example/phish")
        .form(&[("highlight", id.as_str()), ("favourite", "true")]);
    assert_eq!(elsewhere.send().await.unwrap().status(), 403, "a form from another site is refused");
    let bare = browser.post(app.url("/annotation/edit")).form(&[("highlight", id.as_str()), ("favourite", "true")]);
    assert_eq!(location(bare.send().await.unwrap()), format!("{book_page}#h-{id}"), "the book's page");
    let marked = item(app.page(&book_page).await.1);
    assert!(marked.contains("★ Favourite") && marked.contains("☆ Unmark favourite"), "{marked}");
    let saved =
        send(vec![("tags", "  Ideas, <i>x</i> ,, ideas".into()), ("note", "A <b>note</b>".into())]).await.unwrap();
    assert_eq!(saved.status(), 303);
    let edited = item(app.page(&book_page).await.1);
    assert!(edited.contains(">Ideas</a></li>") && edited.contains(">&lt;i&gt;x&lt;/i&gt;</a></li>"), "{edited}");
    assert!(edited.contains("Your note: </span>A &lt;b&gt;note&lt;/b&gt;"), "{edited}");
    assert!(edited.contains("★ Favourite"), "a form changes only its fields");
    assert_eq!(send(vec![("note", String::new())]).await.unwrap().status(), 303);
    assert!(!item(app.page(&book_page).await.1).contains("Your note: </span>"), "an empty note clears it");
    let many = (0..51).map(|n| format!("t{n}")).collect::<Vec<_>>().join(",");
    assert_eq!(send(vec![("tags", many)]).await.unwrap().status(), 400, "too many tags");
    let cross_site = browser
        .post(app.url("/annotation/edit"))
        .header("origin", "https://evil.example")
        .form(&[("highlight", id.as_str()), ("favourite", "false")]);
    assert_eq!(cross_site.send().await.unwrap().status(), 403);
    assert!(item(app.page(&book_page).await.1).contains("★ Favourite"), "nothing changed from another site");
}

/// The ids of the search hits a page lists, in its order.
fn hit_ids(page: &str) -> Vec<String> {
    page.split("#h-").skip(1).map(|rest| rest[..rest.find('"').unwrap()].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_annotations_by_tag_and_favourite_and_the_tags_page_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("library.sqlite"), 4, CURATED_ITEMS);
    let app = start(&dir.path().join("data"), &library);
    app.wait_for_end(SyncPhase::Completed).await;
    let rows = annotations(&app).await;
    let texts: Vec<&Value> = rows.iter().filter(|row| row["text"].as_str().is_some_and(|t| t.len() > 20)).collect();
    let id = |n: usize| texts[n]["highlight_id"].as_str().unwrap().to_string();
    let (both, tagged, favourite) = (id(0), id(1), id(2));
    let encoded = |id: &str| encode_url_component(id);
    for (id, body) in [
        (&both, json!({ "favourite": true, "tags": ["Ideas", "<b>x</b> & \"y\""] })),
        (&tagged, json!({ "tags": ["ideas"], "note": "<i>mine</i>" })),
        (&favourite, json!({ "favourite": true })),
    ] {
        assert_eq!(patch(&app, id, &body.to_string()).await.0, 200);
    }

    let (status, by_tag) = app.page("/search?tag=%20IDEAS").await;
    assert_eq!(status, 200);
    let mut found = hit_ids(&by_tag);
    found.sort();
    let mut expected = vec![encoded(&both), encoded(&tagged)];
    expected.sort();
    assert_eq!(found, expected, "a tag matches trimmed and without case, alone listing what it keeps");
    assert!(by_tag.contains("2 matches"), "{by_tag}");
    let plain = by_tag.replace("<!>", "");
    assert!(plain.contains(">&lt;b&gt;x&lt;/b&gt; &amp; \"y\"</a></li>"), "hostile tags are text: {plain}");
    assert!(plain.contains("Your note: </span>&lt;i&gt;mine&lt;/i&gt;"), "the web note shows on the hit");
    assert!(plain.contains("★ Favourite"), "a favourite says so");

    let (_, favourites) = app.page("/search?favourites=1").await;
    let mut found = hit_ids(&favourites);
    found.sort();
    let mut expected = vec![encoded(&both), encoded(&favourite)];
    expected.sort();
    assert_eq!(found, expected);
    let (_, favourite_and_tag) = app.page("/search?favourites=1&tag=ideas").await;
    assert_eq!(hit_ids(&favourite_and_tag), vec![encoded(&both)]);
    let word: String = texts[1]["text"].as_str().unwrap().split_whitespace().max_by_key(|w| w.len()).unwrap().into();
    let word: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
    let (_, with_words) = app.page(&format!("/search?tag=ideas&q={}", encode_url_component(&word))).await;
    let found = hit_ids(&with_words);
    assert!(
        found.contains(&encoded(&tagged)) && found.iter().all(|id| expected_tagged(id, &both, &tagged)),
        "{found:?}"
    );
    let (_, untagged) = app.page("/search?tag=nothing-has-this").await;
    assert!(hit_ids(&untagged).is_empty() && untagged.contains("0 matches"), "an unknown tag finds nothing");

    let (status, tags) = app.page("/tags").await;
    assert_eq!(status, 200);
    let tags = tags.replace("<!>", "");
    assert!(tags.contains("★ 2 favourites"), "{tags}");
    let ideas = tags.find(">Ideas</a>").expect("the most used form, then the first in order");
    let hostile = tags.find(">&lt;b&gt;x&lt;/b&gt; &amp; \"y\"</a>").expect("hostile tag as text");
    assert!(ideas < hostile, "the most used first");
    assert!(tags[ideas..].contains("tag-count\">2</span>"), "{tags}");
    assert!(tags
        .contains(&format!("href=\"/search?tag={}\"", encode_url_component("<b>x</b> & \"y\"").replace('&', "&amp;"))));
}

/// Whether a hit of a tag search is one of the two tagged annotations.
fn expected_tagged(hit: &str, both: &str, tagged: &str) -> bool {
    hit == encode_url_component(both) || hit == encode_url_component(tagged)
}
