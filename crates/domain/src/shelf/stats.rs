//! The statistics page's figures for one library view: what the device files count
//! (highlights per month, books finished per year, time per book), what earlier versions held
//! that they no longer have (annotations deleted on a device, every reading session the archive
//! kept), and what is counted per list entry (items, the most highlighted books and authors).

use super::ShelfError;
use crate::{
    archive::ReadingHistory,
    dates::date_of_day,
    model::{BookSummary, HighlightColor, ReadStatus, ReadingStats},
};
use kobo_reader::Snapshot;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Bars in the ranking charts.
const TOP: usize = 10;
/// Months in the highlights-per-month chart at most (the latest ones).
const MONTHS: usize = 36;

/// What the statistics are computed from: the view's device files, every reading session and
/// running total the archive kept, and the list's entries (books removed from a device and a
/// retired device's included).
pub struct StatsSources<'a> {
    pub files: Vec<&'a Snapshot>,
    pub reading: ReadingHistory,
    pub entries: Vec<&'a BookSummary>,
}

/// The highlights and notes counted, as they are given to it.
#[derive(Default)]
pub struct Tally {
    highlights: usize,
    notes: usize,
    months: BTreeMap<String, u32>,
    colours: HashMap<HighlightColor, u32>,
}

impl Tally {
    /// Counts one highlight or note (`created` as `YYYY-MM-DD…`).
    pub fn count(&mut self, created: Option<&str>, colour: HighlightColor, is_note: bool) {
        self.highlights += 1;
        self.notes += usize::from(is_note);
        *self.colours.entry(colour).or_default() += 1;
        if let Some(month) = created.and_then(|date| date.get(..7)) {
            *self.months.entry(month.to_string()).or_default() += 1;
        }
    }

