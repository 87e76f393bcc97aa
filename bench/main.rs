//! kobo-shelf benchmarks: every figure is measured against a limit taken in the same run on the
//! same machine (a trivial route, curl of the same object) or against an absolute target, and
//! printed as one table. Run through `bench/run.sh`, which builds everything in release mode.
//!
//! Servers are real: the release `kobo-shelf` binary as a child process, a real S3 server
//! (s3s-fs) with a fault proxy in-process. Load comes from `wrk`; memory from `/proc`.

use kobo_shelf_testkit::{
    app_s3_env, BodyFault, Faults, ServerProcess, Testkit, ACCESS_KEY, BUCKET, DATABASE_KEY, SECRET_KEY,
};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// One row of the result table.
struct Figure {
    name: &'static str,
    measured: String,
    limit: String,
    ratio: Option<f64>,
    target: &'static str,
    met: bool,
}

struct Bench {
    repo: PathBuf,
    work: PathBuf,
    binary: PathBuf,
    figures: Vec<Figure>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize()?;
    let work = repo.join("bench/results");
    std::fs::create_dir_all(&work)?;
    let mut bench = Bench { binary: repo.join("target/release/kobo-shelf"), repo, work, figures: Vec::new() };
    print_machine(&bench.repo);
    let data = bench.generate_data()?;
    // `kobo-shelf-bench WORD` runs only the figures whose name contains WORD.
    let only = std::env::args().nth(1).unwrap_or_default();
    let wanted = |name: &str| name.contains(only.as_str());
    let mut outcomes = Vec::new();
    macro_rules! measure {
        ($name:literal, $figure:expr) => {
            if wanted($name) {
                outcomes.push(($name, $figure));
            }
        };
    }
    measure!("check-and-sync latency", bench.check_and_sync_latency(&data).await);
    measure!("sync-status throughput", bench.sync_status_throughput(&data).await);
    measure!("download", bench.download(&data).await);
    measure!("changed library", bench.changed_library(&data).await);
    measure!("reading position moved", bench.moved_position(&data).await);
    measure!("through 20 MB/s", bench.changed_library_over_a_link(&data).await);
    measure!("library page", bench.library_render(&data).await);
    measure!("two devices", bench.two_devices(&data).await);
    measure!("book page", bench.book_render(&data).await);
    measure!("search", bench.search(&data).await);
    measure!("book page, 1,000 tagged", bench.tagged_book_render(&data).await);
    measure!("quote card", bench.quote_card(&data).await);
    measure!("review page", bench.review_page(&data).await);
    measure!("sync detection", bench.sync_detection(&data).await);
    measure!("WASM bundle", bench.wasm_bundle());
    measure!("archive ingest", bench.archive_ingest(&data).await);
    measure!("memory", bench.memory_walk(&data).await);
    measure!("archive copy", bench.archive_copy(&data).await);
    measure!("cold start", bench.cold_start(&data).await);
    measure!("library zip", bench.library_zip_download(&data).await);
    bench.print_table();
    let failures: Vec<_> =
        outcomes.iter().filter_map(|(name, outcome)| Some((name, outcome.as_ref().err()?))).collect();
    for (name, error) in &failures {
        eprintln!("{name}: could not be measured: {error}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} figures could not be measured", failures.len()).into())
    }
}

/// The edit that makes the "1 % edited" version of a library: every hundredth annotation.
const ONE_PERCENT_EDITED: &str = "UPDATE Bookmark SET Text = Text || ' (edited)' WHERE rowid % 100 = 0";

/// A sync of a new version (see `Bench::new_version`): its time and curl's, RSS in KB before
/// and at its peak, the new file's size, the rows the edit changed, the server's log.
struct NewVersionSync {
    time: Duration,
    curl_time: Duration,
    baseline: u64,
    peak: u64,
    size: u64,
    changed_rows: usize,
    log: String,
}

/// The generated libraries (kept between runs in bench/results; the generator is seeded).
struct Data {
    small: PathBuf,
    library_5k: PathBuf,
    ten_mb: PathBuf,
    big: PathBuf,
    heavy_book: PathBuf,
}

impl Bench {
    fn generate_data(&self) -> Result<Data> {
        let make = |name: &str, books: usize, highlights: usize| -> Result<PathBuf> {
            let path = self.work.join(name);
            if !path.exists() {
                let started = Instant::now();
                let out = path.display().to_string();
                run(
                    &self.binary,
                    &[
                        "demo-db",
                        "--out",
                        &out,
                        "--seed",
                        "5",
                        "--books",
                        &books.to_string(),
                        "--highlights",
                        &highlights.to_string(),
                    ],
                )?;
                println!(
                    "generated {name} in {:.1} s ({:.1} MB)",
                    started.elapsed().as_secs_f64(),
                    mb(file_len(&path))
                );
            }
            Ok(path)
        };
        Ok(Data {
            small: make("small.sqlite", 30, 20)?,
            library_5k: make("library-5000.sqlite", 5_000, 20)?,
            ten_mb: make("ten-mb.sqlite", 560, 20)?,
            big: make("big-200mb.sqlite", 10_000, 20)?,
            // Past the curated books, generated ones of about 3,000 highlights each.
            heavy_book: make("heavy-book-3000.sqlite", 26, 3_000)?,
        })
    }

    /// A kit with `file` as the database object, dated an hour ago.
    async fn kit_with(&self, name: &str, file: &Path) -> Result<Testkit> {
        let root = self.work.join(format!("bucket-{name}"));
        let _ = std::fs::remove_dir_all(&root);
        let kit = Testkit::start(&root).await?;
        kit.upload(DATABASE_KEY, file).await?;
        kit.set_object_time(DATABASE_KEY, kobo_shelf_testkit::seconds_ago(3_600))?;
        Ok(kit)
    }

