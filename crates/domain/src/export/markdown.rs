//! The built-in Markdown layout of a book's highlights: YAML front matter (what Obsidian reads
//! as the note's properties), then title, author, chapters as headings, highlights as quotes
//! with colour, date and (with several Kobos) device, notes below them.

use crate::model::{BookDetail, Highlight};

/// The book's highlights as Markdown: front matter, then the body. Text is escaped so it
/// stays text in any renderer.
pub fn book_markdown(book: &BookDetail) -> String {
    let summary = &book.summary;
    let mut out = front_matter(book);
    out.push_str(&format!("\n# {}\n\n", escape(&summary.title)));
    if let Some(author) = &summary.author {
        out.push_str(&format!("*{}*\n\n", escape(author)));
    }
    out.push_str(&format!("- Kind: {}\n", summary.kind.label()));
    out.push_str(&format!("- Progress: {} % ({})\n", summary.percent_read, summary.read_status.label()));
    if !summary.devices.is_empty() {
        out.push_str(&format!("- On: {}\n", summary.devices.join(", ")));
    }
    if let Some(last_read) = &summary.last_read {
        out.push_str(&format!("- Last read: {}\n", day(last_read)));
    }
    out.push_str(&format!("- Highlights: {}\n", highlight_count(book)));
    for chapter in &book.chapters {
        out.push_str(&format!("\n## {}\n", escape(chapter.heading(&book.chapters))));
        for highlight in &chapter.highlights {
            out.push('\n');
            out.push_str(&highlight_markdown(highlight));
        }
    }
    out
}

/// The YAML front matter between `---` lines: `title`, `author`, `isbn` (when a real one),
/// `kobo_id`, `highlights`, `last_read`, `status` and `tags` (the book's Kobo collections and the
/// tags the reader gave its annotations).
/// Every text is a double-quoted YAML string, so no title can break out of its field.
pub fn front_matter(book: &BookDetail) -> String {
    let summary = &book.summary;
    let mut out = String::from("---\n");
    out.push_str(&format!("title: {}\n", yaml_string(&summary.title)));
    if let Some(author) = &summary.author {
        out.push_str(&format!("author: {}\n", yaml_string(author)));
    }
    if let Some(isbn) = &book.isbn {
        out.push_str(&format!("isbn: {}\n", yaml_string(isbn)));
    }
    out.push_str(&format!("kobo_id: {}\n", yaml_string(&summary.id)));
    out.push_str(&format!("highlights: {}\n", highlight_count(book)));
    if let Some(last_read) = &summary.last_read {
        out.push_str(&format!("last_read: {}\n", day(last_read)));
    }
    out.push_str(&format!("status: {}\n", summary.read_status.label().to_lowercase()));
    let tags = book_tags(book);
    if tags.is_empty() {
        out.push_str("tags: []\n");
    } else {
        out.push_str("tags:\n");
        for tag in tags {
            out.push_str(&format!("  - {}\n", yaml_string(&tag)));
        }
    }
    out.push_str("---\n");
    out
}

