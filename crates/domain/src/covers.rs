//! Book covers. A Kobo keeps each item's cover as thumbnails `<ImageId> - N3_<kind>.parsed`
//! (JPEG) under `.kobo-images/`, `ImageId` being the `content` column; `kobo-shelf push`
//! uploads one per item as `covers/<ImageId>.jpg` beside the database. The server fetches it
//! from the source and caches it per ETag (`SiblingCache`); where there is none it draws a
//! typographic cover (title, author, a colour from the title), so the library is never a wall
//! of text. Served by `http::covers`.

use super::{
    drawn_text::{self, escape, is_wide},
    sibling_cache::{DeviceFolder, DeviceSiblings},
};
use bytes::Bytes;
use std::{path::PathBuf, time::Duration};

/// The folder beside the database that holds the covers.
pub const COVERS_FOLDER: &str = "covers";

/// The thumbnail kind uploaded when a device has it: made for the library views (up to the
/// screen's size on recent models), so sharp at the sizes the pages show. Otherwise the
/// largest file is taken (`N3_FULL`, the sleep-screen cover, or `N3_LIBRARY_GRID`).
const PREFERRED_KIND: &str = "N3_LIBRARY_FULL";

/// An `ImageId` too long for a file name on every file system is no cover's.
const MAX_IMAGE_ID_BYTES: usize = 200;

/// The key of an item's cover beside the database: `covers/<ImageId>.jpg`.
pub fn cover_key(image_id: &str) -> String {
    format!("{COVERS_FOLDER}/{}", cover_file_name(image_id))
}

pub fn cover_file_name(image_id: &str) -> String {
    format!("{image_id}.jpg")
}

/// An `ImageId` that is safe as a file name and an object key: letters, digits, `_` and `-`
/// (what devices write: a UUID, or `file____mnt_onboard_…`). It comes from an untrusted file,
/// so anything else (`/`, `.`, `\`) names no cover.
pub fn is_image_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_IMAGE_ID_BYTES
        && text.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// The device's file name of a thumbnail: `<ImageId> - <kind>.parsed`.
pub fn thumbnail_file_name(image_id: &str, kind: &str) -> String {
    format!("{image_id} - {kind}.parsed")
}

/// The `ImageId` and kind a thumbnail's file name holds (`abc - N3_FULL.parsed`).
pub fn parse_thumbnail_file_name(name: &str) -> Option<(&str, &str)> {
    let (image_id, kind) = name.strip_suffix(".parsed")?.rsplit_once(" - ")?;
    (is_image_id(image_id) && kind.starts_with("N3_")).then_some((image_id, kind))
}

/// Which of an item's thumbnails (kind, size in bytes) to upload: its position.
pub fn preferred_thumbnail<'a>(thumbnails: impl Iterator<Item = (&'a str, u64)>) -> Option<usize> {
    thumbnails.enumerate().max_by_key(|(_, (kind, size))| (*kind == PREFERRED_KIND, *size)).map(|(index, _)| index)
}

/// JPEG data starts with a start-of-image marker.
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// A cover as served: the device's image, or one drawn here.
pub enum Cover {
    Jpeg(Bytes),
    Drawn(String),
}

pub struct CoverStore {
    cache: DeviceSiblings,
}

impl CoverStore {
    /// Covers from beside each device's database, cached in `<its folder>/covers/` (a retired
    /// device's folder: what it kept).
    pub fn new(devices: (&[DeviceFolder], &[PathBuf]), revalidate: Duration) -> CoverStore {
        CoverStore { cache: DeviceSiblings::new(devices, COVERS_FOLDER, revalidate) }
    }

    /// The cover of an item: its image when the source has a JPEG for `image_id`, else drawn.
    pub async fn cover(&self, title: &str, author: Option<&str>, image_id: Option<&str>) -> Cover {
        if let Some(image_id) = image_id.filter(|id| is_image_id(id)) {
            match self.cache.get(&cover_key(image_id), &cover_file_name(image_id)).await {
                Some(bytes) if is_jpeg(&bytes) => return Cover::Jpeg(bytes),
                Some(_) => tracing::warn!(image_id, "the stored cover is not a JPEG; drawing one"),
                None => {}
            }
        }
        Cover::Drawn(typographic_cover(title, author))
    }
}

/// Title lines of at most this many width units (a wide CJK character counts two).
const TITLE_WIDTH: usize = 14;
const TITLE_LINES: usize = 6;
const AUTHOR_WIDTH: usize = 24;
const AUTHOR_LINES: usize = 2;

/// Book-cloth colours for drawn covers, dark enough for light text, one picked by the title.
const COVER_COLOURS: [&str; 12] = [
    "#7a2e2e", "#8c4a1f", "#7d6420", "#4f6228", "#2f5d3a", "#1f5a5a", "#24506e", "#2c3f70", "#4b3a74", "#6a2f5f",
    "#5a4636", "#3d4a56",
];

/// The background of a title's drawn cover: always the same for the same title.
pub fn cover_colour(title: &str) -> &'static str {
    COVER_COLOURS[fnv1a(title.as_bytes()) as usize % COVER_COLOURS.len()]
}