    /// The release server with a fresh data directory and S3 settings for `endpoint`.
    fn app(&self, name: &str, endpoint: &str, extra: &[(&str, String)]) -> Result<ServerProcess> {
        let data = self.work.join(format!("data-{name}"));
        let _ = std::fs::remove_dir_all(&data);
        let mut env = app_s3_env(endpoint);
        env.push(("KOBO_SHELF_DATA_DIR", data.display().to_string()));
        env.push(("KOBO_SHELF_ARCHIVE_REPLICA", "off".to_string()));
        env.push(("RUST_LOG", "info".to_string()));
        env.extend(extra.iter().cloned());
        Ok(ServerProcess::start(&self.binary, &self.repo, &env, |_| {})?)
    }

    fn record(&mut self, figure: Figure) {
        println!(
            "{:<36} {:>24}  vs {:<24} {:>7}  {} {}",
            figure.name,
            figure.measured,
            figure.limit,
            figure.ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
            figure.target,
            if figure.met { "met" } else { "MISSED" }
        );
        self.figures.push(figure);
    }

    async fn check_and_sync_latency(&mut self, data: &Data) -> Result<()> {
        let kit = self.kit_with("latency", &data.small).await?;
        let app = self.app("latency", &kit.endpoint(), &[])?;
        wait_for(&app, |s| s["status"] == "completed", Duration::from_secs(30)).await?;
        kit.proxy.set_faults(Faults { delay_ms: 5_000, ..Faults::default() });
        let script = self.work.join("post.lua");
        std::fs::write(&script, "wrk.method = \"POST\"\n")?;
        let report = wrk(&app.url("/api/check-and-sync"), Some(&script))?;
        let (p50, p99) = (report.latency("50%")?, report.latency("99%")?);
        self.record(Figure {
            name: "check-and-sync p50 / p99",
            measured: format!("{} / {}", millis(p50), millis(p99)),
            limit: "bucket answers in 5 s".into(),
            ratio: None,
            target: "p99 ≤ 5 ms",
            met: p99 <= Duration::from_millis(5),
        });
        Ok(())
    }

    async fn sync_status_throughput(&mut self, data: &Data) -> Result<()> {
        let kit = self.kit_with("status", &data.small).await?;
        let app = self.app("status", &kit.endpoint(), &[])?;
        wait_for(&app, |s| s["status"] == "completed", Duration::from_secs(30)).await?;
        let status = wrk(&app.url("/api/sync-status"), None)?.requests_per_second;
        let trivial = wrk(&app.url("/api/health"), None)?.requests_per_second;
        let ratio = status / trivial;
        self.record(Figure {
            name: "sync-status requests/s",
            measured: format!("{status:.0}/s"),
            limit: format!("{trivial:.0}/s trivial route"),
            ratio: Some(ratio),
            target: "ratio ≥ 0.8",
            met: ratio >= 0.8,
        });
        Ok(())
    }

    /// A full sync of the 200 MB object vs curl of it from the same server, and the server's
    /// memory growth meanwhile.
    async fn download(&mut self, data: &Data) -> Result<()> {
        let kit = self.kit_with("download", &data.big).await?;
        let direct = format!("http://{}", kit.s3.addr);
        let size = file_len(&data.big);
        let curl_time = curl_object(&direct, &self.work.join("curl-download.sqlite"))?;
        let app = self.app("download", &direct, &[])?;
        wait_for(&app, |s| s["status"] == "completed", Duration::from_secs(300)).await?;
        // The startup sync fetched it once; date the object forward and fetch it again, timed.
        kit.set_object_time(DATABASE_KEY, std::time::SystemTime::now())?;
        let (sync_time, baseline, peak) = timed_sync(&app).await?;
        let ratio = curl_time.as_secs_f64() / sync_time.as_secs_f64();
        print_step_timings(&app.log());
        self.record(Figure {
            name: "download 200 MB: full sync vs curl",
            measured: format!("{:.2} s ({:.0} MB/s)", sync_time.as_secs_f64(), mb(size) / sync_time.as_secs_f64()),
            limit: format!("{:.2} s curl", curl_time.as_secs_f64()),
            ratio: Some(ratio),
            target: "ratio ≥ 0.5",
            met: ratio >= 0.5,
        });
        self.record(memory_growth("memory growth during the 200 MB sync", baseline, peak, (32.0, "≤ 32 MB")));
        Ok(())
    }

    /// The 5,000-book library with 1 % of its annotations edited, uploaded over the version the
    /// server has: from the upload to `completed` (download, verify, swap and the archive's
    /// ingest) against curl of the same object, and the memory growth meanwhile.
    async fn changed_library(&mut self, data: &Data) -> Result<()> {
        let sync = self.new_version("changed", &data.library_5k, ONE_PERCENT_EDITED).await?;
        let ratio = sync.time.as_secs_f64() / sync.curl_time.as_secs_f64();
        self.record(Figure {
            name: "changed library (1 % edited): upload → completed",
            measured: format!("{} ({} annotations edited)", millis(sync.time), sync.changed_rows),
            limit: format!("{} curl of {:.0} MB", millis(sync.curl_time), mb(sync.size)),
            ratio: Some(ratio),
            target: "≤ 3× curl",
            met: ratio <= 3.0,
        });
        self.record(memory_growth("memory growth during that sync", sync.baseline, sync.peak, (32.0, "≤ 32 MB")));
        Ok(())
    }

