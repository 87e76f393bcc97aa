//! Kobo's date shapes, read as one: the device writes `DateCreated`, `DateLastRead` and the
//! rest in several forms over firmware versions; the reader gives every date as
//! `YYYY-MM-DDTHH:MM:SS` (UTC, as the device writes it) or not at all.

use jiff::civil::{Date, Time};

/// Normalises Kobo's date shapes (`2024-03-01T18:22:05.000`, `2024-03-01T18:22:05Z`,
/// `2024-03-01 18:22:05.000+00:00`, `2024-03-01`) to `YYYY-MM-DDTHH:MM:SS`; a time that is not
/// `HH:MM:SS` reads as midnight. Placeholders such as `0000-00-00T00:00:00.000`, dates the
/// calendar does not have and anything unparseable give `None`.
pub fn normalize_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let date: Date = raw.get(..10)?.parse().ok()?;
    if date.year() < 1 {
        return None;
    }
    let time = raw
        .get(10..19)
        .filter(|rest| rest.starts_with(['T', ' ']))
        .and_then(|rest| rest[1..].parse::<Time>().ok())
        .unwrap_or(Time::midnight());
    Some(format!("{date}T{}", time.strftime("%H:%M:%S")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kobo_date_shape_normalises() {
        let cases = [
            ("2024-03-01T18:22:05.000", Some("2024-03-01T18:22:05")),
            ("2024-03-01T18:22:05Z", Some("2024-03-01T18:22:05")),
            ("2024-03-01 18:22:05.000+00:00", Some("2024-03-01T18:22:05")),
            ("2024-03-01", Some("2024-03-01T00:00:00")),
            (" 2024-03-01T18:22 ", Some("2024-03-01T00:00:00")),
            ("2024-03-01T25:61:00", Some("2024-03-01T00:00:00")),
            ("2024-02-29T08:00:00", Some("2024-02-29T08:00:00")),
            ("2023-02-29T08:00:00", None),
            ("0000-00-00T00:00:00.000", None),
            ("0000-01-01T00:00:00", None),
            ("2024-13-01T00:00:00", None),
            ("yesterday", None),
            ("", None),
            ("2024-03-0", None),
            ("２０２４-03-01", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalize_date(raw).as_deref(), expected, "{raw:?}");
        }
    }
}
