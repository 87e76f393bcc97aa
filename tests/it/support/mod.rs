//! Shared by the integration tests: generated libraries, the real server binary as a child
//! process, and its HTTP API.

use kobo_shelf::{
    model::{SyncPhase, SyncStart, SyncStatus},
    server::demo::{write_library, DemoOptions},
};
use kobo_shelf_testkit::{app_s3_env, ServerProcess, Testkit, ACCESS_KEY, SECRET_KEY};
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

/// A copy of the library at `from`, written to `to` and changed by `sql` (the next version a
/// device would upload).
pub fn edited_copy(from: &Path, to: &Path, sql: &str) -> PathBuf {
    std::fs::copy(from, to).expect("copy the library");
    rusqlite::Connection::open(to).expect("open the copy").execute_batch(sql).expect("edit the copy");
    to.to_path_buf()
}

/// Writes a generated library of `books` items (the curated demo items first).
pub fn generated_library(path: &Path, seed: u64, books: usize) -> PathBuf {
    let options = DemoOptions { seed, books, highlights_per_book: 20, ..DemoOptions::default() };
    write_library(path, &options).expect("generate a library");
    path.to_path_buf()
}

/// A library whose every title starts with `tag`, so a page shows which version it came from.
pub fn tagged_library(path: &Path, tag: &str, books: usize) -> PathBuf {
    generated_library(path, 7, books);
    let conn = rusqlite::Connection::open(path).expect("open the generated library");
    conn.execute("UPDATE content SET Title = ?1 || ' ' || Title WHERE ContentType = '6'", [tag])
        .expect("tag the titles");
    path.to_path_buf()
}

/// The server binary, running as a child process with its own data directory.
pub struct App {
    process: ServerProcess,
    pub base: String,
    pub data_dir: PathBuf,
}

/// Settings for an app that syncs from the test kit's bucket through its fault proxy, without
/// copies of its archive (`replica` tests those; elsewhere their requests would be counted with
/// the sync's).
pub fn s3_env(kit: &Testkit) -> Vec<(&'static str, String)> {
    let mut env = app_s3_env(&kit.endpoint());
    env.push(("KOBO_SHELF_STALL_TIMEOUT_SECS", "5".to_string()));
    env.push(("KOBO_SHELF_ARCHIVE_REPLICA", "off".to_string()));
    env
}

impl App {
    /// Starts the server on a free port and waits until it listens.
    pub fn start(data_dir: &Path, env: &[(&str, String)]) -> App {
        App::start_with(data_dir, env, |_| {})
    }

    /// Like [`App::start`], with a hook to adjust the command (e.g. resource limits).
    pub fn start_with(data_dir: &Path, env: &[(&str, String)], adjust: impl FnOnce(&mut Command)) -> App {
        std::fs::create_dir_all(data_dir).expect("create the data dir");
        let mut env = env.to_vec();
        env.push(("KOBO_SHELF_DATA_DIR", data_dir.display().to_string()));
        let binary = Path::new(env!("CARGO_BIN_EXE_kobo-shelf"));
        let process = ServerProcess::start(binary, Path::new(env!("CARGO_MANIFEST_DIR")), &env, adjust)
            .unwrap_or_else(|err| panic!("{err}"));
        App { base: process.base.clone(), process, data_dir: data_dir.to_path_buf() }
    }

    pub fn url(&self, path: &str) -> String {
        self.process.url(path)
    }

    pub fn log(&self) -> String {
        self.process.log()
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join("KoboReader.sqlite")
    }