    /// The 1 %-edited version of the 5,000-book library through a 20 MB/s link, as a small
    /// server on a home connection gets it: the sync beyond curl through the same link.
    async fn changed_library_over_a_link(&mut self, data: &Data) -> Result<()> {
        let sync = self.new_version_over("link", &data.library_5k, ONE_PERCENT_EDITED, Some(20_000_000)).await?;
        let beyond = sync.time.saturating_sub(sync.curl_time);
        self.record(Figure {
            name: "changed library (1 % edited) through 20 MB/s: upload → completed, beyond curl",
            measured: millis(beyond),
            limit: format!("{} curl of {:.0} MB through the same link", millis(sync.curl_time), mb(sync.size)),
            ratio: None,
            target: "≤ curl + 500 ms",
            met: beyond <= Duration::from_millis(500),
        });
        self.record(memory_growth("memory growth during that sync", sync.baseline, sync.peak, (32.0, "≤ 32 MB")));
        Ok(())
    }

    /// The 200 MB library where the device only moved one book's reading position (no
    /// annotation changed): the archive's ingest (from its log line) and upload → `completed`
    /// beyond curl of the object.
    async fn moved_position(&mut self, data: &Data) -> Result<()> {
        let edit = "UPDATE content SET ___PercentRead = ___PercentRead % 99 + 1,
                        DateLastRead = strftime('%Y-%m-%dT%H:%M:%S.000', 'now')
                    WHERE rowid = (SELECT min(rowid) FROM content WHERE ContentType = 6)";
        let sync = self.new_version("moved", &data.big, edit).await?;
        let ingest = sync.log.lines().rfind(|line| line.contains("archive: ingested")).ok_or("no ingest")?;
        let (ingest_ms, unchanged, books) =
            (log_field(ingest, "elapsed_ms")?, log_field(ingest, "unchanged_books")?, log_field(ingest, "books")?);
        self.record(Figure {
            name: "reading position moved (200 MB, no annotation changed): archive ingest",
            measured: format!("{ingest_ms} ms ({unchanged} of {books} books unchanged, not read)"),
            limit: format!("{:.0} MB", mb(sync.size)),
            ratio: None,
            target: "≤ 200 ms",
            met: ingest_ms <= 200,
        });
        let beyond = sync.time.saturating_sub(sync.curl_time);
        self.record(Figure {
            name: "reading position moved: upload → completed, beyond curl",
            measured: millis(beyond),
            limit: format!("{} curl", millis(sync.curl_time)),
            ratio: None,
            target: "≤ curl + 250 ms",
            met: beyond <= Duration::from_millis(250),
        });
        Ok(())
    }

    /// Syncs `library`, then the version `edit` makes of it uploaded over it, timed from the
    /// check to `completed` beside curl of the same object.
    async fn new_version(&self, name: &str, library: &Path, edit: &str) -> Result<NewVersionSync> {
        self.new_version_over(name, library, edit, None).await
    }

    /// As `new_version`, the new version (and curl's copy) through a link of `link_bytes_per_sec`
    /// (the test kit's proxy) when given.
    async fn new_version_over(
        &self,
        name: &str,
        library: &Path,
        edit: &str,
        link_bytes_per_sec: Option<u64>,
    ) -> Result<NewVersionSync> {
        let kit = self.kit_with(name, library).await?;
        let endpoint = match link_bytes_per_sec {
            Some(_) => kit.endpoint(),
            None => format!("http://{}", kit.s3.addr),
        };
        let app = self.app(name, &endpoint, &[])?;
        wait_for(&app, |s| s["status"] == "completed", Duration::from_secs(300)).await?;
        until_settled(&app).await; // as a device's next version finds it, hours later
        if let Some(bytes_per_sec) = link_bytes_per_sec {
            kit.proxy.set_faults(Faults { body: BodyFault::Throttle { bytes_per_sec }, ..Faults::default() });
        }
        let edited = self.work.join(format!("{name}-edited.sqlite"));
        std::fs::copy(library, &edited)?;
        let conn = rusqlite::Connection::open(&edited)?;
        let changed_rows = conn.execute(edit, [])?;
        drop(conn);
        kit.upload(DATABASE_KEY, &edited).await?;
        let curl_time = curl_object(&endpoint, &self.work.join(format!("curl-{name}.sqlite")))?;
        let (time, baseline, peak) = timed_sync(&app).await?;
        let log = app.log();
        print_step_timings(&log);
        let size = file_len(&edited);
        let _ = std::fs::remove_file(&edited);
        Ok(NewVersionSync { time, curl_time, baseline, peak, size, changed_rows, log })
    }

    /// The server with a local file as its source (the library page needs no bucket).
    /// The release server syncing from `library`, without copies of its archive (they would
    /// share the CPU with what is measured) unless `replica` names their folder.
    async fn file_app(&self, name: &str, library: &Path) -> Result<ServerProcess> {
        self.file_app_copying(name, library, None).await
    }

    async fn file_app_copying(&self, name: &str, library: &Path, replica: Option<&Path>) -> Result<ServerProcess> {
        self.file_app_with(name, ("KOBO_SHELF_SOURCE", format!("file://{}", library.display())), replica).await
    }

