//! The Markdown a book exports as: the built-in layout, or the reader's own template
//! (`KOBO_SHELF_EXPORT_TEMPLATE`), rendered with minijinja: Jinja2 syntax, which Obsidian and
//! Notion users know from other exporters; small, maintained, no unsafe code; and its errors
//! carry the template's line. A template is compiled and tried on a sample book at start-up,
//! so a mistake stops the server with the line to fix, not a reader's download later.

use super::markdown::{book_markdown, book_tags, day, escape, front_matter, highlight_count, quote};
use crate::{
    model::{BookDetail, BookSummary, Chapter, Highlight, HighlightColor, ItemKind, ReadStatus},
    settings::{Settings, SettingsError},
};
use minijinja::{
    context,
    syntax::SyntaxConfig,
    value::{Serde, Value},
    AutoEscape, Environment, UndefinedBehavior,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why the reader's template cannot be used; its `Display` names the file and the line.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read the template {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} {}", .path.display(), describe(.source))]
    Invalid { path: PathBuf, source: minijinja::Error },
}

/// The name the template has in its environment (and in minijinja's messages).
const TEMPLATE: &str = "export";

/// How books become Markdown.
pub struct MarkdownExport {
    /// The reader's template, when set.
    template: Option<Environment<'static>>,
}

impl MarkdownExport {
    pub fn built_in() -> MarkdownExport {
        MarkdownExport { template: None }
    }

    /// The export the settings ask for; a template that cannot be used is a bad setting.
    pub fn configured(settings: &Settings) -> Result<MarkdownExport, SettingsError> {
        match &settings.export_template {
            Some(path) => MarkdownExport::from_template(path)
                .map_err(|err| SettingsError::named("KOBO_SHELF_EXPORT_TEMPLATE", err.to_string())),
            None => Ok(MarkdownExport::built_in()),
        }
    }

    /// The template in the file at `path`, compiled and tried on a sample book; the problem
    /// (with the template's line) when it cannot be read, compiled or rendered.
    pub fn from_template(path: &Path) -> Result<MarkdownExport, TemplateError> {
        let source =
            std::fs::read_to_string(path).map_err(|source| TemplateError::Read { path: path.to_path_buf(), source })?;
        let located = |source: minijinja::Error| TemplateError::Invalid { path: path.to_path_buf(), source };
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        // A `{% … %}` alone on its line leaves no blank line behind: Markdown cares about them.
        let syntax = SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).keep_trailing_newline(true).build();
        env.set_syntax(syntax.map_err(located)?);
        env.add_filter("quote", |text: String| quote(&text));
        env.add_filter("md", |text: String| escape(&text));
        env.add_template_owned(TEMPLATE, source).map_err(located)?;
        let export = MarkdownExport { template: Some(env) };
        export.render_template(&sample_book()).transpose().map_err(located)?;
        Ok(export)
    }

    /// The book as Markdown. A template that fails on this book's data (it worked on the sample
    /// at start-up) gives the built-in layout, logged, so no export is lost.
    pub fn render(&self, book: &BookDetail) -> String {
        match self.render_template(book) {
            None => book_markdown(book),
            Some(Ok(markdown)) => markdown,
            Some(Err(err)) => {
                tracing::warn!(book = %book.summary.id, problem = %describe(&err), "export template failed; built-in layout used");
                book_markdown(book)
            }
        }
    }

    fn render_template(&self, book: &BookDetail) -> Option<Result<String, minijinja::Error>> {
        let env = self.template.as_ref()?;
        let rendered = env.get_template(TEMPLATE).and_then(|template| {
            template.render(
                context! { book => Value::from(Serde(BookContext::of(book))), front_matter => front_matter(book) },
            )
        });
        Some(rendered)
    }
}

/// `line 3: syntax error: unexpected end of input` from a minijinja error.
fn describe(err: &minijinja::Error) -> String {
    let line = err.line().map(|line| format!("line {line}: ")).unwrap_or_default();
    match err.detail() {
        Some(detail) => format!("{line}{}: {detail}", err.kind()),
        None => format!("{line}{}", err.kind()),
    }
}

/// What a template sees as `book` (documented in the README).
#[derive(Serialize)]
struct BookContext<'a> {
    title: &'a str,
    author: Option<&'a str>,
    kobo_id: &'a str,
    kind: &'static str,
    status: String,
    percent_read: u8,
    last_read: Option<&'a str>,
    highlights: usize,
    isbn: Option<&'a str>,
    publisher: Option<&'a str>,
    series: Option<&'a str>,
    series_number: Option<&'a str>,
    language: Option<&'a str>,
    description: Option<&'a str>,
    collections: &'a [String],
    tags: Vec<String>,
    chapters: Vec<ChapterContext<'a>>,
}