    /// Ends the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    pub async fn check_and_sync(&self) -> SyncStart {
        json(client().post(self.url("/api/check-and-sync"))).await
    }

    pub async fn status(&self) -> SyncStatus {
        json(client().get(self.url("/api/sync-status"))).await
    }

    /// Polls the status until `done` holds, or fails after `timeout` with the server log.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&SyncStatus) -> bool) -> SyncStatus {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.status().await;
            if done(&status) {
                return status;
            }
            if Instant::now() > deadline {
                panic!("gave up waiting; last status {status:?}\nserver log:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until no sync runs and the last one ended in `phase`.
    pub async fn wait_for_end(&self, phase: SyncPhase) -> SyncStatus {
        let status = self.wait_for(Duration::from_secs(30), |s| !s.is_syncing && s.status != SyncPhase::Idle).await;
        assert_eq!(status.status, phase, "unexpected end of sync: {status:?}\nserver log:\n{}", self.log());
        status
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = client().get(self.url(path)).send().await.expect("GET a page");
        let status = response.status().as_u16();
        (status, response.text().await.expect("page text"))
    }

    /// No secret reached the log.
    pub fn assert_no_secrets_logged(&self) {
        let log = self.log();
        assert!(!log.contains(SECRET_KEY), "the secret key was logged:\n{log}");
        assert!(!log.contains(ACCESS_KEY), "the access key id was logged:\n{log}");
    }
}

/// Sends a request and decodes its JSON answer.
async fn json<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    let response = request.send().await.expect("an answer from the server");
    let url = response.url().clone();
    response.json().await.unwrap_or_else(|err| panic!("JSON from {url}: {err}"))
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client")
}

/// `.tmp_kobo_*.sqlite` files in a directory.
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(".tmp_kobo_"))
                .collect()
        })
        .unwrap_or_default()
}

/// Uploads `file` as the bucket's database, `seconds_old` old, and syncs it to the end.
pub async fn sync_version(kit: &Testkit, app: &App, file: &Path, seconds_old: u64) {
    kit.upload(kobo_shelf_testkit::DATABASE_KEY, file).await.unwrap();
    kit.set_object_time(kobo_shelf_testkit::DATABASE_KEY, kobo_shelf_testkit::seconds_ago(seconds_old)).unwrap();
    app.check_and_sync().await;
    app.wait_for_end(SyncPhase::Completed).await;
}

/// A total of the statistics page (`label`: "Highlights", "Items"…).
pub async fn stats_figure(app: &App, label: &str) -> u64 {
    let (status, page) = app.page("/stats").await;
    assert_eq!(status, 200);
    let after = page.split(&format!("{label}</dt>")).nth(1).unwrap_or_else(|| panic!("no {label} total"));
    let digits: String = after.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a number")
}

/// The library as the app reads it through its `shelf` service (the device file at a path
/// merged with an archive of its own), without a server.
pub struct ShelfUnderTest {
    pub shelf: kobo_shelf::server::shelf::Shelf,
    pub store: std::sync::Arc<kobo_reader::LibraryStore>,
    _data: tempfile::TempDir,
}

impl ShelfUnderTest {
    pub fn new(library: PathBuf) -> ShelfUnderTest {
        use kobo_reader::LibraryStore;
        use kobo_shelf::server::{
            archive::{Archive, SINGLE_DEVICE},
            edits::AnnotationEdits,
            search::SearchIndex,
            shelf::Shelf,
        };
        let data = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(LibraryStore::new(library));
        let archive = std::sync::Arc::new(Archive::open(data.path()).unwrap());
        let edits = std::sync::Arc::new(AnnotationEdits::open(data.path(), None).unwrap());
        let shelf =
            Shelf::new(vec![(SINGLE_DEVICE.to_string(), store.clone())], archive, edits, SearchIndex::new(data.path()));
        ShelfUnderTest { shelf, store, _data: data }
    }

    /// Where the archive and the search index live.
    pub fn data_dir(&self) -> &Path {
        self._data.path()
    }

    /// What `/search?q=…&color=…` finds.
    pub fn search(
        &self,
        query: &str,
        color: Option<kobo_shelf::model::HighlightColor>,
    ) -> kobo_shelf::model::SearchResults {
        self.search_filtered(query, kobo_shelf::server::search::SearchFilter { color, ..Default::default() })
    }

    /// What `/search` finds with any filter.
    pub fn search_filtered(
        &self,
        query: &str,
        filter: kobo_shelf::server::search::SearchFilter,
    ) -> kobo_shelf::model::SearchResults {
        self.shelf.search(&self.view(), query, &filter).unwrap()
    }

    /// The current view (panics when the file cannot be read).
    pub fn view(&self) -> std::sync::Arc<kobo_shelf::server::shelf::LibraryView> {
        self.shelf.current().unwrap()
    }
}