    /// The release server whose devices are `sources` (the one source, or several devices),
    /// once its first sync completed.
    async fn file_app_with(
        &self,
        name: &str,
        sources: (&'static str, String),
        replica: Option<&Path>,
    ) -> Result<ServerProcess> {
        let data = self.work.join(format!("data-{name}"));
        let _ = std::fs::remove_dir_all(&data);
        let env = [
            ("KOBO_SHELF_DATA_DIR", data.display().to_string()),
            sources,
            (
                "KOBO_SHELF_ARCHIVE_REPLICA",
                replica.map_or("off".into(), |folder| format!("file://{}", folder.display())),
            ),
            ("RUST_LOG", "info".to_string()),
        ];
        let app = ServerProcess::start(&self.binary, &self.repo, &env, |_| {})?;
        wait_for(&app, |s| s["status"] == "completed" && s["is_syncing"] == false, Duration::from_secs(120)).await?;
        Ok(app)
    }

    /// Two Kobos of 5,000 books each (#26): the second has the same books with annotations of
    /// its own (the first's under new BookmarkIDs), each device syncing from its own file, so
    /// every entry merges and counts both. Beside one device in the same run: the start to
    /// both first syncs completed (download, verify, both ingests), the merged library's
    /// first view and pages, the memory after them.
    async fn two_devices(&mut self, data: &Data) -> Result<()> {
        let second = self.work.join("library-5000-second-device.sqlite");
        if !second.exists() {
            std::fs::copy(&data.library_5k, &second)?;
            let conn = rusqlite::Connection::open(&second)?;
            conn.execute("UPDATE Bookmark SET BookmarkID = BookmarkID || '-2'", [])?;
        }
        let file = |path: &Path| format!("file://{}", path.display());
        let devices = format!("libra={}, clara={}", file(&data.library_5k), file(&second));
        let mut measured = Vec::new();
        for (name, sources) in [
            ("one-device", ("KOBO_SHELF_SOURCE", file(&data.library_5k))),
            ("two-devices", ("KOBO_SHELF_DEVICES", devices)),
        ] {
            let started = Instant::now();
            let app = self.file_app_with(name, sources, None).await?;
            let synced = started.elapsed();
            until_settled(&app).await;
            let log = app.log();
            let indexed =
                log.lines().rfind(|line| line.contains("search index built")).ok_or("no search index built")?;
            let index_time = Duration::from_millis(log_field(indexed, "elapsed_ms")?);
            let view_started = Instant::now();
            as_a_browser(&client(), &app.url("/")).await?;
            let first_view = view_started.elapsed();
            let pages = ["/", "/?sort=title", "/?sort=author&page=7", "/?sort=highlights", "/?q=river"];
            let urls: Vec<String> = (0..200).map(|i| app.url(pages[i % pages.len()])).collect();
            let times = time_requests(&urls).await?;
            measured.push((synced, index_time, first_view, percentile(&times, 50), rss_kb(app.pid())? / 1024));
        }
        let [(one_sync, one_index, one_view, one_p50, one_rss), (sync, index, view, p50, rss)] = measured[..] else {
            return Err("two runs expected".into());
        };
        let ratio = sync.as_secs_f64() / one_sync.as_secs_f64();
        let seconds = |duration: Duration| format!("{:.2} s", duration.as_secs_f64());
        self.record(Figure {
            name: "two devices × 5,000 books: start → synced",
            measured: format!("{}; search index {}", seconds(sync), seconds(index)),
            limit: format!("{}; {} one device", seconds(one_sync), seconds(one_index)),
            ratio: Some(ratio),
            target: "≤ 2.5× one device",
            met: ratio <= 2.5,
        });
        self.record(Figure {
            name: "two devices: library page",
            measured: format!("p50 {}; first view {}", millis(p50), millis(view)),
            limit: format!("one device p50 {}; first {}", millis(one_p50), millis(one_view)),
            ratio: None,
            target: "p50 ≤ 2 ms",
            met: p50 <= Duration::from_millis(2),
        });
        self.record(Figure {
            name: "two devices: RSS after library pages",
            measured: format!("{rss} MB"),
            limit: format!("{one_rss} MB one device"),
            ratio: Some(rss as f64 / one_rss as f64),
            target: "≤ 2× one device",
            met: rss <= 2 * one_rss,
        });
        Ok(())
    }

    /// The archive's ingest of the 5,000-book library, done before the first sync completes
    /// (from the server's log line).
    async fn archive_ingest(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("archive", &data.library_5k).await?;
        let log = app.log();
        let line = log.lines().find(|line| line.contains("archive: ingested")).ok_or("no ingest in the log")?;
        let elapsed = Duration::from_millis(log_field(line, "elapsed_ms")?);
        self.record(Figure {
            name: "archive ingest, 5,000 books",
            measured: millis(elapsed),
            limit: format!("{} annotations", log_field(line, "live")?),
            ratio: None,
            target: "≤ 2 s",
            met: elapsed <= Duration::from_secs(2),
        });
        Ok(())
    }

    /// The server's memory (RSS) on the 5,000-book library after its first sync and each kind
    /// of page, once: what a small server must hold.
    async fn memory_walk(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("memory", &data.library_5k).await?;
        until_settled(&app).await;
        let mut steps = vec![format!("synced {}", rss_kb(app.pid())? / 1024)];
        let listing = client().get(app.url("/?sort=highlights")).send().await?.text().await?;
        let (book, _) = heaviest_book(&listing).ok_or("no book on the page")?;
        for (name, page) in [
            ("library", "/"),
            ("search", "/search?q=river"),
            ("book", &book),
            ("stats", "/stats"),
            ("review", "/review"),
        ] {
            as_a_browser(&client(), &app.url(page)).await?;
            steps.push(format!("{name} {}", rss_kb(app.pid())? / 1024));
        }
        let last = rss_kb(app.pid())? / 1024;
        self.record(Figure {
            name: "memory, 5,000 books: RSS in MB after",
            measured: steps.join(", "),
            limit: "each page once".into(),
            ratio: None,
            target: "≤ 64 MB",
            met: last <= 64,
        });
        Ok(())
    }

    /// A copy of the 5,000-book archive off the machine (its size and time, from the server's
    /// log), then a new machine's restore of it (`kobo-shelf archive restore`, timed whole).
    async fn archive_copy(&mut self, data: &Data) -> Result<()> {
        let folder = self.work.join("replica");
        let _ = std::fs::remove_dir_all(&folder);
        let app = self.file_app_copying("replica", &data.library_5k, Some(&folder)).await?;
        let deadline = Instant::now() + Duration::from_secs(120);
        let line = loop {
            let log = app.log();
            if let Some(line) = log.lines().find(|line| line.contains("replica: archive copied")) {
                break line.to_string();
            }
            if Instant::now() > deadline {
                return Err(format!("no copy within 120 s:\n{log}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        drop(app);
        let (bytes, database_bytes) = (log_field(&line, "bytes")?, log_field(&line, "database_bytes")?);
        let copy = Duration::from_millis(log_field(&line, "elapsed_ms")?);
        let restored = self.work.join("data-restored");
        let _ = std::fs::remove_dir_all(&restored);
        let started = Instant::now();
        let status = Command::new(&self.binary)
            .args(["archive", "restore"])
            .env("KOBO_SHELF_CONFIG", "/dev/null")
            .env("KOBO_SHELF_DATA_DIR", &restored)
            .env("KOBO_SHELF_ARCHIVE_REPLICA", format!("file://{}", folder.display()))
            .stderr(std::process::Stdio::null())
            .status()?;
        let restore = started.elapsed();
        if !status.success() {
            return Err("kobo-shelf archive restore failed".into());
        }
        self.record(Figure {
            name: "archive copy and restore, 5,000 books",
            measured: format!("{:.1} MB copy {}, restore {}", mb(bytes), millis(copy), millis(restore)),
            limit: format!("{:.1} MB archive", mb(database_bytes)),
            ratio: Some(bytes as f64 / database_bytes as f64),
            target: "≤ 10 s each",
            met: copy <= Duration::from_secs(10) && restore <= Duration::from_secs(10),
        });
        Ok(())
    }

    /// From process start to the first library page of the 5,000-book library, with its local
    /// copy and archive in place (a restart), then the idle server's memory.
    async fn cold_start(&mut self, data: &Data) -> Result<()> {
        drop(self.file_app("cold", &data.library_5k).await?);
        let env = [
            ("KOBO_SHELF_DATA_DIR", self.work.join("data-cold").display().to_string()),
            ("KOBO_SHELF_SOURCE", format!("file://{}", data.library_5k.display())),
            ("KOBO_SHELF_ARCHIVE_REPLICA", "off".to_string()),
        ];
        let started = Instant::now();
        let app = ServerProcess::start(&self.binary, &self.repo, &env, |_| {})?;
        loop {
            let page = client().get(app.url("/")).send().await?.text().await?;
            if page.matches("class=\"item\"").count() == 100 {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err("no library page within 30 s".into());
            }
        }
        let first_page = started.elapsed();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let idle_mb = rss_kb(app.pid())? / 1024;
        self.record(Figure {
            name: "cold start to first library page",
            measured: format!("{} ({idle_mb} MB idle)", millis(first_page)),
            limit: "5,000 books, restart".into(),
            ratio: None,
            target: "≤ 1 s",
            met: first_page <= Duration::from_secs(1),
        });
        Ok(())
    }

    async fn library_render(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("library", &data.library_5k).await?;
        let pages =
            ["/", "/?sort=title", "/?sort=author&page=7", "/?sort=highlights", "/?q=river", "/?kind=article&page=2"];
        let urls: Vec<String> = (0..200).map(|i| app.url(pages[i % pages.len()])).collect();
        let times = time_requests(&urls).await?;
        let (p50, p99) = (percentile(&times, 50), percentile(&times, 99));
        self.record(Figure {
            name: "library page, 5,000 books / 100k hl (gzip)",
            measured: format!("p50 {} p99 {}", millis(p50), millis(p99)),
            limit: "200 requests".into(),
            ratio: None,
            target: "p50 ≤ 2 ms",
            met: p50 <= Duration::from_millis(2),
        });
        Ok(())
    }

    async fn book_render(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("book", &data.heavy_book).await?;
        let listing = client().get(app.url("/?sort=highlights")).send().await?.text().await?;
        let (href, count) = heaviest_book(&listing).ok_or("no book on the page")?;
        self.record_book_page("book page, one book (gzip)", &app.url(&href), &count).await
    }

    /// A book page's first view, then 200 views, as a figure named `name`.
    async fn record_book_page(&mut self, name: &'static str, url: &str, highlights: &str) -> Result<()> {
        let started = Instant::now();
        let bytes = as_a_browser(&client(), url).await?;
        let first = started.elapsed();
        let times = time_requests(&vec![url.to_string(); 200]).await?;
        let (p50, p99) = (percentile(&times, 50), percentile(&times, 99));
        self.record(Figure {
            name,
            measured: format!("p50 {} p99 {}; first view {}", millis(p50), millis(p99), millis(first)),
            limit: format!("{highlights} highlights, {:.0} KB gzipped", bytes as f64 / 1024.0),
            ratio: None,
            target: "p50 ≤ 5 ms, p99 ≤ 10 ms",
            met: p50 <= Duration::from_millis(5) && p99 <= Duration::from_millis(10),
        });
        Ok(())
    }

    /// The heaviest book's highlights (its page's address, and their ids percent-encoded).
    async fn heaviest_book_highlights(app: &ServerProcess) -> Result<(String, Vec<String>)> {
        let listing = client().get(app.url("/?sort=highlights")).send().await?.text().await?;
        let (href, _) = heaviest_book(&listing).ok_or("no book on the page")?;
        let book = href.split("id=").nth(1).ok_or("no book id")?;
        let url = app.url(&format!("/api/v1/annotations?book={book}"));
        let answer: serde_json::Value = client().get(url).send().await?.error_for_status()?.json().await?;
        let rows = answer["annotations"].as_array().ok_or("no annotations")?;
        let ids = rows
            .iter()
            .filter(|row| row["kind"] == "highlight")
            .filter_map(|row| row["highlight_id"].as_str())
            .map(kobo_shelf_model::encode_url_component)
            .collect();
        Ok((href, ids))
    }

    /// The heaviest book's page after 1,000 of its highlights were tagged and starred (and a web
    /// note on every tenth) through the API: what the edits add to a page.
    async fn tagged_book_render(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("tagged", &data.heavy_book).await?;
        let (href, ids) = Self::heaviest_book_highlights(&app).await?;
        if ids.len() < 1_000 {
            return Err(format!("the heaviest book has {} highlights, not 1,000", ids.len()).into());
        }
        let client = client();
        for (n, id) in ids.iter().take(1_000).enumerate() {
            let note = (n % 10 == 0).then(|| format!("My note {n}: {}", "words ".repeat(20)));
            let body = serde_json::json!({ "favourite": n % 3 == 0, "tags": ["to quote", format!("theme {}", n % 7)], "note": note });
            let url = app.url(&format!("/api/v1/annotations/{id}"));
            client.patch(url).json(&body).send().await?.error_for_status()?;
        }
        self.record_book_page("book page, 1,000 tagged (gzip)", &app.url(&href), &ids.len().to_string()).await
    }

    /// Quote cards of 50 highlights of the heaviest book, square and story, one at a time.
    async fn quote_card(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("card", &data.heavy_book).await?;
        let (_, ids) = Self::heaviest_book_highlights(&app).await?;
        let urls: Vec<String> = ids
            .iter()
            .take(50)
            .enumerate()
            .map(|(n, id)| {
                app.url(&format!("/card.png?highlight={id}{}", if n % 2 == 1 { "&format=story" } else { "" }))
            })
            .collect();
        let times = time_requests(&urls).await?;
        let (p50, p99) = (percentile(&times, 50), percentile(&times, 99));
        self.record(Figure {
            name: "quote card, PNG 1080 px",
            measured: format!("p50 {} p99 {}", millis(p50), millis(p99)),
            limit: "50 cards, half square, half story".into(),
            ratio: None,
            target: "p50 ≤ 150 ms",
            met: p50 <= Duration::from_millis(150),
        });
        Ok(())
    }

    /// The review page over the 5,000-book library's 100,000 highlights: the day's first visit
    /// (which draws its cards from every highlight) and the later ones (the day's rows only).
    async fn review_page(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("review", &data.library_5k).await?;
        let url = app.url("/review");
        let started = Instant::now();
        let first = client().get(&url).send().await?.error_for_status()?.text().await?;
        let first_time = started.elapsed();
        if !first.contains("class=\"review-card\"") {
            return Err("the review shows no card".into());
        }
        let times = time_requests(&vec![url; 200]).await?;
        let (p50, p99) = (percentile(&times, 50), percentile(&times, 99));
        self.record(Figure {
            name: "review page, 5,000 books / 100k hl (gzip)",
            measured: format!("p50 {} p99 {}; the day's first {}", millis(p50), millis(p99), millis(first_time)),
            limit: "200 requests".into(),
            ratio: None,
            target: "p50 ≤ 5 ms",
            met: p50 <= Duration::from_millis(5),
        });
        Ok(())
    }

    /// Searches over all 100,000 highlights of the 5,000-book library: the server's time per
    /// query (reported by the page) and the whole page.
    async fn search(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("search", &data.library_5k).await?;
        let started = Instant::now();
        client().get(app.url("/search?q=river")).send().await?.error_for_status()?;
        let first = started.elapsed();
        let rare = [
            "light%20of%20memory",
            "%22quiet%20rooms%22",
            "patien*",
            "truth%20held",
            "readers%20find",
            "small%20truth",
        ];
        // Words in most of the 100k highlights: more matches than are counted.
        let common = ["the", "of", "river", "evening"];
        for (name, queries) in [
            ("search, rare phrases, 100k highlights (server time)", &rare[..]),
            ("search, common words, 100k highlights (server time)", &common[..]),
        ] {
            let (page_times, search_times) = search_times(&app, queries, 200).await?;
            let p50 = percentile(&search_times, 50);
            self.record(Figure {
                name,
                measured: format!("p50 {} p99 {}", millis(p50), millis(percentile(&search_times, 99))),
                limit: format!(
                    "page p50 {}; first {} (builds index)",
                    millis(percentile(&page_times, 50)),
                    millis(first)
                ),
                ratio: None,
                target: "≤ 10 ms per query",
                met: p50 <= Duration::from_millis(10),
            });
        }
        Ok(())
    }

    /// From the upload of a new 10 MB object to `needs_reload`, minus the download itself.
    async fn sync_detection(&mut self, data: &Data) -> Result<()> {
        let kit = self.kit_with("detect", &data.small).await?;
        let app = self.app("detect", &format!("http://{}", kit.s3.addr), &[])?;
        wait_for(&app, |s| s["status"] == "completed", Duration::from_secs(30)).await?;
        kit.upload(DATABASE_KEY, &data.ten_mb).await?;
        let uploaded = Instant::now();
        // A page load asks for a check; the badge then polls.
        client().post(app.url("/api/check-and-sync")).send().await?;
        let (mut download_started, mut download_ended) = (None, None);
        loop {
            let status = sync_status(&app).await?;
            let received = status["bytes_received"].as_u64().unwrap_or(0);
            if status["status"] == "downloading" && download_started.is_none() {
                download_started = Some(Instant::now());
            }
            if download_ended.is_none() && received > 0 && Some(received) == status["bytes_total"].as_u64() {
                download_ended = Some(Instant::now());
            }
            if status["needs_reload"] == true {
                break;
            }
            if uploaded.elapsed() > Duration::from_secs(60) {
                return Err(format!("no reload after 60 s: {status}").into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let total = uploaded.elapsed();
        let download = match (download_started, download_ended) {
            (Some(start), Some(end)) => end - start,
            _ => Duration::ZERO,
        };
        let overhead = total.saturating_sub(download);
        self.record(Figure {
            name: "sync detection, 10 MB database",
            measured: format!("{} in all", millis(total)),
            limit: format!("{} download", millis(download)),
            ratio: None,
            target: "≤ 1 s + download",
            met: overhead <= Duration::from_secs(1),
        });
        Ok(())
    }

    fn wasm_bundle(&mut self) -> Result<()> {
        // The bundle the release binary serves, and the release end-to-end run tests.
        let wasm = self.repo.join("target/release/site/pkg/kobo-shelf.wasm");
        let raw = file_len(&wasm);
        let gzipped = Command::new("sh").arg("-c").arg(format!("gzip -9 -c '{}' | wc -c", wasm.display())).output()?;
        let gzipped: u64 = String::from_utf8_lossy(&gzipped.stdout).trim().parse()?;
        self.record(Figure {
            name: "WASM bundle (release, wasm-opt -Oz, gzip -9)",
            measured: format!("{:.0} KB", gzipped as f64 / 1024.0),
            limit: format!("{:.0} KB raw", raw as f64 / 1024.0),
            ratio: None,
            target: "≤ 400 KB",
            met: gzipped <= 400 * 1024,
        });
        Ok(())
    }

    /// `/export/library.zip` of the 5,000-book / 100,000-highlight library: time to the first
    /// byte of the zip, and the server's peak memory growth while the whole of it downloads
    /// (sampled from /proc every 2 ms), after the first sync, ingest and search index.
    async fn library_zip_download(&mut self, data: &Data) -> Result<()> {
        let app = self.file_app("zip", &data.library_5k).await?;
        until_settled(&app).await;
        let pid = app.pid();
        let baseline = rss_kb(pid)?;
        let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let sampler = {
            let sampling = sampling.clone();
            tokio::spawn(async move {
                let mut peak = baseline;
                while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                    peak = peak.max(rss_kb(pid).unwrap_or(0));
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                peak
            })
        };
        let started = Instant::now();
        let mut response = client().get(app.url("/export/library.zip")).send().await?.error_for_status()?;
        let (mut first_byte, mut bytes, mut head) = (None, 0usize, Vec::<u8>::new());
        while let Some(chunk) = response.chunk().await? {
            first_byte = first_byte.or(Some(started.elapsed()));
            bytes += chunk.len();
            head.extend(chunk.iter().take(4usize.saturating_sub(head.len())));
        }
        let total = started.elapsed();
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        let peak = sampler.await?;
        if head != b"PK\x03\x04" {
            return Err(format!("not a zip: starts with {head:?}").into());
        }
        let first_byte = first_byte.ok_or("an empty zip")?;
        self.record(Figure {
            name: "library zip, 5,000 books: first byte",
            measured: millis(first_byte),
            limit: format!("{:.2} s for all {:.1} MB", total.as_secs_f64(), mb(bytes as u64)),
            ratio: None,
            target: "≤ 200 ms",
            met: first_byte <= Duration::from_millis(200),
        });
        self.record(memory_growth("memory growth during the library zip", baseline, peak, (64.0, "≤ 64 MB")));
        Ok(())
    }

    fn print_table(&self) {
        println!("\n| figure | measured | limit / baseline (same run) | ratio | target | |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for f in &self.figures {
            let ratio = f.ratio.map(|r| format!("{r:.2}")).unwrap_or_else(|| "–".into());
            let verdict = if f.met { "met" } else { "**missed**" };
            println!("| {} | {} | {} | {} | {} | {} |", f.name, f.measured, f.limit, ratio, f.target, verdict);
        }
    }
}

fn print_machine(repo: &Path) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| info.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string()))
        .and_then(|kb| kb.parse::<f64>().ok())
        .unwrap_or(0.0);
    let output = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .current_dir(repo)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    println!("machine: {cpu}, {cores} cores, {:.1} GiB", memory / 1024.0 / 1024.0);
    println!(
        "versions: {}; {}; {}",
        output("rustc", &["--version"]),
        output("wrk", &["--version"]).lines().next().unwrap_or("wrk"),
        output("curl", &["--version"]).lines().next().unwrap_or("")
    );
    println!("commit: {}", output("git", &["rev-parse", "--short", "HEAD"]));
}

/// The server's log lines with step durations of the last sync.
fn print_step_timings(log: &str) {
    let last_sync = log.rfind("sync: checked the source").map_or(log, |at| &log[log[..at].rfind('\n').unwrap_or(0)..]);
    for line in last_sync.lines().filter(|l| l.contains("elapsed_ms")) {
        println!("    {}", line.split_once("  INFO ").map_or(line, |(_, rest)| rest));
    }
}

fn run(program: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new(program).args(args).stderr(std::process::Stdio::null()).status()?;
    if !status.success() {
        return Err(format!("{} {args:?} failed", program.display()).into());
    }
    Ok(())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(120)).build().expect("an HTTP client")
}

async fn sync_status(app: &ServerProcess) -> Result<Value> {
    Ok(client().get(app.url("/api/sync-status")).send().await?.json().await?)
}

/// Asks `app` to check its source (whose object just changed) and waits for `completed`: the
/// time from the request, and the server's resident memory before and at its peak (KiB,
/// sampled every 5 ms).
async fn timed_sync(app: &ServerProcess) -> Result<(Duration, u64, u64)> {
    let baseline = rss_kb(app.pid())?;
    let started = Instant::now();
    client().post(app.url("/api/check-and-sync")).send().await?;
    let mut peak = baseline;
    loop {
        peak = peak.max(rss_kb(app.pid())?);
        let status = sync_status(app).await?;
        match status["status"].as_str() {
            Some("completed") => return Ok((started.elapsed(), baseline, peak)),
            Some("error") => return Err(format!("the sync failed: {status}").into()),
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// Waits (two minutes at most) until the server has built the search index its first sync
/// starts: then nothing runs in the background.
async fn until_settled(app: &ServerProcess) {
    let started = Instant::now();
    while !app.log().contains("search index built") && started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for(app: &ServerProcess, done: impl Fn(&Value) -> bool, timeout: Duration) -> Result<Value> {
    let deadline = Instant::now() + timeout;
    loop {
        let status = sync_status(app).await?;
        if done(&status) {
            return Ok(status);
        }
        if status["status"] == "error" || Instant::now() > deadline {
            return Err(format!("sync did not end as expected: {status}\n{}", app.log()).into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What wrk reports.
struct WrkReport {
    requests_per_second: f64,
    text: String,
}

impl WrkReport {
    /// A latency percentile line of `--latency` output, e.g. `99%  1.23ms`.
    fn latency(&self, percentile: &str) -> Result<Duration> {
        let line = self
            .text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(percentile))
            .ok_or_else(|| format!("no {percentile} line in wrk output:\n{}", self.text))?;
        parse_wrk_duration(line.split_whitespace().nth(1).unwrap_or(""))
    }
}

/// 64 connections for 10 s on 2 threads.
fn wrk(url: &str, script: Option<&Path>) -> Result<WrkReport> {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c64", "-d10s", "--latency"]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command.arg(url).output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let requests_per_second = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk output:\n{text}"))?;
    if text.contains("Non-2xx") {
        return Err(format!("wrk saw errors:\n{text}").into());
    }
    Ok(WrkReport { requests_per_second, text })
}

fn parse_wrk_duration(text: &str) -> Result<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic()).ok_or("no unit")?);
    let value: f64 = number.parse()?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("unknown unit in {text}").into()),
    };
    Ok(Duration::from_secs_f64(seconds))
}

/// curl of the object from the S3 server (SigV4-signed), timed.
fn curl_object(endpoint: &str, out: &Path) -> Result<Duration> {
    let started = Instant::now();
    let status = Command::new("curl")
        .args([
            "-sS",
            "--fail",
            "--aws-sigv4",
            "aws:amz:us-east-1:s3",
            "-H",
            "x-amz-content-sha256: UNSIGNED-PAYLOAD",
            "--user",
        ])
        .arg(format!("{ACCESS_KEY}:{SECRET_KEY}"))
        .arg("-o")
        .arg(out)
        .arg(format!("{endpoint}/{BUCKET}/{DATABASE_KEY}"))
        .status()?;
    let elapsed = started.elapsed();
    let _ = std::fs::remove_file(out);
    if !status.success() {
        return Err("curl of the object failed".into());
    }
    Ok(elapsed)
}

/// The figure of a server's memory growth from `baseline` to `peak` (KiB), against a limit in
/// MB (and its text).
fn memory_growth(name: &'static str, baseline: u64, peak: u64, (limit_mb, target): (f64, &'static str)) -> Figure {
    let growth_mb = peak.saturating_sub(baseline) as f64 / 1024.0;
    Figure {
        name,
        measured: format!("{growth_mb:.1} MB"),
        limit: format!("{:.1} MB RSS before", baseline as f64 / 1024.0),
        ratio: None,
        target,
        met: growth_mb <= limit_mb,
    }
}

/// Resident memory of a process in KiB.
fn rss_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| "no VmRSS".into())
}

/// Requests one URL after the other, after one warm-up each; returns the sorted times.
async fn time_requests(urls: &[String]) -> Result<Vec<Duration>> {
    let client = client();
    for url in urls.iter().take(10) {
        as_a_browser(&client, url).await?;
    }
    let mut times = Vec::with_capacity(urls.len());
    for url in urls {
        let started = Instant::now();
        as_a_browser(&client, url).await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}

/// GETs `url` as a browser asks (gzip accepted; the body is read whole, not inflated);
/// returns the bytes that came over the wire.
async fn as_a_browser(client: &reqwest::Client, url: &str) -> Result<usize> {
    let response = client.get(url).header("accept-encoding", "gzip").send().await?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()).into());
    }
    Ok(response.bytes().await?.len())
}