#[derive(Serialize)]
struct ChapterContext<'a> {
    title: &'a str,
    highlights: Vec<HighlightContext<'a>>,
}

#[derive(Serialize)]
struct HighlightContext<'a> {
    id: &'a str,
    text: Option<&'a str>,
    note: Option<&'a str>,
    /// `yellow`, `pink`, `blue`, `green` or `grey` (a greyscale device: no colour).
    color: &'static str,
    /// `Yellow`…; none for grey.
    color_label: Option<&'static str>,
    created: Option<&'a str>,
    deleted_on_device: Option<&'a str>,
    is_markup: bool,
    /// What the reader added on the web: a favourite, tags (as typed), a note of their own.
    favourite: bool,
    tags: &'a [String],
    web_note: Option<&'a str>,
    /// The devices that have (or had) it, where the library has several.
    devices: &'a [String],
}

impl<'a> BookContext<'a> {
    fn of(book: &'a BookDetail) -> BookContext<'a> {
        let summary = &book.summary;
        BookContext {
            title: &summary.title,
            author: summary.author.as_deref(),
            kobo_id: &summary.id,
            kind: summary.kind.slug(),
            status: summary.read_status.label().to_lowercase(),
            percent_read: summary.percent_read,
            last_read: summary.last_read.as_deref().map(day),
            highlights: highlight_count(book),
            isbn: book.isbn.as_deref(),
            publisher: book.publisher.as_deref(),
            series: book.series.as_deref(),
            series_number: book.series_number.as_deref(),
            language: book.language.as_deref(),
            description: book.description.as_deref(),
            collections: &summary.collections,
            tags: book_tags(book),
            chapters: book
                .chapters
                .iter()
                .map(|chapter| ChapterContext {
                    title: chapter.heading(&book.chapters),
                    highlights: chapter.highlights.iter().map(HighlightContext::of).collect(),
                })
                .collect(),
        }
    }
}

impl<'a> HighlightContext<'a> {
    fn of(highlight: &'a Highlight) -> HighlightContext<'a> {
        HighlightContext {
            id: &highlight.id,
            text: highlight.text.as_deref(),
            note: highlight.note.as_deref(),
            color: highlight.color.slug(),
            color_label: highlight.color.is_shown().then(|| highlight.color.label()),
            created: highlight.created.as_deref().map(day),
            deleted_on_device: highlight.deleted_on_device.as_deref().map(day),
            is_markup: highlight.is_markup,
            favourite: highlight.web.favourite,
            tags: &highlight.web.tags,
            web_note: highlight.web.note.as_deref(),
            devices: &highlight.devices,
        }
    }
}

/// A book with every field and kind of annotation set, and some unset: what a template is
/// tried on at start-up.
fn sample_book() -> BookDetail {
    let highlight = |id: &str, text: Option<&str>, note: Option<&str>, color, deleted: Option<&str>| Highlight {
        id: id.into(),
        text: text.map(str::to_string),
        note: note.map(str::to_string),
        color,
        is_markup: text.is_none(),
        created: Some("2025-01-06T20:01:00".into()),
        deleted_on_device: deleted.map(str::to_string),
        web: Default::default(),
        devices: Vec::new(),
    };
    BookDetail {
        summary: BookSummary {
            id: "file:///mnt/onboard/Sample.kepub.epub".into(),
            title: "A Sample Book".into(),
            author: None,
            kind: ItemKind::Book,
            percent_read: 40,
            read_status: ReadStatus::Reading,
            highlight_count: 2,
            deleted_on_device: 0,
            last_read: Some("2026-01-02T03:04:05".into()),
            collections: vec!["Sample Collection".into()],
            favourites: 1,
            devices: Vec::new(),
            removed_from_device: false,
        },
        publisher: None,
        series: Some("Samples".into()),
        series_number: None,
        language: Some("en".into()),
        isbn: None,
        description: None,
        date_added: None,
        time_spent_reading_secs: None,
        chapters: vec![
            Chapter {
                title: Some("One".into()),
                highlights: vec![
                    highlight("a", Some("A highlight."), Some("A note."), HighlightColor::Pink, None),
                    highlight(
                        "b",
                        Some("Deleted on the device."),
                        None,
                        HighlightColor::Grey,
                        Some("2026-02-01T00:00:00"),
                    ),
                ],
            },
            Chapter { title: None, highlights: vec![highlight("c", None, None, HighlightColor::Yellow, None)] },
        ],
    }
}