/// A 200 × 300 SVG cover: the title (wrapped, cut with `…` past six lines) and the author on
/// a background colour picked by the title. Every text is escaped.
pub fn typographic_cover(title: &str, author: Option<&str>) -> String {
    let colour = cover_colour(title);
    let title_lines = wrap(title, TITLE_WIDTH, TITLE_LINES);
    let author_lines = author.map(|author| wrap(author, AUTHOR_WIDTH, AUTHOR_LINES)).unwrap_or_default();
    let title_top = 150 - 12 * title_lines.len() as i32;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="300" viewBox="0 0 200 300" role="img"><rect width="200" height="300" fill="{colour}"/><rect x="12" y="12" width="176" height="276" fill="none" stroke="#f3ead8" stroke-opacity="0.6" stroke-width="1.5"/><g fill="#f8f1e3" text-anchor="middle" font-family="Georgia, 'DejaVu Serif', serif">"##
    );
    for (index, line) in title_lines.iter().enumerate() {
        let y = title_top + 24 * index as i32;
        svg.push_str(&format!(r#"<text x="100" y="{y}" font-size="19" font-weight="bold">{}</text>"#, escape(line)));
    }
    for (index, line) in author_lines.iter().enumerate() {
        let y = 252 + 16 * index as i32;
        svg.push_str(&format!(r#"<text x="100" y="{y}" font-size="12">{}</text>"#, escape(line)));
    }
    svg.push_str("</g></svg>");
    svg
}

/// FNV-1a: a small stable hash, so a title always gets the same colour.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193))
}

/// Width units of a character: two for wide (CJK, Hangul, full-width) ones.
fn units(c: char) -> f32 {
    if is_wide(c) {
        2.0
    } else {
        1.0
    }
}

/// Lines of at most `width` units; past `max_lines` the last line ends with `…`.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    drawn_text::wrap(text, width as f32, max_lines, units).lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_ids_are_plain_names() {
        for good in ["8f3c2a4e-1d2b-4c5a-9e7f-0a1b2c3d4e5f", "file____mnt_onboard_a_kepub_epub", "Suç_ve_Ceza"] {
            assert!(is_image_id(good), "{good}");
        }
        for bad in ["", "../x", "a/b", "a.b", "a\\b", "a b", &"x".repeat(201)] {
            assert!(!is_image_id(bad), "{bad}");
        }
    }

    #[test]
    fn thumbnail_names_give_their_image_id_and_kind() {
        let name = thumbnail_file_name("file____mnt_onboard_x_epub", "N3_LIBRARY_FULL");
        assert_eq!(name, "file____mnt_onboard_x_epub - N3_LIBRARY_FULL.parsed");
        assert_eq!(parse_thumbnail_file_name(&name), Some(("file____mnt_onboard_x_epub", "N3_LIBRARY_FULL")));
        for other in ["x - N3_FULL.jpg", "x.parsed", "../x - N3_FULL.parsed", "x - cover.parsed"] {
            assert_eq!(parse_thumbnail_file_name(other), None, "{other}");
        }
    }

    #[test]
    fn the_library_thumbnail_is_preferred_then_the_largest() {
        let all = [("N3_FULL", 90_000), ("N3_LIBRARY_FULL", 30_000), ("N3_LIBRARY_GRID", 4_000)];
        assert_eq!(preferred_thumbnail(all.into_iter()), Some(1));
        let without = [("N3_LIBRARY_GRID", 4_000), ("N3_FULL", 90_000)];
        assert_eq!(preferred_thumbnail(without.into_iter()), Some(1));
        assert_eq!(preferred_thumbnail(std::iter::empty()), None);
    }

    #[test]
    fn long_titles_wrap_and_end_with_an_ellipsis() {
        assert_eq!(wrap("War and Peace", 14, 6), ["War and Peace"]);
        assert_eq!(wrap("The Brothers Karamazov", 14, 6), ["The Brothers", "Karamazov"]);
        let long = wrap(&"Remembrance of Things Past ".repeat(10), 14, 6);
        assert_eq!(long.len(), 6);
        assert!(long[5].ends_with('…') && long.iter().all(|line| line.chars().count() <= 14), "{long:?}");
        // Japanese has no spaces: it breaks anywhere, each character two units wide.
        assert_eq!(wrap("罪と罰罪と罰罪と罰罪と罰", 14, 6), ["罪と罰罪と罰罪", "と罰罪と罰"]);
    }

    #[test]
    fn the_colour_comes_from_the_title() {
        assert_eq!(cover_colour("Budala"), cover_colour("Budala"));
        assert_ne!(cover_colour("War and Peace"), cover_colour("Moby-Dick; or, The Whale"));
        assert!(typographic_cover("Budala", Some("x")).contains(&format!(r#"fill="{}""#, cover_colour("Budala"))));
        let titles = ["Budala", "Why We Underline", "Ideas for the Garden", "Les Misérables", "罪と罰", "Emma"];
        let colours: std::collections::HashSet<_> = titles.iter().map(|title| cover_colour(title)).collect();
        assert!(colours.len() >= 4, "six titles share {} colours", colours.len());
    }
}
