//! Anki's own text import (Anki 2.1.55+ "text with headers"): a file Anki imports in one step
//! into the deck `kobo-shelf`, one Basic note per highlight with text (front: the passage;
//! back: the note, the book, the chapter), the colour and the book as tags. Each note's GUID is
//! derived from its `BookmarkID`, so a second export updates the same notes instead of adding
//! them again. Fields are HTML (`#html:true`): text is escaped, newlines become `<br>`, and a
//! tab (the separator) or a quote is an entity, so no field needs quoting.

use crate::model::{BookDetail, Highlight};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// The header lines Anki reads before the notes.
pub const HEADER: &str = "#separator:tab\n#html:true\n#notetype:Basic\n#deck:kobo-shelf\n\
#columns:GUID\tFront\tBack\tTags\n#guid column:1\n#tags column:4\n";

/// Writes one note per highlight of `book` that has text (markups have none).
pub fn write_book(out: &mut impl Write, book: &BookDetail) -> io::Result<()> {
    let book_tag = tag(&book.summary.title);
    for chapter in &book.chapters {
        for highlight in chapter.highlights.iter().filter(|highlight| !highlight.is_markup) {
            let Some(text) = highlight.text.as_deref().filter(|text| !text.trim().is_empty()) else { continue };
            let mut back = String::new();
            if let Some(note) = &highlight.note {
                back.push_str(&format!("{}<br><br>", field(note)));
            }
            back.push_str(&format!("— <i>{}</i>", field(&book.summary.title)));
            if let Some(author) = &book.summary.author {
                back.push_str(&format!(", {}", field(author)));
            }
            if let Some(chapter) = &chapter.title {
                back.push_str(&format!(" · {}", field(chapter)));
            }
            let tags = tags(highlight, &book_tag);
            writeln!(out, "{}\t{}\t{back}\t{tags}", guid(&highlight.id), field(text))?;
        }
    }
    Ok(())
}

/// The note's GUID: stable for a `BookmarkID`, and only letters and digits.
pub fn guid(bookmark_id: &str) -> String {
    let digest = Sha256::digest(format!("kobo-shelf highlight {bookmark_id}").as_bytes());
    format!("ks{}", digest[..12].iter().map(|byte| format!("{byte:02x}")).collect::<String>())
}

/// Text as an HTML field without a tab, newline or quote of its own.
fn field(text: &str) -> String {
    html_escape::encode_quoted_attribute(text)
        .replace('\t', "&#9;")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

/// Anki tags are separated by spaces: the colour, deleted on the device, and the book.
fn tags(highlight: &Highlight, book_tag: &str) -> String {
    let mut tags = vec![format!("kobo::{}", highlight.color.slug())];
    if highlight.deleted_on_device.is_some() {
        tags.push("kobo::deleted-on-device".into());
    }
    tags.push(format!("kobo::book::{book_tag}"));
    tags.join(" ")
}

/// A book's tag: its title's letters and digits, anything else one `_`.
fn tag(title: &str) -> String {
    let mapped: String = title.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect();
    mapped.split('_').filter(|word| !word.is_empty()).collect::<Vec<_>>().join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guid_is_stable_and_plain() {
        assert_eq!(guid("a b\tc"), guid("a b\tc"));
        assert_ne!(guid("one"), guid("two"));
        assert!(guid("<&>").chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn a_field_has_no_separator_newline_or_quote() {
        let field = field("a\tb\nc\r\nd \"e\" <f> & 'g'");
        assert!(!field.contains(['\t', '\n', '\r', '"']), "{field}");
        assert_eq!(html_escape::decode_html_entities(&field.replace("<br>", "\n")), "a\tb\nc\nd \"e\" <f> & 'g'");
    }
}
