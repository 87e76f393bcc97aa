//! The daily review against the real archive of generated libraries: which highlights a day
//! brings, how answers schedule them, and that the schedule survives restarts, syncs and the
//! device deleting a highlight; then the page and its form on the real server.

use crate::support::{client, edited_copy, generated_library, App};
use kobo_reader::LibraryStore;
use kobo_shelf::{
    model::{encode_url_component, ReviewAnswer, ReviewSession, SyncPhase},
    server::{
        archive::{Archive, SINGLE_DEVICE},
        demo::CURATED_ITEMS,
        edits::AnnotationEdits,
        review::{Review, ReviewSettings},
        search::SearchIndex,
        shelf::Shelf,
    },
};
use std::{path::Path, sync::Arc};

/// 2026-12-05 09:00 UTC, and a day.
const NOW: i64 = 1_796_461_200;
const DAY: i64 = 86_400;

/// The library of `library` (device file and archive, as the server builds them) in `dir`.
fn shelf_of(dir: &Path, library: &Path) -> Arc<Shelf> {
    let store = Arc::new(LibraryStore::new(library.to_path_buf()));
    let archive = Arc::new(Archive::open(dir).unwrap());
    let edits = Arc::new(AnnotationEdits::open(dir, None).unwrap());
    Arc::new(Shelf::new(vec![(SINGLE_DEVICE.to_string(), store)], archive, edits, SearchIndex::new(dir)))
}

/// An archive that ingested `library`, and the review beside it.
fn review_of(dir: &Path, library: &Path, settings: ReviewSettings) -> Review {
    let shelf = shelf_of(dir, library);
    shelf
        .ingest(
            kobo_shelf::server::archive::SINGLE_DEVICE,
            &LibraryStore::new(library.to_path_buf()).current().unwrap(),
        )
        .unwrap();
    Review::open(dir, settings, shelf, None).unwrap()
}

fn settings(cards_per_day: usize, new_per_day: usize) -> ReviewSettings {
    ReviewSettings { cards_per_day, new_per_day, colours: Vec::new(), collections: Vec::new() }
}

/// Answers every open card of the day at `now` with `answer`; the ids in the order shown.
fn answer_all(review: &Review, answer: ReviewAnswer, now: i64) -> Vec<String> {
    let mut shown = Vec::new();
    while let Some(card) = review.session(now).unwrap().card {
        assert!(review.answer(&card.highlight.id, answer, now).unwrap());
        shown.push(card.highlight.id);
    }
    shown
}

fn ids(session: &ReviewSession) -> Option<String> {
    session.card.as_ref().map(|card| card.highlight.id.clone())
}

#[test]
fn a_day_brings_the_same_few_new_cards_and_good_puts_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("KoboReader.sqlite"), 1, CURATED_ITEMS);
    let settings = settings(10, 4);
    let review = review_of(dir.path(), &library, settings.clone());
    let first = review.session(NOW).unwrap();
    assert_eq!((first.open, first.answered), (4, 0), "four new cards a day");
    assert_eq!(ids(&review.session(NOW + 3600).unwrap()), ids(&first), "the same day, the same card");
    let restarted = Review::open(dir.path(), settings.clone(), shelf_of(dir.path(), &library), None).unwrap();
    assert_eq!(ids(&restarted.session(NOW).unwrap()), ids(&first), "a restart keeps the day");
    let today = answer_all(&restarted, ReviewAnswer::Good, NOW);
    assert_eq!(today.len(), 4);
    let done = restarted.session(NOW).unwrap();
    assert_eq!((done.card, done.open, done.answered), (None, 0, 4));
    let tomorrow = answer_all(&restarted, ReviewAnswer::Good, NOW + DAY);
    assert_eq!(tomorrow.len(), 4, "four more new ones");
    assert!(tomorrow.iter().all(|id| !today.contains(id)), "good put yesterday's off: {today:?} {tomorrow:?}");
    let weeks_later = answer_all(&restarted, ReviewAnswer::Good, NOW + 30 * DAY);
    assert!(today.iter().all(|id| weeks_later.contains(id)), "due again later: {weeks_later:?}");
}

#[test]
fn a_day_that_began_before_the_first_sync_still_gets_its_cards() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("KoboReader.sqlite");
    let review = Review::open(dir.path(), settings(3, 3), shelf_of(dir.path(), &library), None).unwrap();
    let empty = review.session(NOW).unwrap();
    assert_eq!((empty.card, empty.open, empty.answered), (None, 0, 0), "nothing synced yet");
    generated_library(&library, 7, CURATED_ITEMS);
    let archive = Archive::open(dir.path()).unwrap();
    archive.ingest(SINGLE_DEVICE, &LibraryStore::new(library).current().unwrap()).unwrap();
    assert_eq!(review.session(NOW + 60).unwrap().open, 3, "the same day, once there are highlights");
}

