//! The search page `/search?q=&color=&deleted=1`: every highlight and note matching the words,
//! best first, the matched words marked, each linking to its place on its book page; `color`
//! keeps one highlight colour, `deleted=1` those deleted on the device (alone, each lists what
//! it keeps, newest first).

use crate::{
    components::{
        filter_select::{Choice, FilterSelect},
        loaded,
        query::use_query,
    },
    format,
    model::{highlight_href, HighlightColor, Marked, PageError, SearchHit, SearchResults, SEARCH_COUNT_LIMIT},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

/// `color` is a colour's slug (`pink`); anything else is no colour filter. `deleted_only`
/// keeps the annotations deleted on the device.
#[server]
pub async fn search_highlights(
    q: String,
    color: Option<String>,
    deleted_only: bool,
) -> Result<SearchResults, PageError> {
    let color = color.as_deref().and_then(HighlightColor::parse);
    let filter = crate::server::search::SearchFilter { color, deleted_only };
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
    let results = Resource::new(
        move || (q(), color(), deleted_only()),
        |(q, color, deleted_only)| search_highlights(q, color, deleted_only),
    );
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
                <label class="deleted-only">
                    <input type="checkbox" name="deleted" value="1" checked=deleted_only/>
                    " Only deleted on the device"
                </label>
                <button type="submit">"Search"</button>
            </Form>
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
        {results.hits.is_empty().then(|| view! { <p class="empty">"No highlight or note contains these words."</p> })}
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
            {(!hit.note.is_empty()).then(|| view! {
                <p class="note"><span class="note-label">"Note: "</span>{runs(hit.note.clone())}</p>
            })}
            <p class="highlight-meta">
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
