//! How a page says that the library cannot be shown, and the 404 page.

use crate::model::PageError;
use leptos::prelude::*;
use leptos_meta::Title;

/// A full-page message for a library that is not there yet, cannot be read, or lacks the item.
#[component]
pub fn ShelfMessage(error: PageError) -> impl IntoView {
    let (heading, class) = match &error {
        PageError::NotYetFetched => ("Fetching your library", "notice fetching"),
        PageError::Unreadable(_) => ("The library cannot be shown", "notice problem"),
        PageError::NotFound => ("Not found", "notice problem"),
        PageError::LoginRequired => ("Please log in", "notice problem"),
        PageError::Refused(_) => ("Not taken", "notice problem"),
        PageError::Request(_) | PageError::Internal => ("Something went wrong", "notice problem"),
    };
    #[cfg(feature = "ssr")]
    crate::server::request::answer_page_with(&error);
    let error_text = error.to_string();
    view! {
        <Title text=heading/>
        <section class=class>
            <h1>{heading}</h1>
            <p>{error_text}</p>
            <p>{if error == PageError::LoginRequired {
                view! { <a href="/login">"Log in"</a> }.into_any()
            } else {
                view! { <a href="/">"Back to the library"</a> }.into_any()
            }}</p>
        </section>
    }
}

/// The page for any unknown address.
#[component]
pub fn NotFound() -> impl IntoView {
    view! { <ShelfMessage error=PageError::NotFound/> }
}
