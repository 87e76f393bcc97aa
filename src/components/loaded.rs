//! The one way a page waits for its data: a loading line, then the data, or the message that
//! says why the library cannot show it.

use super::ShelfMessage;
use crate::model::PageError;
use leptos::prelude::*;

/// Renders `show(data)` once `resource` has loaded, or a [`ShelfMessage`] for its error.
pub fn loaded<T, V>(
    resource: Resource<Result<T, PageError>>,
    loading: &'static str,
    show: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=move || view! { <p class="loading">{loading}</p> }>
            {move || {
                let show = show.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => show(data).into_any(),
                        Err(error) => view! { <ShelfMessage error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
