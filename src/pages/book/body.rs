//! The book page's body, rendered on the server once per library view and query (see
//! `get_book`) and shown as it is.

use crate::{
    components::{
        color_filter::{chapter_of_color, colour_counts, ColorFilter},
        cover::{Cover, CoverSize},
        save_offline::{SaveOffline, ToSave},
        share_card::ShareCards,
        HighlightItem,
    },
    format,
    model::{
        book_href, book_view_href, cover_href, encode_url_component, BookDetail, Chapter, Highlight, HighlightColor,
    },
};
use leptos::prelude::*;

/// `book` without the annotations the device deleted, if `hide` says so.
pub fn without_deleted(mut book: BookDetail, hide: bool) -> BookDetail {
    if hide {
        for chapter in &mut book.chapters {
            chapter.highlights.retain(|highlight| highlight.deleted_on_device.is_none());
        }
        book.chapters.retain(|chapter| !chapter.highlights.is_empty());
    }
    book
}

/// A link that shows or hides the annotations deleted on the device (a plain link: no JS).
#[component]
fn DeletedFilter(id: String, hide_deleted: bool, deleted: usize, color: Option<HighlightColor>) -> impl IntoView {
    let href = book_view_href(&id, !hide_deleted, color);
    let label = if hide_deleted {
        "Show the ones deleted on the device".to_string()
    } else {
        format!("Hide the {} deleted on the device", deleted)
    };
    view! { <p class="deleted-filter"><a href=href>{label}</a></p> }
}

/// Everything under the header: the book's head, facts, description and annotations.
#[component]
pub fn Book(mut book: BookDetail, hide_deleted: bool, color: Option<HighlightColor>) -> impl IntoView {
    // Thousands of highlights: moved into the view, not cloned.
    let chapters = std::mem::take(&mut book.chapters);
    let headings: Vec<String> = chapters.iter().map(|chapter| chapter.heading(&chapters).to_string()).collect();
    let colours = colour_counts(&chapters);
    let summary = &book.summary;
    let annotations = chapters.iter().flat_map(|chapter| &chapter.highlights);
    let markups = annotations.clone().filter(|h| h.is_markup).count();
    let deleted = annotations.clone().filter(|h| h.deleted_on_device.is_some()).count();
    let highlight_total = annotations.count() - markups;
    let to_save = ToSave::Addresses(offline_addresses(&summary.id, &chapters));
    let heading = match markups {
        0 => format::count(highlight_total, "Highlight", "Highlights"),
        _ => format!(
            "{} · {}",
            format::count(highlight_total, "Highlight", "Highlights"),
            format::count(markups, "markup", "markups")
        ),
    };
    let series = book.series.as_ref().map(|series| match &book.series_number {
        Some(number) => format!("{series} #{number}"),
        None => series.clone(),
    });
    let facts: Vec<(&'static str, Option<String>)> = vec![
        ("Kind", Some(summary.kind.label().to_string())),
        ("Status", Some(format!("{} · {} %", summary.read_status.label(), summary.percent_read))),
        ("Publisher", book.publisher.clone()),
        ("Series", series),
        ("Language", book.language.clone()),
        ("ISBN", book.isbn.clone()),
        ("Added", book.date_added.as_deref().map(format::date)),
        ("Last read", summary.last_read.as_deref().map(format::date)),
        ("Time spent reading", book.time_spent_reading_secs.map(format::duration)),
        ("Collections", (!summary.collections.is_empty()).then(|| summary.collections.join(", "))),
    ];
    let description = book.description.clone().map(|text| view! { <Description text/> });
    let color_href = {
        let id = summary.id.clone();
        move |color| book_view_href(&id, hide_deleted, color)
    };
    view! {
        <p class="back">
            <a href="/">"← Library"</a>
            <a class="export" href=format!("/export/book.md?id={}", encode_url_component(&summary.id)) download="" rel="external">
                "Export highlights (Markdown)"
            </a>
        </p>
        <SaveOffline label="Save this book for offline" what=to_save/>
        <div class="book-head">
            <Cover id=summary.id.clone() title=summary.title.clone() size=CoverSize::Page/>
            <div>
                <h1>{summary.title.clone()}</h1>
                <p class="book-author">{summary.author.clone().map(|author| format!("by {author}"))}</p>
                {summary.removed_from_device.then(|| view! {
                    <p class="removed-note">"No longer on your device: kobo-shelf keeps its annotations."</p>
                })}
                {(!summary.devices.is_empty()).then(|| view! {
                    <p class="book-devices">{format!("On {}", summary.devices.join(", "))}</p>
                })}
                <div class="progress big" title=summary.read_status.label()>
                    <span class="bar" role="progressbar" aria-label="Reading progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=summary.percent_read>
                        <span class="fill" style=format!("width: {}%", summary.percent_read)></span>
                    </span>
                </div>
            </div>
        </div>
        <dl class="facts">
            {facts.into_iter().filter_map(|(label, value)| value.map(|value| view! {
                <div><dt>{label}</dt><dd>{value}</dd></div>
            })).collect_view()}
        </dl>
        {description}
        <section class="annotations">
            <h2>{heading}</h2>
            {(deleted > 0 || hide_deleted).then(|| view! { <DeletedFilter id=summary.id.clone() hide_deleted deleted color/> })}
            <ColorFilter counts=colours chosen=color href=color_href/>
            {(highlight_total + markups == 0).then(|| view! { <p class="empty">"No highlights in this book yet."</p> })}
            {headings.into_iter().zip(chapters).filter_map(|(title, chapter)| {
                let chapter = chapter_of_color(chapter, color)?;
                Some(view! { <ChapterSection title highlights=chapter.highlights/> })
            }).collect_view()}
            <ShareCards/>
        </section>
    }
}

