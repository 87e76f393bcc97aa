//! An item's cover as an `<img>`: loaded lazily, with its size fixed so the page does not shift
//! when it arrives (the server answers a drawn cover where the device had none).

use crate::model::cover_href;
use leptos::prelude::*;

/// Where a cover is shown: its size in CSS pixels (2:3, the shape of Kobo's thumbnails).
#[derive(Clone, Copy)]
pub enum CoverSize {
    List,
    Page,
}

impl CoverSize {
    fn pixels(self) -> (u32, u32) {
        match self {
            CoverSize::List => (56, 84),
            CoverSize::Page => (160, 240),
        }
    }

    fn class(self) -> &'static str {
        match self {
            CoverSize::List => "cover cover-list",
            CoverSize::Page => "cover cover-page",
        }
    }
}

#[component]
pub fn Cover(id: String, title: String, size: CoverSize) -> impl IntoView {
    let (width, height) = size.pixels();
    view! {
        <img class=size.class() src=cover_href(&id) alt=format!("Cover of {title}") width=width height=height loading="lazy" decoding="async"/>
    }
}
