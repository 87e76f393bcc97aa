//! The reading statistics page `/stats`: totals (and each device's, with several Kobos) and
//! charts drawn on the server.

use crate::{
    components::{
        charts::{Bar, BarChart, ColumnChart},
        loaded,
    },
    format,
    model::{DeviceStats, PageError, ReadingStats},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn get_reading_stats() -> Result<ReadingStats, PageError> {
    let library = crate::server::request::library()?;
    let mut stats = crate::server::request::blocking(move || library.stats()).await?;
    stats.review = crate::server::request::review_stats().await?;
    Ok(stats)
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| get_reading_stats());
    view! {
        <Title text="Reading statistics"/>
        {loaded(stats, "Counting…", |stats| view! { <Stats stats/> })}
    }
}

fn count_bar(label: String, count: u32) -> Bar {
    Bar { label, value: f64::from(count), shown: count.to_string(), class: "" }
}

#[component]
fn Stats(stats: ReadingStats) -> impl IntoView {
    let months: Vec<Bar> =
        stats.highlights_per_month.iter().map(|(month, n)| count_bar(month_label(month), *n)).collect();
    let years: Vec<Bar> = stats.finished_per_year.iter().map(|(year, n)| count_bar(year.clone(), *n)).collect();
    let time: Vec<Bar> = stats
        .time_per_book
        .iter()
        .map(|(title, secs)| Bar {
            label: title.clone(),
            value: *secs as f64,
            shown: format::duration(*secs),
            class: "",
        })
        .collect();
    let books: Vec<Bar> = stats.top_books.iter().map(|(title, n)| count_bar(title.clone(), *n)).collect();
    let authors: Vec<Bar> = stats.top_authors.iter().map(|(author, n)| count_bar(author.clone(), *n)).collect();
    let colours: Vec<Bar> = stats
        .colours
        .iter()
        .map(|(colour, n)| Bar { class: colour.slug(), ..count_bar(colour.label().to_string(), *n) })
        .collect();
    let days: Vec<Bar> = stats
        .reading_per_day
        .iter()
        .map(|(day, secs)| Bar {
            label: format::date(day),
            value: *secs as f64,
            shown: format::duration(*secs),
            class: "",
        })
        .collect();
    let streaks = format!(
        "{} in these {} days. Longest streak: {}; current: {}.",
        format::duration(days.iter().map(|bar| bar.value as u64).sum()),
        days.len(),
        format::count(stats.longest_streak_days as usize, "day", "days"),
        format::count(stats.current_streak_days as usize, "day", "days"),
    );
    let reviews: Vec<Bar> =
        stats.review.reviews_per_day.iter().map(|(day, n)| count_bar(format::date(day), *n)).collect();
    let review_summary = format!(
        "{} in the review, {} due today. {}",
        format::count(stats.review.cards, "highlight", "highlights"),
        stats.review.due_today,
        match stats.review.retention_percent {
            Some(percent) => format!(
                "You remembered {percent} % of the cards you had seen before ({} answers in these 30 days).",
                stats.review.repeat_answers
            ),
            None => "Retention shows once cards come back a second time.".to_string(),
        }
    );
    let busiest =
        stats.highlights_per_month.iter().max_by_key(|(_, n)| *n).map(|(m, n)| format!("{n} in {}", month_label(m)));
    view! {
        <section class="stats">
            <h1>"Reading statistics"</h1>
            <dl class="facts totals">
                <div><dt>"Items"</dt><dd>{stats.items}</dd></div>
                <div><dt>"Finished"</dt><dd>{stats.finished}</dd></div>
                <div><dt>"Highlights"</dt><dd>{stats.highlights}</dd></div>
                <div><dt>"Notes"</dt><dd>{stats.notes}</dd></div>
                <div><dt>"Time reading"</dt><dd>{format::duration(stats.reading_secs)}</dd></div>
                <div><dt>"Days read"</dt><dd>{stats.reading_days}</dd></div>
            </dl>
            {(!stats.per_device.is_empty()).then(|| view! { <PerDevice devices=stats.per_device.clone()/> })}
            <div class="charts">
                {(!days.is_empty()).then(|| view! {
                    <ColumnChart title="Reading per day" summary=streaks bars=days label_every=14/>
                })}
                <ColumnChart
                    title="Highlights per month"
                    summary=busiest.map_or_else(|| "No dated highlights.".to_string(), |b| format!("Busiest month: {b}."))
                    bars=months
                    label_every=3
                />
                // Once the reader has answered in these 30 days (the header's count alone puts
                // cards in the review).
                {stats.review.reviews_per_day.iter().any(|(_, n)| *n > 0).then(|| view! {
                    <ColumnChart title="Reviews per day" summary=review_summary bars=reviews label_every=7/>
                })}
                <ColumnChart title="Books finished per year" summary=format!("{} finished in all.", stats.finished) bars=years label_every=1/>
                <BarChart title="Time spent reading" summary="The items you spent longest with.".to_string() bars=time/>
                <BarChart title="Most highlighted books" summary="Highlights and notes per book.".to_string() bars=books/>
                <BarChart title="Most highlighted authors" summary="Highlights and notes per author.".to_string() bars=authors/>
                <BarChart title="Colours" summary="How you mark passages.".to_string() bars=colours/>
            </div>
        </section>
    }
}

/// Each of several Kobos' share of the library.
#[component]
fn PerDevice(devices: Vec<DeviceStats>) -> impl IntoView {
    let rows = devices
        .into_iter()
        .map(|device| {
            let name = if device.retired { format!("{} (retired)", device.name) } else { device.name };
            view! {
                <tr>
                    <th scope="row">{name}</th>
                    <td>{device.entries}</td>
                    <td>{device.highlights}</td>
                    <td>{format::duration(device.reading_secs)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="per-device">
            <caption>"Per device"</caption>
            <thead><tr><th scope="col">"Device"</th><th scope="col">"Items"</th><th scope="col">"Highlights"</th><th scope="col">"Time reading"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// `2025-01` → `Jan 2025`.
fn month_label(month: &str) -> String {
    format::date(&format!("{month}-01")).split_once(' ').map_or_else(|| month.to_string(), |(_, rest)| rest.to_string())
}
