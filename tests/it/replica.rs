//! The archive's copies off the machine, against the real server and a real S3 server: each
//! ingest is copied to the bucket beside the database, a new machine restores the history by
//! itself, a bucket that says no is retried without harm, a copy that is not sound is refused,
//! a crash mid-upload leaves no manifest naming half a copy, and copies can be encrypted; the
//! reader's edits are copied as soon as they are made.

use crate::{
    archive::deleted_on_device,
    support::{client, edited_copy, generated_library, s3_env, stats_figure, sync_version, App},
};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use kobo_shelf::{
    model::{encode_url_component, SyncPhase},
    server::{
        archive::Archive,
        demo::{CURATED_ITEMS, WAR_AND_PEACE_ID},
        replica::Manifest,
    },
};
use kobo_shelf_testkit::{seconds_ago, Faults, Testkit, BUCKET, DATABASE_KEY};
use sha2::{Digest, Sha256};
use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

/// Where the copies go by default: `archive/` beside the database key.
const FOLDER: &str = "kobo/archive";

/// The test settings with replication on, as it is by default.
fn replica_env(kit: &Testkit) -> Vec<(&'static str, String)> {
    s3_env(kit).into_iter().filter(|(name, _)| *name != "KOBO_SHELF_ARCHIVE_REPLICA").collect()
}

/// The replica folder as the S3 server stores it on disk.
fn folder(kit: &Testkit) -> PathBuf {
    kit.root.join(BUCKET).join(FOLDER)
}

