//! Several Kobos, each synced on its own (#26): one [`SyncService`] per device, and the whole
//! the API and the badge report. A failing device leaves the others syncing; each keeps its own
//! local copy, its one download at a time and its old copy on every failure.

use super::{StatusRevision, SyncService};
use crate::model::{combined_sync_status, SyncStart, SyncStatus};
use std::sync::Arc;

/// One device: its name (in the archive and the settings) and its sync.
pub struct Device {
    pub name: String,
    pub sync: Arc<SyncService>,
}

/// Every device, in the settings' order.
pub struct Devices(Vec<Device>);

impl Devices {
    /// `devices`: at least one.
    pub fn new(devices: Vec<Device>) -> Devices {
        assert!(!devices.is_empty(), "at least one device");
        Devices(devices)
    }

    /// Starts every device's check in the background; initiated when any was.
    pub fn start(&self) -> SyncStart {
        let starts: Vec<SyncStart> = self.0.iter().map(|device| device.sync.start()).collect();
        let initiated = starts.iter().find(|start| start.initiated);
        let answer = initiated.unwrap_or(&starts[0]);
        SyncStart { initiated: initiated.is_some(), message: answer.message.clone(), status: self.status().status }
    }

    /// The whole (see `model::devices::combined`), with each device's own.
    pub fn status(&self) -> SyncStatus {
        let each: Vec<(String, SyncStatus)> =
            self.0.iter().map(|device| (device.name.clone(), device.sync.status())).collect();
        combined_sync_status(&each)
    }

    /// Changes whenever [`Devices::status`] would answer otherwise.
    pub fn status_revision(&self) -> Vec<StatusRevision> {
        self.0.iter().map(|device| device.sync.status_revision()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        demo::{write_library, DemoOptions},
        model::SyncStep,
        settings::{SourceLocation, SyncSettings},
        sync::open_source,
    };
    use kobo_reader::LibraryStore;
    use std::time::Duration;

    /// The device `name` syncing from `source`, with its local copy.
    fn device(dir: &std::path::Path, name: &str, source: &std::path::Path) -> (Device, Arc<LibraryStore>) {
        let limits = SyncSettings {
            check_interval: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(5),
            download_timeout: Duration::from_secs(30),
        };
        let location = SourceLocation::File(source.to_path_buf());
        let library = Arc::new(LibraryStore::new(dir.join(name).join("KoboReader.sqlite")));
        std::fs::create_dir_all(dir.join(name)).unwrap();
        let sync = SyncService::new(
            open_source(&location, None, limits.stall_timeout).unwrap(),
            name.into(),
            library.clone(),
            limits,
        );
        (Device { name: name.into(), sync: Arc::new(sync) }, library)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn one_device_failing_leaves_the_other_syncing() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.sqlite");
        write_library(&good, &DemoOptions::default()).unwrap();
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, b"not a database at all, but long enough to be read as one ....... ....").unwrap();
        let ((libra, libra_copy), (clara, clara_copy)) =
            (device(dir.path(), "libra", &junk), device(dir.path(), "clara", &good));
        let devices = Devices::new(vec![libra, clara]);
        assert!(devices.start().initiated);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let status = loop {
            let status = devices.status();
            if !status.is_syncing && status.devices.iter().all(|device| device.step != SyncStep::Idle) {
                break status;
            }
            assert!(std::time::Instant::now() < deadline, "{status:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let steps: Vec<(&str, SyncStep)> =
            status.devices.iter().map(|device| (device.name.as_str(), device.step)).collect();
        assert_eq!(steps, [("libra", SyncStep::Failed), ("clara", SyncStep::Completed)]);
        assert!(status.error.as_deref().is_some_and(|error| error.starts_with("libra: ")), "{status:?}");
        assert!(status.needs_reload, "clara installed its first version");
        assert!(clara_copy.current().is_ok() && libra_copy.current().is_err());
    }
}
