//! The first decision on every request: its path must already be in canonical form. Routers,
//! file servers and browsers each normalise paths their own way (`/pkg/../` is `/` to one and
//! `/pkg/..` to another); refusing everything that a normaliser would change means every later
//! decision (public asset? login needed? which route?) sees the one path that is served.

use axum::{
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Answers 400 to a request whose path is not canonical; passes the rest on.
pub async fn refuse_odd_paths(request: Request, next: Next) -> Response {
    if is_canonical(request.uri().path()) {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path().escape_debug(), "refused a request with a non-canonical path");
        (StatusCode::BAD_REQUEST, "Bad request: the path is not in canonical form.").into_response()
    }
}

/// A path that starts with `/` and has no empty, `.` or `..` segment, no `\`, `;` or control
/// character, and no percent-encoded `.`, `/`, `\`, `%` or control character (so neither one
/// nor two rounds of decoding can make a dot segment or a separator appear), and whose escapes
/// decode to valid UTF-8 (no overlong `%c0%ae` dots).
pub fn is_canonical(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else { return false };
    if path.chars().any(|c| c.is_control() || c == '\\' || c == ';') || has_forbidden_escape(path) {
        return false;
    }
    if percent_encoding::percent_decode_str(path).decode_utf8().is_err() {
        return false;
    }
    // `/` alone is the one path with an empty segment; elsewhere `//` or a trailing `/` is odd.
    rest.is_empty() || rest.split('/').all(|segment| !matches!(segment, "" | "." | ".."))
}

/// `%2e` `%2f` `%5c` `%25` `%00`–`%1f` `%7f` in any case, or a `%` not followed by two hex digits.
fn has_forbidden_escape(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().filter(|(_, b)| **b == b'%').any(|(at, _)| {
        let hex = bytes.get(at + 1..at + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()) {
            Some(byte) => matches!(byte, b'.' | b'/' | b'\\' | b'%' | 0x00..=0x1f | 0x7f),
            None => true,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::is_canonical;

    #[test]
    fn ordinary_paths_are_canonical() {
        for path in
            ["/", "/book", "/pkg/kobo-shelf.js", "/markup/abc-1.svg", "/api/sync-status", "/caf%C3%A9", "/a%20b"]
        {
            assert!(is_canonical(path), "{path}");
        }
    }

    #[test]
    fn every_way_of_writing_a_dot_segment_or_separator_is_refused() {
        let hostile = [
            "",
            "pkg",
            "//",
            "/pkg/../",
            "/pkg/..",
            "/pkg/./x",
            "/./",
            "/pkg//x",
            "/pkg/",
            "/pkg/%2e%2e/",
            "/pkg/%2E%2E/",
            "/pkg/.%2e/",
            "/pkg/%2e./",
            "/pkg/..%2f",
            "/pkg/..%2F",
            "/pkg/..;/",
            "/pkg/..\\",
            "/pkg\\..\\",
            "/pkg/%5c..%5c",
            "/pkg/%5C",
            "/pkg/%252e%252e/",
            "/pkg/%25",
            "/pkg/%",
            "/pkg/%zz",
            "/pkg/%00",
            "/pkg/%0a",
            "/pkg/\t",
            "/a;b",
            "/pkg/%c0%ae%c0%ae/",
        ];
        for path in hostile {
            assert!(!is_canonical(path), "{path:?}");
        }
    }
}
