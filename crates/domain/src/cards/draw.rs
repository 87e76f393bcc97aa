//! A card laid out as SVG and rendered to PNG: the passage as large as it fits (cut with `…`
//! at the smallest size), a quotation mark above it, the book's title and author below a rule,
//! on the cover's colours. Every line is measured with the fonts it is drawn with, so nothing
//! runs past the margins.

use super::{fonts::FAMILIES, palette::Palette, CardError, CardFonts, CardFormat, Quote};
use crate::drawn_text::{escape, wrap, Lines};
use resvg::{tiny_skia, usvg};
use std::fmt::Write;

const WIDTH: f32 = 1080.0;
/// Empty on every side; the tests check that nothing is drawn there.
const MARGIN: f32 = 96.0;
/// Text is broken this much narrower than the space it has: shaping (kerning, Arabic joining)
/// can make a line a little wider than the sum of its characters.
const SAFETY: f32 = 0.94;
const LINE_HEIGHT: f32 = 1.38;
const QUOTE_MARK_SIZE: f32 = 150.0;
const TITLE_SIZE: f32 = 38.0;
const AUTHOR_SIZE: f32 = 30.0;

impl CardFormat {
    pub fn height(self) -> f32 {
        match self {
            CardFormat::Square => 1080.0,
            CardFormat::Story => 1920.0,
        }
    }

    /// The passage's largest and smallest font sizes.
    fn passage_sizes(self) -> (f32, f32) {
        match self {
            CardFormat::Square => (60.0, 26.0),
            CardFormat::Story => (68.0, 30.0),
        }
    }
}

/// The PNG of `quote` on `palette`.
pub(super) fn render(
    quote: &Quote,
    palette: Palette,
    format: CardFormat,
    fonts: &CardFonts,
) -> Result<Vec<u8>, CardError> {
    let svg = svg(quote, palette, format, fonts);
    let options = usvg::Options { fontdb: fonts.database(), font_family: "DejaVu Serif".into(), ..Default::default() };
    let tree = usvg::Tree::from_str(&svg, &options)?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH as u32, format.height() as u32).ok_or(CardError::Canvas)?;
    resvg::render(&tree, tiny_skia::Transform::identity(), &mut pixmap.as_mut());
    Ok(pixmap.encode_png()?)
}

