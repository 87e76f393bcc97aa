//! The small files a push uploads beside the database: handwritten markups
//! (`.kobo/markups/<BookmarkID>.jpg|svg` → `markups/…`) and one cover thumbnail per item
//! (`.kobo-images/**/<ImageId> - N3_*.parsed` → `covers/<ImageId>.jpg`).

use super::Device;
use crate::{
    covers::{cover_key, parse_thumbnail_file_name, preferred_thumbnail},
    markups::parse_file_name,
};
use std::{
    collections::{HashMap, HashSet},
    io,
    path::{Path, PathBuf},
};

/// Folder levels searched under `.kobo-images` (devices use two: `<h & 0xff>/<h >> 8 & 0xff>`).
const MAX_IMAGE_DEPTH: usize = 4;

/// A device file and where it goes, relative to the database's folder in the source.
#[derive(Clone, Debug)]
pub struct DeviceFile {
    pub path: PathBuf,
    /// `markups/<name>` or `covers/<ImageId>.jpg`.
    pub relative: String,
    pub size: u64,
}

impl DeviceFile {
    /// The file name in the source's folder (`<name>` of `markups/<name>`).
    pub fn name(&self) -> &str {
        self.relative.rsplit('/').next().unwrap_or(&self.relative)
    }
}

/// The device's markup files with a valid name, by name; none when it has no markups folder.
pub fn markup_files(device: &Device) -> io::Result<Vec<DeviceFile>> {
    let mut files: Vec<DeviceFile> = files_in(&device.markups_dir())?
        .into_iter()
        .filter_map(|(path, size)| {
            let name = path.file_name()?.to_str()?;
            parse_file_name(name)?;
            Some(DeviceFile { relative: format!("markups/{name}"), size, path })
        })
        .collect();
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}

/// One thumbnail for each of `image_ids` that the device has one of (see
/// [`preferred_thumbnail`]), ordered by `ImageId`.
pub fn cover_files(device: &Device, image_ids: &[String]) -> io::Result<Vec<DeviceFile>> {
    let wanted: HashSet<&str> = image_ids.iter().map(String::as_str).collect();
    let mut thumbnails: HashMap<String, Vec<(String, PathBuf, u64)>> = HashMap::new();
    let mut found = Vec::new();
    collect_files(&device.images_dir(), MAX_IMAGE_DEPTH, &mut found)?;
    for (path, size) in found {
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
        if let Some((image_id, kind)) = parse_thumbnail_file_name(name).filter(|(id, _)| wanted.contains(id)) {
            thumbnails.entry(image_id.to_string()).or_default().push((kind.to_string(), path.clone(), size));
        }
    }
    let mut covers: Vec<DeviceFile> = thumbnails
        .into_iter()
        .filter_map(|(image_id, mut variants)| {
            let best = preferred_thumbnail(variants.iter().map(|(kind, _, size)| (kind.as_str(), *size)))?;
            let (_, path, size) = variants.swap_remove(best);
            Some(DeviceFile { relative: cover_key(&image_id), size, path })
        })
        .collect();
    covers.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(covers)
}

/// Regular files directly in `dir` with their sizes; none when `dir` does not exist.
fn files_in(dir: &Path) -> io::Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    collect_files(dir, 0, &mut files)?;
    Ok(files)
}

/// Regular files in `dir` and, `depth` levels down, its subfolders (links not followed).
fn collect_files(dir: &Path, depth: usize, files: &mut Vec<(PathBuf, u64)>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(io::Error::new(err.kind(), format!("{}: {err}", dir.display()))),
    };
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_file() {
            files.push((entry.path(), entry.metadata()?.len()));
        } else if kind.is_dir() && depth > 0 {
            collect_files(&entry.path(), depth - 1, files)?;
        }
    }
    Ok(())
}
