//! Handwritten markups: the page image (`markups/<BookmarkID>.jpg`) and its strokes
//! (`markups/<BookmarkID>.svg`) that the device uploads beside the database. They are fetched
//! from the same source and cached in `<data dir>/markups/` per ETag (served by
//! `http::markups`).

use super::sibling_cache::{DeviceFolder, DeviceSiblings};
use bytes::Bytes;
use std::{path::PathBuf, time::Duration};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The page snapshot, a JPEG.
    Page,
    /// The strokes, an SVG.
    Strokes,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Page => "jpg",
            Kind::Strokes => "svg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Page => "image/jpeg",
            Kind::Strokes => "image/svg+xml",
        }
    }
}

pub struct MarkupStore {
    cache: DeviceSiblings,
}

impl MarkupStore {
    /// Markups from beside each device's database, cached in `<its folder>/markups/` (a
    /// retired device's folder: what it kept).
    pub fn new(devices: (&[DeviceFolder], &[PathBuf]), revalidate: Duration) -> MarkupStore {
        MarkupStore { cache: DeviceSiblings::new(devices, "markups", revalidate) }
    }

    /// The file's bytes (see [`SiblingCache::get`]); `None` if the source has no such file.
    pub async fn get(&self, id: &str, kind: Kind) -> Option<Bytes> {
        let name = format!("{id}.{}", kind.extension());
        self.cache.get(&format!("markups/{name}"), &name).await
    }
}

/// `<BookmarkID>.jpg|svg` with an id of letters, digits, `-` and `_` only (no path tricks).
pub fn parse_file_name(file: &str) -> Option<(&str, Kind)> {
    let (id, extension) = file.rsplit_once('.')?;
    let kind = match extension {
        "jpg" => Kind::Page,
        "svg" => Kind::Strokes,
        _ => return None,
    };
    let valid =
        !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then_some((id, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_name_a_markup_file() {
        assert!(matches!(parse_file_name("0a1b-C_9.jpg"), Some(("0a1b-C_9", Kind::Page))));
        assert!(matches!(parse_file_name("abc.svg"), Some(("abc", Kind::Strokes))));
        for bad in ["../secret.jpg", "a/b.jpg", ".jpg", "abc.png", "abc", "a.b.jpg", "%2e%2e.svg"] {
            assert!(parse_file_name(bad).is_none(), "{bad}");
        }
    }
}
