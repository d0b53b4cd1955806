//! "Did you mean ...?": the closest of a few known names to what was typed, for usage errors
//! (finding codes, server names, a mistyped directory).

/// The candidate closest to `typed`, if one is close enough to be worth suggesting.
///
/// Jaro-Winkler similarity, as clap uses for mistyped subcommands, with the same threshold; a
/// candidate that differs only in case always wins.
pub fn closest<'a, I>(typed: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == typed {
            continue;
        }
        let score = if candidate.eq_ignore_ascii_case(typed) {
            1.0
        } else {
            strsim::jaro_winkler(typed, candidate)
        };
        if score > 0.7 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `" (did you mean 'x'?)"`, or nothing.
pub fn hint<'a, I>(typed: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(typed, candidates)
        .map(|c| format!(" (did you mean '{c}'?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_name_only_when_near() {
        let codes = ["expired-token", "stale-lock", "pending-registration"];
        assert_eq!(closest("expird-token", codes), Some("expired-token"));
        assert_eq!(closest("STALE-LOCK", codes), Some("stale-lock"));
        assert_eq!(closest("zzz", codes), None);
        assert_eq!(hint("stale-lok", codes), " (did you mean 'stale-lock'?)");
        assert_eq!(hint("qqqqqq", codes), "");
    }
}
