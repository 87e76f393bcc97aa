//! Markdown export of highlights (for Obsidian, Notion, …): one file per book, and the whole
//! library as a `.zip` of such files (served by `http::export`).

use crate::model::{BookDetail, Highlight};
use std::{collections::HashSet, io::Write};

/// The book's highlights as Markdown: title, author, chapters as headings, highlights as quotes
/// with colour and date, notes below them. Text is escaped so it stays text in any renderer.
pub fn book_markdown(book: &BookDetail) -> String {
    let summary = &book.summary;
    let mut out = format!("# {}\n\n", escape(&summary.title));
    if let Some(author) = &summary.author {
        out.push_str(&format!("*{}*\n\n", escape(author)));
    }
    out.push_str(&format!("- Kind: {}\n", summary.kind.label()));
    out.push_str(&format!("- Progress: {} % ({})\n", summary.percent_read, summary.read_status.label()));
    if let Some(last_read) = &summary.last_read {
        out.push_str(&format!("- Last read: {}\n", &last_read[..10]));
    }
    out.push_str(&format!("- Highlights: {}\n", summary.highlight_count));
    for chapter in &book.chapters {
        out.push_str(&format!("\n## {}\n", escape(chapter.heading(&book.chapters))));
        for highlight in &chapter.highlights {
            out.push('\n');
            out.push_str(&highlight_markdown(highlight));
        }
    }
    out
}

fn highlight_markdown(highlight: &Highlight) -> String {
    let created = highlight.created.as_deref().map(|d| format!(" · {}", &d[..10])).unwrap_or_default();
    let deleted = highlight.deleted_on_device.as_deref().map(|d| format!(" · deleted on device {}", &d[..10]));
    let date = format!("{created}{}", deleted.unwrap_or_default());
    let mut out = if highlight.is_markup {
        format!("*Handwritten markup{date}*\n")
    } else {
        let text = highlight.text.as_deref().unwrap_or("");
        let quoted: Vec<String> =
            text.lines().map(|line| format!("> {}", escape(line)).trim_end().to_string()).collect();
        let colour = if highlight.color.is_shown() { highlight.color.label() } else { "Highlight" };
        format!("{}\n\n{colour}{date}\n", quoted.join("\n"))
    };
    if let Some(note) = &highlight.note {
        let note: Vec<String> = note.lines().map(escape).collect();
        out.push_str(&format!("\n**Note:** {}\n", note.join("  \n")));
    }
    out
}

/// Backslash-escapes what Markdown would read as formatting or HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

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

/// Every book with at least one highlight, note or markup, as Markdown files in a zip.
pub fn library_zip(books: &[BookDetail]) -> zip::result::ZipResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut used = HashSet::new();
    for book in books.iter().filter(|book| book.chapters.iter().any(|c| !c.highlights.is_empty())) {
        let name = unique_name(&file_name(book), &mut used);
        writer.start_file(name, options)?;
        writer.write_all(book_markdown(book).as_bytes())?;
    }
    Ok(writer.finish()?.into_inner())
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
        BookDetail {
            summary: BookSummary {
                id: "x".into(),
                title: title.into(),
                author: author.map(str::to_string),
                kind: ItemKind::Book,
                percent_read: 0,
                read_status: ReadStatus::Unread,
                highlight_count: 0,
                last_read: None,
                collections: Vec::new(),
            },
            publisher: None,
            series: None,
            series_number: None,
            language: None,
            isbn: None,
            description: None,
            date_added: None,
            time_spent_reading_secs: None,
            chapters: Vec::new(),
        }
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
    fn markdown_text_stays_text() {
        assert_eq!(escape("<script>*bold* [link](x) #1 a_b"), "\\<script\\>\\*bold\\* \\[link\\](x) \\#1 a\\_b");
    }

    #[test]
    fn duplicate_names_are_numbered() {
        let mut used = HashSet::new();
        assert_eq!(unique_name("A.md", &mut used), "A.md");
        assert_eq!(unique_name("a.md", &mut used), "a (2).md");
        assert_eq!(unique_name("A.md", &mut used), "A (3).md");
    }
}