/// `count` searches cycling through `queries`: (page times, the server's own search times), sorted.
async fn search_times(app: &ServerProcess, queries: &[&str], count: usize) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let client = client();
    let (mut page_times, mut search_times) = (Vec::new(), Vec::new());
    for i in 0..count {
        let url = app.url(&format!("/search?q={}", queries[i % queries.len()]));
        let started = Instant::now();
        let page = client.get(&url).send().await?.error_for_status()?.text().await?;
        page_times.push(started.elapsed());
        let elapsed_ms = page
            .split("data-elapsed-ms=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|ms| ms.parse::<f64>().ok())
            .ok_or("no data-elapsed-ms on the search page")?;
        search_times.push(Duration::from_secs_f64(elapsed_ms / 1000.0));
    }
    page_times.sort();
    search_times.sort();
    Ok((page_times, search_times))
}

fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    sorted[(sorted.len() * percent / 100).min(sorted.len() - 1)]
}

/// The first book link on a page sorted by highlights, and its highlight count.
fn heaviest_book(page: &str) -> Option<(String, String)> {
    let at = page.find("href=\"/book?id=")?;
    let href = page[at + 6..].split('"').next()?.replace("&amp;", "&");
    let count_end = page[at..].find(" highlights")? + at;
    let count_start = page[..count_end].rfind('>')? + 1;
    Some((href, page[count_start..count_end].to_string()))
}

/// The number after `name=` in a log line.
fn log_field(line: &str, name: &str) -> Result<u64> {
    let value = line.split(&format!(" {name}=")).nth(1).ok_or_else(|| format!("no {name} in {line}"))?;
    Ok(value.split(|c: char| !c.is_ascii_digit()).next().unwrap_or("").parse()?)
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
