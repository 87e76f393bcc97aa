//! Text drawn into SVG by the server (the drawn covers, the quote cards): SVG has no line
//! breaking, so lines are cut here to fit a width, and text is escaped as XML character data.

/// Lines cut to fit, and whether text was left out (the last line then ends with `…`).
#[derive(Debug, PartialEq)]
pub struct Lines {
    pub lines: Vec<String>,
    pub cut: bool,
}

/// `text` in lines at most `width` wide (`measure` gives a character's width): at spaces
/// where there are some, between any two Chinese, Japanese or Korean characters (written
/// without spaces), inside a word only when it is wider than a line. Past `max_lines` (at
/// least one) the last line ends with `…`.
pub fn wrap(text: &str, width: f32, max_lines: usize, measure: impl Fn(char) -> f32) -> Lines {
    let max_lines = max_lines.max(1);
    let space = measure(' ');
    let mut lines: Vec<String> = Vec::new();
    let (mut line, mut used) = (String::new(), 0.0);
    'tokens: for token in tokens(text) {
        for (index, piece) in pieces(&token.text, width, &measure).into_iter().enumerate() {
            let piece_width: f32 = piece.chars().map(&measure).sum();
            let mut gap = if token.spaced && index == 0 && used > 0.0 { space } else { 0.0 };
            if used > 0.0 && used + gap + piece_width > width {
                lines.push(std::mem::take(&mut line));
                (used, gap) = (0.0, 0.0);
                if lines.len() > max_lines {
                    break 'tokens; // enough to know the text is cut (a 5,000-character passage)
                }
            }
            if gap > 0.0 {
                line.push(' ');
            }
            line.push_str(&piece);
            used += gap + piece_width;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let cut = lines.len() > max_lines;
    if cut {
        lines.truncate(max_lines);
        let last = lines.last_mut().expect("max_lines > 0");
        let room = width - measure('…');
        let (mut kept, mut kept_width) = (String::new(), 0.0);
        for c in last.chars() {
            if kept_width + measure(c) > room {
                break;
            }
            kept.push(c);
            kept_width += measure(c);
        }
        *last = format!("{}…", kept.trim_end());
    }
    Lines { lines, cut }
}

/// Characters written without spaces between words: a line may break before or after each.
pub fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// What a line may not be broken inside, and whether a space comes before it.
struct Token {
    text: String,
    spaced: bool,
}

/// The words of `text`, each wide character a word of its own (joined without a space).
fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for word in text.split_whitespace() {
        let (mut current, mut spaced) = (String::new(), true);
        for c in word.chars() {
            if is_wide(c) {
                if !current.is_empty() {
                    tokens.push(Token { text: std::mem::take(&mut current), spaced });
                    spaced = false;
                }
                tokens.push(Token { text: c.to_string(), spaced });
                spaced = false;
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() {
            tokens.push(Token { text: current, spaced });
        }
    }
    tokens
}

/// A word cut into pieces at most `width` wide (one character at least each).
fn pieces(word: &str, width: f32, measure: &impl Fn(char) -> f32) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut used = 0.0;
    for c in word.chars() {
        if used + measure(c) > width && used > 0.0 {
            pieces.push(String::new());
            used = 0.0;
        }
        pieces.last_mut().expect("one piece at least").push(c);
        used += measure(c);
    }
    pieces
}

/// Text as XML character data: markup characters escaped, characters XML forbids dropped.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '\t' | '\n' | '\r' => escaped.push(' '),
            c if c < ' ' || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One unit per character, two for a wide one.
    fn units(c: char) -> f32 {
        if is_wide(c) {
            2.0
        } else {
            1.0
        }
    }

    #[test]
    fn lines_break_at_spaces_and_between_wide_characters() {
        let lines = |text, width, max| wrap(text, width, max, units).lines;
        assert_eq!(lines("War and Peace", 14.0, 6), ["War and Peace"]);
        assert_eq!(lines("The Brothers Karamazov", 14.0, 6), ["The Brothers", "Karamazov"]);
        assert_eq!(lines("罪と罰罪と罰罪と罰罪と罰", 14.0, 6), ["罪と罰罪と罰罪", "と罰罪と罰"]);
        assert_eq!(lines("Tokyo 東京は大きい", 10.0, 6), ["Tokyo 東京", "は大きい"], "mixed text fills the line");
        assert_eq!(lines("Incomprehensibilities", 8.0, 6), ["Incompre", "hensibil", "ities"]);
    }

    #[test]
    fn text_past_the_last_line_is_cut_with_an_ellipsis() {
        let long = wrap(&"Remembrance of Things Past ".repeat(10), 14.0, 6, units);
        assert!(long.cut);
        assert_eq!(long.lines.len(), 6);
        assert!(long.lines[5].ends_with('…') && long.lines.iter().all(|line| line.chars().count() <= 14), "{long:?}");
        assert!(!wrap("Emma", 14.0, 1, units).cut);
        let huge = wrap(&"word ".repeat(100_000), 100.0, 3, units);
        assert_eq!(huge.lines.len(), 3, "a huge text stops being read once it is cut");
    }

    #[test]
    fn markup_is_escaped_and_forbidden_characters_dropped() {
        assert_eq!(
            escape("<b>\"Tom\" & 'Jerry'</b>\u{0}\t"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt; "
        );
    }
}
