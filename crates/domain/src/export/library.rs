//! The whole library as one download, written book by book to any sink as the books are read
//! (`http::export` streams it): a `.zip` of Markdown files, one row per annotation as JSON or
//! CSV, or a note per highlight for Anki (`anki`).

use super::{anki, file_name, unique_name, MarkdownExport};
use crate::model::{BookDetail, Chapter, Highlight};
use serde::Serialize;
use std::{
    collections::HashSet,
    io::{self, Write},
};
use zip::{
    write::{SimpleFileOptions, StreamWriter},
    CompressionMethod, ZipWriter,
};

/// What the library downloads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibraryFormat {
    /// Markdown files in a zip.
    Zip,
    /// A JSON array of annotation rows.
    Json,
    /// Annotation rows as CSV.
    Csv,
    /// Anki's text import: a note per highlight.
    Anki,
}

impl LibraryFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            LibraryFormat::Zip => "application/zip",
            LibraryFormat::Json => "application/json",
            LibraryFormat::Csv => "text/csv; charset=utf-8",
            LibraryFormat::Anki => "text/plain; charset=utf-8",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            LibraryFormat::Zip => "kobo-highlights.zip",
            LibraryFormat::Json => "kobo-highlights.json",
            LibraryFormat::Csv => "kobo-highlights.csv",
            LibraryFormat::Anki => "kobo-highlights.anki.txt",
        }
    }
}

/// One annotation in the JSON and CSV exports (the field order is the CSV's column order).
#[derive(Debug, PartialEq, Serialize)]
pub struct AnnotationRow<'a> {
    pub book_id: &'a str,
    pub book_title: &'a str,
    pub author: Option<&'a str>,
    /// The chapter's title; none outside any chapter.
    pub chapter: Option<&'a str>,
    /// `Bookmark.BookmarkID`: stable across exports.
    pub highlight_id: &'a str,
    /// `highlight`, `note` (a highlight with a note) or `markup` (handwriting, no text).
    pub kind: &'static str,
    pub text: Option<&'a str>,
    pub note: Option<&'a str>,
    pub color: &'static str,
    pub created: Option<&'a str>,
    /// When the archive first missed it on the device; none while the device has it.
    pub deleted_on_device: Option<&'a str>,
    /// What the reader added on the web.
    pub favourite: bool,
    pub tags: &'a [String],
    pub web_note: Option<&'a str>,
    /// The devices that have (or had) it, where the library has several.
    pub devices: &'a [String],
}

impl<'a> AnnotationRow<'a> {
    /// The CSV's header: the fields' names, in order.
    pub const COLUMNS: [&'static str; 15] = [
        "book_id",
        "book_title",
        "author",
        "chapter",
        "highlight_id",
        "kind",
        "text",
        "note",
        "color",
        "created",
        "deleted_on_device",
        "favourite",
        "tags",
        "web_note",
        "devices",
    ];

    /// The fields in the order of `COLUMNS`, as text (the tags and devices separated by `; `).
    pub fn cells(&self) -> [String; 15] {
        let text = |cell: Option<&str>| cell.unwrap_or_default().to_string();
        let cells = [
            Some(self.book_id),
            Some(self.book_title),
            self.author,
            self.chapter,
            Some(self.highlight_id),
            Some(self.kind),
            self.text,
            self.note,
            Some(self.color),
            self.created,
            self.deleted_on_device,
        ]
        .map(text);
        let [a, b, c, d, e, f, g, h, i, j, k] = cells;
        let web = [self.favourite.to_string(), self.tags.join("; "), text(self.web_note), self.devices.join("; ")];
        let [l, m, n, o] = web;
        [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o]
    }

