//! How the ids of sections, table-of-contents entries and annotations are taken apart for
//! comparison: percent-decoded, without `file://`, lower-case, the book's prefix (`…epub#(N)`,
//! `…kepub.epub!!`, `<uuid>!dir!` or its `!!` twin) set apart from the path inside the book and
//! its `#anchor`.

/// An id taken apart.
#[derive(Debug, Clone, PartialEq)]
pub struct IdParts {
    /// The whole id as compared.
    pub whole: String,
    /// `N` of a `#(N)` prefix (a sideloaded epub's section number).
    pub volume_index: Option<i64>,
    /// The path inside the book, `/`-separated, without leading `/` or anchor.
    pub path: String,
    pub anchor: Option<String>,
}

impl IdParts {
    /// Takes apart the id of a section or annotation of the book `book_id`; `toc` for a `899`
    /// row, whose id ends in `-N` after the file or anchor.
    pub fn of(book_id: &str, id: &str, toc: bool) -> IdParts {
        let mut whole = comparable_id(id);
        if toc {
            let cut = strip_toc_suffix(&whole).len();
            whole.truncate(cut);
        }
        let book = comparable_id(book_id);
        let rest = match whole.strip_prefix(book.as_str()) {
            Some(rest) if !book.is_empty() => rest,
            // Another prefix (another copy, a moved file): from `#(` or the first `!`; an id
            // with neither is a bare path.
            _ => whole.find("#(").or_else(|| whole.find('!')).map_or(whole.as_str(), |at| &whole[at..]),
        };
        let (volume_index, rest) = match rest.strip_prefix("#(").and_then(|r| r.split_once(')')) {
            Some((number, path)) => (number.parse().ok(), path),
            None => (None, rest),
        };
        let rest = rest.trim_start_matches('!').replace('!', "/");
        let (path, anchor) = match rest.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor.to_string()).filter(|a| !a.is_empty())),
            None => (rest.as_str(), None),
        };
        let path = path.trim_start_matches('/').to_string();
        IdParts { whole, volume_index, path, anchor }
    }

    /// The whole id without its `#anchor`.
    pub fn whole_without_anchor(&self) -> Option<&str> {
        let anchor = self.anchor.as_ref()?;
        self.whole.get(..self.whole.len() - anchor.len() - 1)
    }
}

/// An id as compared: percent-decoded, without `file://`, lower-case.
pub fn comparable_id(id: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
    decoded.strip_prefix("file://").unwrap_or(&decoded).to_lowercase()
}

/// A path with its `.` and `..` segments resolved (a `..` above the top is dropped).
pub fn resolve_dots(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    segments.join("/")
}

/// `part0005_split_001.xhtml` → `part0005.xhtml`: the file a split part continues.
pub fn split_base(path: &str) -> Option<String> {
    let (stem, extension) = match path.rfind('.') {
        Some(dot) if !path[dot..].contains('/') => path.split_at(dot),
        _ => (path, ""),
    };
    let at = stem.rfind("_split_")?;
    let digits = &stem[at + 7..];
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| format!("{}{extension}", &stem[..at]))
}

const SECTION_EXTENSIONS: [&str; 4] = [".xhtml", ".html", ".htm", ".xml"];

/// Whether a title is only a file's name (`part0005.xhtml`), not a chapter's.
pub fn is_file_name(title: &str) -> bool {
    let lower = title.trim().to_lowercase();
    lower.is_empty() || SECTION_EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
}

/// TOC ids end in `-N` (the entry's depth) after the file name or the anchor:
/// `…/ch.xhtml-1`, `…/ch.xhtml#pgepubid00005-2`.
fn strip_toc_suffix(id: &str) -> &str {
    let Some(dash) = id.rfind('-') else { return id };
    let (before, digits) = (&id[..dash], &id[dash + 1..]);
    let last_segment = before.rsplit(['/', '!']).next().unwrap_or(before);
    let after_file_or_anchor = last_segment.contains('#') || SECTION_EXTENSIONS.iter().any(|ext| before.ends_with(ext));
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && after_file_or_anchor {
        before
    } else {
        id
    }
}

/// The numbers of a container path, for a natural order: `span#kobo\.16\.2` gives [16, 2].
pub fn numbers_in(path: &str) -> Vec<u64> {
    path.split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEPUB: &str = "file:///mnt/onboard/Tolstoy - War and Peace.kepub.epub";
    const STORE: &str = "5eca9f37-0000-4000-8000-000000000001";

    fn path_and_anchor(book: &str, id: &str, toc: bool) -> (String, Option<String>, Option<i64>) {
        let parts = IdParts::of(book, id, toc);
        (parts.path, parts.anchor, parts.volume_index)
    }

    #[test]
    fn every_prefix_form_gives_the_same_path() {
        let expected = ("oebps/text/ch03.html".to_string(), None, None);
        for id in [
            format!("{STORE}!OEBPS!Text/ch03.html"),
            format!("{STORE}!!OEBPS/Text/ch03.html"),
            "/mnt/onboard/Tolstoy - War and Peace.kepub.epub!!OEBPS/Text/ch03.html".to_string(),
            "OEBPS/Text/ch03.html".to_string(),
            "oebps/text/ch03.html".to_string(),
            "other-copy!OEBPS!Text/ch03.html".to_string(),
        ] {
            let book = if id.starts_with(STORE) { STORE } else { KEPUB };
            assert_eq!(path_and_anchor(book, &id, false), expected, "{id}");
        }
        let epub = "file:///mnt/onboard/X.epub";
        assert_eq!(
            path_and_anchor(epub, &format!("{epub}#(4)OEBPS/Text/b%C3%B6l%C3%BCm.xhtml#toc-anchor-4"), false),
            ("oebps/text/bölüm.xhtml".to_string(), Some("toc-anchor-4".to_string()), Some(4))
        );
    }

    #[test]
    fn toc_suffixes_go_after_files_and_anchors_only() {
        let toc = |id: &str| path_and_anchor(STORE, &format!("{STORE}!OEBPS!{id}"), true);
        assert_eq!(toc("541-h-0.htm.xhtml-1"), ("oebps/541-h-0.htm.xhtml".into(), None, None));
        assert_eq!(
            toc("541-h-0.htm.xhtml#pgepubid00005-2"),
            ("oebps/541-h-0.htm.xhtml".into(), Some("pgepubid00005".into()), None)
        );
        assert_eq!(toc("chapter-17"), ("oebps/chapter-17".into(), None, None), "no file, no anchor: part of the name");
        let bookmark = IdParts::of(STORE, &format!("{STORE}!OEBPS!a.xhtml#pgepubid00005"), false);
        assert_eq!(bookmark.whole_without_anchor(), Some(format!("{}!oebps!a.xhtml", STORE.to_lowercase()).as_str()));
    }

    #[test]
    fn dot_segments_resolve_and_split_parts_name_their_file() {
        assert_eq!(resolve_dots("ops/../ops/chapter-017.xml"), "ops/chapter-017.xml");
        assert_eq!(resolve_dots("./oebps//text/./a.xhtml"), "oebps/text/a.xhtml");
        assert_eq!(resolve_dots("../../a.xhtml"), "a.xhtml");
        assert_eq!(split_base("oebps/text/part0005_split_001.xhtml").as_deref(), Some("oebps/text/part0005.xhtml"));
        assert_eq!(split_base("oebps/text/part0005.xhtml"), None);
        assert_eq!(numbers_in("span#kobo\\.16\\.2"), [16, 2]);
    }
}
