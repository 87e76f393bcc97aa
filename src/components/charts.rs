//! Charts drawn as SVG by the server (no chart library to download), coloured by the theme's
//! CSS variables, each with a text alternative: an accessible name and the numbers in a table.

use leptos::prelude::*;

/// Drawing units of a chart's width (the SVG scales to its box).
const WIDTH: f64 = 640.0;

/// One bar: its label, its value, and how the value reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
    /// CSS class of the bar (e.g. a highlight colour); the accent colour when empty.
    pub class: &'static str,
}

/// Vertical bars over time (months, years); every `label_every`-th label is written.
#[component]
pub fn ColumnChart(title: &'static str, summary: String, bars: Vec<Bar>, label_every: usize) -> impl IntoView {
    let height = 180.0;
    let top = 16.0;
    let base = height - 28.0;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max).max(1.0);
    let step = WIDTH / bars.len().max(1) as f64;
    let columns = bars
        .iter()
        .enumerate()
        .map(|(i, bar)| {
            let h = (bar.value / max) * (base - top);
            let x = i as f64 * step;
            // The first label starts at the left edge instead of being centred past it.
            let (label_x, anchor) = if i == 0 { (x, "start") } else { (x + step / 2.0, "middle") };
            let label = (i % label_every.max(1) == 0).then(|| {
                view! { <text class="axis" x=label_x y=height - 8.0 text-anchor=anchor>{bar.label.clone()}</text> }
            });
            view! {
                <g>
                    <rect class=format!("chart-bar {}", bar.class) x=x + step * 0.15 y=base - h width=step * 0.7 height=h rx="2">
                        <title>{format!("{}: {}", bar.label, bar.shown)}</title>
                    </rect>
                    {label}
                </g>
            }
        })
        .collect_view();
    view! {
        <Chart title summary bars=bars.clone()>
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=title>
                <line class="baseline" x1="0" x2=WIDTH y1=base y2=base/>
                <text class="axis" x="2" y="12">{format!("max {}", bars.iter().max_by(|a, b| a.value.total_cmp(&b.value)).map(|b| b.shown.clone()).unwrap_or_default())}</text>
                {columns}
            </svg>
        </Chart>
    }
}

/// Horizontal bars for rankings: a label on the left, the bar, its value.
#[component]
pub fn BarChart(title: &'static str, summary: String, bars: Vec<Bar>) -> impl IntoView {
    let row = 26.0;
    let height = row * bars.len().max(1) as f64;
    let label_width = WIDTH * 0.38;
    let bar_space = WIDTH - label_width - 95.0;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max).max(1.0);
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, bar)| {
            let y = i as f64 * row;
            let w = (bar.value / max) * bar_space;
            view! {
                <g>
                    <text class="label" x=label_width - 8.0 y=y + 17.0 text-anchor="end">{shorten(&bar.label, 34)}<title>{bar.label.clone()}</title></text>
                    <rect class=format!("chart-bar {}", bar.class) x=label_width y=y + 5.0 width=w.max(1.0) height=row - 10.0 rx="2"/>
                    <text class="value" x=label_width + w + 6.0 y=y + 17.0>{bar.shown.clone()}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <Chart title summary bars=bars.clone()>
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=title>{rows}</svg>
        </Chart>
    }
}

/// The frame every chart shares: heading, one-line summary, the drawing, and its numbers.
#[component]
fn Chart(title: &'static str, summary: String, bars: Vec<Bar>, children: Children) -> impl IntoView {
    view! {
        <figure class="chart">
            <figcaption><h2>{title}</h2><p>{summary}</p></figcaption>
            {if bars.is_empty() {
                view! { <p class="empty">"Nothing to show yet."</p> }.into_any()
            } else {
                children().into_any()
            }}
            <details>
                <summary>"The numbers"</summary>
                <table>
                    <tbody>
                        {bars.into_iter().map(|bar| view! { <tr><th scope="row">{bar.label}</th><td>{bar.shown}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}
