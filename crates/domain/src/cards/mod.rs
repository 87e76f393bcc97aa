//! Quote cards: a highlight as a PNG to share (`/card.png?highlight=`), 1080 px wide, square or
//! a phone story's 1080 × 1920, with its book's title and author on its cover's colours.
//! Drawn from SVG by resvg with fonts compiled into the binary, so a card looks the same on
//! every server, whatever fonts the machine has, and needs no network.

mod draw;
mod fonts;
mod palette;

use fonts::CardFonts;
use palette::Palette;

use crate::{
    covers::CoverStore,
    shelf::{LibraryView, ShelfError},
};
use std::sync::{Arc, OnceLock};

/// A card's shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CardFormat {
    /// 1080 × 1080.
    #[default]
    Square,
    /// 1080 × 1920, a phone's story.
    Story,
}

impl CardFormat {
    /// The address's `format` (`story`); anything else is square.
    pub fn parse(format: Option<&str>) -> CardFormat {
        if format == Some("story") {
            CardFormat::Story
        } else {
            CardFormat::Square
        }
    }
}

/// What a card shows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Quote {
    text: String,
    title: String,
    author: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("No such highlight in this library.")]
    UnknownHighlight,
    /// A handwritten markup, or a note without highlighted text.
    #[error("This annotation has no highlighted text to put on a card.")]
    NoText,
    #[error(transparent)]
    Shelf(#[from] ShelfError),
    #[error("the card's SVG cannot be read ({0})")]
    Svg(#[from] resvg::usvg::Error),
    #[error("the card's canvas cannot be made")]
    Canvas,
    #[error("the card cannot be encoded as PNG ({0})")]
    Png(#[from] png::EncodingError),
    #[error("the card's drawing stopped ({0})")]
    Task(#[from] tokio::task::JoinError),
}

/// The cards service: the fonts, parsed at the first card (not at start: a server may never
/// draw one), and where a highlight's book and cover are.
pub struct QuoteCards {
    fonts: OnceLock<Arc<CardFonts>>,
    covers: Arc<CoverStore>,
}

impl QuoteCards {
    pub fn new(covers: Arc<CoverStore>) -> QuoteCards {
        QuoteCards { fonts: OnceLock::new(), covers }
    }

    /// The PNG card of the highlight `highlight_id` of `library`.
    pub async fn card(
        &self,
        library: Arc<LibraryView>,
        highlight_id: String,
        format: CardFormat,
    ) -> Result<Vec<u8>, CardError> {
        let (quote, image_id) = tokio::task::spawn_blocking(move || quote_of(&library, &highlight_id)).await??;
        let cover = self.covers.cover(&quote.title, quote.author.as_deref(), image_id.as_deref()).await;
        let palette = Palette::of(&cover, &quote.title);
        let fonts = self.fonts.get_or_init(|| Arc::new(CardFonts::embedded())).clone();
        tokio::task::spawn_blocking(move || draw::render(&quote, palette, format, &fonts)).await?
    }
}

/// The highlight's quote, and its book's cover image id.
fn quote_of(library: &LibraryView, highlight_id: &str) -> Result<(Quote, Option<String>), CardError> {
    let book = match library.annotation_in_book(highlight_id) {
        Err(ShelfError::NotFound) => return Err(CardError::UnknownHighlight),
        found => found?,
    };
    let highlight = book
        .chapters
        .iter()
        .flat_map(|chapter| &chapter.highlights)
        .find(|highlight| highlight.id == highlight_id)
        .ok_or(CardError::UnknownHighlight)?;
    let text = highlight.text.as_deref().map(str::trim).filter(|text| !text.is_empty() && !highlight.is_markup);
    let text = text.ok_or(CardError::NoText)?.to_string();
    let image_id = library.cover_of(&book.summary.id).and_then(|(_, image_id)| image_id.map(str::to_string));
    Ok((Quote { text, title: book.summary.title.clone(), author: book.summary.author.clone() }, image_id))
}
