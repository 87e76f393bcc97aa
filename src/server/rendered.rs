//! Pages already rendered for the current library view, kept as HTML and deflated.
//!
//! A book of thousands of highlights is a megabyte of HTML, and rendering it (Leptos SSR, with
//! every `Suspense` pass) costs ten times what reading it does. What a page shows changes only
//! with the library view (device version, archive generation: its key) and the page's own
//! query, so each page is rendered once per view and every later request gets the same string.
//! The pages of a view are dropped when a page of the next view is asked for, and the cache is
//! bounded by bytes: past the bound it evicts the least useful pages (quick_cache's CLOCK-Pro),
//! and several requests missing the same page at once render it once. Each page is deflated
//! when rendered (see `precompressed`), so no request gzips it again. The web app owns this
//! cache: the library knows nothing of pages.

use super::precompressed::Precompressed;
use parking_lot::Mutex;
use quick_cache::{
    sync::{Cache, DefaultLifecycle},
    DefaultHashBuilder, OptionsBuilder, Weighter,
};
use std::sync::Arc;

/// HTML and its blocks kept, at most: about twenty-five of the heaviest book pages.
const RENDERED_BYTES: u64 = 32 << 20;
/// Pages the cache is sized for (it holds more if they are small).
const EXPECTED_PAGES: usize = 256;

/// Rendered pages of one library view by the key their page gives them (route and query).
pub struct RenderedPages {
    pages: Cache<String, Arc<Precompressed>, PageBytes>,
    /// The key of the view whose pages `pages` holds.
    view: Mutex<String>,
}

/// A page weighs its HTML, its deflated blocks and its key, in bytes.
#[derive(Clone)]
struct PageBytes;

impl Weighter<String, Arc<Precompressed>> for PageBytes {
    fn weight(&self, key: &String, page: &Arc<Precompressed>) -> u64 {
        (key.len() + page.weight()) as u64
    }
}

impl Default for RenderedPages {
    /// One shard: quick_cache splits its bytes between shards (four per core by default) and
    /// keeps nothing heavier than most of a shard, so a book page of 3,000 highlights with
    /// its edit forms (6 MB) was rendered on every request (p50 70 ms instead of 1 ms). A
    /// lookup holds the lock for a hash probe only.
    fn default() -> RenderedPages {
        let options = OptionsBuilder::new()
            .estimated_items_capacity(EXPECTED_PAGES)
            .weight_capacity(RENDERED_BYTES)
            .shards(1)
            .build()
            .expect("capacities set");
        let pages = Cache::with_options(options, PageBytes, DefaultHashBuilder::default(), DefaultLifecycle::default());
        RenderedPages { pages, view: Mutex::new(String::new()) }
    }
}

impl RenderedPages {
    /// The page `key` of the view `view_key`, rendered by `render` if it was not yet (or was
    /// evicted). An error is returned, never kept.
    pub fn get_or_render<E>(
        &self,
        (view_key, key): (&str, &str),
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<Precompressed>, E> {
        {
            // Views alternate only for the moment a sync swaps (a request pinned to the old
            // one): the pages of another view replace those kept.
            let mut view = self.view.lock();
            if *view != view_key {
                self.pages.clear();
                view_key.clone_into(&mut view);
            }
        }
        let key = format!("{view_key} {key}");
        self.pages.get_or_insert_with(&key, || render().map(|html| Arc::new(Precompressed::new(html))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_rendered_once_per_view_and_an_error_is_not_kept() {
        let pages = RenderedPages::default();
        let mut renders = 0;
        for _ in 0..3 {
            let html = pages.get_or_render(("v1-g1", "book?id=1"), || {
                renders += 1;
                Ok::<_, ()>("<p>one</p>".to_string())
            });
            assert_eq!(&**html.unwrap().text(), "<p>one</p>");
        }
        assert_eq!(renders, 1);
        assert!(pages.get_or_render(("v1-g1", "book?id=2"), || Err(())).is_err());
        let two = pages.get_or_render(("v1-g1", "book?id=2"), || Ok::<_, ()>("<p>two</p>".into())).unwrap();
        assert_eq!(&**two.text(), "<p>two</p>");
        let next = pages.get_or_render(("v2-g1", "book?id=1"), || Ok::<_, ()>("<p>new</p>".into())).unwrap();
        assert_eq!(&**next.text(), "<p>new</p>", "the next view renders its own page");
        assert_eq!(pages.pages.len(), 1, "the previous view's pages are dropped");
    }

    #[test]
    fn the_pages_kept_stay_within_their_bytes() {
        let pages = RenderedPages::default();
        let page = "x".repeat(1 << 20);
        for number in 0..100 {
            pages.get_or_render(("v1-g1", &format!("book?id={number}")), || Ok::<_, ()>(page.clone())).unwrap();
        }
        assert!(pages.pages.weight() <= RENDERED_BYTES, "{} bytes kept", pages.pages.weight());
        assert!(pages.pages.len() >= 16, "the bound holds many heavy pages, {} kept", pages.pages.len());
    }

    #[test]
    fn a_page_of_several_megabytes_is_kept() {
        let pages = RenderedPages::default();
        let mut renders = 0;
        for _ in 0..3 {
            pages
                .get_or_render(("v1-g1", "book?id=heavy"), || {
                    renders += 1;
                    Ok::<_, ()>("x".repeat(8 << 20))
                })
                .unwrap();
        }
        assert_eq!(renders, 1, "an 8 MB page is rendered once");
    }
}
