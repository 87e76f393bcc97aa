//! What every request can reach: settings, the library store and the sync engine; and what a
//! page or server function asks of its request (the pinned library version, the signed-in user,
//! a cookie).

use crate::model::{BookDetail, ShelfError};
use crate::server::{
    archive::Archive,
    auth::{Auth, SignedIn},
    covers::CoverStore,
    export::MarkdownExport,
    kobo::{LibraryStore, Snapshot},
    markups::MarkupStore,
    search::SearchIndex,
    settings::Settings,
    sync::SyncService,
};
use axum::extract::FromRef;
use leptos::prelude::*;
use std::sync::{Arc, OnceLock};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub library: Arc<LibraryStore>,
    pub sync: Arc<SyncService>,
    /// `None` when login is off.
    pub auth: Option<Arc<Auth>>,
    pub search: Arc<SearchIndex>,
    pub markups: Arc<MarkupStore>,
    pub covers: Arc<CoverStore>,
    /// Turns to compute a password hash (see `login::PASSWORD_CHECKS_AT_ONCE`).
    pub password_checks: Arc<tokio::sync::Semaphore>,
    pub archive: Arc<Archive>,
    /// How books export as Markdown (the built-in layout or the reader's template).
    pub markdown: Arc<MarkdownExport>,
}

impl AppState {
    /// A book's page from `snapshot` with the annotations the device no longer has (blocking).
    /// Once the archive has taken in that version, the annotations come from its indexed
    /// tables (the device's file has no index on `Bookmark.VolumeID`) and only the book's own
    /// row from the file.
    pub fn book_with_history(&self, snapshot: Arc<Snapshot>, id: &str) -> Result<BookDetail, ShelfError> {
        if snapshot.summary_of(id).is_none() {
            return self.archive.removed_book(id)?.ok_or(ShelfError::NotFound);
        }
        let copies = snapshot.copies_of(id);
        if self.archive.has_ingested(&snapshot.version)? {
            let mut book = self.library.book_facts(snapshot, id)?;
            self.archive.add_annotations(&mut book, &copies)?;
            return Ok(book);
        }
        let mut book = self.library.book(snapshot, id)?;
        self.archive.add_deleted(&mut book, &copies)?;
        Ok(book)
    }

    /// Every book of `snapshot` with annotations, live or kept by the archive after the device
    /// deleted them, one at a time, then the books removed from the device whose annotations
    /// the archive keeps (blocking; see `Snapshot::for_each_book`).
    pub fn for_each_book_with_history(
        &self,
        snapshot: &Snapshot,
        mut each: impl FnMut(&BookDetail) -> Result<(), ShelfError>,
    ) -> Result<(), ShelfError> {
        let with_deleted = self.archive.books_with_deleted()?;
        snapshot.for_each_book(&with_deleted, |mut book, copies| {
            // Only books the archive names are looked up: a query per book would read the
            // whole archive into its connection's cache.
            if copies.iter().any(|copy| with_deleted.contains(copy)) {
                self.archive.add_deleted(&mut book, copies)?;
            }
            each(&book)
        })?;
        for removed in self.archive.archived_entries(snapshot)?.removed {
            if let Some(book) = self.archive.removed_book(&removed.id)? {
                each(&book)?;
            }
        }
        Ok(())
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The library version one request reads, fixed at its first use, so every part of a page
/// (list, header, book) comes from the same file even while a sync swaps in the next one.
#[derive(Clone, Default)]
pub struct RequestLibrary(Arc<OnceLock<Result<Arc<Snapshot>, ShelfError>>>);

/// The app state, inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, ShelfError> {
    use_context::<AppState>().ok_or_else(|| ShelfError::Request("the app state is missing".into()))
}

/// The app state for private work (the library, sync, settings): with login on, only for a
/// signed-in request. A second lock behind `require_login`, so no route that reaches a page or
/// server function can read private data without a session.
pub fn private_state() -> Result<AppState, ShelfError> {
    let state = app_state()?;
    if state.auth.is_some() && signed_in_user().is_none() {
        return Err(ShelfError::LoginRequired);
    }
    Ok(state)
}

/// This request's library snapshot (see [`private_state`]). Loading a new version takes the
/// store's lock and reads the file: `block_in_place` hands this thread's other async work to
/// the rest of the runtime meanwhile, so no async thread waits behind a load. (Not an `.await`:
/// an await point inside a page's render lets Leptos dispose the router's state under it.)
pub fn request_snapshot() -> Result<Arc<Snapshot>, ShelfError> {
    let state = private_state()?;
    let pinned = use_context::<RequestLibrary>().unwrap_or_default();
    pinned.0.get_or_init(|| tokio::task::block_in_place(|| state.library.current())).clone()
}

/// The signed-in user of the request being served, if any.
pub fn signed_in_user() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    parts.extensions.get::<SignedIn>().map(|signed_in| signed_in.user.clone())
}

/// A cookie of the request being served.
pub fn request_cookie(name: &str) -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let headers = parts.headers.get_all(axum::http::header::COOKIE);
    headers
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| crate::server::auth::cookie_value(header, name).map(str::to_string))
}

/// The colour theme the reader chose, from the request's cookie.
pub fn request_theme() -> crate::model::Theme {
    request_cookie(crate::model::Theme::COOKIE)
        .map_or_else(Default::default, |slug| crate::model::Theme::from_slug(&slug))
}

/// Runs blocking library work (SQLite) off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ShelfError> + Send + 'static,
) -> Result<T, ShelfError> {
    tokio::task::spawn_blocking(work).await.map_err(|err| ShelfError::Request(err.to_string()))?
}
