//! The narrow door pages go through: all a page's server function or server-rendered component
//! may ask of the request it serves. The library view it reads, pinned at its first use so
//! every part of a page (list, header, book) comes from the same view even while a sync swaps
//! in the next file; the signed-in user and the theme; search, the sync and what the settings
//! page shows; what the response carries kept compressed, and the status of a page that shows
//! an error. The HTTP layer provides what these read in each request's context; nothing here
//! knows HTTP, and no page sees `Services`.

use super::{
    archive::ArchiveCounts,
    precompressed::Precompressed,
    rendered::RenderedPages,
    replica::Replicator,
    search::SearchFilter,
    services::Services,
    settings::{Secret, Settings},
    shelf::LibraryView,
};
use crate::model::{
    BadgeSettings, OfflineSettings, PageError, ReviewSession, ReviewStats, SearchResults, SyncStart, SyncStatus,
    TagsOverview, Theme,
};
use leptos::prelude::*;
use std::sync::{Arc, OnceLock};

/// The signed-in user of the request, if any (provided by the HTTP layer).
#[derive(Clone, Debug, Default)]
pub struct RequestUser(pub Option<String>);

/// How the HTTP layer answers a page that shows an error (see [`answer_page_with`]).
#[derive(Clone)]
pub struct PageAnswer(pub fn(&PageError));

/// The HTTP layer's one rule for where a redirect may go (see [`local_target`]).
#[derive(Clone)]
pub struct LocalTarget(pub fn(&str) -> String);

/// The library view one request reads (see the module doc).
#[derive(Clone, Default)]
pub struct RequestLibrary(Arc<OnceLock<Result<Arc<LibraryView>, PageError>>>);

/// The parts kept compressed (see `precompressed`) that a request's page puts in its response
/// as they are, so the HTTP layer can reuse their deflated blocks instead of compressing them.
#[derive(Clone, Default)]
pub struct SentPrecompressed(Arc<parking_lot::Mutex<Vec<Arc<Precompressed>>>>);

impl SentPrecompressed {
    /// The parts sent so far (the HTTP layer asks once the page is rendered).
    pub fn take(&self) -> Vec<Arc<Precompressed>> {
        std::mem::take(&mut self.0.lock())
    }

    /// Tells the HTTP layer that the response carries `part`'s text as it is.
    pub fn push(&self, part: Arc<Precompressed>) {
        self.0.lock().push(part);
    }
}

/// Where a page's server function keeps what it renders once (see [`RenderedParts`]). Taken
/// before [`blocking`] work: the context stays here.
pub fn rendered_parts() -> RenderedParts {
    RenderedParts {
        // A cache of its own when the HTTP layer provided none.
        pages: use_context::<Arc<RenderedPages>>().unwrap_or_default(),
        // A slot nobody reads when the request does not accept gzip.
        sent: use_context::<SentPrecompressed>().unwrap_or_default(),
        edits: services().map_or(0, |services| services.edits.generation()),
    }
}

/// The pages rendered for the current library view and the reader's edits (see `rendered`),
/// and where this request tells what it sends of them kept compressed.
pub struct RenderedParts {
    pages: Arc<RenderedPages>,
    sent: SentPrecompressed,
    /// Edits change what pages show as a new library view does, without changing its key.
    edits: u64,
}

impl RenderedParts {
    /// The part `key` (its route and query) of `library`'s pages, rendered by `render` once
    /// per library view and edits generation; the response carries it as kept compressed.
    pub fn get_or_render<E>(
        &self,
        library: &LibraryView,
        key: &str,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        let view = format!("{} e{}", library.key(), self.edits);
        let part = self.pages.get_or_render((&view, key), render)?;
        let html = part.text().clone();
        self.sent.push(part);
        Ok(html)
    }
}

/// Makes the page being rendered answer with the status `error` means (404 for an unknown
/// book, 503 while there is no library to show…): the HTTP layer's one mapping decides.
pub fn answer_page_with(error: &PageError) {
    if let Some(PageAnswer(answer)) = use_context::<PageAnswer>() {
        answer(error);
    }
}

/// The services, for public work (the login page's state, the header's settings).
fn services() -> Result<Arc<Services>, PageError> {
    use_context::<Arc<Services>>().ok_or_else(|| {
        tracing::error!("a page ran without the app state in its context");
        PageError::Internal
    })
}

/// The services for private work (the library, sync, settings): with login on, only for a
/// signed-in request. A second lock behind the HTTP layer's login check, so no route that
/// reaches a page or server function can read private data without a session.
fn private_services() -> Result<Arc<Services>, PageError> {
    let services = services()?;
    if services.auth.is_some() && signed_in_user().is_none() {
        return Err(PageError::LoginRequired);
    }
    Ok(services)
}

