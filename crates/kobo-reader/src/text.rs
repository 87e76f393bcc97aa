//! Cleaning of the text fields Kobo stores: descriptions in HTML, ISBNs next to junk (dates:
//! `server::dates`).

/// Whether `raw` is an ISBN: sideloaded books keep a UUID or other junk in `ISBN`. Hyphens
/// and spaces aside, an ISBN-10 (`X` may be its check digit) or a 978/979 ISBN-13, each with
/// its check digit right.
pub fn is_isbn(raw: &str) -> bool {
    let compact: Vec<char> = raw.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect();
    let digits: Option<Vec<u32>> = compact
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            'X' | 'x' if i == 9 && compact.len() == 10 => Some(10),
            _ => c.to_digit(10),
        })
        .collect();
    let Some(digits) = digits else { return false };
    let weighted_sum = |weight: fn(usize) -> u32| digits.iter().enumerate().map(|(i, d)| d * weight(i)).sum::<u32>();
    match digits.len() {
        10 => weighted_sum(|i| 10 - i as u32) % 11 == 0,
        13 if matches!(digits[..3], [9, 7, 8 | 9]) => weighted_sum(|i| 1 + 2 * (i as u32 % 2)) % 10 == 0,
        _ => false,
    }
}

/// The ISBN-13 of `raw` when it is an ISBN (an ISBN-10 gets its 978 form), so two copies of
/// one edition compare equal however their files write it.
pub fn isbn_13(raw: &str) -> Option<String> {
    if !is_isbn(raw) {
        return None;
    }
    let compact: String = raw.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect();
    if compact.len() == 13 {
        return Some(compact);
    }
    let twelve = format!("978{}", &compact[..9]);
    let sum: u32 =
        twelve.chars().filter_map(|c| c.to_digit(10)).enumerate().map(|(i, d)| d * (1 + 2 * (i as u32 % 2))).sum();
    Some(format!("{twelve}{}", (10 - sum % 10) % 10))
}

/// Reduces an HTML description to plain text: tags dropped, block ends turned into line breaks,
/// entities decoded, runs of blank space collapsed. The result is still escaped when rendered.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&html_escape::decode_html_entities(&rest[..start]));
        let after = &rest[start..];
        let starts_tag = after[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        let Some(end) = after.find('>').filter(|_| starts_tag) else {
            // A `<` that opens no tag is text.
            text.push('<');
            rest = &after[1..];
            continue;
        };
        let closing = after[1..].starts_with('/');
        let tag = after[1..end].trim_start_matches('/').to_ascii_lowercase();
        let name = tag.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
        rest = &after[end + 1..];
        if !closing && matches!(name, "script" | "style") {
            // Their content is code, not text.
            let close = format!("</{name}");
            let skip = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            rest = &rest[skip..];
        } else if matches!(name, "p" | "br" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "tr" | "blockquote") {
            text.push('\n');
        }
    }
    text.push_str(&html_escape::decode_html_entities(rest));
    collapse_whitespace(&text)
}

fn collapse_whitespace(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_isbn_10_and_its_isbn_13_are_one_isbn() {
        assert_eq!(isbn_13("0-14-044913-2").as_deref(), Some("9780140449136"));
        assert_eq!(isbn_13("080442957X").as_deref(), Some("9780804429573"));
        assert_eq!(isbn_13("978-0-14-044913-6").as_deref(), Some("9780140449136"));
        assert_eq!(isbn_13("5b0d6e0a-3a55-4d8e-a1f1-2c9b7f3c8e11"), None);
    }

    #[test]
    fn only_isbns_with_a_right_check_digit_are_isbns() {
        let isbns = ["9780140449136", "978-0-14-044913-6", "0140449132", "0-14-044913-2", "080442957X"];
        let more = ["0 8044 2957 x", "979-10-90636-07-1", " 9780199232765 "];
        for raw in isbns.into_iter().chain(more) {
            assert!(is_isbn(raw), "{raw:?} is an ISBN");
        }
        let junk = [
            "0-14-044913-6",
            "9780140449137",
            "8f3c2a4e-1d2b-4c5a-9e7f-0a1b2c3d4e5f",
            "4006381333931",
            "97801404491",
            "X80442957X",
            "978014044913X",
            "97801404491３6",
            "isbn",
            "",
        ];
        for raw in junk {
            assert!(!is_isbn(raw), "{raw:?} is no ISBN");
        }
    }

    #[test]
    fn html_descriptions_become_plain_text() {
        let html = "<p>A <b>tale</b> of &lt;two&gt; cities&nbsp;&amp; more.</p><p>Second&#x2019;s para &#8212; end</p><script>alert(1)</script>";
        assert_eq!(html_to_text(html), "A tale of <two> cities & more.\n\nSecond’s para — end");
        assert_eq!(html_to_text("3 < 4 & 5 > 2"), "3 < 4 & 5 > 2");
        assert_eq!(html_to_text("unterminated <b"), "unterminated <b");
        assert_eq!(html_to_text("&bogus; &#xZZ;"), "&bogus; &#xZZ;");
    }
}
