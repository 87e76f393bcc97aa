//! Text compressed once and reused in every response that carries it.
//!
//! A book page of thousands of highlights is a megabyte of HTML the server renders once per
//! library view (`rendered`); gzipping it for each request would cost more than serving
//! it (5 ms per MB at the fastest level). The response around it differs per request (the
//! Content-Security-Policy nonce of its scripts), so the whole response cannot be kept
//! compressed. What can: a deflate stream is a sequence of blocks, and a block may follow any
//! byte-aligned, non-final block (pigz makes its parallel gzip this way). So the text is
//! deflated once, at a good level, into blocks of its own ending byte-aligned, with its CRC-32;
//! a response is then one gzip member: the part before it deflated at the fastest level, the
//! kept blocks, the part after it, and a trailer whose CRC-32 is combined from the three.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::sync::Arc;

/// A text with its deflate blocks (ending byte-aligned, not final) and its CRC-32.
pub struct Precompressed {
    text: Arc<str>,
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
}

impl Precompressed {
    /// Deflates `text` at the default level (a third smaller than the fastest; once per text).
    pub fn new(text: impl Into<Arc<str>>) -> Precompressed {
        let text: Arc<str> = text.into();
        let mut crc = crc32fast::Hasher::new();
        crc.update(text.as_bytes());
        let deflated = deflate(text.as_bytes(), Compression::default(), FlushCompress::Sync);
        Precompressed { text, deflated, crc }
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Bytes it holds, text and blocks.
    pub fn weight(&self) -> usize {
        self.text.len() + self.deflated.len()
    }
}

/// `body` as one gzip member, with the first occurrence of `part`'s text replaced by its kept
/// blocks (the rest deflated at the fastest level); `None` when `body` does not contain it.
pub fn gzip_around(body: &[u8], part: &Precompressed) -> Option<Vec<u8>> {
    let text = part.text.as_bytes();
    let start = find(body, text)?;
    let (before, after) = (&body[..start], &body[start + text.len()..]);
    let mut gzip = Vec::with_capacity(part.deflated.len() + (before.len() + after.len()) / 4 + 64);
    // RFC 1952 header: deflate, no flags, no time, no extra flags, OS unknown.
    gzip.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    gzip.extend(deflate(before, Compression::fast(), FlushCompress::Sync));
    gzip.extend_from_slice(&part.deflated);
    gzip.extend(deflate(after, Compression::fast(), FlushCompress::Finish));
    let mut crc = crc32fast::Hasher::new();
    crc.update(before);
    crc.combine(&part.crc);
    let mut crc_after = crc32fast::Hasher::new();
    crc_after.update(after);
    crc.combine(&crc_after);
    gzip.extend_from_slice(&crc.finalize().to_le_bytes());
    gzip.extend_from_slice(&(body.len() as u32).to_le_bytes());
    Some(gzip)
}

/// Where `text` first starts in `body`: candidates (overlapping) found by its first 64 bytes,
/// each compared whole (a searcher built for the whole megabyte would cost more than the response).
fn find(body: &[u8], text: &[u8]) -> Option<usize> {
    let probe = memchr::memmem::Finder::new(&text[..text.len().min(64)]);
    let mut from = 0;
    while let Some(at) = probe.find(body.get(from..)?).map(|offset| from + offset) {
        if body[at..].starts_with(text) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Raw deflate blocks of `input`, ended by `flush`: `Sync` leaves them byte-aligned and not
/// final, so more blocks may follow; `Finish` ends the stream.
fn deflate(input: &[u8], level: Compression, flush: FlushCompress) -> Vec<u8> {
    let mut compress = Compress::new(level, false);
    let mut out = Vec::with_capacity(input.len() / 3 + 64);
    loop {
        let consumed = compress.total_in() as usize;
        let status = compress
            .compress_vec(&input[consumed..], &mut out, flush)
            .expect("deflate into a growing buffer cannot fail");
        let done = compress.total_in() as usize == input.len()
            && match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                _ => out.len() < out.capacity(),
            };
        if done {
            return out;
        }
        out.reserve(out.capacity().max(64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(gzip: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gzip).read_to_end(&mut out).expect("a valid gzip member");
        out
    }

    #[test]
    fn a_response_around_a_kept_part_gunzips_to_the_response() {
        let part: String = (0..5_000).map(|i| format!("<li id=\"h-{i}\">Highlight «{i}» — ünïcode</li>")).collect();
        let part = Precompressed::new(part);
        for (before, after) in [("<html nonce=\"abc\"><body>", "</body></html>"), ("", ""), ("x", "")] {
            let body = format!("{before}{}{after}", part.text());
            let gzip = gzip_around(body.as_bytes(), &part).expect("the part is in the body");
            assert_eq!(gunzip(&gzip), body.as_bytes());
            assert!(gzip.len() < body.len() / 5, "compressed: {} of {}", gzip.len(), body.len());
        }
    }

    #[test]
    fn only_the_first_occurrence_is_replaced_and_a_missing_part_is_refused() {
        let part = Precompressed::new("<p>twice</p>");
        let body = "<p>twice</p><p>twice</p>";
        assert_eq!(gunzip(&gzip_around(body.as_bytes(), &part).unwrap()), body.as_bytes());
        assert!(gzip_around(b"<p>once</p>", &part).is_none());
        assert!(gzip_around(b"<p>tw", &part).is_none());
        let long = Precompressed::new("a".repeat(100) + "b");
        let body = "a".repeat(99) + "x" + &"a".repeat(300) + "b";
        assert_eq!(gunzip(&gzip_around(body.as_bytes(), &long).unwrap()), body.as_bytes(), "past a false start");
    }
}
