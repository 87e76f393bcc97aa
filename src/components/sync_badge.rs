//! The header's sync badge: after hydration it starts a sync check, polls the sync status
//! every second (at most 120 times), shows live progress, hides when the copy is current, says
//! why a sync failed, and reloads the page once when a new database is served.

use crate::{
    format,
    model::{BadgeSettings, DeletionWave, PageError, SyncPhase, SyncStart, SyncStatus, SyncStep},
};
use leptos::prelude::*;

/// Starts a sync check in the background (the badge's and "Sync now"'s server function).
#[server]
pub async fn check_and_sync() -> Result<SyncStart, PageError> {
    crate::server::request::start_sync()
}

/// The sync status, as `GET /api/sync-status` reports it.
#[server]
pub async fn get_sync_status() -> Result<SyncStatus, PageError> {
    crate::server::request::sync_status()
}

/// What the badge shows.
#[derive(Clone, Debug, PartialEq)]
pub enum BadgeView {
    Hidden,
    Syncing(String),
    Failed(String),
    /// The sync that installed this page's version found the device had deleted many
    /// annotations at once.
    DeletionWave(DeletionWave),
    /// A status request failed; polling goes on.
    Unreachable(String),
    /// The browser has no network: the page is the copy the service worker kept.
    Offline,
    TimedOut,
}

/// What to do with one status answer.
#[derive(Clone, Debug, PartialEq)]
pub enum BadgeDecision {
    /// Keep polling and show this.
    Show(BadgeView),
    /// The sync ended; show this and stop.
    Stop(BadgeView),
    /// The server now serves another database than the page shows.
    Reload,
}

/// Decides from a status answer and the database version the page was rendered from. A page
/// reloads only when the served version differs from its own, so a page that already shows the
/// new data never reloads, and tabs do not reload each other in a loop.
pub fn decide(status: &SyncStatus, rendered_version: Option<&str>) -> BadgeDecision {
    let served_elsewhere = status.db_version.is_some() && status.db_version.as_deref() != rendered_version;
    if !status.is_syncing && served_elsewhere {
        return BadgeDecision::Reload;
    }
    match status.status {
        SyncPhase::Checking | SyncPhase::Downloading => BadgeDecision::Show(BadgeView::Syncing(syncing_text(status))),
        SyncPhase::Error => {
            BadgeDecision::Stop(BadgeView::Failed(status.error.clone().unwrap_or_else(|| status.message.clone())))
        }
        SyncPhase::Completed => {
            BadgeDecision::Stop(status.deletion_wave.clone().map_or(BadgeView::Hidden, BadgeView::DeletionWave))
        }
        SyncPhase::Idle | SyncPhase::UpToDate => BadgeDecision::Stop(BadgeView::Hidden),
    }
}

/// The step under way: "Downloading 42 % of 12.3 MB" while bytes arrive, then the step's name
/// ("Updating archive"); with several devices, after the names of those at that step
/// ("clara: Downloading…").
fn syncing_text(status: &SyncStatus) -> String {
    let step = match (status.step, status.file_size_mb) {
        (SyncStep::Downloading, Some(size)) => {
            format!("Downloading {:.0} % of {}", status.progress.floor(), format::megabytes(size))
        }
        (step, _) => step.message().trim_end_matches('…').to_string(),
    };
    let at_this_step: Vec<&str> =
        status.devices.iter().filter(|device| device.step == status.step).map(|device| device.name.as_str()).collect();
    match (status.devices.len() > 1, at_this_step.is_empty()) {
        (true, false) => format!("{}: {step}", at_this_step.join(", ")),
        _ => step,
    }
}

/// An island: the only part of a page that runs in the browser (its props travel in the page).
#[island]
pub fn SyncBadge(rendered_version: Option<String>, settings: BadgeSettings) -> impl IntoView {
    let view = RwSignal::new(BadgeView::Hidden);
    // Each start of polling gets a number; a loop whose number is no longer current stops.
    let generation = StoredValue::new(0u64);
    let start_polling = move |start: Option<SyncStart>| {
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let rendered = rendered_version.clone();
        leptos::task::spawn_local(async move {
            polling::run(mine, generation, start, rendered, settings, view).await;
        });
    };
    // After hydration only: effects do not run on the server.
    let start_on_load = start_polling.clone();
    Effect::new(move |_| start_on_load(None));
    on_cleanup(move || generation.update_value(|g| *g += 1));

    let sync_now = ServerAction::<CheckAndSync>::new();
    Effect::new(move |_| {
        if let Some(Ok(start)) = sync_now.value().get() {
            start_polling(Some(start));
        }
    });

    view! {
        <div class="sync">
            <div class="sync-badge-slot" role="status" aria-live="polite">
                {move || badge(view.get())}
            </div>
            <ActionForm action=sync_now attr:class="sync-now">
                <button type="submit" title="Check the bucket for a newer library now">"Sync now"</button>
            </ActionForm>
        </div>
    }
}

