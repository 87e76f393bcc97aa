//! Pages a library view has already rendered, kept as HTML and deflated.
//!
//! A book of thousands of highlights is a megabyte of HTML, and rendering it (Leptos SSR, with
//! every `Suspense` pass) costs ten times what reading it does. What a page shows changes only
//! with the view (device version, archive generation) and the page's own query, so each page is
//! rendered once per view and every later request gets the same string. The cache lives and dies
//! with its view, and is bounded by bytes: past the bound the cache evicts the least useful pages
//! (quick_cache's CLOCK-Pro), and several requests missing the same page at once render it once.
//! Each page is deflated when rendered (see `precompressed`), so no request gzips it again.

use super::ShelfError;
use crate::server::precompressed::Precompressed;
use quick_cache::{sync::Cache, Weighter};
use std::sync::Arc;

/// HTML and its blocks kept per view, at most: about twenty-five of the heaviest book pages.
const RENDERED_BYTES: u64 = 32 << 20;
/// Pages per view the cache is sized for (it holds more if they are small).
const EXPECTED_PAGES: usize = 256;

/// Rendered pages by the key their page gives them (its route and query).
pub(super) struct RenderedPages(Cache<String, Arc<Precompressed>, PageBytes>);

/// A page weighs its HTML, its deflated blocks and its key, in bytes.
#[derive(Clone)]
pub(super) struct PageBytes;

impl Weighter<String, Arc<Precompressed>> for PageBytes {
    fn weight(&self, key: &String, page: &Arc<Precompressed>) -> u64 {
        (key.len() + page.weight()) as u64
    }
}

impl RenderedPages {
    pub(super) fn new() -> RenderedPages {
        RenderedPages(Cache::with_weighter(EXPECTED_PAGES, RENDERED_BYTES, PageBytes))
    }

    /// The page of `key`, rendered by `render` if it was not yet (or was evicted).
    pub(super) fn get_or_render(
        &self,
        key: &str,
        render: impl FnOnce() -> Result<String, ShelfError>,
    ) -> Result<Arc<Precompressed>, ShelfError> {
        self.0.get_or_insert_with(key, || render().map(|html| Arc::new(Precompressed::new(html))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_rendered_once_and_an_error_is_not_kept() {
        let pages = RenderedPages::new();
        let mut renders = 0;
        for _ in 0..3 {
            let html = pages.get_or_render("book?id=1", || {
                renders += 1;
                Ok("<p>one</p>".to_string())
            });
            assert_eq!(&**html.unwrap().text(), "<p>one</p>");
        }
        assert_eq!(renders, 1);
        assert!(pages.get_or_render("book?id=2", || Err(ShelfError::NotFound)).is_err());
        assert_eq!(&**pages.get_or_render("book?id=2", || Ok("<p>two</p>".into())).unwrap().text(), "<p>two</p>");
    }

    #[test]
    fn the_pages_kept_stay_within_their_bytes() {
        let pages = RenderedPages::new();
        let page = "x".repeat(1 << 20);
        for number in 0..100 {
            pages.get_or_render(&format!("book?id={number}"), || Ok(page.clone())).unwrap();
        }
        assert!(pages.0.weight() <= RENDERED_BYTES, "{} bytes kept", pages.0.weight());
        assert!(pages.0.len() >= 16, "the bound holds many heavy pages, {} kept", pages.0.len());
    }
}
