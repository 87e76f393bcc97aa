//! The header on every page: name, navigation and the sync badge.

use super::sync_badge::SyncBadge;
use crate::model::{encode_url_component, HeaderInfo, PageError, Theme};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

/// The database version this page is rendered from, and how the badge polls.
#[server]
pub async fn get_header_info() -> Result<HeaderInfo, PageError> {
    use crate::server::request;
    let db_version = request::library().ok().map(|library| library.device_version().to_string());
    Ok(HeaderInfo {
        db_version,
        badge: request::badge_settings()?,
        login_enabled: request::login_enabled()?,
        user: request::signed_in_user(),
        theme: request::theme(),
        review_open: request::review_open(),
    })
}

#[component]
pub fn Header() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_header_info());
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <Logo/>
                "kobo-shelf"
            </a>
            <nav class="site-nav" aria-label="Main">
                <A href="/" exact=true>"Library"</A>
                <A href="/search">"Search"</A>
                <A href="/review">
                    "Review"
                    <Suspense>
                        {move || Suspend::new(async move {
                            let open = info.await.ok()?.review_open.filter(|open| *open > 0)?;
                            Some(view! { " "<span class="count">{open}</span> })
                        })}
                    </Suspense>
                </A>
                <A href="/stats">"Stats"</A>
                <A href="/settings">"Settings"</A>
            </nav>
            <Suspense>
                {move || Suspend::new(async move {
                    info.await.ok().map(|info| view! { <ThemeSwitch theme=info.theme/> })
                })}
            </Suspense>
            <Suspense>
                {move || Suspend::new(async move {
                    // Signed-out visitors (on the login page) see no sync controls.
                    let info = info.await.ok().filter(|info| !info.login_enabled || info.user.is_some())?;
                    Some(view! {
                        <SyncBadge rendered_version=info.db_version settings=info.badge/>
                        {info.user.map(|user| view! { <SignOut user/> })}
                    })
                })}
            </Suspense>
        </header>
    }
}

/// Books on a shelf, in `currentColor`: an emoji would depend on the reader's fonts.
#[component]
fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
            <rect x="3" y="3" width="4" height="16.5" rx="0.6"/>
            <rect x="8" y="6" width="4" height="13.5" rx="0.6"/>
            <rect x="15.75" y="5.5" width="4" height="14" rx="0.6" transform="rotate(-15 15.75 19.5)"/>
            <rect x="1" y="20.5" width="22" height="2" rx="1"/>
        </svg>
    }
}

/// The signed-in user and a plain form that signs out (works without JavaScript).
#[component]
fn SignOut(user: String) -> impl IntoView {
    view! {
        <form class="sign-out" method="post" action="/logout">
            <span class="user" title="Signed in">{user}</span>
            <button type="submit">"Log out"</button>
        </form>
    }
}

/// A link that switches to the next theme and comes back to this page.
#[component]
fn ThemeSwitch(theme: Theme) -> impl IntoView {
    let location = use_location();
    let href = move || {
        let (path, query) = (location.pathname.get(), location.search.get());
        let query = query.trim_start_matches('?');
        let here = if query.is_empty() { path } else { format!("{path}?{query}") };
        format!("/theme?set={}&back={}", theme.next().slug(), encode_url_component(&here))
    };
    view! {
        <a class="theme-switch" href=href rel="external" title=format!("{} (switch to {})", theme.label(), theme.next().slug())>
            <span aria-hidden="true">{match theme { Theme::System => "◐", Theme::Light => "☀", Theme::Dark => "☾" }}</span>
            <span class="visually-hidden">{theme.label()}</span>
        </a>
    }
}
