//! Dates and times, all in UTC (what the device writes and the archive stores), on `jiff`: the
//! calendar comes from a well-tested crate instead of hand-written day counts, and a date the
//! calendar does not have (`2024-02-30`) is refused where it is read.

use jiff::{civil::Date, Timestamp, ToSpan};
use std::time::SystemTime;

/// Whole seconds since 1970-01-01 UTC (0 for a time before it).
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0)
}

/// Now, in whole seconds since 1970-01-01 UTC (the review's and the edits' clock).
pub fn unix_now() -> i64 {
    i64::try_from(unix_seconds(SystemTime::now())).unwrap_or(i64::MAX)
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

/// Seconds since 1970-01-01 UTC of a time as `kobo_reader::normalize_date` writes it (`None` for any
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
}
