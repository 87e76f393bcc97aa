//! The HTML shell and the routes.

use crate::{
    components::{Header, NotFound},
    pages::{BookPage, HealthPage, LibraryPage, LoginPage, ReviewPage, SearchPage, SettingsPage, StatsPage, TagsPage},
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (theme, offline) = (crate::server::request::theme(), crate::server::request::offline_settings());
    #[cfg(not(feature = "ssr"))]
    let (theme, offline) = (crate::model::Theme::default(), None::<crate::model::OfflineSettings>);
    // The service worker (public/sw.js), registered only for a reader who may see the library.
    let offline = offline.map(|offline| {
        view! { <script src="/offline.js" defer data-pages=offline.pages data-mb=offline.megabytes></script> }
    });
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.slug()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>

                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <meta name="theme-color" content="#8a4b1f" media="(prefers-color-scheme: light)"/>
                <meta name="theme-color" content="#161513" media="(prefers-color-scheme: dark)"/>
                {offline}
                // The bundle's name changes with its content in a release build (see `assets`).
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Pages render whole on the server (`SsrMode::Async`): complete HTML without JavaScript;
    // in islands mode only the sync badge (`#[island]`) runs in the browser.
    view! {
        // leptos_meta 0.8 writes the title into `<title>` as it is: escaped here, or a book
        // titled `</title><base href=…>` would add markup to every page it names.
        <Title formatter=|title: String| format!("{} · kobo-shelf", html_escape::encode_text(&title))/>
        <Router>
            <Header/>
            <main id="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=LibraryPage ssr=SsrMode::Async/>
                    <Route path=path!("/book") view=BookPage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/tags") view=TagsPage ssr=SsrMode::Async/>
                    <Route path=path!("/review") view=ReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/stats") view=StatsPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/health") view=HealthPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
