//! The header on every page: name, navigation and the sync badge.

use super::sync_badge::SyncBadge;
use crate::model::HeaderInfo;
use leptos::prelude::*;
use leptos_router::components::A;

/// The database version this page is rendered from, and how the badge polls.
#[server]
pub async fn get_header_info() -> Result<HeaderInfo, ServerFnError> {
    let state = crate::server::app_state().map_err(|err| ServerFnError::new(err.to_string()))?;
    let db_version = crate::server::request_snapshot().ok().map(|snapshot| snapshot.version.clone());
    Ok(HeaderInfo { db_version, badge: state.settings.badge })
}

#[component]
pub fn Header() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_header_info());
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span aria-hidden="true">"📚"</span>
                " kobo-shelf"
            </a>
            <nav class="site-nav" aria-label="Main">
                <A href="/" exact=true>"Library"</A>
                <A href="/settings">"Settings"</A>
            </nav>
            <Suspense>
                {move || Suspend::new(async move {
                    info.await.ok().map(|info| view! {
                        <SyncBadge rendered_version=info.db_version settings=info.badge/>
                    })
                })}
            </Suspense>
        </header>
    }
}