/// The book's Obsidian tags: its Kobo collections, then the reader's tags on its annotations,
/// each once.
pub fn book_tags(book: &BookDetail) -> Vec<String> {
    let annotation_tags = book.chapters.iter().flat_map(|chapter| &chapter.highlights).flat_map(|h| &h.web.tags);
    let mut tags: Vec<String> = Vec::new();
    for tag in book.summary.collections.iter().chain(annotation_tags).filter_map(|name| obsidian_tag(name)) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

/// Highlights and notes in the export (not markups), those deleted on the device included.
pub fn highlight_count(book: &BookDetail) -> usize {
    book.chapters.iter().flat_map(|chapter| &chapter.highlights).filter(|h| !h.is_markup).count()
}

/// `2026-11-20T21:14:03` → `2026-11-20` (dates are normalised to that shape when read).
pub fn day(iso: &str) -> &str {
    iso.get(..10).unwrap_or(iso)
}

fn highlight_markdown(highlight: &Highlight) -> String {
    let created = highlight.created.as_deref().map(|d| format!(" · {}", day(d))).unwrap_or_default();
    let deleted = highlight.deleted_on_device.as_deref().map(|d| format!(" · deleted on device {}", day(d)));
    let devices = highlight.devices.iter().map(|name| format!(" · {}", escape(name))).collect::<String>();
    let date = format!("{created}{devices}{}", deleted.unwrap_or_default());
    let mut out = if highlight.is_markup {
        format!("*Handwritten markup{date}*\n")
    } else {
        let colour = if highlight.color.is_shown() { highlight.color.label() } else { "Highlight" };
        format!("{}\n\n{colour}{date}\n", quote(&escape(highlight.text.as_deref().unwrap_or(""))))
    };
    let favourite = if highlight.web.favourite { "★ " } else { "" };
    if let Some(note) = &highlight.web.note {
        let note: Vec<String> = note.lines().map(escape).collect();
        out.push_str(&format!("\n{favourite}**Your note:** {}\n", note.join("  \n")));
    }
    if let Some(note) = &highlight.note {
        let label = if highlight.web.note.is_some() { "Note on the device" } else { "Note" };
        let note: Vec<String> = note.lines().map(escape).collect();
        out.push_str(&format!("\n**{label}:** {}\n", note.join("  \n")));
    }
    let tags: Vec<String> =
        highlight.web.tags.iter().filter_map(|tag| obsidian_tag(tag)).map(|tag| format!("#{tag}")).collect();
    if !tags.is_empty() || (highlight.web.favourite && highlight.web.note.is_none()) {
        out.push_str(&format!("\n{favourite}{}\n", tags.join(" ")));
    }
    out
}

/// Each line as a Markdown quote (`> `), without trailing spaces.
pub fn quote(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(|line| format!("> {line}").trim_end().to_string()).collect();
    lines.join("\n")
}

/// Backslash-escapes what Markdown would read as formatting or HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A YAML double-quoted string. JSON's string syntax is YAML's (1.2), so serde_json writes it;
/// the three characters YAML 1.1 readers take for line breaks are escaped too.
pub fn yaml_string(text: &str) -> String {
    let json = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string());
    json.replace('\u{85}', "\\u0085").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

/// A collection name as an Obsidian tag: spaces become `-` (one between words); only
/// letters, digits, `_`, `-` and `/` stay (Obsidian's tag characters). `None` when nothing is
/// left.
pub fn obsidian_tag(name: &str) -> Option<String> {
    let joined = name.split_whitespace().collect::<Vec<_>>().join("-");
    let kept: String = joined.chars().filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/')).collect();
    let tag = kept.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-");
    let tag = tag.trim_matches('/').to_string();
    (!tag.is_empty()).then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_stays_text() {
        assert_eq!(escape("<script>*bold* [link](x) #1 a_b"), "\\<script\\>\\*bold\\* \\[link\\](x) \\#1 a\\_b");
    }

    #[test]
    fn yaml_strings_keep_any_text_in_its_field() {
        assert_eq!(yaml_string("War and Peace"), "\"War and Peace\"");
        assert_eq!(yaml_string("a \"b\" \\ c\nd: e"), r#""a \"b\" \\ c\nd: e""#);
        assert_eq!(yaml_string("x\u{2028}y\u{85}z\u{1}"), r#""x\u2028y\u0085z\u0001""#);
        assert_eq!(yaml_string("罪と罰 ✓"), "\"罪と罰 ✓\"");
    }

    #[test]
    fn collections_become_obsidian_tags() {
        assert_eq!(obsidian_tag("Russian Classics").as_deref(), Some("Russian-Classics"));
        assert_eq!(obsidian_tag("<b>Tags</b> & \"Quotes\"").as_deref(), Some("bTags/b-Quotes"));
        assert_eq!(obsidian_tag("Sci-Fi/Space opera").as_deref(), Some("Sci-Fi/Space-opera"));
        assert_eq!(obsidian_tag("Лето 2024").as_deref(), Some("Лето-2024"));
        assert_eq!(obsidian_tag(" #! ").as_deref(), None);
    }
}