fn badge(view: BadgeView) -> impl IntoView {
    match view {
        BadgeView::Hidden => None,
        BadgeView::Syncing(text) => Some(
            view! {
                <span class="sync-badge syncing" data-state="syncing">
                    <span class="spin" aria-hidden="true">"⟳"</span>" Syncing · "{text}
                </span>
            }
            .into_any(),
        ),
        BadgeView::Failed(reason) => Some(
            view! {
                <span class="sync-badge failed" data-state="error" title=reason.clone()>
                    "⚠ Sync failed: "{reason.clone()}
                </span>
            }
            .into_any(),
        ),
        BadgeView::DeletionWave(wave) => Some(
            view! {
                <span class="sync-badge told" data-state="deletion-wave">
                    {wave.message()}" "<a href=DeletionWave::HREF>"See them"</a>
                </span>
            }
            .into_any(),
        ),
        BadgeView::Unreachable(reason) => Some(
            view! {
                <span class="sync-badge failed" data-state="unreachable" title=reason.clone()>
                    "⚠ Cannot reach the server: "{reason.clone()}
                </span>
            }
            .into_any(),
        ),
        BadgeView::Offline => Some(
            view! {
                <span class="sync-badge offline" data-state="offline">
                    "Offline · showing the copy kept on this device"
                </span>
            }
            .into_any(),
        ),
        BadgeView::TimedOut => Some(
            view! {
                <span class="sync-badge failed" data-state="timeout">
                    "⚠ Sync timed out: no result after the polling limit; try Sync now"
                </span>
            }
            .into_any(),
        ),
    }
}

/// The polling loop; only the browser runs it.
mod polling {
    use super::*;

    pub async fn run(
        mine: u64,
        generation: StoredValue<u64>,
        start: Option<SyncStart>,
        rendered: Option<String>,
        settings: BadgeSettings,
        view: RwSignal<BadgeView>,
    ) {
        let current = move || generation.try_get_value() == Some(mine);
        if start.is_none() {
            match check_and_sync().await {
                // The session ended: the page says so when it is used; the badge stays quiet.
                Err(PageError::LoginRequired) => return,
                Err(err) => view.set(unreachable(err)),
                Ok(_) => {}
            }
        }
        for attempt in 0..settings.max_attempts {
            if attempt > 0 {
                sleep(settings.poll_interval_ms).await;
            }
            if !current() {
                return;
            }
            match get_sync_status().await {
                Ok(status) => match decide(&status, rendered.as_deref()) {
                    BadgeDecision::Show(shown) => view.set(shown),
                    BadgeDecision::Stop(shown) => {
                        view.set(shown);
                        return;
                    }
                    BadgeDecision::Reload => {
                        reload();
                        return;
                    }
                },
                Err(PageError::LoginRequired) => {
                    view.set(BadgeView::Hidden);
                    return;
                }
                Err(err) => view.set(unreachable(err)),
            }
        }
        if current() {
            view.set(BadgeView::TimedOut);
        }
    }

    /// A failed request: offline (the browser says so, or the page is the copy the service
    /// worker kept because the network failed), else the server cannot be reached.
    fn unreachable(err: PageError) -> BadgeView {
        #[cfg(feature = "hydrate")]
        if !window().navigator().on_line()
            || document().document_element().is_some_and(|html| html.has_attribute("data-kept-copy"))
        {
            return BadgeView::Offline;
        }
        BadgeView::Unreachable(err.to_string())
    }

    #[cfg(feature = "hydrate")]
    async fn sleep(ms: u32) {
        gloo_timers::future::TimeoutFuture::new(ms).await;
    }

    #[cfg(not(feature = "hydrate"))]
    async fn sleep(_ms: u32) {}