#[test]
fn again_brings_a_card_back_today_skip_and_never_put_it_away() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("KoboReader.sqlite"), 2, CURATED_ITEMS);
    let review = review_of(dir.path(), &library, settings(3, 3));
    let forgotten = ids(&review.session(NOW).unwrap()).unwrap();
    assert!(review.answer(&forgotten, ReviewAnswer::Again, NOW).unwrap());
    let skipped = ids(&review.session(NOW).unwrap()).unwrap();
    assert_ne!(skipped, forgotten, "the others come first");
    assert!(review.answer(&skipped, ReviewAnswer::Skip, NOW).unwrap());
    let never = ids(&review.session(NOW).unwrap()).unwrap();
    assert!(review.answer(&never, ReviewAnswer::Never, NOW).unwrap());
    let back = review.session(NOW).unwrap();
    assert_eq!((ids(&back), back.open), (Some(forgotten.clone()), 1), "again brings it back today");
    assert!(!review.answer(&skipped, ReviewAnswer::Good, NOW).unwrap(), "a card put away takes no answer");
    assert!(review.answer(&forgotten, ReviewAnswer::Good, NOW).unwrap());
    assert!(!review.answer(&forgotten, ReviewAnswer::Good, NOW).unwrap(), "a form sent twice answers once");
    let next_day = answer_all(&review, ReviewAnswer::Good, NOW + DAY);
    assert!(next_day.contains(&skipped), "a skipped card is due the next day: {next_day:?}");
    assert!(!next_day.contains(&never), "never means never: {next_day:?}");
    let stats = review.stats(NOW + DAY).unwrap();
    assert_eq!(stats.reviews_per_day.len(), 30);
    assert_eq!(stats.reviews_per_day[28], (kobo_shelf::server::dates::date_of_day(NOW / DAY), 2), "again, then good");
    assert_eq!(stats.reviews_per_day[29].1, next_day.len() as u32);
    let mut in_review: Vec<&String> = next_day.iter().chain([&forgotten, &skipped]).collect();
    in_review.sort();
    in_review.dedup();
    assert_eq!(stats.cards, in_review.len(), "every card but the one put away for good");
    let came_back = u32::from(next_day.contains(&forgotten));
    assert_eq!((stats.repeat_answers, stats.retention_percent), (1 + came_back, Some(100)), "good after again");
}

#[test]
fn a_highlight_the_device_deletes_keeps_its_schedule_and_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 3, CURATED_ITEMS);
    let review = review_of(dir.path(), &v1, settings(1, 1));
    let card = review.session(NOW).unwrap().card.unwrap();
    assert!(card.highlight.deleted_on_device.is_none());
    assert!(review.answer(&card.highlight.id, ReviewAnswer::Again, NOW).unwrap());
    let v2 = edited_copy(
        &v1,
        &dir.path().join("v2.sqlite"),
        &format!("DELETE FROM Bookmark WHERE BookmarkID = '{}'", card.highlight.id),
    );
    let review = review_of(dir.path(), &v2, settings(1, 1));
    let tomorrow = review.session(NOW + DAY).unwrap().card.expect("the forgotten card is due");
    assert_eq!(tomorrow.highlight.id, card.highlight.id, "its schedule survived the sync");
    assert!(tomorrow.highlight.deleted_on_device.is_some(), "marked deleted on the device");
    assert_eq!(tomorrow.highlight.text, card.highlight.text);
}

#[test]
fn only_the_chosen_colours_enter_the_review() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("KoboReader.sqlite"), 4, 60);
    let review = review_of(dir.path(), &library, ReviewSettings { colours: vec!["pink".into()], ..settings(50, 50) });
    let mut colours = Vec::new();
    while let Some(card) = review.session(NOW).unwrap().card {
        colours.push(card.highlight.color.slug());
        review.answer(&card.highlight.id, ReviewAnswer::Good, NOW).unwrap();
    }
    assert!(!colours.is_empty());
    assert!(colours.iter().all(|colour| *colour == "pink"), "{colours:?}");
}

#[test]
fn only_the_books_of_the_chosen_collections_enter_the_review() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("KoboReader.sqlite"), 8, CURATED_ITEMS);
    let chosen = ReviewSettings { collections: vec!["Russian Classics".into()], ..settings(100, 100) };
    let shelf = shelf_of(dir.path(), &library);
    shelf
        .ingest(kobo_shelf::server::archive::SINGLE_DEVICE, &LibraryStore::new(library.clone()).current().unwrap())
        .unwrap();
    let query = kobo_shelf::model::LibraryQuery { shelf: Some("Russian Classics".into()), ..Default::default() };
    let books: Vec<String> = shelf.current().unwrap().matching(&query).iter().map(|book| book.id.clone()).collect();
    assert_eq!(books.len(), 3);
    let review = Review::open(dir.path(), chosen, shelf, None).unwrap();
    let mut seen = Vec::new();
    while let Some(card) = review.session(NOW).unwrap().card {
        review.answer(&card.highlight.id, ReviewAnswer::Good, NOW).unwrap();
        seen.push(card.book_id);
    }
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|book| books.contains(book)), "{seen:?} not all in {books:?}");
}

