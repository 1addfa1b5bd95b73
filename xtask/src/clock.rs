//! Dates without a date crate: today's date and UTC timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

/// The date of a changelog's new section: `--date` when given, else
/// `XTASK_TODAY` when set (tests and reproducible runs), else today's UTC date.
/// Either must be a real date written `YYYY-MM-DD`; anything else is a usage error.
pub(crate) fn release_date(flag: Option<&str>) -> anyhow::Result<String> {
    let (given, from) = match (flag, std::env::var("XTASK_TODAY")) {
        (Some(day), _) => (day.to_string(), "--date"),
        (None, Ok(day)) => (day, "XTASK_TODAY"),
        _ => return Ok(now_utc()[..10].to_string()),
    };
    if !is_date(&given) {
        return Err(crate::versioning::UsageError(format!(
            "{from} = `{given}` is not a date written YYYY-MM-DD, for example 2026-07-28"
        ))
        .into());
    }
    Ok(given)
}

/// Today's date, `YYYY-MM-DD`: `XTASK_TODAY` when set, else the UTC date.
pub(crate) fn today() -> anyhow::Result<String> {
    release_date(None)
}

/// Days since 1970-01-01 of a date written `YYYY-MM-DD` (`None` if it is not one).
pub(crate) fn days(date: &str) -> Option<i64> {
    if !is_date(date) {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (
        date[..4].parse().ok()?,
        date[5..7].parse().ok()?,
        date[8..].parse().ok()?,
    );
    // Howard Hinnant's days-from-civil, the inverse of `format_utc`'s.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Whether `text` is a real calendar date written `YYYY-MM-DD`.
pub(crate) fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let year: u32 = text[..4].parse().unwrap_or(0);
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..].parse().unwrap_or(0);
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Whole seconds, as a ticker counts them: `12s`, `2m05s`.
pub(crate) fn human_secs(d: std::time::Duration) -> String {
    human(std::time::Duration::from_secs(d.as_secs()))
}

/// How a duration appears in messages: `340ms`, `20s`, `1.5s`, `2m05s`.
pub(crate) fn human(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0..=999 => format!("{ms}ms"),
        1000..=59_999 if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        1000..=59_999 => format!("{:.1}s", d.as_secs_f64()),
        _ => format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::format_utc(1_795_609_599), "2026-11-25T12:26:39Z");
    }

    #[test]
    fn days_count_from_the_epoch() {
        assert_eq!(super::days("1970-01-01"), Some(0));
        assert_eq!(super::days("2000-02-29"), Some(951_782_400 / 86_400));
        assert_eq!(super::days("2026-11-25"), Some(1_795_609_599 / 86_400));
        assert_eq!(
            super::days("2026-11-02").unwrap() - super::days("2026-07-05").unwrap(),
            120
        );
        assert_eq!(super::days("2026-02-30"), None);
    }

    #[test]
    fn dates_are_checked() {
        for good in ["2026-07-28", "2024-02-29", "2000-02-29"] {
            assert!(super::is_date(good), "{good}");
        }
        for bad in [
            "28/07/2026",
            "2026-7-28",
            "2026-13-01",
            "2023-02-29",
            "1900-02-29",
            "2026-04-31",
            "today",
            "",
        ] {
            assert!(!super::is_date(bad), "{bad}");
        }
    }
}