    fn reload() {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().location().reload();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(step: SyncStep, version: Option<&str>) -> SyncStatus {
        SyncStatus {
            status: step.phase(),
            step,
            message: step.message().to_string(),
            is_syncing: step.phase().is_syncing(),
            db_version: version.map(str::to_string),
            ..SyncStatus::default()
        }
    }

    #[test]
    fn with_several_devices_the_badge_names_the_one_downloading() {
        use crate::model::DeviceSyncStatus;
        let device = |name: &str, step| DeviceSyncStatus {
            name: name.into(),
            step,
            message: String::new(),
            progress: 0.0,
            error: None,
        };
        let mut answer = status(SyncStep::Downloading, Some("libra:v1"));
        (answer.progress, answer.file_size_mb) = (42.4, Some(12.3));
        answer.devices = vec![device("libra", SyncStep::UpToDate), device("clara", SyncStep::Downloading)];
        assert_eq!(
            decide(&answer, Some("libra:v1")),
            BadgeDecision::Show(BadgeView::Syncing("clara: Downloading 42 % of 12.3 MB".into()))
        );
        answer.devices.truncate(1);
        assert_eq!(
            decide(&answer, Some("libra:v1")),
            BadgeDecision::Show(BadgeView::Syncing("Downloading 42 % of 12.3 MB".into())),
            "one device is not named"
        );
    }

    #[test]
    fn current_copy_hides_the_badge_at_the_first_answer() {
        assert_eq!(decide(&status(SyncStep::UpToDate, Some("v1")), Some("v1")), BadgeDecision::Stop(BadgeView::Hidden));
        assert_eq!(decide(&status(SyncStep::Idle, Some("v1")), Some("v1")), BadgeDecision::Stop(BadgeView::Hidden));
    }

    #[test]
    fn a_new_version_reloads_once() {
        assert_eq!(decide(&status(SyncStep::Completed, Some("v2")), Some("v1")), BadgeDecision::Reload);
        // The reloaded page shows v2: no second reload.
        assert_eq!(
            decide(&status(SyncStep::Completed, Some("v2")), Some("v2")),
            BadgeDecision::Stop(BadgeView::Hidden)
        );
        // Another tab finished the sync and a later check said up to date: still reload.
        assert_eq!(decide(&status(SyncStep::UpToDate, Some("v2")), Some("v1")), BadgeDecision::Reload);
        // The page rendered before any database existed.
        assert_eq!(decide(&status(SyncStep::Completed, Some("v1")), None), BadgeDecision::Reload);
    }

    #[test]
    fn the_reloaded_page_tells_of_a_deletion_wave() {
        let wave = DeletionWave { deleted: 88, live_before: 88, device: None };
        let mut answer = status(SyncStep::Completed, Some("v2"));
        answer.deletion_wave = Some(wave.clone());
        assert_eq!(decide(&answer, Some("v1")), BadgeDecision::Reload);
        assert_eq!(decide(&answer, Some("v2")), BadgeDecision::Stop(BadgeView::DeletionWave(wave)));
        let named = DeletionWave { deleted: 88, live_before: 88, device: Some("clara".into()) };
        assert_eq!(named.message(), "The Kobo clara deleted 88 annotations in its last sync; kobo-shelf kept them.");
    }

    #[test]
    fn downloading_shows_percent_and_size() {
        let mut answer = status(SyncStep::Downloading, Some("v1"));
        answer.progress = 42.7;
        answer.file_size_mb = Some(12.34);
        assert_eq!(
            decide(&answer, Some("v1")),
            BadgeDecision::Show(BadgeView::Syncing("Downloading 42 % of 12.3 MB".into()))
        );
    }

    #[test]
    fn each_step_after_the_download_is_shown_by_name() {
        for (step, shown) in [
            (SyncStep::Checking, "Checking for a newer library"),
            (SyncStep::Verifying, "Verifying the download"),
            (SyncStep::Installing, "Installing the new library"),
            (SyncStep::UpdatingArchive, "Updating archive"),
        ] {
            let mut answer = status(step, Some("v1"));
            answer.progress = 100.0;
            answer.file_size_mb = Some(12.34);
            assert_eq!(decide(&answer, Some("v1")), BadgeDecision::Show(BadgeView::Syncing(shown.into())), "{step:?}");
        }
    }

    #[test]
    fn the_last_byte_of_the_download_still_shows_the_download() {
        let mut answer = status(SyncStep::Downloading, Some("v1"));
        answer.progress = 100.0;
        answer.file_size_mb = Some(12.34);
        assert_eq!(
            decide(&answer, Some("v1")),
            BadgeDecision::Show(BadgeView::Syncing("Downloading 100 % of 12.3 MB".into()))
        );
    }

    #[test]
    fn errors_stop_with_the_reason() {
        let mut answer = status(SyncStep::Failed, Some("v1"));
        answer.error = Some("The bucket answered HTTP 503 (Service Unavailable)".into());
        assert_eq!(
            decide(&answer, Some("v1")),
            BadgeDecision::Stop(BadgeView::Failed("The bucket answered HTTP 503 (Service Unavailable)".into()))
        );
    }
}
