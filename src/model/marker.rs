//! Needs-auth markers (`mcp-needs-auth-cache.json`), judged by Claude Code's TTL rules.

use serde::Serialize;
use serde_json::Value;

use super::release::{Assumed, Rule};
use super::server::NameKind;

/// How long a marker counts when it carries no `ttlMs` (15 minutes).
pub const DEFAULT_TTL_MS: i64 = 900_000;
/// 2.1.332's default for claude.ai connectors (4 hours).
pub const CONNECTOR_TTL_MS: i64 = 4 * 3_600_000;
/// How far in the future a timestamp may be before 2.1.332 ignores it (2.1.100 counts it forever).
pub const CLOCK_SKEW_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkerState {
    /// Counts now: sessions skip the server without connecting.
    Fresh,
    /// Older than its TTL: ignored.
    Expired,
    /// More than 60 s in the future: 2.1.100 counts it forever, 2.1.332 ignores it.
    Future,
    /// No usable numeric `timestamp`.
    Invalid,
}

#[derive(Debug, Clone)]
pub struct Marker {
    pub name: String,
    pub timestamp: Option<i64>,
    pub ttl_ms: i64,
    pub state: MarkerState,
    /// `now - timestamp` in ms (negative for the future).
    pub age_ms: Option<i64>,
    /// A [`MarkerState::Future`] marker counts in the release assumed (2.1.100 counts it until
    /// its time has passed; [`Rule::FutureMarkerIgnored`]).
    pub future_counts: bool,
}

impl Marker {
    /// A marker as the newest known release judges it.
    pub fn from_value(name: &str, value: &Value, now_ms: i64) -> Self {
        Self::from_value_as(name, value, now_ms, &Assumed::default())
    }

    /// A marker as `release` judges it: its own `ttlMs` and the 4 h connector default only where
    /// [`Rule::MarkerTtlPerEntry`] holds, a future one counted where [`Rule::FutureMarkerIgnored`]
    /// does not.
    pub fn from_value_as(name: &str, value: &Value, now_ms: i64, release: &Assumed) -> Self {
        let per_entry = release.holds(Rule::MarkerTtlPerEntry);
        // Claude Code does no type check: `now - timestamp` also works for a numeric string.
        let timestamp = match value.get("timestamp") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|t| t.is_finite())
        .map(|t| t as i64);
        let ttl_ms = value
            .get("ttlMs")
            .and_then(Value::as_f64)
            .filter(|t| per_entry && t.is_finite() && *t > 0.0)
            .map(|t| t as i64)
            .unwrap_or(match NameKind::of(name) {
                NameKind::ClaudeAi if per_entry => CONNECTOR_TTL_MS,
                _ => DEFAULT_TTL_MS,
            });
        let age_ms = timestamp.map(|t| now_ms.saturating_sub(t));
        let state = match age_ms {
            None => MarkerState::Invalid,
            Some(age) if age <= -CLOCK_SKEW_MS => MarkerState::Future,
            Some(age) if age < ttl_ms => MarkerState::Fresh,
            Some(_) => MarkerState::Expired,
        };
        Self {
            name: name.to_string(),
            timestamp,
            ttl_ms,
            state,
            age_ms,
            future_counts: !release.holds(Rule::FutureMarkerIgnored),
        }
    }

    /// Whether sessions skip the server because of this marker (a future one only where the
    /// release counts it).
    pub fn blocks(&self) -> bool {
        match self.state {
            MarkerState::Fresh => true,
            MarkerState::Future => self.future_counts,
            _ => false,
        }
    }

    /// When the marker stops counting, in epoch ms (not for future markers).
    pub fn expires_at(&self) -> Option<i64> {
        match self.state {
            MarkerState::Fresh => self.timestamp.map(|t| t.saturating_add(self.ttl_ms)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_780_315_200_000;

    #[test]
    fn applies_the_ttl_rules() {
        let m = |name: &str, v: Value| Marker::from_value(name, &v, NOW).state;
        assert_eq!(
            m("a", json!({"timestamp": NOW - 300_000})),
            MarkerState::Fresh
        );
        assert_eq!(
            m("a", json!({"timestamp": NOW - 900_000})),
            MarkerState::Expired
        );
        assert_eq!(
            m("a", json!({"timestamp": NOW + 30_000})),
            MarkerState::Fresh
        );
        assert_eq!(
            m("a", json!({"timestamp": NOW + 60_000})),
            MarkerState::Future
        );
        assert_eq!(m("a", json!({"timestamp": "x"})), MarkerState::Invalid);
        assert_eq!(m("a", json!({"timestamp": true})), MarkerState::Invalid);
        assert_eq!(m("a", json!({})), MarkerState::Invalid);
        assert_eq!(m("a", json!({"timestamp": -1e300})), MarkerState::Expired);
        assert_eq!(m("a", json!({"timestamp": 1e300})), MarkerState::Future);
        let huge_ttl = Marker::from_value("a", &json!({"timestamp": NOW, "ttlMs": 1e308}), NOW);
        assert_eq!(huge_ttl.state, MarkerState::Fresh);
        assert_eq!(huge_ttl.expires_at(), Some(i64::MAX));
        assert_eq!(
            m("a", json!({"timestamp": (NOW - 60_000).to_string()})),
            MarkerState::Fresh
        );
        assert_eq!(
            m(
                "a",
                json!({"timestamp": NOW - 3_600_000, "ttlMs": 14_400_000})
            ),
            MarkerState::Fresh
        );
        assert_eq!(
            m("claude.ai Drive", json!({"timestamp": NOW - 3_600_000})),
            MarkerState::Fresh
        );
    }
}
