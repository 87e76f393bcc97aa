//! A card's colours, from its book's cover: the average colour of the device's cover image,
//! or the colour of the cover drawn for a book without one, darkened until the light text on
//! it is easy to read.

use crate::covers::{cover_colour, Cover};

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb` (the drawn covers' colours); black for anything else.
    fn parse(hex: &str) -> Rgb {
        let channel =
            |at: usize| hex.get(at..at + 2).and_then(|digits| u8::from_str_radix(digits, 16).ok()).unwrap_or(0);
        Rgb(channel(1), channel(3), channel(5))
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG's relative luminance.
    fn luminance(self) -> f64 {
        let linear = |channel: u8| {
            let c = f64::from(channel) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }

    /// `self` moved `amount` (0–1) of the way to `other`.
    fn mix(self, other: Rgb, amount: f64) -> Rgb {
        let channel = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * amount).round() as u8;
        Rgb(channel(self.0, other.0), channel(self.1, other.1), channel(self.2, other.2))
    }
}

/// WCAG's contrast ratio of two colours (1 to 21).
fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (light, dark) = if a.luminance() > b.luminance() { (a, b) } else { (b, a) };
    (light.luminance() + 0.05) / (dark.luminance() + 0.05)
}

/// The text colour: the drawn covers' paper.
const INK: Rgb = Rgb(0xf8, 0xf1, 0xe3);
const BLACK: Rgb = Rgb(0, 0, 0);
/// The contrast the passage keeps at least (WCAG AAA for text).
const MIN_CONTRAST: f64 = 7.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    pub background: Rgb,
    pub ink: Rgb,
    /// The quotation mark and the rule: between the two.
    pub accent: Rgb,
}

impl Palette {
    /// The palette of the book titled `title` whose cover is `cover`.
    pub fn of(cover: &Cover, title: &str) -> Palette {
        let base = match cover {
            Cover::Jpeg(bytes) => average_colour(bytes),
            Cover::Drawn(_) => None,
        };
        Palette::around(base.unwrap_or_else(|| Rgb::parse(cover_colour(title))))
    }

    /// A palette on `base`, darkened as far as the text needs.
    fn around(base: Rgb) -> Palette {
        let mut background = base;
        while contrast(background, INK) < MIN_CONTRAST {
            background = background.mix(BLACK, 0.1);
        }
        Palette { background, ink: INK, accent: background.mix(INK, 0.45) }
    }
}

/// The average colour of a JPEG's pixels; `None` when it cannot be decoded.
fn average_colour(jpeg: &[u8]) -> Option<Rgb> {
    let options = zune_jpeg::zune_core::options::DecoderOptions::default()
        .jpeg_set_out_colorspace(zune_jpeg::zune_core::colorspace::ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(jpeg, options);
    let pixels = match decoder.decode() {
        Ok(pixels) => pixels,
        Err(err) => {
            tracing::warn!(error = %err, "a cover image cannot be decoded; the card takes the drawn cover's colour");
            return None;
        }
    };
    let count = (pixels.len() / 3).max(1) as u64;
    let sums = pixels.chunks_exact(3).fold([0u64; 3], |mut sums, pixel| {
        sums.iter_mut().zip(pixel).for_each(|(sum, value)| *sum += u64::from(*value));
        sums
    });
    Some(Rgb((sums[0] / count) as u8, (sums[1] / count) as u8, (sums[2] / count) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_easy_to_read_on_any_cover() {
        for base in [Rgb(255, 255, 255), Rgb(250, 230, 40), Rgb(0x7a, 0x2e, 0x2e), Rgb(0, 0, 0)] {
            let palette = Palette::around(base);
            assert!(contrast(palette.background, palette.ink) >= MIN_CONTRAST, "{base:?}: {palette:?}");
        }
        let dark = Rgb(0x24, 0x50, 0x6e);
        assert_eq!(Palette::around(dark).background, dark, "a dark cover keeps its colour");
    }

    #[test]
    fn a_drawn_cover_gives_its_own_colour_and_a_broken_image_falls_back_to_it() {
        let drawn = Palette::of(&Cover::Drawn(String::new()), "Budala");
        assert_eq!(drawn, Palette::around(Rgb::parse(cover_colour("Budala"))));
        let broken = Palette::of(&Cover::Jpeg(bytes::Bytes::from_static(b"\xff\xd8\xff not a jpeg")), "Budala");
        assert_eq!(broken, drawn);
    }
}
