//! The book page `/book?id=<ContentID>`: what the library knows of one item and its highlights
//! grouped by chapter in reading order.

#[cfg(feature = "ssr")]
mod body;

use crate::{
    components::{loaded, query::use_query},
    model::{HighlightColor, PageError},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// A book page's body as HTML, and its title for the tab. The HTML is shared with the view's
/// cache: each of Suspense's passes clones the value, and a megabyte copied thrice cost more
/// than the rest of the response (serde's `rc`, already on in the tree).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RenderedBook {
    title: String,
    html: std::sync::Arc<str>,
}

/// The book with the annotations the device no longer has (from the archive), unless
/// `hide_deleted`, only those of `color` if one is chosen. Rendered once per library view and
/// query: a book of thousands of highlights is a megabyte of HTML, and rendering it costs ten
/// times what reading it does; the page is kept deflated too, and the response reuses that.
#[server]
pub async fn get_book(
    id: String,
    hide_deleted: bool,
    color: Option<HighlightColor>,
) -> Result<RenderedBook, PageError> {
    use crate::{model::book_view_href, server::shelf::ShelfError};
    let library = crate::server::request::library()?;
    let parts = crate::server::request::rendered_parts();
    let key = book_view_href(&id, hide_deleted, color);
    let (title, html) = crate::server::request::blocking(move || {
        let title = library.summary(&id).ok_or(ShelfError::NotFound)?.title.clone();
        let html = parts.get_or_render(&library, &key, || {
            let book = body::without_deleted(library.book(&id)?, hide_deleted);
            Ok::<_, ShelfError>(view! { <body::Book book hide_deleted color/> }.to_html())
        })?;
        Ok::<_, ShelfError>((title, html))
    })
    .await?;
    Ok(RenderedBook { title, html })
}

#[component]
pub fn BookPage() -> impl IntoView {
    let params = use_query();
    let id = move || params.get("id").unwrap_or_default();
    let hide_deleted = move || params.get("deleted").as_deref() == Some("hide");
    let color = move || params.get("color").as_deref().and_then(HighlightColor::parse);
    let book = Resource::new(move || (id(), hide_deleted(), color()), |(id, hide, color)| get_book(id, hide, color));
    loaded(book, "Loading the book…", |RenderedBook { title, html }| {
        view! {
            <Title text=title/>
            <article class="book" inner_html=html></article>
        }
    })
}