/// The manifests in the folder, by copy number.
fn manifests(kit: &Testkit) -> Vec<Manifest> {
    let mut found: Vec<Manifest> = std::fs::read_dir(folder(kit))
        .map(|entries| {
            entries
                .flatten()
                .filter(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    name.starts_with("shelf-") && name.ends_with(".json")
                })
                .map(|entry| serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|manifest| manifest.seq);
    found
}

fn current(kit: &Testkit) -> Option<Manifest> {
    let bytes = std::fs::read(folder(kit).join("current.json")).ok()?;
    Some(serde_json::from_slice(&bytes).unwrap())
}

/// Waits until the current copy holds ingest `ingest_seq`.
async fn wait_for_copy(kit: &Testkit, app: &App, ingest_seq: i64) -> Manifest {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(manifest) = current(kit).filter(|manifest| manifest.ingest_seq == ingest_seq) {
            return manifest;
        }
        assert!(Instant::now() < deadline, "no copy of ingest {ingest_seq}; current {:?}\n{}", current(kit), app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the current copy is a later one than copy `seq`.
async fn wait_for_copy_after(kit: &Testkit, app: &App, seq: u64) -> Manifest {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(manifest) = current(kit).filter(|manifest| manifest.seq > seq) {
            return manifest;
        }
        assert!(Instant::now() < deadline, "no copy after copy {seq}\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every manifest, and `current.json`, names an object of its size and SHA-256.
fn assert_copies_whole(kit: &Testkit) {
    for manifest in manifests(kit).iter().chain(current(kit).iter()) {
        let object = std::fs::read(folder(kit).join(&manifest.object))
            .unwrap_or_else(|err| panic!("copy {} names {}: {err}", manifest.seq, manifest.object));
        assert_eq!(object.len() as u64, manifest.size, "{manifest:?}");
        assert_eq!(format!("{:x}", Sha256::digest(&object)), manifest.sha256, "{manifest:?}");
    }
}

/// The folder's file names, sorted.
fn names(kit: &Testkit) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder(kit))
        .map(|entries| entries.flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// A bucket whose database is a generated library of `books` items, uploaded a while ago.
async fn bucket_with_library(dir: &Path, seed: u64, books: usize) -> (Testkit, PathBuf) {
    let kit = Testkit::start(&dir.join("bucket")).await.unwrap();
    let library = generated_library(&dir.join("v1.sqlite"), seed, books);
    kit.upload(DATABASE_KEY, &library).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    (kit, library)
}

/// `count` War and Peace highlights of `library`, by id.
fn highlight_ids(library: &Path, count: usize) -> Vec<String> {
    let conn = rusqlite::Connection::open(library).unwrap();
    let mut statement = conn
        .prepare("SELECT BookmarkID FROM Bookmark WHERE VolumeID = ?1 AND Type = 'highlight' AND Hidden = 'false' ORDER BY BookmarkID LIMIT ?2")
        .unwrap();
    let rows = statement.query_map(rusqlite::params![WAR_AND_PEACE_ID, count as i64], |row| row.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// `library` without the highlights `ids`.
fn without(library: &Path, to: &Path, ids: &[String]) -> PathBuf {
    let quoted: Vec<String> = ids.iter().map(|id| format!("'{}'", id.replace('\'', "''"))).collect();
    edited_copy(library, to, &format!("DELETE FROM Bookmark WHERE BookmarkID IN ({})", quoted.join(",")))
}

/// The text of a fact on the statistics page (`Time reading`…).
async fn stats_fact(app: &App, label: &str) -> String {
    let (_, page) = app.page("/stats").await;
    let after = page.split(&format!("{label}</dt><dd>")).nth(1).unwrap_or_else(|| panic!("no {label}"));
    after.split("</dd>").next().unwrap().to_string()
}

async fn settings_page(app: &App) -> String {
    let (status, page) = app.page("/settings").await;
    assert_eq!(status, 200);
    page
}

/// Polls the settings page until it contains `text`.
async fn wait_for_settings(app: &App, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = settings_page(app).await;
        if page.contains(text) {
            return page;
        }
        assert!(Instant::now() < deadline, "the settings page never said {text:?}:\n{page}\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_ingest_is_copied_beside_the_database_and_a_new_machine_restores_the_whole_history() {
    let dir = tempfile::tempdir().unwrap();
    let (kit, v1) = bucket_with_library(dir.path(), 1, CURATED_ITEMS).await;
    let ids = highlight_ids(&v1, 3);
    let v2 = without(&v1, &dir.path().join("v2.sqlite"), &ids[..2]);
    let v3 = without(&v1, &dir.path().join("v3.sqlite"), &ids);
    let mut env = replica_env(&kit);
    env.push(("KOBO_SHELF_ARCHIVE_KEEP", "2".into()));
    let app = App::start(&dir.path().join("first"), &env);
    app.wait_for_end(SyncPhase::Completed).await;
    let first = wait_for_copy(&kit, &app, 1).await;
    assert!(first.annotations > 20 && first.deleted_on_device == 0 && !first.encrypted, "{first:?}");
    assert_eq!(first.object, format!("shelf-{:010}.sqlite.gz", first.seq));

    sync_version(&kit, &app, &v2, 2_000).await;
    assert_eq!(wait_for_copy(&kit, &app, 2).await.deleted_on_device, 2);
    sync_version(&kit, &app, &v3, 1_000).await;
    let third = wait_for_copy(&kit, &app, 3).await;
    assert_eq!((third.seq, third.deleted_on_device, third.annotations), (first.seq + 2, 3, first.annotations));
    let object = std::fs::read(folder(&kit).join(&third.object)).unwrap();
    assert_eq!(object[..2], [0x1f, 0x8b], "gzip");
    assert!(third.size < third.database_size / 2, "compressed: {third:?}");
    // Two kept: the older copy and its manifest are gone (pruned before the copy is reported).
    wait_for_settings(&app, &format!("copy {}: ", third.seq)).await;
    assert_copies_whole(&kit);
    let kept = [2, 3].map(|seq| [format!("shelf-{seq:010}.json"), format!("shelf-{seq:010}.sqlite.gz")]);
    let mut expected: Vec<String> = kept.into_iter().flatten().chain(["current.json".to_string()]).collect();
    expected.sort();
    assert_eq!(names(&kit), expected);

    // A new machine: an empty data directory, the same settings.
    let new_machine = App::start(&dir.path().join("second"), &env);
    new_machine.wait_for_end(SyncPhase::Completed).await;
    assert!(new_machine.log().contains("replica: archive restored"), "{}", new_machine.log());
    let mut deleted = ids.clone();
    deleted.sort();
    assert_eq!(deleted_on_device(&new_machine).await, deleted, "the device's deletions, kept by the archive");
    assert_eq!(deleted_on_device(&app).await, deleted);
    assert_eq!(stats_figure(&new_machine, "Highlights").await, stats_figure(&app, "Highlights").await);
    for fact in ["Time reading", "Days read"] {
        assert_eq!(stats_fact(&new_machine, fact).await, stats_fact(&app, fact).await, "{fact}");
    }
    assert!(settings_page(&new_machine).await.contains(&format!("Restored at start from copy {}", third.seq)));
    new_machine.assert_no_secrets_logged();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_and_a_review_answer_are_copied_at_once_and_a_new_machine_restores_the_edit() {
    let dir = tempfile::tempdir().unwrap();
    let (kit, v1) = bucket_with_library(dir.path(), 4, CURATED_ITEMS).await;
    let env = replica_env(&kit);
    let app = App::start(&dir.path().join("first"), &env);
    app.wait_for_end(SyncPhase::Completed).await;
    let first = wait_for_copy(&kit, &app, 1).await;
    let id = highlight_ids(&v1, 1).remove(0);
    let url = app.url(&format!("/api/v1/annotations/{}", encode_url_component(&id)));
    let edit = serde_json::json!({ "favourite": true, "tags": ["kept off-site"], "note": "mine" });
    let answer = client().patch(url).json(&edit).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    // No new version, no ingest: the edit alone makes the next copy, and so does an answer.
    let edited = wait_for_copy_after(&kit, &app, first.seq).await;
    assert_eq!(edited.ingest_seq, first.ingest_seq);
    let (_, review) = app.page("/review").await;
    let card = review.split("name=\"highlight\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    let answer = [("highlight", card.replace("&amp;", "&")), ("answer", "good".into())];
    let answered = client().post(app.url("/review/answer")).form(&answer).send().await.unwrap();
    assert!(answered.status().is_success(), "{}", answered.status());
    wait_for_copy_after(&kit, &app, edited.seq).await;

    let new_machine = App::start(&dir.path().join("second"), &env);
    new_machine.wait_for_end(SyncPhase::Completed).await;
    let book = encode_url_component(WAR_AND_PEACE_ID);
    let rows: serde_json::Value = client()
        .get(new_machine.url(&format!("/api/v1/annotations?book={book}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = rows["annotations"].as_array().unwrap().iter().find(|row| row["highlight_id"] == id.as_str()).cloned();
    let row = row.expect("the annotation on the new machine");
    assert_eq!((&row["favourite"], &row["tags"], &row["note"]), (&edit["favourite"], &edit["tags"], &edit["note"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_that_refuses_copies_leaves_the_archive_serving_and_takes_the_copy_when_it_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (kit, v1) = bucket_with_library(dir.path(), 1, CURATED_ITEMS).await;
    let ids = highlight_ids(&v1, 1);
    let v2 = without(&v1, &dir.path().join("v2.sqlite"), &ids);
    let app = App::start(&dir.path().join("data"), &replica_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    let first = wait_for_copy(&kit, &app, 1).await;

    // The copy of the next version meets a bucket that fails (it is made 2 s after the ingest).
    sync_version(&kit, &app, &v2, 2_000).await;
    kit.proxy.set_faults(Faults { status: Some(500), ..Faults::default() });
    wait_for_settings(&app, "The bucket answered HTTP 500").await;
    kit.proxy.set_faults(Faults { status: Some(403), ..Faults::default() });
    wait_for_settings(&app, "The bucket refused the credentials (HTTP 403)").await;
    kit.proxy.set_faults(Faults { delay_ms: 6_000, ..Faults::default() });
    wait_for_settings(&app, "The bucket did not answer within 5 s").await;
    // Meanwhile the archive serves, with the deletion kept.
    assert_eq!(deleted_on_device(&app).await, ids);
    assert_eq!(current(&kit), Some(first.clone()), "the current copy stays the last whole one");
    assert_copies_whole(&kit);

    kit.proxy.set_faults(Faults::default());
    let second = wait_for_copy(&kit, &app, 2).await;
    assert_eq!((second.seq, second.deleted_on_device), (first.seq + 1, 1));
    assert_copies_whole(&kit);
    let page = settings_page(&app).await;
    assert!(!page.contains("data-replica-error"), "{page}");
    assert!(app.log().contains("replica: copy not stored"));
    app.assert_no_secrets_logged();
}

/// Sets the server's file-size limit (`RLIMIT_FSIZE`): past it a write fails as on a full disk.
fn limit_file_size(pid: u32, bytes: libc::rlim_t) {
    let limit = libc::rlimit { rlim_cur: bytes, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: prlimit only reads `limit`; the old limit is not asked for.
    let set = unsafe { libc::prlimit(pid as libc::pid_t, libc::RLIMIT_FSIZE, &limit, std::ptr::null_mut()) };
    assert_eq!(set, 0, "{}", std::io::Error::last_os_error());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_for_the_temp_copy_leaves_the_archive_serving_until_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let (kit, _) = bucket_with_library(dir.path(), 2, 200).await;
    let data = dir.path().join("data");
    // The library and its archive in place, without copies; then a restart with copies on
    // finds the bucket behind, and no room for the copy.
    let mut app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    let highlights = stats_figure(&app, "Highlights").await;
    app.kill();
    let app = App::start(&data, &replica_env(&kit));
    limit_file_size(app.pid(), 128 * 1024);
    app.wait_for_end(SyncPhase::UpToDate).await;
    wait_for_settings(&app, "cannot write a copy of the archive").await;
    assert_eq!(stats_figure(&app, "Highlights").await, highlights, "the archive serves on");
    assert_eq!(current(&kit), None);

    limit_file_size(app.pid(), libc::RLIM_INFINITY);
    wait_for_copy(&kit, &app, 1).await;
    assert_copies_whole(&kit);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_upload_leaves_no_manifest_naming_half_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (kit, _) = bucket_with_library(dir.path(), 3, 300).await;
    kit.proxy.set_faults(Faults { upload_bytes_per_sec: 50_000, ..Faults::default() });
    let data = dir.path().join("data");
    let mut app = App::start(&data, &replica_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while kit.proxy.stats().put_object == 0 {
        assert!(Instant::now() < deadline, "no upload began:\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.kill();
    assert_eq!((manifests(&kit), current(&kit)), (vec![], None), "no manifest before its copy is whole");

    kit.proxy.set_faults(Faults::default());
    let app = App::start(&data, &replica_env(&kit));
    let copy = wait_for_copy(&kit, &app, 1).await;
    assert_copies_whole(&kit);
    assert_eq!(manifests(&kit), [copy]);
    let leftovers: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tmp_"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn encrypted_copies_restore_only_with_their_key_and_a_machine_without_it_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let (kit, v1) = bucket_with_library(dir.path(), 1, CURATED_ITEMS).await;
    let ids = highlight_ids(&v1, 1);
    let key = new_key();
    let mut env = replica_env(&kit);
    env.push(("KOBO_SHELF_ARCHIVE_KEY", key.clone()));
    let app = App::start(&dir.path().join("first"), &env);
    app.wait_for_end(SyncPhase::Completed).await;
    sync_version(&kit, &app, &without(&v1, &dir.path().join("v2.sqlite"), &ids), 2_000).await;
    let copy = wait_for_copy(&kit, &app, 2).await;
    assert!(copy.encrypted && copy.object.ends_with(".sqlite.gz.age"), "{copy:?}");
    let object = std::fs::read(folder(&kit).join(&copy.object)).unwrap();
    assert!(object.starts_with(b"age-encryption.org/v1\n"), "an age file");
    assert!(settings_page(&app).await.contains("(encrypted)"));
    assert!(!app.log().contains(&key), "the key was logged");

    let mut with_key = App::start(&dir.path().join("second"), &env);
    with_key.wait_for_end(SyncPhase::Completed).await;
    assert_eq!(deleted_on_device(&with_key).await, ids);
    with_key.kill();

    // Without the key nothing is restored, nothing ingested, and no copy is made that would in
    // time replace them; the same machine restarted with the key restores them.
    let before = manifests(&kit);
    let third = dir.path().join("third");
    let mut without_key = App::start(&third, &replica_env(&kit));
    without_key.wait_for_end(SyncPhase::Completed).await;
    wait_for_settings(&without_key, "set KOBO_SHELF_ARCHIVE_KEY to the identity the copies were made with").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(manifests(&kit), before, "the copies are kept as they were");
    assert!(!without_key.log().contains("replica: archive copied"), "{}", without_key.log());
    without_key.kill();
    let restarted = App::start(&third, &env);
    wait_for_settings(&restarted, &format!("Restored at start from copy {}", copy.seq)).await;
    restarted.wait_for_end(SyncPhase::UpToDate).await;
    assert_eq!(deleted_on_device(&restarted).await, ids, "restored once the key is there");
}

/// A new age identity from the binary itself.
fn new_key() -> String {
    let output = cli(&["archive", "new-key"], &[], Path::new("/"));
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("# public key: age1"), "{text}");
    text.lines().last().unwrap().to_string()
}

fn cli(args: &[&str], env: &[(&str, String)], data_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kobo-shelf"))
        .args(args)
        .env("KOBO_SHELF_CONFIG", "/dev/null")
        .env("KOBO_SHELF_DATA_DIR", data_dir)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .output()
        .expect("run kobo-shelf")
}

/// Stores `database` gzipped as copy `seq` with a manifest that says so (the checksum and
/// size of what is stored, unless `edit` changes them).
async fn forge_copy(
    kit: &Testkit,
    good: &Manifest,
    seq: u64,
    database: &[u8],
    edit: impl FnOnce(&mut Manifest, &mut Vec<u8>),
) {
    let mut object = GzEncoder::new(Vec::new(), Compression::fast());
    object.write_all(database).unwrap();
    let mut object = object.finish().unwrap();
    let mut manifest = Manifest {
        seq,
        object: format!("shelf-{seq:010}.sqlite.gz"),
        sha256: format!("{:x}", Sha256::digest(&object)),
        size: object.len() as u64,
        ..good.clone()
    };
    edit(&mut manifest, &mut object);
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in
        [(manifest.object.clone(), object), (format!("shelf-{seq:010}.json"), serde_json::to_vec(&manifest).unwrap())]
    {
        std::fs::write(dir.path().join(&name), &bytes).unwrap();
        kit.upload(&format!("{FOLDER}/{name}"), &dir.path().join(&name)).await.unwrap();
    }
    std::fs::write(dir.path().join("current.json"), serde_json::to_vec(&manifest).unwrap()).unwrap();
    kit.upload(&format!("{FOLDER}/current.json"), &dir.path().join("current.json")).await.unwrap();
}

/// The unpacked archive database of the copy `manifest` names.
fn unpacked(kit: &Testkit, manifest: &Manifest) -> Vec<u8> {
    let mut database = Vec::new();
    GzDecoder::new(std::fs::File::open(folder(kit).join(&manifest.object)).unwrap())
        .read_to_end(&mut database)
        .unwrap();
    database
}

/// The database with its schema version (`PRAGMA user_version`, bytes 60..64) set to `version`.
fn with_schema_version(database: &[u8], version: u32) -> Vec<u8> {
    let mut changed = database.to_vec();
    changed[60..64].copy_from_slice(&version.to_be_bytes());
    changed
}

/// The database with its later pages overwritten with noise.
fn damaged(database: &[u8]) -> Vec<u8> {
    let mut changed = database.to_vec();
    for (at, byte) in changed.iter_mut().enumerate().skip(2 * 4096) {
        *byte = (at % 251) as u8;
    }
    changed
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_refuses_damaged_truncated_and_mismatched_copies_and_stops_at_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (kit, _) = bucket_with_library(dir.path(), 1, CURATED_ITEMS).await;
    let env = replica_env(&kit);
    let mut app = App::start(&dir.path().join("first"), &env);
    app.wait_for_end(SyncPhase::Completed).await;
    let good = wait_for_copy(&kit, &app, 1).await;
    app.kill();
    let database = unpacked(&kit, &good);
    forge_copy(&kit, &good, good.seq + 1, &database, |_, object| object.truncate(object.len() / 2)).await;
    forge_copy(&kit, &good, good.seq + 2, &database, |manifest, _| manifest.sha256 = "0".repeat(64)).await;
    forge_copy(&kit, &good, good.seq + 3, &damaged(&database), |_, _| {}).await;

    let data = dir.path().join("new-machine");
    let output = cli(&["archive", "restore"], &env, &data);
    let (stdout, log) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{log}");
    assert!(stdout.starts_with(&format!("restored copy {} ", good.seq)), "{stdout}");
    let reasons: [(u64, &[&str]); 3] = [
        (good.seq + 3, &["is damaged", "is not a kobo-shelf archive"]),
        (good.seq + 2, &["its SHA-256 is"]),
        (good.seq + 1, &["bytes, its manifest says"]),
    ];
    for (seq, reason) in reasons {
        let line = log.lines().find(|line| line.contains("copy refused") && line.contains(&format!("seq={seq} ")));
        assert!(
            line.is_some_and(|line| reason.iter().any(|reason| line.contains(reason))),
            "copy {seq}: {reason:?}\n{log}"
        );
    }
    let counts = Archive::open(&data).unwrap().counts().unwrap();
    assert_eq!(counts.annotations, good.annotations);

    // A restore over history needs --force; a named copy is that one or none.
    let again = cli(&["archive", "restore"], &env, &data);
    assert!(String::from_utf8_lossy(&again.stderr).contains("restore with --force"), "{again:?}");
    let named = cli(&["archive", "restore", "--force", "--copy", &(good.seq + 2).to_string()], &env, &data);
    assert!(!named.status.success() && String::from_utf8_lossy(&named.stderr).contains("SHA-256"), "{named:?}");
    let missing = cli(&["archive", "restore", "--force", "--copy", "99"], &env, &data);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no copy 99 in s3://kobo/kobo/archive"), "{missing:?}");
    let forced = cli(&["archive", "restore", "--force", "--copy", &good.seq.to_string()], &env, &data);
    assert!(forced.status.success(), "{forced:?}");

    // A copy of a newer kobo-shelf cannot be judged here: an older one is not restored in its
    // place (it would in time replace it), and the operator is told what to run.
    forge_copy(&kit, &good, good.seq + 4, &with_schema_version(&database, 999), |_, _| {}).await;
    let elsewhere = dir.path().join("another-machine");
    let newer = cli(&["archive", "restore"], &env, &elsewhere);
    let told = String::from_utf8_lossy(&newer.stderr);
    assert!(!newer.status.success(), "{told}");
    assert!(told.contains("has schema version 999, newer than this kobo-shelf's"), "{told}");
    assert!(told.contains("run the kobo-shelf that made it"), "{told}");
    assert!(Archive::open(&elsewhere).unwrap().is_new().unwrap(), "nothing restored");
}
