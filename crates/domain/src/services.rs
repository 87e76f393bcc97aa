//! Every service, built once from the settings: the one place that knows how they fit together
//! (which store the sync swaps, what runs after a swap, what the archive takes in). The HTTP
//! layer holds the result and only translates requests into calls on it.

use super::{
    appdb::{self, AppDbError, OnWrite},
    archive::{Archive, ArchiveError},
    auth::{Auth, AuthError},
    cards::QuoteCards,
    covers::CoverStore,
    demo::{self, DemoError, DemoOptions},
    edits::{AnnotationEdits, EditError},
    export::MarkdownExport,
    markups::MarkupStore,
    replica::{self, Replicator},
    review::{Review, ReviewError},
    search::SearchIndex,
    settings::{Settings, SettingsError, SourceLocation},
    shelf::Shelf,
    sibling_cache::DeviceFolder,
    sync::{open_source, remove_leftover_temp_files, Device, Devices, OpenSourceError, SyncService},
};
use crate::model::DeletionWave;
use kobo_reader::{LibraryStore, Snapshot};
use std::{path::PathBuf, sync::Arc, time::Duration};

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("invalid setting KOBO_SHELF_DATA_DIR: cannot create {dir}: {source}")]
    DataDir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the demo library cannot be written: {0}")]
    Demo(#[from] DemoError),
    #[error("invalid setting KOBO_SHELF_SOURCE: {0}")]
    Source(#[from] OpenSourceError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    AppDb(#[from] AppDbError),
    #[error("the login cannot start: {0}")]
    Login(#[from] AuthError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Edits(#[from] EditError),
    #[error("invalid setting KOBO_SHELF_ARCHIVE_REPLICA: {0}")]
    Replica(#[source] OpenSourceError),
}

/// How long an ingest waits for a new archive's restore before it is put off to the next check.
const RESTORE_WAIT: Duration = Duration::from_secs(60);

pub struct Services {
    pub settings: Arc<Settings>,
    /// The library as the reader knows it (device file + archive).
    pub shelf: Arc<Shelf>,
    /// Every device's sync.
    pub devices: Arc<Devices>,
    /// `None` when login is off.
    pub auth: Option<Arc<Auth>>,
    pub markups: Arc<MarkupStore>,
    pub covers: Arc<CoverStore>,
    /// How books export as Markdown (the built-in layout or the reader's template).
    pub markdown: Arc<MarkdownExport>,
    /// The archive's copies off the machine; `None` when replication is off.
    pub replica: Option<Arc<Replicator>>,
    /// The daily review of the highlights the archive keeps.
    pub review: Arc<Review>,
    /// Favourites, tags and notes the reader adds on the web.
    pub edits: Arc<AnnotationEdits>,
    /// Highlights drawn as images to share.
    pub cards: Arc<QuoteCards>,
}

impl Services {
    /// Builds every service (inside the Tokio runtime: the archive catches up in the
    /// background) and prepares the data directory.
    pub fn start(settings: Settings) -> Result<Services, StartError> {
        let settings = Arc::new(settings);
        let markdown = Arc::new(MarkdownExport::configured(&settings)?);
        prepare_data_dir(&settings)?;
        let stores: Vec<(String, Arc<LibraryStore>)> = settings
            .devices
            .iter()
            .map(|device| (device.name.clone(), Arc::new(LibraryStore::new(settings.database_path_of(&device.name)))))
            .collect();
        // With several devices, what a device's sync tells names it.
        let several = settings.devices.len() > 1;
        let mut folders = Vec::new();
        for (device, (_, store)) in settings.devices.iter().zip(&stores) {
            let folder = prepare_device_dir(store.path())?;
            let source = open_source(&device.source, settings.s3.as_ref(), settings.sync.stall_timeout)?;
            folders.push(DeviceFolder { source, folder });
        }
        let archive = Arc::new(Archive::open(&settings.data_dir)?);
        // Retired devices' folders: what their caches kept is still served.
        let names: Vec<String> = stores.iter().map(|(name, _)| name.clone()).collect();
        let retired: Vec<PathBuf> = archive
            .retired_devices(&names)?
            .into_iter()
            .filter_map(|name| Some(settings.database_path_of(&name).parent()?.to_path_buf()))
            .collect();
        let replica = match &settings.replica {
            Some(replica) => {
                let work_dir = settings.data_dir.clone();
                let replicator =
                    Replicator::new(replica, settings.s3.as_ref(), &settings.sync, archive.clone(), work_dir);
                Some(Arc::new(replicator.map_err(StartError::Replica)?))
            }
            None => None,
        };
        let copy_after_write =
            replica.clone().map(|replica| -> OnWrite { Arc::new(move || replica.archive_changed()) });
        let edits = Arc::new(AnnotationEdits::open(&settings.data_dir, copy_after_write.clone())?);
        let shelf = Arc::new(Shelf::new(stores.clone(), archive, edits.clone(), SearchIndex::new(&settings.data_dir)));
        let markups = Arc::new(MarkupStore::new((&folders, &retired), settings.sync.check_interval));
        let covers = Arc::new(CoverStore::new((&folders, &retired), settings.sync.check_interval));
        let mut devices = Vec::new();
        for ((device, (name, store)), folder) in settings.devices.iter().zip(&stores).zip(&folders) {
            let source = folder.source.clone();
            let sync = SyncService::new(source, device.source.to_string(), store.clone(), settings.sync.clone())
                .with_before_complete(Arc::new(ingest_into(shelf.clone(), replica.clone(), (name.clone(), several))));
            devices.push(Device { name: name.clone(), sync: Arc::new(sync) });
        }
        let auth = match &settings.login {
            Some(login) => Some(Arc::new(Auth::new(login, appdb::open(&settings.data_dir)?)?)),
            None => None,
        };
        if let Some(replica) = &replica {
            replica.start();
        }
        let review =
            Arc::new(Review::open(&settings.data_dir, settings.review.clone(), shelf.clone(), copy_after_write)?);
        let cards = Arc::new(QuoteCards::new(covers.clone()));
        for (name, store) in &stores {
            catch_up_archive(store, ingest_into(shelf.clone(), replica.clone(), (name.clone(), several)));
        }
        let devices = Arc::new(Devices::new(devices));
        Ok(Services { settings, shelf, devices, auth, markups, covers, markdown, replica, review, edits, cards })
    }
}

/// The archive's ingest of each new version (see `archive`), before the sync reports it; a
/// failure is logged and the version is ingested again after the next check (or start), the
/// device's file stays as it is. A new archive is restored from its copies first (the ingest
/// waits), and each ingest is copied off the machine. Then, in the background, the search
/// index of the view that shows the version and the archive (built once: the index is per
/// view, and the view changes with the ingest, so building it at the swap would be thrown away).
fn ingest_into(
    shelf: Arc<Shelf>,
    replica: Option<Arc<Replicator>>,
    (device, several): (String, bool),
) -> impl Fn(&Snapshot) -> Option<DeletionWave> + Send + Sync {
    move |snapshot: &Snapshot| {
        if replica.as_ref().is_some_and(|replica| !replica.wait_until_ready(RESTORE_WAIT)) {
            tracing::info!(version = %snapshot.version, "archive: not updated yet: its restore has not finished");
            return None;
        }
        let deletion_wave = match shelf.ingest(&device, snapshot) {
            Ok(report) => {
                if let (false, Some(replica)) = (report.already_ingested, &replica) {
                    replica.archive_changed();
                }
                report.deletion_wave().map(|wave| DeletionWave { device: several.then(|| device.clone()), ..wave })
            }
            Err(err) => {
                tracing::warn!(error = %err, version = %snapshot.version, "archive: not updated");
                None
            }
        };
        let shelf = shelf.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(err) = shelf.prepare_search() {
                tracing::warn!(error = %err, "search index not built");
            }
        });
        deletion_wave
    }
}

/// Ingests the version served at start if the archive has not (first start, or a crash
/// during the last ingest), in the background.
fn catch_up_archive(library: &Arc<LibraryStore>, ingest: impl Fn(&Snapshot) -> Option<DeletionWave> + Send + 'static) {
    let library = library.clone();
    tokio::task::spawn_blocking(move || {
        if let Ok(snapshot) = library.current() {
            ingest(&snapshot);
        }
    });
}

/// Creates the folder of a device's local copy (the data directory, or one under
/// `<data dir>/devices/`), removes the temp files a crash left there, and returns it.
fn prepare_device_dir(database: &std::path::Path) -> Result<PathBuf, StartError> {
    let dir = database.parent().unwrap_or(std::path::Path::new(".")).to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|source| StartError::DataDir { dir: dir.display().to_string(), source })?;
    remove_leftover_temp_files(&dir);
    Ok(dir)
}

/// Creates the data directory, removes temp files a crash left, and writes the demo library
/// where the embedded default source expects it.
fn prepare_data_dir(settings: &Settings) -> Result<(), StartError> {
    let dir = &settings.data_dir;
    std::fs::create_dir_all(dir).map_err(|source| StartError::DataDir { dir: dir.display().to_string(), source })?;
    let removed = remove_leftover_temp_files(dir) + replica::remove_leftovers(dir);
    if removed > 0 {
        tracing::info!(count = removed, dir = %dir.display(), "removed temp files left by an interrupted sync or archive copy");
    }
    if let (true, SourceLocation::File(path)) = (settings.source_is_default, &settings.source) {
        if !path.exists() {
            let stats = demo::write_library(path, &DemoOptions::default())?;
            tracing::info!(path = %path.display(), items = stats.items, bookmarks = stats.bookmarks, "wrote the demo library (no source configured)");
        }
    }
    Ok(())
}
