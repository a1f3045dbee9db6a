//! [`DateTime`]: SCIM `dateTime` values (RFC 3339 / xsd:dateTime), compared in time.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// An instant, read from or written as an RFC 3339 timestamp.
///
/// Comparison is chronological, whatever offset each side was written with.
///
/// ```
/// use scim_schema::DateTime;
///
/// let a = DateTime::parse("2011-05-13T04:42:34Z").unwrap();
/// let b = DateTime::parse("2011-05-13T06:42:34.5+02:00").unwrap();
/// assert!(a < b);
/// assert_eq!(a.to_string(), "2011-05-13T04:42:34Z");
/// assert_eq!(b.to_string(), "2011-05-13T04:42:34.500Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    unix_seconds: i64,
    nanos: u32,
}

impl DateTime {
    /// Now, from the system clock.
    pub fn now() -> Self {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            unix_seconds: since.as_secs() as i64,
            nanos: since.subsec_nanos(),
        }
    }

    /// Now, truncated to milliseconds, as SCIM timestamps usually carry them.
    pub fn now_millis() -> Self {
        let now = Self::now();
        Self {
            unix_seconds: now.unix_seconds,
            nanos: now.nanos / 1_000_000 * 1_000_000,
        }
    }

    /// An instant from seconds and nanoseconds since 1970-01-01T00:00:00Z.
    pub fn from_unix(unix_seconds: i64, nanos: u32) -> Self {
        Self {
            unix_seconds: unix_seconds + i64::from(nanos / 1_000_000_000),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(&self) -> i64 {
        self.unix_seconds * 1_000_000 + i64::from(self.nanos / 1000)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. The offset may be left out
    /// (read as UTC), as xsd:dateTime allows; `t`, `z` and a space for `T` are accepted.
    pub fn parse(input: &str) -> Option<Self> {
        let b = input.as_bytes();
        if b.len() < 19 || b.len() > 64 {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = &b[range];
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut at = 19;
        let mut nanos = 0u32;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while at < b.len() && b[at].is_ascii_digit() {
                if at - start < 9 {
                    nanos = nanos * 10 + u32::from(b[at] - b'0');
                }
                at += 1;
            }
            let digits = at - start;
            if digits == 0 {
                return None;
            }
            nanos *= 10u32.pow(9 - digits.min(9) as u32);
        }
        let offset_seconds = match &b[at..] {
            [] | [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let hours = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
                let minutes = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let offset = hours * 3600 + minutes * 60;
                if *sign == b'+' { offset } else { -offset }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_seconds;
        Some(Self {
            unix_seconds: seconds,
            nanos,
        })
    }
}

impl fmt::Display for DateTime {
    /// Writes UTC, `YYYY-MM-DDTHH:MM:SSZ`, with milliseconds when there are any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_seconds.div_euclid(86_400);
        let secs = self.unix_seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )?;
        let millis = self.nanos / 1_000_000;
        if !self.nanos.is_multiple_of(1_000_000) {
            write!(f, ".{:09}", self.nanos)?;
        } else if millis != 0 {
            write!(f, ".{millis:03}")?;
        }
        f.write_str("Z")
    }
}

impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_rfc3339_forms() {
        let epoch = DateTime::from_unix(0, 0);
        assert_eq!(DateTime::parse("1970-01-01T00:00:00Z"), Some(epoch));
        assert_eq!(DateTime::parse("1970-01-01T01:00:00+01:00"), Some(epoch));
        assert_eq!(DateTime::parse("1969-12-31T23:00:00-01:00"), Some(epoch));
        assert_eq!(DateTime::parse("1970-01-01t00:00:00z"), Some(epoch));
        assert_eq!(DateTime::parse("1970-01-01T00:00:00"), Some(epoch));
        assert_eq!(
            DateTime::parse("2024-02-29T12:00:00.123456789Z")
                .unwrap()
                .to_string(),
            "2024-02-29T12:00:00.123456789Z"
        );
        for bad in [
            "",
            "2023-02-29T00:00:00Z",
            "2011-13-01T00:00:00Z",
            "2011-05-13 04:42",
            "2011-05-13T24:00:00Z",
            "2011-05-13T04:42:34.Z",
            "2011-05-13T04:42:34+0200",
            "2011-05-13T04:42:34Zjunk",
            "２０１１-05-13T04:42:34Z",
        ] {
            assert_eq!(DateTime::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(secs in -62_135_596_800i64..253_402_300_799, millis in 0u32..1000) {
            let t = DateTime::from_unix(secs, millis * 1_000_000);
            prop_assert_eq!(DateTime::parse(&t.to_string()), Some(t));
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,40}") {
            let _ = DateTime::parse(&input);
        }
    }
}