    /// Highlights per month, notes, colour mix.
    fn into_stats(self, stats: &mut ReadingStats) {
        (stats.highlights, stats.notes) = (self.highlights, self.notes);
        stats.highlights_per_month = continuous_months(&self.months);
        stats.colours = HighlightColor::ALL
            .into_iter()
            .map(|c| (c, self.colours.get(&c).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
    }
}

/// The figures of `sources`, with every highlight and note (each once, those deleted on a
/// device included) given by `annotations`; `entry_of` finds the list entry of any ContentID.
pub fn reading_stats<'a>(
    sources: &StatsSources<'a>,
    annotations: impl FnOnce(&mut Tally) -> Result<(), ShelfError>,
    entry_of: impl Fn(&str) -> Option<&'a BookSummary>,
) -> Result<ReadingStats, ShelfError> {
    let mut stats = ReadingStats::default();
    let mut tally = Tally::default();
    annotations(&mut tally)?;
    tally.into_stats(&mut stats);
    item_stats(sources, entry_of, &mut stats)?;
    reading_days(&sources.reading, &mut stats);
    entry_stats(&sources.entries, &mut stats);
    Ok(stats)
}

/// Books finished per year (an entry once, however many devices finished it), and time spent
/// per book: the devices' running totals or, when larger, what the archive accumulated for the
/// entry's copies; time of books on no device counts in the total.
fn item_stats<'a>(
    sources: &StatsSources<'a>,
    entry_of: impl Fn(&str) -> Option<&'a BookSummary>,
    stats: &mut ReadingStats,
) -> Result<(), ShelfError> {
    let mut years: BTreeMap<String, u32> = BTreeMap::new();
    let mut finished: HashSet<&str> = HashSet::new();
    let mut spent: HashMap<&str, (&'a BookSummary, u64)> = HashMap::new();
    for file in &sources.files {
        for copy in file.item_readings()? {
            let (Some(entry), Some(listed)) = (file.entry(&copy.id), entry_of(&copy.id)) else { continue };
            // A finished item counts once, for its shown copy.
            let shown = entry.copies.first() == Some(&copy.id);
            if copy.finished && shown && finished.insert(listed.id.as_str()) {
                if let Some(year) = copy.finished_on.as_deref().and_then(|date| date.get(..4)) {
                    *years.entry(year.to_string()).or_default() += 1;
                }
            }
            spent.entry(listed.id.as_str()).or_insert((listed, 0)).1 += copy.seconds;
        }
    }
    stats.finished_per_year = continuous_years(&years);
    let on_a_device = |id: &str| sources.files.iter().any(|file| file.entry(id).is_some());
    let mut archived: HashMap<&str, (&'a BookSummary, u64)> = HashMap::new();
    for (id, secs) in &sources.reading.per_book {
        match entry_of(id).filter(|_| on_a_device(id)) {
            Some(listed) => archived.entry(listed.id.as_str()).or_insert((listed, 0)).1 += secs,
            None => stats.reading_secs += secs,
        }
    }
    let mut per_title: HashMap<String, u64> = HashMap::new();
    let listed: HashSet<&str> = spent.keys().chain(archived.keys()).copied().collect();
    for id in listed {
        let entry = spent.get(id).or(archived.get(id)).map(|(entry, _)| *entry).expect("a key of one of them");
        let seconds_of =
            |per_entry: &HashMap<&str, (&BookSummary, u64)>| per_entry.get(id).map_or(0, |(_, secs)| *secs);
        let secs = seconds_of(&spent).max(seconds_of(&archived));
        stats.reading_secs += secs;
        *per_title.entry(entry.title.clone()).or_default() += secs;
    }
    stats.time_per_book = top_ranked(per_title.into_iter());
    Ok(())
}

/// Items, finished ones, and the most highlighted books and authors, over the list's entries.
fn entry_stats(entries: &[&BookSummary], stats: &mut ReadingStats) {
    stats.items = entries.len();
    stats.finished = entries.iter().filter(|summary| summary.read_status == ReadStatus::Finished).count();
    let mut by_author: HashMap<&str, u32> = HashMap::new();
    for summary in entries {
        if let Some(author) = summary.author.as_deref() {
            *by_author.entry(author).or_default() += summary.highlight_count;
        }
    }
    stats.top_books = top_ranked(entries.iter().map(|summary| (summary.title.clone(), summary.highlight_count)));
    stats.top_authors = top_ranked(by_author.into_iter().map(|(author, count)| (author.to_string(), count)));
}

/// Days shown in the reading-per-day chart.
const READING_DAYS: i64 = 91;

/// Reading per day and streaks, from the archive's sessions.
fn reading_days(reading: &ReadingHistory, stats: &mut ReadingStats) {
    let days: HashMap<i64, u64> = reading.per_day.iter().map(|(_, day, secs)| (*day, *secs)).collect();
    let Some(last) = days.keys().max().copied() else { return };
    let end = if reading.today - last < READING_DAYS { reading.today } else { last };
    stats.reading_per_day =
        (end - READING_DAYS + 1..=end).map(|day| (date_of_day(day), days.get(&day).copied().unwrap_or(0))).collect();
    stats.reading_days = days.len();
    let mut sorted: Vec<i64> = days.into_keys().collect();
    sorted.sort_unstable();
    let mut run = 0u32;
    for (i, day) in sorted.iter().enumerate() {
        run = if i > 0 && sorted[i - 1] + 1 == *day { run + 1 } else { 1 };
        stats.longest_streak_days = stats.longest_streak_days.max(run);
    }
    stats.current_streak_days = if reading.today - last <= 1 { run } else { 0 };
}

/// The largest `TOP` values, largest first (ties by name).
fn top_ranked<N: Ord + Copy + Default>(values: impl Iterator<Item = (String, N)>) -> Vec<(String, N)> {
    let mut values: Vec<(String, N)> = values.filter(|(_, n)| *n > N::default()).collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    values.truncate(TOP);
    values
}

/// Every month from the first to the last with data (the latest `MONTHS`), zeros included.
fn continuous_months(counts: &BTreeMap<String, u32>) -> Vec<(String, u32)> {
    let parse = |ym: &str| Some((ym.get(..4)?.parse::<i32>().ok()?, ym.get(5..7)?.parse::<i32>().ok()?));
    let (Some(first), Some(last)) =
        (counts.keys().next().and_then(|k| parse(k)), counts.keys().last().and_then(|k| parse(k)))
    else {
        return Vec::new();
    };
    let index = |(y, m): (i32, i32)| y * 12 + m - 1;
    let start = index(first).max(index(last) - MONTHS as i32 + 1);
    (start..=index(last))
        .map(|i| {
            let key = format!("{:04}-{:02}", i / 12, i % 12 + 1);
            let count = counts.get(&key).copied().unwrap_or(0);
            (key, count)
        })
        .collect()
}

fn continuous_years(counts: &BTreeMap<String, u32>) -> Vec<(String, u32)> {
    let years: Vec<i32> = counts.keys().filter_map(|y| y.parse().ok()).collect();
    let (Some(first), Some(last)) = (years.first(), years.last()) else { return Vec::new() };
    (*first..=*last).map(|y| (y.to_string(), counts.get(&y.to_string()).copied().unwrap_or(0))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_years_run_without_gaps() {
        let months: BTreeMap<String, u32> = [("2024-11".to_string(), 2), ("2025-02".to_string(), 5)].into();
        assert_eq!(
            continuous_months(&months),
            [("2024-11", 2), ("2024-12", 0), ("2025-01", 0), ("2025-02", 5)].map(|(m, n)| (m.to_string(), n))
        );
        let long: BTreeMap<String, u32> = [("2019-01".to_string(), 1), ("2025-06".to_string(), 1)].into();
        let series = continuous_months(&long);
        assert_eq!(series.len(), MONTHS);
        assert_eq!(series.last().unwrap().0, "2025-06");
        let years: BTreeMap<String, u32> = [("2022".to_string(), 1), ("2024".to_string(), 3)].into();
        assert_eq!(continuous_years(&years), [("2022", 1), ("2023", 0), ("2024", 3)].map(|(y, n)| (y.to_string(), n)));
    }

    #[test]
    fn days_are_dated_and_streaks_counted() {
        let day = |n: i64, secs: u64| (date_of_day(n), n, secs);
        let reading = ReadingHistory {
            per_day: vec![day(100, 60), day(101, 30), day(102, 10), day(200, 5), day(209, 50), day(210, 40)],
            today: 211,
            per_book: HashMap::new(),
            per_device: HashMap::new(),
        };
        let mut stats = ReadingStats::default();
        reading_days(&reading, &mut stats);
        assert_eq!((stats.reading_days, stats.longest_streak_days, stats.current_streak_days), (6, 3, 2));
        assert_eq!(stats.reading_per_day.len(), READING_DAYS as usize);
        assert_eq!(stats.reading_per_day.last().unwrap(), &(date_of_day(211), 0));
        assert_eq!(stats.reading_per_day[READING_DAYS as usize - 2], (date_of_day(210), 40));
        let stale = ReadingHistory { today: 400, ..reading };
        let mut stats = ReadingStats::default();
        reading_days(&stale, &mut stats);
        assert_eq!(stats.current_streak_days, 0);
        assert_eq!(stats.reading_per_day.last().unwrap(), &(date_of_day(210), 40), "ends at the last day read");
    }

    #[test]
    fn top_keeps_the_largest_first() {
        let values = (0..15).map(|i| (format!("b{i:02}"), i as u32));
        let top = top_ranked(values);
        assert_eq!(top.len(), TOP);
        assert_eq!(top[0], ("b14".to_string(), 14));
    }
}
