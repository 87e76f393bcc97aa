//! The tags page `/tags`: the reader's favourites and every tag they gave annotations on the
//! web, with how many have each, the most used first; each opens the search that lists them.

use crate::{
    components::loaded,
    format,
    model::{tag_href, PageError, TagsOverview},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn get_tags() -> Result<TagsOverview, PageError> {
    crate::server::request::tags_overview().await
}

#[component]
pub fn TagsPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_tags());
    view! {
        <Title text="Tags"/>
        <section class="tags-page">
            <h1>"Your tags"</h1>
            {loaded(overview, "Counting…", |overview| view! { <Tags overview/> })}
        </section>
    }
}

#[component]
fn Tags(overview: TagsOverview) -> impl IntoView {
    let favourites = format::count(overview.favourites as usize, "favourite", "favourites");
    let empty = overview.tags.is_empty().then(|| {
        view! { <p class="empty">"No tags yet: add them to a highlight on its book page (“Tags and your note”)."</p> }
    });
    let tags = overview
        .tags
        .into_iter()
        .map(|tag| {
            view! {
                <li>
                    <a href=tag_href(&tag.tag)>{tag.tag.clone()}</a>
                    " "<span class="tag-count">{tag.count}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="library-count"><a href="/search?favourites=1">{format!("★ {favourites}")}</a></p>
        {empty}
        <ul class="tags tag-cloud" aria-label="Tags">{tags}</ul>
    }
}
