//! The sync engine end to end: the real server binary syncing from a real S3 server (s3s-fs) on
//! loopback through a fault-injecting proxy. Every failure case proves that the old database
//! stays byte-identical and served, that no temp file is left, that the status names the
//! failure, and that a later clean sync succeeds.

use crate::support::{client, s3_env, tagged_library, temp_files, App};
use kobo_shelf::model::{SyncPhase, SyncStep};
use kobo_shelf_testkit::{seconds_ago, BodyFault, Faults, Testkit, DATABASE_KEY};
use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tempfile::TempDir;

/// A bucket holding a newer library ("New", 100 books) than the local copy ("Old", 20 books).
struct Scenario {
    dir: TempDir,
    kit: Testkit,
    old: Vec<u8>,
    new: Vec<u8>,
}

impl Scenario {
    async fn new() -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
        let old_file = tagged_library(&dir.path().join("old.sqlite"), "Old", 20);
        let new_file = tagged_library(&dir.path().join("new.sqlite"), "New", 100);
        kit.upload(DATABASE_KEY, &new_file).await.unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let local = data.join("KoboReader.sqlite");
        std::fs::copy(&old_file, &local).unwrap();
        std::fs::File::options().write(true).open(&local).unwrap().set_modified(seconds_ago(3600)).unwrap();
        Scenario { old: std::fs::read(&old_file).unwrap(), new: std::fs::read(&new_file).unwrap(), dir, kit }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn start_app(&self, extra: &[(&str, String)]) -> App {
        let mut env = s3_env(&self.kit);
        env.extend(extra.iter().cloned());
        App::start(&self.data_dir(), &env)
    }

    /// The old library is untouched, served, and alone in the data directory.
    async fn assert_old_library_intact(&self, app: &App) {
        assert!(std::fs::read(app.database()).unwrap() == self.old, "the local copy changed");
        assert_eq!(temp_files(&app.data_dir), Vec::<String>::new(), "a temp file was left");
        let (status, page) = app.page("/").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Old War and Peace") && !page.contains("New War and Peace"),
            "the old library is not served"
        );
    }

    /// A clean sync now replaces the old library with the new one.
    async fn assert_clean_sync_succeeds(&self, app: &App) {
        app.check_and_sync().await;
        self.assert_new_library_served(app).await;
    }

    /// The last sync put the new library in place, and it is served.
    async fn assert_new_library_served(&self, app: &App) {
        app.wait_for_end(SyncPhase::Completed).await;
        assert!(std::fs::read(app.database()).unwrap() == self.new, "the new library is not in place");
        assert_eq!(temp_files(&app.data_dir), Vec::<String>::new());
        let (_, page) = app.page("/").await;
        assert!(page.contains("New War and Peace"), "the new library is not served");
        app.assert_no_secrets_logged();
    }
}

/// Runs one fault: the first sync meets it, then the fault is lifted and a sync succeeds.
async fn fault_case(faults: Faults, expected_error: &str) {
    fault_case_with(faults, &[], expected_error).await;
}

async fn fault_case_with(faults: Faults, env: &[(&str, String)], expected_error: &str) {
    let scenario = Scenario::new().await;
    scenario.kit.proxy.set_faults(faults);
    let app = scenario.start_app(env);
    let status = app.wait_for_end(SyncPhase::Error).await;
    let error = status.error.clone().unwrap_or_default();
    assert!(error.contains(expected_error), "error {error:?} should contain {expected_error:?}");
    assert!(!status.is_syncing && !status.needs_reload);
    scenario.assert_old_library_intact(&app).await;
    scenario.kit.proxy.set_faults(Faults::default());
    scenario.assert_clean_sync_succeeds(&app).await;
}