    /// Every annotation of a book, by chapter in reading order.
    pub fn of_book(book: &'a BookDetail) -> impl Iterator<Item = AnnotationRow<'a>> {
        book.chapters.iter().flat_map(move |chapter| {
            chapter.highlights.iter().map(move |highlight| AnnotationRow::new(book, chapter, highlight))
        })
    }

    fn new(book: &'a BookDetail, chapter: &'a Chapter, highlight: &'a Highlight) -> AnnotationRow<'a> {
        let kind = match (highlight.is_markup, &highlight.note) {
            (true, _) => "markup",
            (false, Some(_)) => "note",
            (false, None) => "highlight",
        };
        AnnotationRow {
            book_id: &book.summary.id,
            book_title: &book.summary.title,
            author: book.summary.author.as_deref(),
            chapter: chapter.title.as_deref(),
            highlight_id: &highlight.id,
            kind,
            text: highlight.text.as_deref(),
            note: highlight.note.as_deref(),
            color: highlight.color.slug(),
            created: highlight.created.as_deref(),
            deleted_on_device: highlight.deleted_on_device.as_deref(),
            favourite: highlight.web.favourite,
            tags: &highlight.web.tags,
            web_note: highlight.web.note.as_deref(),
            devices: &highlight.devices,
        }
    }
}

/// A library download being written to `W`, one book at a time.
pub enum LibraryExport<'m, W: Write> {
    /// The writers are boxed: they keep their buffers and state (kilobytes) inline.
    Zip {
        zip: Box<ZipWriter<StreamWriter<W>>>,
        markdown: &'m MarkdownExport,
        names: HashSet<String>,
    },
    Json {
        out: W,
        rows: usize,
    },
    Csv(Box<csv::Writer<W>>),
    Anki(W),
}

impl<'m, W: Write> LibraryExport<'m, W> {
    /// Starts a download in `format` (the zip's files made with `markdown`).
    pub fn start(format: LibraryFormat, mut out: W, markdown: &'m MarkdownExport) -> io::Result<Self> {
        Ok(match format {
            // The stream writer needs no seeking: each entry's sizes follow its data.
            LibraryFormat::Zip => {
                LibraryExport::Zip { zip: Box::new(ZipWriter::new_stream(out)), markdown, names: HashSet::new() }
            }
            LibraryFormat::Json => {
                out.write_all(b"[")?;
                LibraryExport::Json { out, rows: 0 }
            }
            LibraryFormat::Csv => {
                // The byte-order mark makes spreadsheet programs read the file as UTF-8.
                out.write_all("\u{FEFF}".as_bytes())?;
                let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
                writer.write_record(AnnotationRow::COLUMNS)?;
                LibraryExport::Csv(Box::new(writer))
            }
            LibraryFormat::Anki => {
                out.write_all(anki::HEADER.as_bytes())?;
                LibraryExport::Anki(out)
            }
        })
    }

    /// Adds a book: its Markdown file (if it has any annotation), or a row per annotation.
    pub fn add(&mut self, book: &BookDetail) -> io::Result<()> {
        match self {
            LibraryExport::Zip { zip, markdown, names } => {
                if book.chapters.iter().all(|chapter| chapter.highlights.is_empty()) {
                    return Ok(());
                }
                let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
                zip.start_file(unique_name(&file_name(book), names), options).map_err(io::Error::other)?;
                zip.write_all(markdown.render(book).as_bytes())
            }
            LibraryExport::Json { out, rows } => AnnotationRow::of_book(book).try_for_each(|row| {
                out.write_all(if *rows == 0 { b"\n" } else { b",\n" })?;
                *rows += 1;
                serde_json::to_writer(&mut *out, &row).map_err(io::Error::other)
            }),
            LibraryExport::Csv(writer) => AnnotationRow::of_book(book).try_for_each(|row| {
                let cells = row.cells().map(|cell| spreadsheet_text(&cell));
                writer.write_record(&cells).map_err(io::Error::other)
            }),
            LibraryExport::Anki(out) => anki::write_book(out, book),
        }
    }

    /// Ends the download (the zip's directory, the JSON array's end) and flushes it.
    pub fn finish(self) -> io::Result<()> {
        let mut out = match self {
            LibraryExport::Zip { zip, .. } => zip.finish().map_err(io::Error::other)?.into_inner(),
            LibraryExport::Json { mut out, .. } => {
                out.write_all(b"\n]\n")?;
                out
            }
            LibraryExport::Csv(writer) => writer.into_inner().map_err(|err| io::Error::other(err.to_string()))?,
            LibraryExport::Anki(out) => out,
        };
        out.flush()
    }
}

/// `text`, with `'` before it when a spreadsheet would run it as a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return: the text comes from the device's file).
pub fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_start_with_a_quote() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_text(formula), format!("'{formula}"));
        }
        for text in ["plain", "a=b", "", "'quoted", "— a dash"] {
            assert_eq!(spreadsheet_text(text), text);
        }
    }
}
