//! The search page `/search?q=&color=&deleted=1&favourites=1&tag=`: every highlight and note
//! matching the words, best first, the matched words marked, each linking to its place on its
//! book page; `color` keeps one highlight colour, `deleted=1` those deleted on the device,
//! `favourites=1` the reader's favourites, `tag` those with that tag (alone, each lists what it
//! keeps, newest first).

use crate::{
    components::{
        filter_select::{Choice, FilterSelect},
        loaded,
        query::use_query,
        TagList,
    },
    format,
    model::{highlight_href, HighlightColor, Marked, PageError, SearchHit, SearchResults, SEARCH_COUNT_LIMIT},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

/// What the search page's address asks to keep besides the words.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Keep {
    /// A colour's slug (`pink`); anything else is no colour filter.
    pub color: Option<String>,
    /// The annotations deleted on the device.
    pub deleted_only: bool,
    pub favourites_only: bool,
    /// A tag, matched without case; blank is no tag filter.
    pub tag: Option<String>,
}

#[server]
pub async fn search_highlights(q: String, keep: Keep) -> Result<SearchResults, PageError> {
    let filter = crate::server::search::SearchFilter {
        color: keep.color.as_deref().and_then(HighlightColor::parse),
        deleted_only: keep.deleted_only,
        favourites_only: keep.favourites_only,
        tag: keep.tag.filter(|tag| !tag.trim().is_empty()),
    };
    let started = std::time::Instant::now();
    let mut results = crate::server::request::search(q, filter).await?;
    results.elapsed_ms = (started.elapsed().as_secs_f64() * 1e5).round() / 100.0;
    Ok(results)
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_query();
    let q = move || params.get("q").unwrap_or_default();
    let color = move || params.get("color").filter(|color| !color.is_empty());
    let deleted_only = move || params.get("deleted").as_deref() == Some("1");
    let favourites_only = move || params.get("favourites").as_deref() == Some("1");
    let tag = move || params.get("tag").unwrap_or_default();
    let keep = move || Keep {
        color: color(),
        deleted_only: deleted_only(),
        favourites_only: favourites_only(),
        tag: Some(tag()).filter(|tag| !tag.is_empty()),
    };
    let results = Resource::new(move || (q(), keep()), |(q, keep)| search_highlights(q, keep));
    let colors = move || {
        let chosen = color();
        let choices = HighlightColor::ALL
            .into_iter()
            .map(|color| Choice {
                value: color.slug().to_string(),
                label: color.label().to_string(),
                selected: chosen.as_deref() == Some(color.slug()),
            })
            .collect();
        view! { <FilterSelect name="color" label="Highlight colour" all="All colours" choices/> }
    };
    view! {
        <Title text="Search"/>
        <section class="search-page">
            <h1>"Search highlights"</h1>
            <Form method="GET" action="/search" attr:class="library-controls" attr:role="search">
                <label class="search">
                    <span class="visually-hidden">"Search highlights and notes"</span>
                    <input type="search" name="q" value=q placeholder="Words, prefix*, or \"a phrase\""/>
                </label>
                {colors}
                <label class="tag-filter">
                    "Tag "<input type="text" name="tag" value=tag size="12"/>
                </label>
                <label class="check-filter">
                    <input type="checkbox" name="favourites" value="1" checked=favourites_only/>
                    " Only favourites"
                </label>
                <label class="check-filter">
                    <input type="checkbox" name="deleted" value="1" checked=deleted_only/>
                    " Only deleted on the device"
                </label>
                <button type="submit">"Search"</button>
            </Form>
            <p class="tags-link"><a href="/tags">"All your tags"</a></p>
            {loaded(results, "Searching…", |results| view! { <Results results/> })}
        </section>
    }
}

#[component]
fn Results(results: SearchResults) -> impl IntoView {
    if let Some(problem) = results.problem {
        let hint = results.query.is_empty();
        return view! { <p class=if hint { "empty" } else { "search-problem" }>{problem}</p> }.into_any();
    }
    let shown = if results.newest_first { "newest" } else { "best" };
    let summary = if results.total > SEARCH_COUNT_LIMIT {
        format!("More than {SEARCH_COUNT_LIMIT} matches · showing the {shown} {}", results.hits.len())
    } else if results.total > results.hits.len() {
        format!("{} · showing the {shown} {}", format::count(results.total, "match", "matches"), results.hits.len())
    } else {
        format::count(results.total, "match", "matches")
    };
    view! {
        <p class="library-count" data-elapsed-ms=results.elapsed_ms>{summary}</p>
        {results.hits.is_empty().then(|| view! { <p class="empty">"Nothing you highlighted or noted matches this search."</p> })}
        <ol class="highlights hits">
            {results.hits.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    let source = [Some(hit.book_title.clone()), hit.author.clone(), hit.chapter.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li class=format!("highlight hit color-{}", hit.color.slug())>
            {(!hit.text.is_empty()).then(|| view! { <blockquote>{runs(hit.text.clone())}</blockquote> })}
            {hit.web.note.clone().map(|note| view! {
                <p class="note web-note"><span class="note-label">"Your note: "</span>{note}</p>
            })}
            {(!hit.note.is_empty()).then(|| view! {
                <p class="note"><span class="note-label">"Note: "</span>{runs(hit.note.clone())}</p>
            })}
            <TagList tags=hit.web.tags.clone()/>
            <p class="highlight-meta">
                {hit.web.favourite.then(|| view! { <span class="favourite">"★ Favourite · "</span> })}
                <a href=highlight_href(&hit.book_id, &hit.highlight_id)>{source}</a>
                {hit.created.as_deref().map(|date| format!(" · {}", format::date(date)))}
                {hit.deleted_on_device.as_deref().map(|date| view! {
                    <span class="deleted-mark">{format!(" · deleted on device {}", format::date(date))}</span>
                })}
            </p>
        </li>
    }
}

/// Text with its matched runs in `<mark>`.
fn runs(runs: Vec<Marked>) -> impl IntoView {
    runs.into_iter()
        .map(|run| if run.hit { view! { <mark>{run.text}</mark> }.into_any() } else { run.text.into_any() })
        .collect_view()
}
