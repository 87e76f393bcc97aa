//! Pages that carry a part kept deflated (a rendered book, see `server::precompressed`) are
//! gzipped around it for clients that accept gzip: the response costs the deflate of its few
//! kilobytes around the part instead of the whole megabyte. Every other response is left to
//! the compression layer outside (which leaves alone what already has a Content-Encoding).

use super::headers::accepts_gzip;
use crate::server::{precompressed::gzip_around, request::SentPrecompressed};
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Pages are rendered whole (`SsrMode::Async`): a page's parts are known once `next` answers.
pub async fn gzip_around_kept_parts(mut request: Request, next: Next) -> Response {
    if !accepts_gzip(request.headers()) {
        return next.run(request).await;
    }
    let sent = SentPrecompressed::default();
    request.extensions_mut().insert(sent.clone());
    let response = next.run(request).await;
    let parts = sent.take();
    if parts.is_empty() || response.headers().contains_key(header::CONTENT_ENCODING) || !is_html(response.headers()) {
        return response;
    }
    let (mut head, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        tracing::warn!("a page's body failed while it was read for compression");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(gzip) = parts.iter().find_map(|part| gzip_around(&body, part)) else {
        return Response::from_parts(head, Body::from(body));
    };
    head.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    head.headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    head.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(gzip.len()));
    Response::from_parts(head, Body::from(gzip))
}

fn is_html(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).is_some_and(|t| t.starts_with("text/html"))
}
