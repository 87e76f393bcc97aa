//! The sync status of several devices as one (#26): `GET /api/sync-status` keeps
//! its fields and meaning for the whole and lists each device's own.

use super::{SyncStatus, SyncStep};
use serde::{Deserialize, Serialize};

/// One device's sync, as the status's `devices` list gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceSyncStatus {
    pub name: String,
    pub step: SyncStep,
    pub message: String,
    pub progress: f64,
    pub error: Option<String>,
}

/// How much a step says about the whole: a download under way first, then a check, a failure,
/// a new version, the rest.
fn weight(step: SyncStep) -> u8 {
    match step {
        SyncStep::Downloading | SyncStep::Verifying | SyncStep::Installing | SyncStep::UpdatingArchive => 5,
        SyncStep::Checking => 4,
        SyncStep::Failed => 3,
        SyncStep::Completed => 2,
        SyncStep::UpToDate => 1,
        SyncStep::Idle => 0,
    }
}

/// The whole of `devices`' statuses (in the settings' order; at least one), with each's own in
/// `devices`: the step and message
/// of the device that says most (named when there are several), syncing while any is,
/// progress over every byte being downloaded, a reload when any installed a version.
pub fn combined(devices: &[(String, SyncStatus)]) -> SyncStatus {
    let each: Vec<DeviceSyncStatus> = devices
        .iter()
        .map(|(name, status)| DeviceSyncStatus {
            name: name.clone(),
            step: status.step,
            message: status.message.clone(),
            progress: status.progress,
            error: status.error.clone(),
        })
        .collect();
    if let [(_, only)] = devices {
        // One device's status is the whole, exactly as it was before there could be several.
        return SyncStatus { devices: each, ..only.clone() };
    }
    let named = |name: &str, text: &str| if text.is_empty() { String::new() } else { format!("{name}: {text}") };
    let (lead_name, lead) = devices
        .iter()
        .rev()
        .max_by_key(|(_, status)| weight(status.step))
        .map(|(name, status)| (name.as_str(), status))
        .expect("at least one device");
    let downloading: Vec<&SyncStatus> =
        devices.iter().map(|(_, status)| status).filter(|s| s.bytes_total.is_some()).collect();
    let (received, total) = downloading.iter().fold((0, 0), |(received, total), status| {
        (received + status.bytes_received, total + status.bytes_total.unwrap_or(0))
    });
    SyncStatus {
        status: lead.step.phase(),
        step: lead.step,
        message: named(lead_name, &lead.message),
        deletion_wave: devices.iter().find_map(|(_, status)| status.deletion_wave.clone()),
        progress: if total > 0 { received as f64 * 100.0 / total as f64 } else { lead.progress },
        is_syncing: devices.iter().any(|(_, status)| status.is_syncing),
        needs_reload: devices.iter().any(|(_, status)| status.needs_reload),
        file_size_mb: downloading.iter().filter_map(|status| status.file_size_mb).reduce(|a, b| a + b),
        error: devices.iter().find_map(|(name, status)| status.error.as_deref().map(|error| named(name, error))),
        last_sync_time: devices.iter().filter_map(|(_, status)| status.last_sync_time.clone()).max(),
        last_check_time: devices.iter().filter_map(|(_, status)| status.last_check_time.clone()).max(),
        bytes_received: received,
        bytes_total: (total > 0).then_some(total),
        db_version: versions(devices),
        devices: each,
    }
}

/// The served versions of several devices in one text: it changes when any device's does.
fn versions(devices: &[(String, SyncStatus)]) -> Option<String> {
    let each: Vec<String> =
        devices.iter().filter_map(|(name, status)| Some(format!("{name}:{}", status.db_version.as_deref()?))).collect();
    (!each.is_empty()).then(|| each.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(step: SyncStep, message: &str) -> SyncStatus {
        SyncStatus {
            status: step.phase(),
            step,
            message: message.into(),
            is_syncing: step.phase().is_syncing(),
            ..SyncStatus::default()
        }
    }

    #[test]
    fn one_device_is_its_own_status() {
        let only = SyncStatus { db_version: Some("v1".into()), ..status(SyncStep::UpToDate, "Library is up to date") };
        let whole = combined(&[("kobo".into(), only.clone())]);
        let each = &whole.devices;
        assert_eq!(whole.message, "Library is up to date", "no name with one device");
        assert_eq!((whole.step, whole.db_version.as_deref()), (SyncStep::UpToDate, Some("v1")));
        assert_eq!(each.len(), 1);
    }

    #[test]
    fn the_whole_syncs_while_any_device_does_and_counts_every_byte() {
        let downloading = SyncStatus {
            bytes_received: 30,
            bytes_total: Some(100),
            progress: 30.0,
            file_size_mb: Some(0.1),
            ..status(SyncStep::Downloading, "Downloading database…")
        };
        let failed = SyncStatus { error: Some("bucket says no".into()), ..status(SyncStep::Failed, "Sync failed") };
        let installed = SyncStatus {
            bytes_received: 50,
            bytes_total: Some(50),
            needs_reload: true,
            ..status(SyncStep::Completed, "Library updated")
        };
        let devices = [("libra".into(), failed), ("clara".into(), downloading), ("kobo".into(), installed)];
        let whole = combined(&devices);
        let each = &whole.devices;
        assert_eq!((whole.step, whole.is_syncing, whole.needs_reload), (SyncStep::Downloading, true, true));
        assert_eq!(whole.message, "clara: Downloading database…", "names the device downloading");
        assert_eq!((whole.bytes_received, whole.bytes_total, whole.progress), (80, Some(150), 80.0 * 100.0 / 150.0));
        assert_eq!(whole.error.as_deref(), Some("libra: bucket says no"));
        let names: Vec<(&str, SyncStep)> = each.iter().map(|device| (device.name.as_str(), device.step)).collect();
        assert_eq!(
            names,
            [("libra", SyncStep::Failed), ("clara", SyncStep::Downloading), ("kobo", SyncStep::Completed)]
        );
    }

    #[test]
    fn a_failure_shows_once_nothing_syncs_and_versions_change_with_any_device() {
        let failed = SyncStatus { error: Some("corrupt".into()), ..status(SyncStep::Failed, "Sync failed") };
        let current =
            SyncStatus { db_version: Some("v7".into()), ..status(SyncStep::UpToDate, "Library is up to date") };
        let whole = combined(&[("kobo".into(), current), ("libra".into(), failed)]);
        assert_eq!((whole.step, whole.message.as_str()), (SyncStep::Failed, "libra: Sync failed"));
        assert_eq!(whole.db_version.as_deref(), Some("kobo:v7"));
    }
}
