//! Finding a plugged-in Kobo: a mounted folder with `.kobo/KoboReader.sqlite`, at one of the
//! places desktops mount a volume labelled `KOBOeReader`.

use super::PushError;
use std::path::{Path, PathBuf};

/// Where Linux desktops (udisks), macOS and hand-made mounts put a Kobo; `*` stands for any one
/// folder (the user's name under `/media` and `/run/media`).
pub const MOUNT_PATTERNS: [&str; 6] = [
    "/media/*/KOBOeReader",
    "/media/KOBOeReader",
    "/run/media/*/KOBOeReader",
    "/mnt/KOBOeReader",
    "/mnt/*/KOBOeReader",
    "/Volumes/KOBOeReader",
];

/// A Kobo's storage, mounted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    root: PathBuf,
}

impl Device {
    /// The Kobo mounted at `root`, if it is one.
    pub fn at(root: &Path) -> Result<Device, PushError> {
        let device = Device { root: root.to_path_buf() };
        if device.database().is_file() {
            Ok(device)
        } else {
            Err(PushError::NotADevice(root.to_path_buf()))
        }
    }

    /// The one Kobo mounted at the usual places under `root` (`/` but in tests).
    pub fn find(root: &Path) -> Result<Device, PushError> {
        let mut found: Vec<Device> = MOUNT_PATTERNS
            .iter()
            .flat_map(|pattern| expand(root, pattern))
            .filter_map(|dir| Device::at(&dir).ok())
            .collect();
        found.dedup();
        match found.len() {
            0 => Err(PushError::NoDevice),
            1 => Ok(found.remove(0)),
            _ => Err(PushError::SeveralDevices(found.into_iter().map(|device| device.root).collect())),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn database(&self) -> PathBuf {
        self.root.join(".kobo").join("KoboReader.sqlite")
    }

    /// Handwritten markups: `<BookmarkID>.jpg` and `.svg`.
    pub fn markups_dir(&self) -> PathBuf {
        self.root.join(".kobo").join("markups")
    }

    /// Cover thumbnails, two folder levels deep.
    pub fn images_dir(&self) -> PathBuf {
        self.root.join(".kobo-images")
    }
}

/// The folders under `root` a pattern names, `*` matching any folder.
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut paths = vec![root.to_path_buf()];
    for segment in pattern.split('/').filter(|segment| !segment.is_empty()) {
        paths = if segment == "*" {
            paths.iter().flat_map(|path| subfolders(path)).collect()
        } else {
            paths.into_iter().map(|path| path.join(segment)).filter(|path| path.is_dir()).collect()
        };
    }
    paths
}

fn subfolders(path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(path) else { return Vec::new() };
    let mut folders: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).filter(|path| path.is_dir()).collect();
    folders.sort();
    folders
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kobo_at(root: &Path, mount: &str) -> PathBuf {
        let dir = root.join(mount);
        std::fs::create_dir_all(dir.join(".kobo")).unwrap();
        std::fs::write(dir.join(".kobo/KoboReader.sqlite"), b"").unwrap();
        dir
    }

    #[test]
    fn one_mounted_kobo_is_found_at_the_usual_places() {
        for mount in ["media/reader/KOBOeReader", "run/media/reader/KOBOeReader", "Volumes/KOBOeReader"] {
            let root = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(root.path().join("media/reader/USB-STICK")).unwrap();
            let dir = kobo_at(root.path(), mount);
            assert_eq!(Device::find(root.path()).unwrap().root(), dir, "{mount}");
        }
    }

    #[test]
    fn none_or_several_kobos_are_named_as_such() {
        let root = tempfile::tempdir().unwrap();
        // A folder named like a Kobo without its database is not one.
        std::fs::create_dir_all(root.path().join("media/KOBOeReader")).unwrap();
        assert!(matches!(Device::find(root.path()), Err(PushError::NoDevice)));
        let first = kobo_at(root.path(), "media/ana/KOBOeReader");
        let second = kobo_at(root.path(), "media/ben/KOBOeReader");
        match Device::find(root.path()) {
            Err(PushError::SeveralDevices(found)) => assert_eq!(found, [first, second]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(Device::at(&root.path().join("media")), Err(PushError::NotADevice(_))));
    }
}