/// The card as SVG (every text escaped).
fn svg(quote: &Quote, palette: Palette, format: CardFormat, fonts: &CardFonts) -> String {
    let height = format.height();
    let inner = WIDTH - 2.0 * MARGIN;
    let measure = |size: f32, bold: bool| move |c: char| fonts.advance(c, bold) * size;
    let title = wrap(&quote.title, inner * SAFETY, 2, measure(TITLE_SIZE, true)).lines;
    let author = quote.author.as_deref().map(|author| wrap(author, inner * SAFETY, 1, measure(AUTHOR_SIZE, false)));
    let author = author.map(|lines| lines.lines).unwrap_or_default();
    // From the bottom: the author, the title, the rule.
    let footer = title.len() as f32 * TITLE_SIZE * 1.3 + author.len() as f32 * AUTHOR_SIZE * 1.4 + 40.0;
    let passage_top = MARGIN + QUOTE_MARK_SIZE * 0.62;
    let passage_bottom = height - MARGIN - footer - 30.0;
    let (size, passage) = fit(&quote.text, inner * SAFETY, passage_bottom - passage_top, format, &measure);

    let Palette { background, ink, accent } = palette;
    let (background, ink, accent) = (background.hex(), ink.hex(), accent.hex());
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"><rect width="100%" height="100%" fill="{background}"/><g font-family="{FAMILIES}" fill="{ink}">"#
    );
    // The quotation mark's top sits on the margin (its glyph is high in the em box).
    let _ = write!(
        svg,
        r#"<text x="{MARGIN}" y="{}" font-size="{QUOTE_MARK_SIZE}" fill="{accent}">“</text>"#,
        MARGIN + QUOTE_MARK_SIZE * 0.72
    );
    let line_height = size * LINE_HEIGHT;
    let block = passage.lines.len() as f32 * line_height;
    let first_baseline = passage_top + ((passage_bottom - passage_top) - block).max(0.0) / 2.0 + size;
    // Right to left, the punctuation at a line's end goes left (`direction`); resvg anchors
    // `end` on the right whatever the direction.
    let rtl = is_right_to_left(&quote.text);
    let (x, direction, anchor) = if rtl { (WIDTH - MARGIN, "rtl", "end") } else { (MARGIN, "ltr", "start") };
    let _ = write!(svg, r#"<text font-size="{size}" direction="{direction}" text-anchor="{anchor}">"#);
    for (index, line) in passage.lines.iter().enumerate() {
        let y = first_baseline + index as f32 * line_height;
        let _ = write!(svg, r#"<tspan x="{x}" y="{y:.1}">{}</tspan>"#, escape(line));
    }
    svg.push_str("</text>");
    let rule_y = height - MARGIN - footer + 10.0;
    let _ = write!(svg, r#"<rect x="{MARGIN}" y="{rule_y}" width="120" height="4" fill="{accent}"/>"#);
    let mut y = rule_y + 20.0;
    for line in &title {
        y += TITLE_SIZE * 1.3;
        let _ = write!(
            svg,
            r#"<text x="{MARGIN}" y="{y:.1}" font-size="{TITLE_SIZE}" font-weight="bold">{}</text>"#,
            escape(line)
        );
    }
    for line in &author {
        y += AUTHOR_SIZE * 1.4;
        let _ = write!(
            svg,
            r#"<text x="{MARGIN}" y="{y:.1}" font-size="{AUTHOR_SIZE}" fill="{accent}">{}</text>"#,
            escape(line)
        );
    }
    svg.push_str("</g></svg>");
    svg
}

/// The largest size at which `text` fits `width` × `height` whole, else the smallest size
/// with the text cut; with its lines.
fn fit<M: Fn(char) -> f32>(
    text: &str,
    width: f32,
    height: f32,
    format: CardFormat,
    measure: &impl Fn(f32, bool) -> M,
) -> (f32, Lines) {
    let (largest, smallest) = format.passage_sizes();
    let mut size = largest;
    loop {
        let max_lines = (height / (size * LINE_HEIGHT)).floor().max(1.0) as usize;
        let lines = wrap(text, width, max_lines, measure(size, false));
        if !lines.cut || size <= smallest {
            return (size, lines);
        }
        size = (size - 2.0).max(smallest);
    }
}

/// Whether the text's first letter with a direction is written right to left (Hebrew,
/// Arabic, Syriac, Thaana, N'Ko and their presentation forms).
fn is_right_to_left(text: &str) -> bool {
    text.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(|c| matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cards::palette::Rgb;

    const PALETTE: Palette =
        Palette { background: Rgb(0x24, 0x50, 0x6e), ink: Rgb(0xf8, 0xf1, 0xe3), accent: Rgb(0x8e, 0xa0, 0xa5) };

    fn quote(text: &str) -> Quote {
        Quote { text: text.into(), title: "War and Peace".into(), author: Some("Leo Tolstoy".into()) }
    }

    /// The card decoded back: its size, and where it differs from the background.
    struct Drawn {
        pixmap: tiny_skia::Pixmap,
    }

    impl Drawn {
        fn of(quote: &Quote, format: CardFormat) -> Drawn {
            let png = render(quote, PALETTE, format, &CardFonts::embedded()).unwrap();
            assert!(png.starts_with(b"\x89PNG"), "a PNG");
            Drawn { pixmap: tiny_skia::Pixmap::decode_png(&png).unwrap() }
        }

        fn inked(&self, x: u32, y: u32) -> bool {
            let pixel = self.pixmap.pixel(x, y).unwrap();
            let Rgb(r, g, b) = PALETTE.background;
            (pixel.red(), pixel.green(), pixel.blue()) != (r, g, b)
        }

        /// Drawn pixels in the rectangle `x`, `y` (ends excluded).
        fn inked_in(&self, x: std::ops::Range<u32>, y: std::ops::Range<u32>) -> usize {
            y.flat_map(|y| x.clone().map(move |x| (x, y))).filter(|(x, y)| self.inked(*x, *y)).count()
        }

        /// Drawn pixels in the margins (a few pixels of slack for antialiasing).
        fn in_margins(&self) -> usize {
            let (w, h, m) = (self.pixmap.width(), self.pixmap.height(), MARGIN as u32 - 6);
            self.inked_in(0..w, 0..m)
                + self.inked_in(0..w, h - m..h)
                + self.inked_in(0..m, m..h - m)
                + self.inked_in(w - m..w, m..h - m)
        }
    }

    #[test]
    fn a_card_is_1080_wide_square_or_a_story_and_not_blank() {
        let passage = quote("Well, Prince, so Genoa and Lucca are now just family estates of the Buonapartes.");
        for (format, height) in [(CardFormat::Square, 1080), (CardFormat::Story, 1920)] {
            let drawn = Drawn::of(&passage, format);
            assert_eq!((drawn.pixmap.width(), drawn.pixmap.height()), (1080, height));
            let inked = drawn.inked_in(0..1080, 0..height);
            assert!(inked > 20_000, "{format:?}: only {inked} pixels drawn");
            assert_eq!(drawn.in_margins(), 0, "{format:?}: drawn in the margins");
        }
    }

    #[test]
    fn a_5000_character_passage_is_cut_with_an_ellipsis_inside_the_margins() {
        let long = "All happy families are alike; each unhappy family is unhappy in its own way. ".repeat(65);
        assert!(long.chars().count() > 5_000);
        let fonts = CardFonts::embedded();
        let svg = svg(&quote(&long), PALETTE, CardFormat::Square, &fonts);
        assert!(svg.contains("…</tspan>"), "cut with an ellipsis");
        assert_eq!(Drawn::of(&quote(&long), CardFormat::Square).in_margins(), 0);
        let long_word = "Donaudampfschifffahrtsgesellschaftskapitän".repeat(20);
        assert_eq!(Drawn::of(&quote(&long_word), CardFormat::Story).in_margins(), 0, "a word wider than a line");
    }

    #[test]
    fn right_to_left_and_cjk_text_have_glyphs_and_stay_inside_the_margins() {
        let fonts = CardFonts::embedded();
        let arabic = "الكتاب خير جليس في الزمان، والقراءة نور للعقل والروح. ".repeat(12);
        let hebrew = "כל המשפחות המאושרות דומות זו לזו, כל משפחה אומללה אומללה בדרכה שלה. ".repeat(10);
        let japanese = "幸福な家庭はみな同じように似ているが、不幸な家庭はそれぞれに不幸である。".repeat(12);
        let chinese_korean = "幸福的家庭都是相似的 행복한 가정은 모두 비슷하다 ".repeat(15);
        for text in [&arabic, &hebrew, &japanese, &chinese_korean] {
            let missing: Vec<char> =
                text.chars().filter(|c| !c.is_whitespace() && fonts.glyph_advance(*c, false).is_none()).collect();
            assert!(missing.is_empty(), "no glyph for {missing:?}");
            let drawn = Drawn::of(&quote(text), CardFormat::Square);
            assert_eq!(drawn.in_margins(), 0, "{}", &text[..30]);
            assert!(drawn.inked_in(100..980, 200..800) > 20_000, "{}: drawn", &text[..30]);
        }
        // Right to left: the lines start at the right margin.
        let drawn = Drawn::of(&quote(&hebrew), CardFormat::Square);
        assert!(drawn.inked_in(900..984, 200..700) > drawn.inked_in(96..180, 200..700), "aligned right");
    }

    #[test]
    fn hostile_text_is_drawn_as_text() {
        let hostile = quote("</text><image href=\"file:///etc/passwd\"/><text>\u{0} & ' \" \u{202E}");
        let fonts = CardFonts::embedded();
        let svg = svg(&hostile, PALETTE, CardFormat::Square, &fonts);
        assert!(
            !svg.contains("<image") && svg.contains("&lt;image") && svg.contains("href=&quot;file:///etc/passwd&quot;")
        );
        assert!(render(&hostile, PALETTE, CardFormat::Square, &fonts).is_ok());
    }
}
