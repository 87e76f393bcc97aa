//! Several Kobos in one library (#26), on the real S3 test server: each device syncs on its
//! own, a failing one leaves the others, the status names which, a device added later is
//! taken in without touching the others, the pages show one library of both (a store kepub on
//! one and the sideloaded EPUB of the same book on the other are one entry), and a device
//! removed from the settings is retired with its annotations kept.

use crate::support::{client, edited_copy, generated_library, s3_env, App};
use kobo_shelf::{
    model::{book_href, SyncStatus, SyncStep},
    server::demo::{PRIDE_SIDELOADED_ID, PRIDE_STORE_ID, WAR_AND_PEACE_ID},
};
use kobo_shelf_testkit::{Testkit, BUCKET};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// Each device's (name, step).
fn steps(status: &SyncStatus) -> Vec<(String, SyncStep)> {
    status.devices.iter().map(|device| (device.name.clone(), device.step)).collect()
}

/// The status once no device syncs and every one has ended a check.
async fn settled(app: &App) -> SyncStatus {
    let done = |status: &SyncStatus| !status.is_syncing && status.devices.iter().all(|d| d.step != SyncStep::Idle);
    app.wait_for(Duration::from_secs(30), done).await
}

#[tokio::test(flavor = "multi_thread")]
async fn each_device_syncs_on_its_own_and_a_failing_one_leaves_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    // libra has the store kepub of Pride and Prejudice, clara the sideloaded EPUB.
    let libra = without_copy(dir.path(), "libra", (1, 12), PRIDE_SIDELOADED_ID);
    kit.upload("libra/KoboReader.sqlite", &libra).await.unwrap();
    let devices = format!("libra=s3://{BUCKET}/libra/KoboReader.sqlite, clara=s3://{BUCKET}/clara/KoboReader.sqlite");
    let mut env: Vec<(&str, String)> =
        s3_env(&kit).into_iter().filter(|(name, _)| *name != "KOBO_SHELF_SOURCE").collect();
    env.push(("KOBO_SHELF_DEVICES", devices));
    let data = dir.path().join("data");
    let app = App::start(&data, &env);

    // clara's database is not in the bucket yet: its sync fails, libra's completes.
    let first = settled(&app).await;
    assert_eq!(
        steps(&first),
        [("libra".to_string(), SyncStep::Completed), ("clara".to_string(), SyncStep::Failed)],
        "{first:?}"
    );
    assert!(first.error.as_deref().is_some_and(|error| error.starts_with("clara: ")), "{first:?}");
    assert!(first.needs_reload);
    let copy = |name: &str| data.join("devices").join(name).join("KoboReader.sqlite");
    assert_eq!(std::fs::read(copy("libra")).unwrap(), std::fs::read(&libra).unwrap());
    assert!(!copy("clara").exists());

    // clara's first version arrives: the next check installs it and leaves libra's as it was.
    let clara = without_copy(dir.path(), "clara", (2, 8), PRIDE_STORE_ID);
    kit.upload("clara/KoboReader.sqlite", &clara).await.unwrap();
    app.check_and_sync().await;
    let second = settled(&app).await;
    assert_eq!(
        steps(&second),
        [("libra".to_string(), SyncStep::UpToDate), ("clara".to_string(), SyncStep::Completed)],
        "{second:?}"
    );
    assert_eq!(std::fs::read(copy("clara")).unwrap(), std::fs::read(&clara).unwrap());
    let log = app.log();
    assert!(log.contains("device=\"clara\"") || log.contains("device=clara"), "the ingest names its device:\n{log}");

    // One library: the book both devices have is one entry, on both, its page marking whose
    // highlight is whose; the list filters by device.
    let (status, page) = app.page(&book_href(WAR_AND_PEACE_ID)).await;
    assert_eq!(status, 200);
    assert!(page.contains("On libra, clara"), "{page}");
    assert!(page.contains("class=\"device-mark\""), "{page}");
    let (status, library) = app.page("/?device=clara").await;
    assert_eq!(status, 200);
    assert!(library.contains("All devices") && library.contains(">clara ("), "{library}");
    let (status, hostile) = app.page("/?device=%3Cscript%3Ealert(1)%3C%2Fscript%3E&page=2").await;
    assert_eq!(status, 200);
    assert!(!hostile.contains("<script>alert(1)") && hostile.contains("Nothing in the library matches"), "{hostile}");
    let pride = app.page(&book_href(PRIDE_SIDELOADED_ID)).await.1;
    assert!(pride.contains("On libra, clara") && pride.contains(" · libra<") && pride.contains(" · clara<"), "{pride}");

    let health = app.page("/health").await.1;
    assert_eq!(health.matches("Device database version").count(), 2, "one report per device: {health}");
    assert!(health.contains(">libra<") && health.contains(">clara<"), "{health}");
    let (status, stats) = app.page("/stats").await;
    assert_eq!(status, 200);
    assert!(stats.contains("Per device") && stats.contains(">libra<") && stats.contains(">clara<"), "{stats}");

    // Files beside a device's database (markups, covers) come from that device's folder.
    let markup = dir.path().join("markup.jpg");
    std::fs::write(&markup, b"\xff\xd8\xff clara's page").unwrap();
    kit.upload("clara/markups/0f7c2b9e-5d2a-4e61-9a0b-1c2d3e4f5a6b.jpg", &markup).await.unwrap();
    let response = client().get(app.url("/markup/0f7c2b9e-5d2a-4e61-9a0b-1c2d3e4f5a6b.jpg")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"\xff\xd8\xff clara's page");
    assert!(
        data.join("devices/clara/markups/0f7c2b9e-5d2a-4e61-9a0b-1c2d3e4f5a6b.jpg").exists(),
        "cached in clara's folder"
    );
    app.assert_no_secrets_logged();
    drop(app);

    // clara leaves the settings: retired, its annotations stay on the pages it had them on.
    let only_libra = format!("libra=s3://{BUCKET}/libra/KoboReader.sqlite");
    env.retain(|(name, _)| *name != "KOBO_SHELF_DEVICES");
    env.push(("KOBO_SHELF_DEVICES", only_libra));
    let app = App::start(&data, &env);
    settled(&app).await;
    let after = app.page(&book_href(PRIDE_STORE_ID)).await.1;
    assert!(after.contains("On libra, clara") && after.contains(" · clara<"), "{after}");
    assert!(app.page("/").await.1.contains(">clara, retired ("), "the device filter names it retired");
    let response = client().get(app.url("/markup/0f7c2b9e-5d2a-4e61-9a0b-1c2d3e4f5a6b.jpg")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "what clara's cache kept is still served");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"\xff\xd8\xff clara's page");
}

/// A generated library (`seed`, `books`) for device `name` without the copy `id` of a book.
fn without_copy(dir: &Path, name: &str, (seed, books): (u64, usize), id: &str) -> PathBuf {
    let generated = generated_library(&dir.join(format!("{name}-generated.sqlite")), seed, books);
    let sql = format!("DELETE FROM content WHERE ContentID = '{id}' OR BookID = '{id}'; DELETE FROM Bookmark WHERE VolumeID = '{id}';");
    edited_copy(&generated, &dir.join(format!("{name}.sqlite")), &sql)
}
