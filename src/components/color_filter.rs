//! The book page's colour filter: links to the page showing the highlights of one colour
//! (`color=pink`), each with its count, so it works without JavaScript.

use crate::model::{Chapter, HighlightColor};
use leptos::prelude::*;

/// The chapter with only the highlights of `color` (none: all of them); `None` when none is
/// left. Markups have no colour and only show unfiltered.
pub fn chapter_of_color(mut chapter: Chapter, color: Option<HighlightColor>) -> Option<Chapter> {
    let Some(color) = color else { return Some(chapter) };
    chapter.highlights.retain(|h| !h.is_markup && h.color == color);
    (!chapter.highlights.is_empty()).then_some(chapter)
}

/// How many highlights (not markups) of each colour `chapters` hold, colours without any left out.
pub fn colour_counts(chapters: &[Chapter]) -> Vec<(HighlightColor, usize)> {
    let highlights = chapters.iter().flat_map(|chapter| &chapter.highlights).filter(|h| !h.is_markup);
    HighlightColor::ALL
        .into_iter()
        .map(|color| (color, highlights.clone().filter(|h| h.color == color).count()))
        .filter(|(_, count)| *count > 0)
        .collect()
}

/// Links to every colour the book's highlights have (when more than one, or one is chosen);
/// `href` makes the page's URL for a colour.
#[component]
pub fn ColorFilter(
    /// See [`colour_counts`].
    counts: Vec<(HighlightColor, usize)>,
    chosen: Option<HighlightColor>,
    href: impl Fn(Option<HighlightColor>) -> String + 'static,
) -> impl IntoView {
    (counts.len() > 1 || chosen.is_some()).then(|| {
        let link = |color: Option<HighlightColor>, label: String| {
            let current = (chosen == color).then_some("true");
            view! { <a href=href(color) aria-current=current class=color.map(|c| format!("color-{}", c.slug()))>{label}</a> }
        };
        let all = link(None, "All colours".to_string());
        let colours = counts.into_iter().map(|(color, count)| link(Some(color), format!("{} ({count})", color.label())));
        view! {
            <nav class="color-filter" aria-label="Highlight colour">
                {all}
                {colours.collect_view()}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Highlight;

    #[test]
    fn a_colour_keeps_its_highlights_and_drops_empty_chapters() {
        let coloured = |id: &str, color| Highlight { color, ..Highlight::sample(id) };
        let markup = Highlight { is_markup: true, ..Highlight::sample("m") };
        let chapters = vec![
            Chapter {
                title: Some("One".into()),
                highlights: vec![coloured("a", HighlightColor::Pink), coloured("b", HighlightColor::Blue), markup],
            },
            Chapter { title: Some("Two".into()), highlights: vec![coloured("c", HighlightColor::Blue)] },
        ];
        let ids = |chapters: Vec<Chapter>| -> Vec<Vec<String>> {
            chapters.into_iter().map(|c| c.highlights.into_iter().map(|h| h.id).collect()).collect()
        };
        let of_color =
            |color| chapters.iter().cloned().filter_map(|chapter| chapter_of_color(chapter, color)).collect();
        assert_eq!(ids(of_color(Some(HighlightColor::Pink))), [vec!["a"]]);
        assert_eq!(ids(of_color(Some(HighlightColor::Blue))), [vec!["b"], vec!["c"]]);
        assert_eq!(ids(of_color(None)), [vec!["a", "b", "m"], vec!["c"]]);
        assert_eq!(
            colour_counts(&chapters),
            [(HighlightColor::Pink, 1), (HighlightColor::Blue, 2)],
            "in the order of HighlightColor::ALL"
        );
    }
}
