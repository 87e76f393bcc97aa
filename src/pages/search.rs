//! The search page `/search?q=`: every highlight and note matching the words, best first, the
//! matched words marked, each linking to its place on its book page.

use crate::{
    components::{loaded, query::use_query},
    format,
    model::{highlight_href, Marked, SearchHit, SearchResults, ShelfError, SEARCH_COUNT_LIMIT},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

#[server]
pub async fn search_highlights(q: String) -> Result<SearchResults, ShelfError> {
    let state = crate::server::private_state()?;
    let snapshot = crate::server::request_snapshot()?;
    crate::server::blocking(move || state.search.search(&snapshot, &q)).await
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_query();
    let q = move || params.get("q").unwrap_or_default();
    let results = Resource::new(q, search_highlights);
    view! {
        <Title text="Search"/>
        <section class="search-page">
            <h1>"Search highlights"</h1>
            <Form method="GET" action="/search" attr:class="library-controls" attr:role="search">
                <label class="search">
                    <span class="visually-hidden">"Search highlights and notes"</span>
                    <input type="search" name="q" value=q placeholder="Words, prefix*, or \"a phrase\""/>
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
    let summary = if results.total > SEARCH_COUNT_LIMIT {
        format!("More than {SEARCH_COUNT_LIMIT} matches · showing the best {}", results.hits.len())
    } else if results.total > results.hits.len() {
        format!("{} · showing the best {}", format::count(results.total, "match", "matches"), results.hits.len())
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
