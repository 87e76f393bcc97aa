//! Redirect targets taken from requests (`next` after login, `back` after a theme switch) stay
//! on this site: the one function every such redirect goes through.

use axum::response::Redirect;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Bytes written percent-encoded in a `Location`: everything outside printable ASCII, plus
/// the characters a browser could read as a separator or quote.
const LOCATION_ESCAPES: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`').add(b'{').add(b'}');

/// A redirect to `target` if it is a path on this site, else to `/`.
pub fn to_local(target: &str) -> Redirect {
    Redirect::to(&local_target(target))
}

/// `target` as a path on this site (with its query and fragment), or `/` when it has control
/// characters, backslashes, a scheme, a host or a leading `//`, or parses as anything but a
/// canonical path of this site (see `paths`). Non-ASCII characters come back percent-encoded.
pub fn local_target(target: &str) -> String {
    let plain = target.starts_with('/')
        && !target.starts_with("//")
        && !target.chars().any(|c| c.is_control() || c == '\\' || is_slash_lookalike(c));
    if !plain {
        return "/".to_string();
    }
    let base = url::Url::parse("http://this.site.invalid/").expect("a valid base URL");
    match base.join(target) {
        Ok(url)
            if url.origin() == base.origin() && url.username().is_empty() && super::paths::is_canonical(url.path()) =>
        {
            utf8_percent_encode(&url[url::Position::BeforePath..], LOCATION_ESCAPES).to_string()
        }
        _ => "/".to_string(),
    }
}

/// Characters some clients fold into `/` (full-width solidus, fraction slash, …).
fn is_slash_lookalike(c: char) -> bool {
    matches!(c, '\u{FF0F}' | '\u{2044}' | '\u{2215}' | '\u{29F8}' | '\u{FF3C}' | '\u{FE68}')
}

#[cfg(test)]
mod tests {
    use super::local_target;

    #[test]
    fn paths_on_this_site_are_kept() {
        assert_eq!(local_target("/"), "/");
        assert_eq!(local_target("/book?id=a%20b#h-3"), "/book?id=a%20b#h-3");
        assert_eq!(local_target("/search?q=café"), "/search?q=caf%C3%A9");
    }

    #[test]
    fn anything_that_could_leave_the_site_goes_home() {
        let hostile = [
            "",
            "evil.example",
            "//evil.example",
            "///evil.example",
            "/\t/evil.example",
            "/\r\n/evil.example",
            "\n//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "/\u{FF0F}evil.example",
            "/ /x\u{0}",
            "/\u{2044}evil.example",
            "/%2f%2fevil.example",
            "/%5cevil.example",
        ];
        for target in hostile {
            assert_eq!(local_target(target), "/", "{target:?}");
        }
    }
}
