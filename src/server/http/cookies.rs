//! Cookies as RFC 6265 has them, through the `cookie` crate: the values a request carries under
//! a name, and the `Set-Cookie` headers this site sends (the session and the theme), all for the
//! whole site with `SameSite=Lax`.

use crate::model::Theme;
use axum::http::{header, HeaderMap, HeaderValue};
use cookie::{Cookie, CookieBuilder, SameSite};
use std::time::Duration;

/// The session cookie's name.
pub const SESSION: &str = "kobo_shelf_session";

/// Every value of cookie `name` in a request's `Cookie` headers, in order.
pub fn values<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = String> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(move |cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_string())
}

/// `Set-Cookie` for a session token: `HttpOnly` (no script reads it), `Secure` when the site is
/// served over HTTPS; an empty value with no age clears it.
pub fn session(token: &str, max_age: Duration, secure: bool) -> HeaderValue {
    set_cookie(Cookie::build((SESSION, token)).http_only(true).secure(secure), max_age)
}

/// `Set-Cookie` for the reader's colour theme (nothing secret); no age clears it.
pub fn theme(slug: &str, max_age: Duration) -> HeaderValue {
    set_cookie(Cookie::build((Theme::COOKIE, slug)), max_age)
}

fn set_cookie(cookie: CookieBuilder<'_>, max_age: Duration) -> HeaderValue {
    let age = cookie::time::Duration::seconds(i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX));
    let cookie = cookie.path("/").same_site(SameSite::Lax).max_age(age).build();
    HeaderValue::from_str(&cookie.to_string()).expect("this site's cookie names and values are header-safe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_exact_name_in_every_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; kobo_shelf_session=abc.def; other=1"));
        headers.append(header::COOKIE, HeaderValue::from_static("kobo_shelf_session_x=1; kobo_shelf_session=ghi"));
        headers.append(header::COOKIE, HeaderValue::from_static(";;; =; junk"));
        assert_eq!(values(&headers, SESSION).collect::<Vec<_>>(), ["abc.def", "ghi"]);
        assert_eq!(values(&headers, "missing").count(), 0);
    }

    #[test]
    fn the_session_cookie_is_locked_down_and_cleared_by_no_age() {
        let set = session("abc.def", Duration::from_secs(3600), true);
        let text = set.to_str().unwrap();
        assert!(text.starts_with("kobo_shelf_session=abc.def;"), "{text}");
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=3600"] {
            assert!(text.split("; ").any(|attribute| attribute == part), "{part} in {text}");
        }
        let cleared = session("", Duration::ZERO, false);
        let cleared = cleared.to_str().unwrap();
        assert!(cleared.starts_with("kobo_shelf_session=;") && !cleared.contains("Secure"), "{cleared}");
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=0"] {
            assert!(cleared.split("; ").any(|attribute| attribute == part), "{part} in {cleared}");
        }
        let theme_set = theme("dark", Duration::from_secs(60));
        assert!(!theme_set.to_str().unwrap().contains("HttpOnly"), "the page reads the theme");
        let theme_cleared = theme("", Duration::ZERO);
        assert!(theme_cleared.to_str().unwrap().contains("Max-Age=0"), "{theme_cleared:?}");
    }
}
