//! The review as a private Atom feed, so feed readers and mail bridges bring it every day like
//! Readwise's daily email: one entry per day, its cards as HTML (every text escaped here; the
//! XML escaping is `atom_syndication`'s). The feed's address carries its own secret token
//! (`review_feed`), which opens the feed and nothing else and can be replaced.

use crate::model::{encode_url_component, ReviewCard};
use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Text};
use html_escape::{encode_double_quoted_attribute, encode_text};

/// One day of the review and its cards, in the day's order.
pub struct ReviewDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub cards: Vec<ReviewCard>,
}

/// The feed of `days` (newest first), linking to `site` (`https://books.example.org`).
pub fn atom(days: &[ReviewDay], site: &str) -> String {
    let updated = days.first().map_or_else(|| midnight("1970-01-01"), |day| midnight(&day.date));
    let entries = days.iter().map(|day| entry(day, site)).collect::<Vec<_>>();
    let feed = Feed {
        title: Text::plain("kobo-shelf: daily review"),
        id: format!("{site}/review"),
        updated,
        links: vec![Link { href: format!("{site}/review"), rel: "alternate".into(), ..Link::default() }],
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

fn entry(day: &ReviewDay, site: &str) -> Entry {
    let html: String = day.cards.iter().map(|card| card_html(card, site)).collect();
    Entry {
        title: Text::plain(format!("Review of {}: {} highlights", day.date, day.cards.len())),
        id: format!("{site}/review#{}", day.date),
        updated: midnight(&day.date),
        links: vec![Link { href: format!("{site}/review"), rel: "alternate".into(), ..Link::default() }],
        content: Some(Content { value: Some(html), content_type: Some("html".into()), ..Content::default() }),
        ..Entry::default()
    }
}

/// A card as HTML: the passage (or a markup's note), the note, its book and chapter.
fn card_html(card: &ReviewCard, site: &str) -> String {
    let highlight = &card.highlight;
    let passage = match (&highlight.text, highlight.is_markup) {
        (_, true) => "<p><em>A handwritten markup</em></p>".to_string(),
        (Some(text), false) => format!("<blockquote>{}</blockquote>", encode_text(text)),
        (None, false) => String::new(),
    };
    let note = highlight.note.as_deref().map(|note| format!("<p>Note: {}</p>", encode_text(note))).unwrap_or_default();
    let href =
        format!("{site}/book?id={}#h-{}", encode_url_component(&card.book_id), encode_url_component(&highlight.id));
    let book = format!(
        "<p>— <a href=\"{href}\">{title}</a>{author}{chapter}</p>",
        href = encode_double_quoted_attribute(&href),
        title = encode_text(&card.book_title),
        author = card.author.as_deref().map(|author| format!(", {}", encode_text(author))).unwrap_or_default(),
        chapter = card.chapter.as_deref().map(|chapter| format!(" · {}", encode_text(chapter))).unwrap_or_default(),
    );
    format!("{passage}{note}{book}<hr>")
}

fn midnight(date: &str) -> FixedDateTime {
    format!("{date}T00:00:00Z").parse().unwrap_or_default()
}
