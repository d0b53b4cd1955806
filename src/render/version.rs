//! `--version`, and with `-v` the Claude Code releases and rules this build was checked against,
//! so a user on a newer Claude Code can tell how far to trust the diagnosis.

use std::fmt::Write;

use crate::model::marker::{CONNECTOR_TTL_MS, DEFAULT_TTL_MS};
use crate::timefmt::duration;

/// The Claude Code releases the rules were read from and run against (docs/state-formats.md).
pub const KNOWN_RELEASES: &[(&str, &str)] = &[
    (
        "2.1.100",
        "the Node bundle: read and run (plaintext credentials, no lock)",
    ),
    (
        "2.1.186",
        "first release with `claude mcp login NAME` (earlier: /mcp only)",
    ),
    (
        "2.1.332",
        "native build: read and run (per-entry ttlMs, .storage-write.lock, client ids reused)",
    ),
];

/// `mcp-auth-doctor 0.1.0`, and with `verbose` the releases and rules.
pub fn text(verbose: bool) -> String {
    let mut out = format!("mcp-auth-doctor {}\n", env!("CARGO_PKG_VERSION"));
    if !verbose {
        return out;
    }
    out.push_str("\nClaude Code releases these rules come from:\n");
    for (release, what) in KNOWN_RELEASES {
        let _ = writeln!(out, "  {release:8} {what}");
    }
    let rules = [
        (
            "mcpOAuth key",
            "name|first 16 hex of sha256({type,url,headers}), url and headers env-expanded"
                .to_string(),
        ),
        (
            "needs-auth TTL",
            format!(
                "{} (claude.ai and some plugin servers: {}; or the entry's ttlMs)",
                duration(DEFAULT_TTL_MS),
                duration(CONNECTOR_TTL_MS)
            ),
        ),
        (
            "stale lock",
            format!(
                "older than {} s, with no Claude Code on the config dir",
                crate::system::leftovers::STALE.as_secs()
            ),
        ),
        (
            "config dir",
            "--config-dir, else $CLAUDE_CONFIG_DIR, else ~/.claude; credentials may move with \
             $CLAUDE_SECURESTORAGE_CONFIG_DIR"
                .to_string(),
        ),
    ];
    out.push_str("\nRelease-dependent rules (judged by `claude --version` or --claude-version):\n");
    for row in crate::model::release::RULES {
        let _ = writeln!(out, "  since {:8} {}", row.since.to_string(), row.what);
    }
    out.push_str(
        "\nRules applied (`mcp-auth-doctor paths` shows the ones that chose each file):\n",
    );
    for (name, rule) in rules {
        let _ = writeln!(out, "  {name:15} {rule}");
    }
    out.push_str(
        "\nA newer Claude Code may differ: `mcp-auth-doctor report` records its version.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_adds_releases_and_rules() {
        let plain = text(false);
        assert_eq!(
            plain,
            format!("mcp-auth-doctor {}\n", env!("CARGO_PKG_VERSION"))
        );
        let long = text(true);
        assert!(long.starts_with(&plain));
        for (release, _) in KNOWN_RELEASES {
            assert!(long.contains(release), "{long}");
        }
        assert!(long.contains("15 min"), "{long}");
        assert!(
            long.contains("since 2.1.332  \"type\": \"streamable-http\" is http"),
            "{long}"
        );
    }
}
