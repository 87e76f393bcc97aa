//! URLs of pages and the one way query values are read.

use super::HighlightColor;

/// Characters left as they are in a URL component: RFC 3986 unreserved.
const URL_COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes any text (a ContentID with `/ # ? %`, spaces, Unicode) for a URL query.
pub fn encode_url_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, URL_COMPONENT).to_string()
}

/// The value of `name` in a URL query string (`a=1&b=2`, with or without `?`; the last one
/// given), read as a GET form sends it and as the server's `Query` reads it
/// (`application/x-www-form-urlencoded`: `+` is a space, percent-decoded exactly once).
/// leptos_router's query map decodes twice, which corrupts ids containing `%`.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .last()
}

/// The book page's URL for a ContentID.
pub fn book_href(id: &str) -> String {
    format!("/book?id={}", encode_url_component(id))
}

/// The URL of an item's cover image (the device's, or one drawn from its title).
pub fn cover_href(id: &str) -> String {
    format!("/cover?id={}", encode_url_component(id))
}

/// The book page's URL with its filters: annotations deleted on the device hidden, one colour.
pub fn book_view_href(id: &str, hide_deleted: bool, color: Option<HighlightColor>) -> String {
    let deleted = if hide_deleted { "&deleted=hide" } else { "" };
    let color = color.map(|color| format!("&color={}", color.slug())).unwrap_or_default();
    format!("{}{deleted}{color}", book_href(id))
}

/// The search page listing the annotations with one tag.
pub fn tag_href(tag: &str) -> String {
    format!("/search?tag={}", encode_url_component(tag))
}

/// The book page's URL scrolled to one highlight.
pub fn highlight_href(book_id: &str, highlight_id: &str) -> String {
    format!("{}#h-{}", book_href(book_id), encode_url_component(highlight_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_href_escapes_every_reserved_character() {
        let href = book_href("file:///mnt/onboard/a b/../c#d?e%f é.epub");
        assert_eq!(href, "/book?id=file%3A%2F%2F%2Fmnt%2Fonboard%2Fa%20b%2F..%2Fc%23d%3Fe%25f%20%C3%A9.epub");
    }

    #[test]
    fn book_view_hrefs_carry_their_filters() {
        assert_eq!(book_view_href("a b", false, None), "/book?id=a%20b");
        assert_eq!(book_view_href("a b", true, Some(HighlightColor::Pink)), "/book?id=a%20b&deleted=hide&color=pink");
    }

    #[test]
    fn query_values_are_decoded_exactly_once() {
        let id = "file:///a b#c?d%41e&f=g+h/Ünï.epub";
        let href = book_href(id);
        let query = href.split_once('?').unwrap().1;
        assert_eq!(query_value(query, "id").as_deref(), Some(id));
        assert_eq!(query_value("?q=two+words&kind=", "q").as_deref(), Some("two words"));
        assert_eq!(query_value("q=a&q=b", "q").as_deref(), Some("b"));
        assert_eq!(query_value("kind=", "kind").as_deref(), Some(""));
        assert_eq!(query_value("flag", "flag").as_deref(), Some(""));
        assert_eq!(query_value("", "q"), None);
    }
}
