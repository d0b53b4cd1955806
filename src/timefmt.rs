//! Times as people read them: RFC 3339 for data, "5 min" / "3 days" for sentences.

use chrono::{DateTime, SecondsFormat, Utc};

/// Epoch milliseconds as RFC 3339 UTC (`2026-06-01T12:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("{ms} ms since 1970"))
}

/// A duration in the largest unit that keeps it readable.
pub fn duration(ms: i64) -> String {
    let s = ms.unsigned_abs() / 1000;
    let (value, unit) = match s {
        0..60 => (s, "s"),
        60..3_600 => (s / 60, "min"),
        3_600..172_800 => (s / 3_600, "h"),
        172_800..63_072_000 => (s / 86_400, "days"),
        _ => (s / 31_536_000, "years"),
    };
    format!("{value} {unit}")
}

/// "in 5 min" or "5 min ago", relative to `now`.
pub fn relative(at_ms: i64, now_ms: i64) -> String {
    if at_ms >= now_ms {
        format!("in {}", duration(at_ms.saturating_sub(now_ms)))
    } else {
        format!("{} ago", duration(now_ms.saturating_sub(at_ms)))
    }
}

/// Below this, a bare number is epoch seconds; from it on, epoch milliseconds. 10^11 seconds is
/// the year 5138 and 10^11 milliseconds is March 1973, so no time a user means is ambiguous.
const SECONDS_BELOW: i64 = 100_000_000_000;

/// A parsed `--now`: the time, and how the text was read (for `paths` and `-v`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedNow {
    pub ms: i64,
    /// "epoch seconds", "epoch milliseconds" or "RFC 3339".
    pub read_as: &'static str,
}

/// Parses `--now`: epoch seconds or milliseconds (told apart by magnitude), or an RFC 3339 time.
pub fn parse_now(text: &str) -> Result<PinnedNow, String> {
    let trimmed = text.trim();
    if let Ok(n) = trimmed.parse::<i64>() {
        return Ok(if n.unsigned_abs() < SECONDS_BELOW as u64 {
            PinnedNow {
                ms: n.saturating_mul(1000),
                read_as: "epoch seconds",
            }
        } else {
            PinnedNow {
                ms: n,
                read_as: "epoch milliseconds",
            }
        });
    }
    DateTime::parse_from_rfc3339(trimmed)
        .map(|t| PinnedNow {
            ms: t.timestamp_millis(),
            read_as: "RFC 3339",
        })
        .map_err(|_| {
            format!(
                "'{text}' is not a time: give epoch seconds (1780315200), epoch milliseconds \
                 (1780315200000) or RFC 3339 (2026-06-01T12:00:00Z)"
            )
        })
}

/// The current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339(1_780_315_200_000), "2026-06-01T12:00:00Z");
        assert_eq!(duration(59_000), "59 s");
        assert_eq!(duration(300_000), "5 min");
        assert_eq!(duration(7_200_000), "2 h");
        assert_eq!(duration(3 * 86_400_000), "3 days");
        assert_eq!(duration(3 * 365 * 86_400_000), "3 years");
        assert_eq!(relative(1_000_000, 700_000), "in 5 min");
        assert_eq!(relative(700_000, 1_000_000), "5 min ago");
        assert!(parse_now("yesterday").is_err());
    }

    #[test]
    fn now_is_seconds_or_milliseconds_by_magnitude() {
        let ms = |t: &str| parse_now(t).map(|n| (n.ms, n.read_as));
        assert_eq!(
            ms("2026-06-01T12:00:00Z"),
            Ok((1_780_315_200_000, "RFC 3339"))
        );
        assert_eq!(
            ms("1780315200000"),
            Ok((1_780_315_200_000, "epoch milliseconds"))
        );
        assert_eq!(ms("1780315200"), Ok((1_780_315_200_000, "epoch seconds")));
        assert_eq!(ms("0"), Ok((0, "epoch seconds")));
    }
}
