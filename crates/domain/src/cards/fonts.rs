//! The typefaces cards are drawn with, compiled into the binary (no system font, no network):
//! DejaVu Serif for the passage and the title, DejaVu Sans where the serif has no glyph
//! (Arabic, Hebrew, many symbols), Droid Sans Fallback for Chinese and Japanese, NanumSquare
//! for Korean (see `assets/fonts/README.md`).

use resvg::usvg::fontdb::{Database, Source};
use std::sync::Arc;

/// The family names the SVG asks for, in the order a character's glyph is looked for.
pub const FAMILIES: &str = "'DejaVu Serif', 'DejaVu Sans', 'Droid Sans Fallback', 'NanumSquare'";

static CHINESE_JAPANESE: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallbackFull.ttf");
static KOREAN: &[u8] = include_bytes!("../../assets/fonts/NanumSquareR.ttf");

/// The faces, parsed once; what measures text and what renders it are the same bytes.
pub struct CardFonts {
    database: Arc<Database>,
    /// Regular faces in [`FAMILIES`] order, for measuring.
    regular: Vec<ttf_parser::Face<'static>>,
    bold: ttf_parser::Face<'static>,
}

impl CardFonts {
    pub fn embedded() -> CardFonts {
        let regular_bytes = [dejavu::serif::regular(), dejavu::sans::regular(), CHINESE_JAPANESE, KOREAN];
        let bold_bytes = dejavu::serif::bold();
        let mut database = Database::new();
        for bytes in regular_bytes.iter().chain([&bold_bytes]) {
            database.load_font_source(Source::Binary(Arc::new(*bytes)));
        }
        let parse = |bytes: &'static [u8]| ttf_parser::Face::parse(bytes, 0).expect("an embedded font parses");
        CardFonts {
            database: Arc::new(database),
            regular: regular_bytes.into_iter().map(parse).collect(),
            bold: parse(bold_bytes),
        }
    }

    pub fn database(&self) -> Arc<Database> {
        self.database.clone()
    }

    /// The width of `c` at size 1 (in ems); a character no face has counts as wide as an em
    /// (drawn as a missing-glyph box).
    pub fn advance(&self, c: char, bold: bool) -> f32 {
        self.glyph_advance(c, bold).unwrap_or(if c.is_control() { 0.0 } else { 1.0 })
    }

    /// The width of `c` at size 1 from the first face that has a glyph for it.
    pub(super) fn glyph_advance(&self, c: char, bold: bool) -> Option<f32> {
        let faces = if bold { std::slice::from_ref(&self.bold) } else { &self.regular[..] };
        faces.iter().chain(&self.regular).find_map(|face| {
            let glyph = face.glyph_index(c)?;
            Some(f32::from(face.glyph_hor_advance(glyph)?) / f32::from(face.units_per_em()))
        })
    }
}