/// The page on the real server, answered through its plain form as a browser without
/// JavaScript would: each answer goes back to the page with the next card.
#[tokio::test(flavor = "multi_thread")]
async fn the_review_page_answers_through_its_form_and_the_header_counts_what_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("library.sqlite"), 5, CURATED_ITEMS);
    let env =
        [("KOBO_SHELF_SOURCE", format!("file://{}", library.display())), ("KOBO_SHELF_REVIEW_CARDS", "3".to_string())];
    let app = App::start(&dir.path().join("data"), &env);
    app.wait_for_end(SyncPhase::Completed).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut seen = Vec::new();
    for left in (1..=3).rev() {
        let (status, page) = app.page("/review").await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(&format!("{left} to go")), "{left}: {page}");
        let plain = page.replace("<!>", ""); // Leptos' hydration markers between nodes
        assert!(plain.contains(&format!(">Review <span class=\"count\">{left}</span>")), "the header counts {left}");
        let id = page.split("name=\"highlight\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
        let id = id.replace("&amp;", "&");
        assert!(!seen.contains(&id));
        let answered = client
            .post(app.url("/review/answer"))
            .form(&[("highlight", id.as_str()), ("answer", "good")])
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status(), 303);
        assert_eq!(answered.headers()["location"], "/review");
        seen.push(id);
    }
    let (_, done) = app.page("/review").await;
    assert!(done.contains("Done for today: 3 cards reviewed."), "{done}");
    let (_, stats) = app.page("/stats").await;
    assert!(stats.contains("Reviews per day") && stats.contains("3 highlights in the review, 0 due today."), "{stats}");
    let book = format!("/book?id={}", encode_url_component(kobo_shelf::server::demo::WAR_AND_PEACE_ID));
    assert_eq!(app.page(&book).await.0, 200);
    let refused = client.post(app.url("/review/answer")).form(&[("highlight", "x"), ("answer", "maybe")]).send().await;
    assert_eq!(refused.unwrap().status(), 400, "an unknown answer");
    let cross_site = client
        .post(app.url("/review/answer"))
        .header("origin", "https://evil.example")
        .form(&[("highlight", seen[0].as_str()), ("answer", "again")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "a form from another site answers nothing");
    assert!(app.page("/review").await.1.contains("Done for today"), "{}", "still done");
}

/// The private feed: without its token it answers 401 with no text of the library; with it,
/// an Atom feed a feed reader parses, today's cards inside with every hostile text escaped;
/// a new address closes the old one.
#[tokio::test(flavor = "multi_thread")]
async fn the_review_feed_opens_only_with_its_token_and_reads_back_as_atom() {
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("library.sqlite"), 6, CURATED_ITEMS);
    let env = [
        ("KOBO_SHELF_SOURCE", format!("file://{}", library.display())),
        ("KOBO_SHELF_REVIEW_CARDS", "500".to_string()),
        ("KOBO_SHELF_REVIEW_NEW_PER_DAY", "500".to_string()),
    ];
    let app = App::start(&dir.path().join("data"), &env);
    app.wait_for_end(SyncPhase::Completed).await;
    for token in ["", "?token=", "?token=not-the-token"] {
        let response = client().get(app.url(&format!("/review/feed.atom{token}"))).send().await.unwrap();
        assert_eq!(response.status(), 401, "{token}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("War and Peace") && !text.contains("kobo_pwned"), "{text}");
    }
    let address = feed_address(&app).await;
    let response = client().get(app.url(&address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let feed: atom_syndication::Feed = response.text().await.unwrap().parse().expect("a feed reader reads it");
    assert_eq!(feed.entries().len(), 1, "one entry per day of review");
    let html = feed.entries()[0].content().and_then(|content| content.value()).unwrap().to_string();
    assert!(html.contains("&lt;script&gt;window.__kobo_pwned = 'highlight'&lt;/script&gt;"), "{html}");
    assert!(!html.contains("<script") && !html.contains("<img"), "no markup of the device's text: {html}");
    let rotate = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let moved = rotate.post(app.url("/review/feed/new-address")).send().await.unwrap();
    assert_eq!(
        (moved.status().as_u16(), moved.headers()["location"].to_str().unwrap()),
        (303, "/settings#review-feed")
    );
    assert_eq!(client().get(app.url(&address)).send().await.unwrap().status(), 401, "the old address is closed");
    let new_address = feed_address(&app).await;
    assert_ne!(new_address, address);
    assert_eq!(client().get(app.url(&new_address)).send().await.unwrap().status(), 200);
}

/// The feed's address as the settings page shows it.
async fn feed_address(app: &App) -> String {
    let (_, settings) = app.page("/settings").await;
    let start = settings.find("/review/feed.atom?token=").expect("the settings page shows the feed's address");
    settings[start..].split('<').next().unwrap().replace("&amp;", "&")
}