fn body_fault(body: BodyFault) -> Faults {
    Faults { body, ..Faults::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_database_in_the_bucket_replaces_the_local_copy() {
    let scenario = Scenario::new().await;
    let app = scenario.start_app(&[]);
    let status = app.wait_for_end(SyncPhase::Completed).await;
    assert!(status.needs_reload);
    assert_eq!(status.progress, 100.0);
    assert_eq!(status.bytes_received, scenario.new.len() as u64);
    assert!(status.last_sync_time.is_some());
    assert!(std::fs::read(app.database()).unwrap() == scenario.new);
    let log = app.log();
    for step in [
        "sync: checked the source",
        "download started",
        "download finished",
        "sync: download verified",
        "sync: swapped in",
        "sync: library replaced",
    ] {
        assert!(log.contains(step), "no log line for {step:?}:\n{log}");
    }
    // The local mtime is now the bucket's timestamp: the same object is not fetched again.
    scenario.kit.proxy.reset_stats();
    app.check_and_sync().await;
    app.wait_for_end(SyncPhase::UpToDate).await;
    assert_eq!(scenario.kit.proxy.stats().get_object, 0);
    app.assert_no_secrets_logged();
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_cut_before_the_first_byte() {
    fault_case(body_fault(BodyFault::Cut { fraction: 0.0 }), "The download was cut off after 0 of").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_cut_at_half_the_body() {
    fault_case(body_fault(BodyFault::Cut { fraction: 0.5 }), "The download was cut off after").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_cut_at_99_percent() {
    fault_case(body_fault(BodyFault::Cut { fraction: 0.99 }), "The download was cut off after").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn body_shorter_than_announced() {
    fault_case(body_fault(BodyFault::Truncate { fraction: 0.5 }), "but the bucket announced").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bucket_answers_500() {
    fault_case(Faults { status: Some(500), ..Faults::default() }, "The bucket answered HTTP 500").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bucket_answers_503() {
    fault_case(Faults { status: Some(503), ..Faults::default() }, "HTTP 503 (Service Unavailable)").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bucket_refuses_connections() {
    fault_case(Faults { refuse: true, ..Faults::default() }, "Cannot reach the bucket").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn download_that_stalls() {
    let env = [("KOBO_SHELF_STALL_TIMEOUT_SECS", "1".to_string())];
    fault_case_with(body_fault(BodyFault::Stall { fraction: 0.3 }), &env, "The download stalled: no data for 1 s")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn download_that_takes_too_long() {
    let env = [("KOBO_SHELF_DOWNLOAD_TIMEOUT_SECS", "1".to_string())];
    let throttle = body_fault(BodyFault::Throttle { bytes_per_sec: 100_000 });
    fault_case_with(throttle, &env, "The download took longer than 1 s").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_secret_is_refused_by_the_bucket() {
    let scenario = Scenario::new().await;
    let mut app = scenario.start_app(&[("KOBO_SHELF_S3_SECRET_ACCESS_KEY", "not-the-secret".into())]);
    let status = app.wait_for_end(SyncPhase::Error).await;
    assert_eq!(
        status.error.as_deref(),
        Some("The bucket refused the credentials (HTTP 403): check the access key id and secret")
    );
    assert!(!app.log().contains("not-the-secret"), "a wrong secret is still a secret");
    scenario.assert_old_library_intact(&app).await;
    app.kill();
    let app = scenario.start_app(&[]);
    scenario.assert_new_library_served(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_object_is_named() {
    let scenario = Scenario::new().await;
    let key = "kobo/Elsewhere.sqlite";
    let app = scenario.start_app(&[("KOBO_SHELF_SOURCE", format!("s3://kobo/{key}"))]);
    let status = app.wait_for_end(SyncPhase::Error).await;
    assert_eq!(
        status.error.as_deref(),
        Some("The database is not in the bucket: s3://kobo/kobo/Elsewhere.sqlite does not exist (HTTP 404)")
    );
    scenario.assert_old_library_intact(&app).await;
    scenario.kit.upload(key, &scenario.file("new.sqlite")).await.unwrap();
    scenario.assert_clean_sync_succeeds(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_bucket() {
    let scenario = Scenario::new().await;
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut app = scenario.start_app(&[("KOBO_SHELF_S3_ENDPOINT", format!("http://127.0.0.1:{closed_port}"))]);
    let status = app.wait_for_end(SyncPhase::Error).await;
    let error = status.error.unwrap_or_default();
    assert!(error.starts_with("Cannot reach the bucket:"), "{error}");
    scenario.assert_old_library_intact(&app).await;
    app.kill();
    let app = scenario.start_app(&[]);
    scenario.assert_new_library_served(&app).await;
}

/// Uploads `bytes` as the newer object; the sync must refuse it with `expected_error`.
async fn bad_object_case(bytes: Vec<u8>, expected_error: &str) {
    let scenario = Scenario::new().await;
    let bad = scenario.file("bad-object");
    std::fs::write(&bad, bytes).unwrap();
    scenario.kit.upload(DATABASE_KEY, &bad).await.unwrap();
    let app = scenario.start_app(&[]);
    let status = app.wait_for_end(SyncPhase::Error).await;
    assert_eq!(status.error.as_deref(), Some(expected_error));
    scenario.assert_old_library_intact(&app).await;
    scenario.kit.upload(DATABASE_KEY, &scenario.file("new.sqlite")).await.unwrap();
    scenario.assert_clean_sync_succeeds(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn object_that_is_an_html_page() {
    let html = "<!DOCTYPE html><html><head><title>503</title></head><body>Service down</body></html>\n".repeat(50);
    bad_object_case(html.into_bytes(), "The downloaded file is not a SQLite database").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn object_of_random_bytes() {
    let mut rng = fastrand::Rng::with_seed(9);
    let bytes: Vec<u8> = (0..300_000).map(|_| rng.u8(..)).collect();
    bad_object_case(bytes, "The downloaded file is not a SQLite database").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn object_that_is_sqlite_but_not_kobo() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO todos (title) VALUES ('buy milk');",
    )
    .unwrap();
    drop(conn);
    bad_object_case(std::fs::read(&path).unwrap(), "The downloaded database is not a Kobo library: no `content` table")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn object_that_is_a_corrupt_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(tagged_library(&dir.path().join("x.sqlite"), "Corrupt", 60)).unwrap();
    // Overwrite pages in the middle of the file (b-tree pages of the tables) with garbage.
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    for page in [3, 5, 8] {
        bytes[page * page_size..page * page_size + 64].fill(0xA5);
    }
    let scenario_error = "The downloaded database is corrupt:";
    let scenario = Scenario::new().await;
    let bad = scenario.file("corrupt.sqlite");
    std::fs::write(&bad, bytes).unwrap();
    scenario.kit.upload(DATABASE_KEY, &bad).await.unwrap();
    let app = scenario.start_app(&[]);
    let status = app.wait_for_end(SyncPhase::Error).await;
    let error = status.error.unwrap_or_default();
    assert!(error.starts_with(scenario_error), "{error}");
    scenario.assert_old_library_intact(&app).await;
    scenario.kit.upload(DATABASE_KEY, &scenario.file("new.sqlite")).await.unwrap();
    scenario.assert_clean_sync_succeeds(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn object_that_is_a_truncated_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(tagged_library(&dir.path().join("x.sqlite"), "Cut", 60)).unwrap();
    let half = bytes[..bytes.len() / 2].to_vec();
    let expected =
        format!("The downloaded database is corrupt: the file is truncated ({} of {} bytes)", half.len(), bytes.len());
    bad_object_case(half, &expected).await;
}

/// The server runs with a file-size limit below the download's size, as on a full disk.
#[tokio::test(flavor = "multi_thread")]
async fn disk_full_while_writing_the_temp_file() {
    use std::os::unix::process::CommandExt;
    let scenario = Scenario::new().await;
    let limit = (scenario.new.len() / 2) as libc::rlim_t;
    assert!(limit > 0 && (scenario.old.len() as libc::rlim_t) < limit * 2);
    let mut env = s3_env(&scenario.kit);
    env.push(("RUST_LOG", "info".into()));
    let mut app = App::start_with(&scenario.data_dir(), &env, |command| {
        // SAFETY: setrlimit is async-signal-safe and only touches the child.
        unsafe {
            command.pre_exec(move || {
                let rlimit = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    });
    let status = app.wait_for_end(SyncPhase::Error).await;
    let error = status.error.unwrap_or_default();
    assert!(error.starts_with("The disk is full:"), "{error}");
    scenario.assert_old_library_intact(&app).await;
    app.kill();
    let app = scenario.start_app(&[]);
    scenario.assert_new_library_served(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_killed_mid_download_restarts_cleanly() {
    let scenario = Scenario::new().await;
    scenario.kit.proxy.set_faults(body_fault(BodyFault::Throttle { bytes_per_sec: 150_000 }));
    let mut app = scenario.start_app(&[]);
    app.wait_for(Duration::from_secs(20), |s| s.step == SyncStep::Downloading && s.bytes_received > 0).await;
    assert_eq!(temp_files(&app.data_dir).len(), 1, "the download goes to a temp file");
    app.kill();
    assert!(std::fs::read(app.database()).unwrap() == scenario.old, "SIGKILL mid-download changed the database");
    assert_eq!(temp_files(&app.data_dir).len(), 1, "the crash leaves its temp file");
    scenario.kit.proxy.set_faults(Faults::default());
    let app = scenario.start_app(&[]);
    assert!(app.log().contains("removed temp files left by an interrupted sync"), "{}", app.log());
    app.wait_for_end(SyncPhase::Completed).await;
    assert!(std::fs::read(app.database()).unwrap() == scenario.new);
    assert_eq!(temp_files(&app.data_dir), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_is_the_real_share_of_bytes() {
    let scenario = Scenario::new().await;
    scenario.kit.proxy.set_faults(body_fault(BodyFault::Throttle { bytes_per_sec: 400_000 }));
    let app = scenario.start_app(&[]);
    let mut seen = Vec::new();
    let mut steps = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = app.status().await;
        assert_eq!(status.step.phase(), status.status, "{status:?}");
        assert_eq!(status.message, status.step.message(), "{status:?}");
        if steps.last() != Some(&status.step) {
            steps.push(status.step);
        }
        if status.status == SyncPhase::Downloading {
            assert_eq!(status.bytes_total, Some(scenario.new.len() as u64));
            assert_eq!(status.file_size_mb, Some((scenario.new.len() as f64 / 10_000.0).round() / 100.0));
            seen.push(status.progress);
        }
        if status.status == SyncPhase::Completed || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let inside: Vec<f64> = seen.iter().copied().filter(|p| *p > 0.0 && *p < 100.0).collect();
    assert!(inside.len() >= 3, "progress between 0 and 100 was seen {} times: {seen:?}", inside.len());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress never goes back: {seen:?}");
    assert_steps_in_order(&steps);
}

/// The steps a replacing sync reports, each seen at most once and in this order (a poll may
/// miss the short ones, never the download or the end).
fn assert_steps_in_order(steps: &[SyncStep]) {
    const ORDER: [SyncStep; 6] = [
        SyncStep::Checking,
        SyncStep::Downloading,
        SyncStep::Verifying,
        SyncStep::Installing,
        SyncStep::UpdatingArchive,
        SyncStep::Completed,
    ];
    let rank =
        |step: &SyncStep| ORDER.iter().position(|s| s == step).unwrap_or_else(|| panic!("{step:?} in {steps:?}"));
    assert!(steps.windows(2).all(|w| rank(&w[0]) < rank(&w[1])), "steps out of order: {steps:?}");
    assert!(steps.contains(&SyncStep::Downloading) && steps.last() == Some(&SyncStep::Completed), "{steps:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_simultaneous_checks_start_one_download() {
    let scenario = Scenario::new().await;
    // A slow body keeps the download running while all requests arrive.
    scenario.kit.proxy.set_faults(body_fault(BodyFault::Throttle { bytes_per_sec: 400_000 }));
    scenario.kit.upload(DATABASE_KEY, &scenario.file("old.sqlite")).await.unwrap();
    scenario.kit.set_object_time(DATABASE_KEY, seconds_ago(3600)).unwrap();
    let app = scenario.start_app(&[]);
    app.wait_for_end(SyncPhase::UpToDate).await;
    scenario.kit.upload(DATABASE_KEY, &scenario.file("new.sqlite")).await.unwrap();
    scenario.kit.proxy.reset_stats();
    let answers = futures::future::join_all((0..100).map(|_| app.check_and_sync())).await;
    let initiated = answers.iter().filter(|a| a.initiated).count();
    assert_eq!(initiated, 1, "{answers:?}");
    app.wait_for_end(SyncPhase::Completed).await;
    let stats = scenario.kit.proxy.stats();
    assert_eq!(stats.get_object, 1, "{stats:?}");
    assert_eq!(stats.head_object, 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_within_the_interval_do_not_ask_the_bucket() {
    let scenario = Scenario::new().await;
    scenario.kit.upload(DATABASE_KEY, &scenario.file("old.sqlite")).await.unwrap();
    let app_time = seconds_ago(3600);
    scenario.kit.set_object_time(DATABASE_KEY, app_time).unwrap();
    let app = scenario.start_app(&[("KOBO_SHELF_CHECK_INTERVAL_SECS", "10".into())]);
    app.wait_for_end(SyncPhase::UpToDate).await;
    let before = scenario.kit.proxy.stats();
    assert_eq!(before.head_object, 1);
    let answers = futures::future::join_all((0..200).map(|_| app.check_and_sync())).await;
    assert!(answers.iter().all(|a| !a.initiated && a.status == SyncPhase::UpToDate), "{:?}", answers[0]);
    assert_eq!(scenario.kit.proxy.stats(), before, "a burst of page loads asked the bucket again");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_and_sync_returns_at_once_while_the_bucket_is_slow() {
    let scenario = Scenario::new().await;
    scenario.kit.proxy.set_faults(Faults { delay_ms: 5_000, ..Faults::default() });
    let app = scenario.start_app(&[("KOBO_SHELF_STALL_TIMEOUT_SECS", "30".into())]);
    app.wait_for(Duration::from_secs(5), |s| s.status == SyncPhase::Checking).await;
    // The startup check is waiting for the bucket; a second call must not wait for it either.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let answer = app.check_and_sync().await;
        let status = app.status().await;
        slowest = slowest.max(started.elapsed());
        assert!(!answer.initiated && status.is_syncing);
    }
    eprintln!("check-and-sync + sync-status, slowest of 20 while the bucket takes 5 s: {slowest:?}");
    assert!(slowest < Duration::from_millis(100), "{slowest:?}");
    app.wait_for_end(SyncPhase::Completed).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_start_without_database_serves_a_fetching_page_then_the_library() {
    let scenario = Scenario::new().await;
    std::fs::remove_file(scenario.data_dir().join("KoboReader.sqlite")).unwrap();
    scenario.kit.proxy.set_faults(Faults { delay_ms: 1_500, ..Faults::default() });
    let started = Instant::now();
    let app = scenario.start_app(&[]);
    let response = client().get(app.url("/")).send().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "the server waited for the bucket");
    let retry_after = response.headers().get("retry-after").map(|value| value.to_str().unwrap().to_string());
    assert_eq!((response.status().as_u16(), retry_after.as_deref()), (503, Some("5")), "not a real page yet");
    let page = response.text().await.unwrap();
    assert!(page.contains("The library is being fetched"), "{page}");
    app.wait_for_end(SyncPhase::Completed).await;
    let (_, page) = app.page("/").await;
    assert!(page.contains("New War and Peace"));
}

/// 20 swaps while another task loads the library page without pause: no failed load, and each
/// page shows one whole version, never a mix, never an older one than the page before.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_swaps_under_continuous_page_loads() {
    let scenario = Scenario::new().await;
    let versions: Vec<PathBuf> =
        (1..=20).map(|v| tagged_library(&scenario.file(&format!("v{v:02}.sqlite")), &format!("V{v:02}"), 30)).collect();
    scenario.kit.set_object_time(DATABASE_KEY, seconds_ago(2_000)).unwrap();
    let app = Arc::new(scenario.start_app(&[]));
    app.wait_for_end(SyncPhase::Completed).await;
    let stop = Arc::new(AtomicBool::new(false));
    let loader = tokio::spawn(load_pages_until(app.clone(), stop.clone()));
    let base = seconds_ago(1_000);
    for (index, version) in versions.iter().enumerate() {
        scenario.kit.upload(DATABASE_KEY, version).await.unwrap();
        scenario.kit.set_object_time(DATABASE_KEY, base + Duration::from_secs(10 * (index as u64 + 1))).unwrap();
        app.check_and_sync().await;
        app.wait_for_end(SyncPhase::Completed).await;
    }
    stop.store(true, Ordering::Relaxed);
    let (loads, seen) = loader.await.unwrap();
    assert!(loads > 20, "only {loads} page loads");
    assert_eq!(seen.last().copied(), Some(20), "the last version is served at the end");
}

/// Loads `/` until stopped, then once more; panics on a failed load or a mixed page. Returns
/// loads and versions.
async fn load_pages_until(app: Arc<App>, stop: Arc<AtomicBool>) -> (usize, Vec<u32>) {
    let mut seen: Vec<u32> = Vec::new();
    let mut loads = 0;
    // The last load starts after `stop`: one that started before the last swap may end after it.
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let (status, page) = app.page("/").await;
        assert_eq!(status, 200, "a page load failed during swaps");
        let tags = version_tags(&page);
        assert!(tags.len() == 1, "a page mixes versions {tags:?}");
        let version = tags[0];
        assert!(seen.last().is_none_or(|&last| version >= last), "went back from {seen:?} to {version}");
        if seen.last() != Some(&version) {
            seen.push(version);
        }
        loads += 1;
        if stopping {
            break;
        }
    }
    (loads, seen)
}

/// Distinct `Vnn ` / `New ` tags in a page (`New` counts as version 0), among the entries on
/// the device (the archive lists books of earlier versions, marked removed from the device).
fn version_tags(page: &str) -> Vec<u32> {
    let on_device: String =
        page.split("<li class=\"item\"").filter(|item| !item.contains("Removed from device")).collect();
    let page = on_device.as_str();
    let mut tags: Vec<u32> = page
        .match_indices(">V")
        .filter_map(|(at, _)| page.get(at + 2..at + 4)?.parse().ok())
        .chain(page.contains(">New ").then_some(0))
        .collect();
    tags.sort_unstable();
    tags.dedup();
    tags
}
