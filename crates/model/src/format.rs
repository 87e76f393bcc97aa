//! How dates, durations and sizes read on the page (shared by server and browser rendering).

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `2026-11-20T21:14:03` → `20 Nov 2026`.
pub fn date(iso: &str) -> String {
    let month = iso.get(5..7).and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m));
    match (iso.get(..4), month, iso.get(8..10)) {
        (Some(year), Some(month), Some(day)) => {
            format!("{} {} {year}", day.trim_start_matches('0'), MONTHS[month - 1])
        }
        _ => iso.to_string(),
    }
}

/// `98400` → `27 h 20 min`; `600` → `10 min`.
pub fn duration(secs: u64) -> String {
    let (hours, minutes) = (secs / 3600, secs % 3600 / 60);
    match (hours, minutes) {
        (0, 0) => "under a minute".to_string(),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// `12.34` → `12.3 MB`.
pub fn megabytes(mb: f64) -> String {
    if mb < 10.0 {
        format!("{mb:.2} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// The start of `text` on one line: at most `max` characters, cut before the word the limit
/// falls in (mid-run in text without spaces, such as Japanese), with "…" when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some((limit, _)) = text.char_indices().nth(max) else { return one_line(text) };
    let head = &text[..limit];
    let cut = if text[limit..].starts_with(char::is_whitespace) {
        head
    } else {
        head.rfind(char::is_whitespace).filter(|&space| space > limit / 2).map_or(head, |space| &head[..space])
    };
    format!("{}…", one_line(cut).trim_end_matches([',', ';', ':']))
}

/// `1` → `1 highlight`, `2` → `2 highlights`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_naturally() {
        assert_eq!(date("2026-11-20T21:14:03"), "20 Nov 2026");
        assert_eq!(date("2026-01-05T00:00:00"), "5 Jan 2026");
        assert_eq!(date("garbage"), "garbage");
        assert_eq!(duration(98_400), "27 h 20 min");
        assert_eq!(duration(600), "10 min");
        assert_eq!(duration(7200), "2 h");
        assert_eq!(duration(5), "under a minute");
        assert_eq!(megabytes(2.4812), "2.48 MB");
        assert_eq!(megabytes(123.45), "123.5 MB");
        assert_eq!(count(1, "highlight", "highlights"), "1 highlight");
        assert_eq!(count(0, "highlight", "highlights"), "0 highlights");
    }

    #[test]
    fn excerpts_end_after_a_whole_word() {
        assert_eq!(excerpt("A tale of two cities", 12), "A tale of…");
        assert_eq!(excerpt("A tale of two cities", 9), "A tale of…", "the limit falls after a word");
        assert_eq!(excerpt("One, two;\n\nthree", 10), "One, two…", "on one line, no dangling comma");
        assert_eq!(excerpt("Short\n\ntext", 50), "Short text");
        assert_eq!(excerpt("罪と罰は長い小説です", 4), "罪と罰は…");
        assert_eq!(excerpt("Antidisestablishmentarianism is long", 10), "Antidisest…");
    }
}
