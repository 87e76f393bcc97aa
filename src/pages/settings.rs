//! The settings page `/settings`: every setting with where its value came from (secrets masked)
//! and the state of the served database.

use crate::{
    components::{
        loaded,
        save_offline::{SaveOffline, ToSave},
    },
    model::{PageError, ReplicaInfo, SettingsInfo},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn get_settings() -> Result<SettingsInfo, PageError> {
    let installation = crate::server::request::installation().await?;
    let settings = &installation.settings;
    let library = crate::server::request::library();
    Ok(SettingsInfo {
        rows: settings.rows(),
        config_file: settings.config_file.as_ref().map(|path| path.display().to_string()),
        database_path: settings.database_path().display().to_string(),
        db_version: library.as_ref().ok().map(|library| library.device_version().to_string()),
        items: library.as_ref().ok().map(|library| library.item_count()),
        library_problem: library.err().map(|err| err.to_string()),
        login_user: settings.login.as_ref().map(|login| login.username.clone()),
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        archive: archive_summary(&installation.archive),
        replica: installation.replica.as_deref().map(replica_info),
        review_feed: installation.review_feed_token.map(|token| {
            use crate::server::settings::ExposeSecret;
            format!("/review/feed.atom?token={}", token.expose_secret())
        }),
    })
}

/// The replication's state in words.
#[cfg(feature = "ssr")]
fn replica_info(replica: &crate::server::replica::Replicator) -> crate::model::ReplicaInfo {
    let status = replica.status();
    let describe = |copy: &crate::server::replica::Manifest| {
        let made = copy.created.parse::<jiff::Timestamp>().map_or_else(
            |_| String::new(),
            |made| {
                let age = jiff::Timestamp::now().duration_since(made).as_secs().max(0) as u64;
                format!(", made {} ago", crate::format::duration(age))
            },
        );
        let size = crate::format::megabytes(copy.size as f64 / 1_048_576.0);
        format!("copy {}: {size}, {} annotations{made}", copy.seq, copy.annotations)
    };
    crate::model::ReplicaInfo {
        folder: replica.folder.clone(),
        encrypted: replica.encrypts(),
        last_copy: status.last_copy.as_ref().map(describe),
        last_error: status.last_error,
        paused: status.paused,
        restored_from: status.restored_from.as_ref().map(describe),
    }
}

/// What the archive holds and its size on disk.
#[cfg(feature = "ssr")]
fn archive_summary((counts, path, bytes): &(crate::server::archive::ArchiveCounts, std::path::PathBuf, u64)) -> String {
    format!(
        "{} annotations ({} deleted on the device), {} versions synced, {} in {}",
        counts.annotations,
        counts.deleted_on_device,
        counts.versions,
        crate::format::megabytes(*bytes as f64 / 1_048_576.0),
        path.display()
    )
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_settings());
    view! {
        <Title text="Settings"/>
        {loaded(info, "Loading the settings…", |info| view! { <Settings info/> })}
    }
}

/// Where the archive's copies go and how the last went.
#[component]
fn Replica(replica: ReplicaInfo) -> impl IntoView {
    let encrypted = if replica.encrypted { " (encrypted): " } else { " (not encrypted): " };
    view! {
        <span class="replica">
            <code>{replica.folder}</code> {encrypted}
            <span data-replica-last-copy="">{replica.last_copy.unwrap_or_else(|| "no copy yet".into())}</span>
            {replica.restored_from.map(|copy| view! { <br/> {format!("Restored at start from {copy}")} })}
            {replica.last_error.map(|error| view! { <br/> <span class="problem" data-replica-error="">"Last upload failed: " {error} " (retried)"</span> })}
            {replica.paused.map(|why| view! { <br/> <span class="problem" data-replica-paused="">"No copies are made: " {why}</span> })}
        </span>
    }
}

#[component]
fn Settings(info: SettingsInfo) -> impl IntoView {
    let file = info.config_file.clone().unwrap_or_else(|| "none (defaults and environment only)".to_string());
    view! {
        <section class="settings">
            <h1>"Settings"</h1>
            <h2>"Database"</h2>
            <dl class="facts">
                <div><dt>"Local copy"</dt><dd><code>{info.database_path.clone()}</code></dd></div>
                <div><dt>"Version served"</dt><dd>{info.db_version.clone().unwrap_or_else(|| "none yet".into())}</dd></div>
                <div><dt>"Items"</dt><dd>{info.items.map(|n| n.to_string()).unwrap_or_else(|| "–".into())}</dd></div>
                {info.library_problem.clone().map(|problem| view! { <div><dt>"Problem"</dt><dd class="problem">{problem}</dd></div> })}
                <div><dt>"Settings file"</dt><dd><code>{file}</code></dd></div>
                <div><dt>"Login"</dt><dd>{match info.login_user.clone() {
                    Some(user) => format!("on, for {user}"),
                    None => "off: anyone who can reach this address sees the library. Set KOBO_SHELF_USERNAME, KOBO_SHELF_PASSWORD_HASH and KOBO_SHELF_SESSION_SECRET to turn it on.".to_string(),
                }}</dd></div>
                <div><dt>"Archive"</dt><dd>{info.archive.clone()}</dd></div>
                <div><dt>"Copies off the machine"</dt><dd>{match info.replica.clone() {
                    Some(replica) => view! { <Replica replica/> }.into_any(),
                    None => "off: the archive lives only on this machine. Set KOBO_SHELF_ARCHIVE_REPLICA to keep copies in a bucket.".into_any(),
                }}</dd></div>
                <div id="review-feed"><dt>"Daily review feed"</dt><dd>
                    <p>{match info.review_feed.clone() {
                        Some(address) => view! {
                            "A private Atom feed of each day's review, for a feed reader or a mail bridge: "<code>{address}</code>" (after this site's address). Anyone with the address can read it."
                        }.into_any(),
                        None => "Its address cannot be made now: the app database cannot be written (see the log).".into_any(),
                    }}</p>
                    <form method="post" action="/review/feed/new-address">
                        <button type="submit">"Make a new address (the old one stops working)"</button>
                    </form>
                </dd></div>
                <div><dt>"Offline"</dt><dd>
                    <p>"Pages you visit are kept in this browser for reading without a network (see the README)."</p>
                    <SaveOffline label="Save the whole library for offline" what=ToSave::WholeLibrary/>
                </dd></div>
                <div><dt>"Annotations placed"</dt><dd><a href="/health">"Library health: how each annotation found its chapter"</a></dd></div>
                <div><dt>"kobo-shelf"</dt><dd>{info.app_version.clone()}</dd></div>
            </dl>
            <h2>"Settings"</h2>
            <p>"Each value comes from " <code>"Leptos.toml"</code> ", overridden by its environment variable. Secrets are read only from the environment and never shown."</p>
            <div class="table-scroll">
                <table class="settings-table">
                    <thead><tr><th scope="col">"Variable"</th><th scope="col">"Leptos.toml"</th><th scope="col">"Value"</th><th scope="col">"From"</th></tr></thead>
                    <tbody>
                        {info.rows.into_iter().map(|row| view! {
                            <tr>
                                <td><code>{row.env}</code><span class="setting-doc">{row.doc}</span></td>
                                <td><code>{row.file_key.unwrap_or_else(|| "(environment only)".into())}</code></td>
                                <td>{row.value}</td>
                                <td>{row.origin.label()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
