//! Exports of highlights (for Obsidian, Notion, spreadsheets and scripts): one Markdown file per
//! book (`markdown`: YAML front matter and the built-in layout; `template`: the reader's own
//! layout), and the whole library (`library`) as a `.zip` of such files or as annotation rows
//! in JSON or CSV, written as the books are read (served by `http::export`).

mod anki;
mod library;
mod markdown;
mod template;

pub use library::{spreadsheet_text, AnnotationRow, LibraryExport, LibraryFormat};
pub use markdown::{book_markdown, front_matter};
pub use template::{MarkdownExport, TemplateError};

use crate::model::BookDetail;
use std::collections::HashSet;

/// A file name safe on every common OS: `Author - Title.md` without reserved characters,
/// control characters, trailing dots or spaces, reserved Windows names, or excess length.
pub fn file_name(book: &BookDetail) -> String {
    let summary = &book.summary;
    let base = match &summary.author {
        Some(author) => format!("{author} - {}", summary.title),
        None => summary.title.clone(),
    };
    let cleaned: String =
        base.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
    let mut name: String = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    name = name.chars().take(120).collect();
    let name = name.trim_end_matches(['.', ' ']).trim_start_matches('.');
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.ends_with(|c: char| c.is_ascii_digit()));
    match (name.is_empty(), reserved) {
        (true, _) => "book.md".to_string(),
        (false, true) => format!("_{name}.md"),
        (false, false) => format!("{name}.md"),
    }
}

/// `name.md`, or `name (2).md` when the archive has one already.
fn unique_name(name: &str, used: &mut HashSet<String>) -> String {
    let stem = name.trim_end_matches(".md");
    let candidate = (1..)
        .map(|n| if n == 1 { name.to_string() } else { format!("{stem} ({n}).md") })
        .find(|candidate| !used.contains(&candidate.to_lowercase()))
        .expect("an unused name");
    used.insert(candidate.to_lowercase());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BookSummary, ItemKind, ReadStatus};

    fn book(title: &str, author: Option<&str>) -> BookDetail {
        BookDetail::from_summary(BookSummary {
            id: "x".into(),
            title: title.into(),
            author: author.map(str::to_string),
            kind: ItemKind::Book,
            percent_read: 0,
            read_status: ReadStatus::Unread,
            highlight_count: 0,
            deleted_on_device: 0,
            last_read: None,
            removed_from_device: false,
            collections: Vec::new(),
            favourites: 0,
            devices: Vec::new(),
        })
    }

    #[test]
    fn file_names_are_safe_everywhere() {
        let cases = [
            (book("War and Peace", Some("Leo Tolstoy")), "Leo Tolstoy - War and Peace.md"),
            (book("a/b\\c:d*e?f\"g<h>i|j\u{7}", None), "a b c d e f g h i j.md"),
            (book("...Ends with dots...", None), "Ends with dots.md"),
            (book("CON", None), "_CON.md"),
            (book("com1.txt", None), "_com1.txt.md"),
            (book("   ", None), "book.md"),
            (book("罪と罰", Some("ドストエフスキー")), "ドストエフスキー - 罪と罰.md"),
        ];
        for (book, expected) in cases {
            assert_eq!(file_name(&book), expected);
        }
        assert_eq!(file_name(&book(&"x".repeat(500), None)).chars().count(), 123);
    }

    #[test]
    fn duplicate_names_are_numbered() {
        let mut used = HashSet::new();
        assert_eq!(unique_name("A.md", &mut used), "A.md");
        assert_eq!(unique_name("a.md", &mut used), "a (2).md");
        assert_eq!(unique_name("A.md", &mut used), "A (3).md");
    }
}
