//! The wire form of what the Kobo reader read (server only). What the archive adds to it
//! (annotations the device deleted, books it removed) is the shelf's to fill in.

use super::{
    BookDetail, BookSummary, Chapter, Highlight, HighlightColor, ItemKind, PlacementReport, ReadStatus,
    UnplacedAnnotation, WebEdits,
};
use kobo_reader as kobo;

impl From<kobo::HighlightColor> for HighlightColor {
    fn from(colour: kobo::HighlightColor) -> HighlightColor {
        match colour {
            kobo::HighlightColor::Yellow => HighlightColor::Yellow,
            kobo::HighlightColor::Pink => HighlightColor::Pink,
            kobo::HighlightColor::Blue => HighlightColor::Blue,
            kobo::HighlightColor::Green => HighlightColor::Green,
            kobo::HighlightColor::Grey => HighlightColor::Grey,
        }
    }
}

impl From<kobo::ItemKind> for ItemKind {
    fn from(kind: kobo::ItemKind) -> ItemKind {
        match kind {
            kobo::ItemKind::Book => ItemKind::Book,
            kobo::ItemKind::Article => ItemKind::Article,
            kobo::ItemKind::Pdf => ItemKind::Pdf,
            kobo::ItemKind::Notebook => ItemKind::Notebook,
            kobo::ItemKind::Other => ItemKind::Other,
        }
    }
}

impl From<kobo::ReadStatus> for ReadStatus {
    fn from(status: kobo::ReadStatus) -> ReadStatus {
        match status {
            kobo::ReadStatus::Unread => ReadStatus::Unread,
            kobo::ReadStatus::Reading => ReadStatus::Reading,
            kobo::ReadStatus::Finished => ReadStatus::Finished,
        }
    }
}

/// A device item as listed, before the archive adds what the device deleted.
impl From<&kobo::Item> for BookSummary {
    fn from(item: &kobo::Item) -> BookSummary {
        BookSummary {
            id: item.id.clone(),
            title: item.title.clone(),
            author: item.author.clone(),
            kind: item.kind.into(),
            percent_read: item.percent_read,
            read_status: item.read_status.into(),
            highlight_count: item.highlight_count,
            deleted_on_device: 0,
            last_read: item.last_read.clone(),
            removed_from_device: false,
            collections: item.collections.clone(),
            favourites: 0,
            devices: Vec::new(),
        }
    }
}

impl From<kobo::Annotation> for Highlight {
    fn from(annotation: kobo::Annotation) -> Highlight {
        Highlight {
            id: annotation.id,
            text: annotation.text,
            note: annotation.note,
            color: annotation.color.into(),
            is_markup: annotation.is_markup,
            created: annotation.created,
            deleted_on_device: None,
            web: WebEdits::default(),
            devices: Vec::new(),
        }
    }
}

impl From<kobo::Chapter> for Chapter {
    fn from(chapter: kobo::Chapter) -> Chapter {
        Chapter { title: chapter.title, highlights: chapter.annotations.into_iter().map(Highlight::from).collect() }
    }
}

impl From<kobo::Book> for BookDetail {
    fn from(book: kobo::Book) -> BookDetail {
        BookDetail {
            summary: BookSummary::from(&book.item),
            publisher: book.publisher,
            series: book.series,
            series_number: book.series_number,
            language: book.language,
            isbn: book.isbn,
            description: book.description,
            date_added: book.date_added,
            time_spent_reading_secs: book.time_spent_reading_secs,
            chapters: book.chapters.into_iter().map(Chapter::from).collect(),
        }
    }
}

/// The health page's account, each rule and reason in words.
impl From<kobo::PlacementReport> for PlacementReport {
    fn from(report: kobo::PlacementReport) -> PlacementReport {
        let in_words = |rule: &str, count: usize| (rule.to_string(), count);
        PlacementReport {
            device: None,
            db_version: report.db_version,
            annotations: report.annotations,
            by_section_rule: report.by_section_rule.into_iter().map(|(rule, n)| in_words(rule.label(), n)).collect(),
            by_chapter_rule: report.by_chapter_rule.into_iter().map(|(rule, n)| in_words(rule.label(), n)).collect(),
            unplaced: report
                .unplaced
                .into_iter()
                .map(|annotation| UnplacedAnnotation {
                    bookmark_id: annotation.bookmark_id,
                    volume_id: annotation.volume_id,
                    section_id: annotation.section_id,
                    text: annotation.text,
                    reason: annotation.reason.label().to_string(),
                })
                .collect(),
        }
    }
}