/// This request's library view (see [`private_services`]). Building a new view takes the
/// shelf's lock and reads files: `block_in_place` hands this thread's other async work to the
/// rest of the runtime meanwhile. (Not an `.await`: an await point inside a page's render lets
/// Leptos dispose the router's state under it.)
pub fn library() -> Result<Arc<LibraryView>, PageError> {
    let services = private_services()?;
    let pinned = use_context::<RequestLibrary>().unwrap_or_default();
    pinned.0.get_or_init(|| tokio::task::block_in_place(|| services.shelf.current()).map_err(PageError::from)).clone()
}

/// The signed-in user of the request being served, if any.
pub fn signed_in_user() -> Option<String> {
    use_context::<RequestUser>().and_then(|user| user.0)
}

/// The colour theme the reader chose (its cookie, read by the HTTP layer).
pub fn theme() -> Theme {
    use_context::<Theme>().unwrap_or_default()
}

/// `target` if it is a path on this site, else `/`: where a page may send the reader next.
pub fn local_target(target: &str) -> String {
    use_context::<LocalTarget>().map_or_else(|| "/".to_string(), |LocalTarget(local)| local(target))
}

/// Whether the app asks for a login (public: the login page and the header show it).
pub fn login_enabled() -> Result<bool, PageError> {
    Ok(services()?.auth.is_some())
}

/// How the sync badge polls (public: every page's header).
pub fn badge_settings() -> Result<BadgeSettings, PageError> {
    Ok(services()?.settings.badge)
}

/// What the browser keeps for reading offline: `None` for a visitor who may not see the
/// library (nothing is kept before login) or when offline reading is off.
pub fn offline_settings() -> Option<OfflineSettings> {
    Some(private_services().ok()?.settings.offline).filter(|offline| offline.pages > 0)
}

/// Starts a sync check in the background.
pub fn start_sync() -> Result<SyncStart, PageError> {
    Ok(private_services()?.devices.start())
}

/// The sync's status now.
pub fn sync_status() -> Result<SyncStatus, PageError> {
    Ok(private_services()?.devices.status())
}

/// Every highlight and note of this request's library view matching `input` (see `search`).
pub async fn search(input: String, filter: SearchFilter) -> Result<SearchResults, PageError> {
    let (services, library) = (private_services()?, library()?);
    blocking(move || services.shelf.search(&library, &input, &filter)).await
}

/// How many favourites, and every tag the reader gave annotations with its count.
pub async fn tags_overview() -> Result<TagsOverview, PageError> {
    let edits = private_services()?.edits.clone();
    blocking(move || edits.overview()).await
}

/// Today's review (see `review`), off the async threads.
pub async fn review_session() -> Result<ReviewSession, PageError> {
    let review = private_services()?.review.clone();
    blocking(move || review.session(super::dates::unix_now())).await
}

/// How many cards of today's review are still to answer; `None` for a visitor who may not
/// see the library, or while the review is busy (the header's count). Not an `.await`, as
/// [`library`]: the header renders around every page.
pub fn review_open() -> Option<usize> {
    let review = private_services().ok()?.review.clone();
    match tokio::task::block_in_place(|| review.open_count(super::dates::unix_now())) {
        Ok(open) => open,
        Err(err) => {
            tracing::warn!(error = %err, "the header's review count failed");
            None
        }
    }
}

/// What the statistics page says of the review, off the async threads.
pub async fn review_stats() -> Result<ReviewStats, PageError> {
    let review = private_services()?.review.clone();
    blocking(move || review.stats(super::dates::unix_now())).await
}

/// What the settings page shows of the installation: the settings, the archive (its counts,
/// file and size on disk) and the replication, if on.
pub struct Installation {
    pub settings: Arc<Settings>,
    pub archive: (ArchiveCounts, std::path::PathBuf, u64),
    pub replica: Option<Arc<Replicator>>,
    /// The review feed's secret token; `None` when it could not be made (a full disk): the
    /// settings page still shows.
    pub review_feed_token: Option<Secret>,
}

/// See [`Installation`] (reads the archive off the async threads).
pub async fn installation() -> Result<Installation, PageError> {
    let services = private_services()?;
    let (shelf, review) = (services.shelf.clone(), services.review.clone());
    let archive = blocking(move || shelf.archive_counts()).await?;
    let review_feed_token = blocking(move || review.feed_token()).await.ok();
    Ok(Installation {
        settings: services.settings.clone(),
        archive,
        replica: services.replica.clone(),
        review_feed_token,
    })
}

/// Runs blocking library work (SQLite) off the async threads.
pub async fn blocking<T: Send + 'static, E: Into<PageError> + Send + 'static>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, PageError> {
    let done = tokio::task::spawn_blocking(work).await.map_err(|err| {
        tracing::error!(error = %err, "a blocking task of a page failed");
        PageError::Internal
    })?;
    done.map_err(Into::into)
}
