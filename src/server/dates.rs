//! Dates and times, all in UTC (what the device writes and the archive stores), on `jiff`: the
//! calendar comes from a well-tested crate instead of hand-written day counts, and a date the
//! calendar does not have (`2024-02-30`) is refused where it is read.

use jiff::{
    civil::{Date, Time},
    Timestamp, ToSpan,
};
use std::time::SystemTime;

/// Whole seconds since 1970-01-01 UTC (0 for a time before it).
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0)
}

/// `2026-11-25T13:49:13Z`: the time to the second, in UTC.
pub fn iso8601(time: SystemTime) -> String {
    let second = i64::try_from(unix_seconds(time)).unwrap_or(i64::MAX);
    let timestamp = Timestamp::from_second(second).unwrap_or(Timestamp::MAX);
    timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01.
pub fn date_of_day(days: i64) -> String {
    Date::constant(1970, 1, 1).checked_add(days.days()).map_or_else(|_| String::new(), |date| date.to_string())
}

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

/// Seconds since 1970-01-01 UTC of a time as [`normalize_date`] writes it (`None` for any
/// other text).
pub fn seconds_of(normalized: &str) -> Option<i64> {
    let time: jiff::civil::DateTime = normalized.parse().ok()?;
    Some(jiff::tz::Offset::UTC.to_timestamp(time).ok()?.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn normalized_dates_read_back_as_seconds() {
        assert_eq!(seconds_of("1970-01-01T00:01:40"), Some(100));
        assert_eq!(seconds_of("2025-11-25T13:49:13"), Some(1_764_078_553));
        assert_eq!(seconds_of("yesterday"), None);
    }

    #[test]
    fn timestamps_are_iso8601_in_utc() {
        assert_eq!(iso8601(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let time = SystemTime::UNIX_EPOCH + Duration::from_millis(1_764_078_553_900);
        assert_eq!(iso8601(time), "2025-11-25T13:49:13Z");
        assert_eq!(unix_seconds(time), 1_764_078_553);
        assert_eq!(unix_seconds(SystemTime::UNIX_EPOCH - Duration::from_secs(5)), 0);
    }

    #[test]
    fn days_count_from_1970_through_leap_years() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(date_of_day(-1), "1969-12-31");
        assert_eq!(date_of_day(11_016), "2000-02-29");
        assert_eq!(date_of_day(20_151), "2025-03-04");
    }

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