/// What "Save this book for offline" keeps: the page, its cover, its markups' images.
fn offline_addresses(id: &str, chapters: &[Chapter]) -> Vec<String> {
    let markups = chapters.iter().flat_map(|chapter| &chapter.highlights).filter(|highlight| highlight.is_markup);
    let images = markups.flat_map(|markup| {
        let id = encode_url_component(&markup.id);
        [format!("/markup/{id}.jpg"), format!("/markup/{id}.svg")]
    });
    [book_href(id), cover_href(id)].into_iter().chain(images).collect()
}

/// Descriptions longer than this (in characters) are folded, so they do not push the
/// highlights off the first screen.
const FOLDED_DESCRIPTION: usize = 400;
/// Characters of a folded description its summary shows.
const DESCRIPTION_EXCERPT: usize = 200;

/// The description; a long one folded in a `<details>` (opens without JavaScript).
#[component]
fn Description(text: String) -> impl IntoView {
    let paragraphs = text.split("\n\n").map(|paragraph| view! { <p>{paragraph.to_string()}</p> }).collect_view();
    let body = if text.chars().count() > FOLDED_DESCRIPTION {
        view! {
            <details>
                <summary>
                    <span class="excerpt">{format::excerpt(&text, DESCRIPTION_EXCERPT)}</span>
                    <span class="fold">"Show less"</span>
                </summary>
                {paragraphs}
            </details>
        }
        .into_any()
    } else {
        paragraphs.into_any()
    };
    view! {
        <section class="description">
            <h2>"Description"</h2>
            {body}
        </section>
    }
}

#[component]
fn ChapterSection(title: String, highlights: Vec<Highlight>) -> impl IntoView {
    view! {
        <section class="chapter">
            <h3>{title}</h3>
            <ol class="highlights">
                {highlights.into_iter().map(|highlight| view! { <HighlightItem highlight editable=true/> }).collect_view()}
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str) -> String {
        view! { <Description text=text.to_string()/> }.to_html()
    }

    #[test]
    fn only_a_long_description_is_folded() {
        let short = rendered("A short description.\n\nTwo paragraphs.");
        assert!(!short.contains("<details"), "{short}");
        let long = rendered(&format!("{}\n\nThe end.", "Many words here. ".repeat(30)));
        assert!(long.contains("<details><summary><span class=\"excerpt\">Many words here."), "{long}");
        assert!(long.contains("<p>The end."), "the whole text is in the fold: {long}");
    }
}
