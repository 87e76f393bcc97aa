//! Response headers: the ones every answer carries, `no-store` on everything private, and each
//! page's Content-Security-Policy with the nonce of its inline hydration script; and what the
//! request's `Accept-Encoding` allows.

use axum::{
    http::{header, HeaderMap, HeaderValue},
    response::Response,
};
use leptos::prelude::*;

/// For answers that set no policy of their own (error pages, the 429 page): nothing runs.
const DEFAULT_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// For images that may be SVG (markups, drawn covers): scripts, plugins, frames, links out all
/// forbidden, inline styles (used by drawings) allowed, so opening one directly runs nothing.
pub const IMAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// Every response: no MIME sniffing, no framing, no referrer leaks, a policy if none is set.
pub async fn every_response(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(DEFAULT_POLICY));
    response
}

/// Every response behind the login (pages, server functions, API, exports, markups) is private
/// reading data: no cache, shared or the browser's, keeps a copy.
pub async fn private_response(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Sets this page's policy: scripts only from this site or with this response's nonce (the
/// hydration bootstrap), WASM compiled from this site, inline style attributes (progress bars)
/// but no inline style elements, nothing framed, no `<base>`.
pub fn provide_page_policy() {
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else { return };
    if let Ok(policy) = HeaderValue::from_str(&page_policy(&nonce.to_string())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, policy);
    }
}

fn page_policy(nonce: &str) -> String {
    // `cargo leptos watch` reloads pages through a WebSocket on its own port.
    let live_reload = if std::env::var_os("LEPTOS_WATCH").is_some() { "; connect-src 'self' ws: wss:" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'self'{live_reload}"
    )
}

/// Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`) weighed
/// above zero, or else `*` weighed above zero.
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    let (mut gzip, mut any) = (None, None);
    let values = headers.get_all(header::ACCEPT_ENCODING).into_iter().filter_map(|value| value.to_str().ok());
    for (name, weight) in values.flat_map(|value| value.split(',')).map(coding_and_weight) {
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if name == "*" {
            any = Some(weight);
        }
    }
    gzip.or(any).is_some_and(|weight| weight > 0.0)
}

/// `br;q=0.5` → (`br`, 0.5); no weight is 1, a weight that does not parse is 0.
fn coding_and_weight(coding: &str) -> (&str, f32) {
    let mut parameters = coding.split(';').map(str::trim);
    let name = parameters.next().unwrap_or("");
    let weight = parameters
        .find_map(|parameter| parameter.strip_prefix("q=").or_else(|| parameter.strip_prefix("Q=")))
        .map_or(1.0, |q| q.parse().unwrap_or(0.0));
    (name, weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_this_sites_scripts_and_the_nonce() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'") && policy.contains("base-uri 'none'"), "{policy}");
        let scripts = policy.split(';').find(|part| part.trim_start().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
    }

    #[test]
    fn gzip_is_used_only_when_the_client_weighs_it_above_zero() {
        let accepts =
            |value: &str| accepts_gzip(&HeaderMap::from_iter([(header::ACCEPT_ENCODING, value.parse().unwrap())]));
        assert!(accepts("gzip, deflate, br, zstd") && accepts("br;q=1.0, GZIP;q=0.5") && accepts("*"));
        assert!(!accepts("br") && !accepts("gzip;q=0") && !accepts("gzip; q=0.0") && !accepts("identity"));
        assert!(!accepts("gzip;q=zero"));
        assert!(!accepts("gzip;q=0, *"), "named, gzip's own weight decides");
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
