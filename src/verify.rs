//! `verify`: Claude Code's own view (`claude mcp list`) next to ours (issue 13 part 3). Pure: this
//! module parses the output `commands::verify` got from the client and compares it with the
//! diagnosis; `render::mcp_remote` puts it into words.
//!
//! `claude mcp list` prints `Checking MCP server health…` and then one line per server,
//! `NAME: TARGET - STATUS`, where STATUS is (state-formats.md §7.1, and observed):
//!
//! * 2.1.100: `✓ Connected`, `! Needs authentication`, `✗ Failed to connect`;
//! * 2.1.332: `✔ Connected`, `! Needs authentication`, `✘ Failed to connect — <reason>`,
//!   `! Connected · tools fetch failed`, `- Not configured`, `⊘ Disabled for this project …`.
//!
//! `mcp list` connects live to every server and ignores needs-auth markers and placeholder
//! entries (real-client-observations.md), so "Connected" there and "skipped" here is a known
//! difference, not a contradiction.

use serde::Serialize;

use crate::diagnosis::{ServerSummary, Verdict};

/// A server's status as `claude mcp list` printed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Listed {
    Connected,
    /// `! Connected · tools fetch failed` (2.1.332): connected, then listing tools failed.
    ConnectedToolsFailed,
    NeedsAuth,
    /// `Failed to connect` (with 2.1.332's reason) or `Connection error`.
    Failed {
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    NotConfigured,
    Disabled,
    /// A status this parser does not know, as printed.
    Other {
        text: String,
    },
}

/// One server line of `claude mcp list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedServer {
    pub name: String,
    /// The URL with its transport, or the command, as printed; never output (a URL or an
    /// argument may carry a secret).
    #[serde(skip)]
    pub target: String,
    #[serde(flatten)]
    pub status: Listed,
}

/// The status markers a line's STATUS starts with, in both releases.
const MARKERS: [char; 7] = ['✓', '✔', '!', '✗', '✘', '-', '⊘'];

/// Parses `claude mcp list`'s output; lines that are not server lines (the header, blank
/// lines, `No MCP servers configured`) are skipped.
pub fn parse(text: &str) -> Vec<ListedServer> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<ListedServer> {
    let line = line.trim_end();
    let (name, rest) = line.split_once(": ")?;
    // The first " - " followed by a status this parser knows (a reason after it may contain
    // " - ", and so may a stdio server's arguments before it); else the last " - ", with the
    // status kept as printed.
    let splits: Vec<usize> = rest.match_indices(" - ").map(|(at, _)| at).collect();
    let known = splits.iter().copied().find(|&at| {
        let status = &rest[at + 3..];
        status.starts_with(MARKERS) && !matches!(status_of(status), Listed::Other { .. })
    });
    let at = known.or_else(|| splits.last().copied())?;
    Some(ListedServer {
        name: name.to_string(),
        target: rest[..at].to_string(),
        status: status_of(&rest[at + 3..]),
    })
}

fn status_of(status: &str) -> Listed {
    let text = status.trim_start_matches(MARKERS).trim_start().to_string();
    if text == "Connected" {
        Listed::Connected
    } else if text.starts_with("Connected") && text.contains("tools fetch failed") {
        Listed::ConnectedToolsFailed
    } else if text.starts_with("Needs authentication") {
        Listed::NeedsAuth
    } else if let Some(rest) = text.strip_prefix("Failed to connect") {
        let reason = rest
            .trim_start()
            .strip_prefix('—')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        Listed::Failed { reason }
    } else if text.starts_with("Connection error") {
        Listed::Failed { reason: None }
    } else if text.starts_with("Not configured") {
        Listed::NotConfigured
    } else if text.starts_with("Disabled") {
        Listed::Disabled
    } else {
        Listed::Other { text }
    }
}

/// How the two views of one server relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Agreement {
    Agree,
    /// `mcp list` connected, sessions skip it: the needs-auth marker or a placeholder entry,
    /// which `mcp list` ignores (a known difference; `fix` clears them).
    SessionsSkip,
    /// `mcp list` says needs authentication although the stored token looks usable: the server
    /// does not take it (`probe NAME --token` asks it).
    ServerRefusesToken,
    /// `mcp list` connected although we found no usable token: the server needs none, or the
    /// client found state we did not.
    ConnectsAnyway,
    /// `mcp list` failed to connect for a reason local state does not decide (network, the
    /// server; `probe NAME` asks it).
    ConnectionFailed,
    /// Listed by `mcp list`, not a server this tool found in any scope.
    UnknownHere,
    /// A server this tool found that `mcp list` did not list.
    NotListed,
    /// Any other combination.
    Differs,
}

/// One server, both views.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    /// Our verdict; `None` when we do not know the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ours: Option<Verdict>,
    /// `mcp list`'s line; `None` when it did not list the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude: Option<ListedServer>,
    pub agreement: Agreement,
}

impl Row {
    pub fn disagrees(&self) -> bool {
        self.agreement != Agreement::Agree
    }
}

/// Verdicts under which Claude Code connects to the server (with or without a token).
fn connects(v: Verdict) -> bool {
    matches!(
        v,
        Verdict::Ok
            | Verdict::Refreshes
            | Verdict::NoToken
            | Verdict::StaticAuth
            | Verdict::NotOauth
    )
}

fn agreement(ours: Verdict, theirs: &Listed) -> Agreement {
    match theirs {
        Listed::Connected | Listed::ConnectedToolsFailed if connects(ours) => Agreement::Agree,
        Listed::Connected | Listed::ConnectedToolsFailed if ours == Verdict::Skipped => {
            Agreement::SessionsSkip
        }
        Listed::Connected | Listed::ConnectedToolsFailed if ours == Verdict::NeedsLogin => {
            Agreement::ConnectsAnyway
        }
        Listed::NeedsAuth
            if matches!(
                ours,
                Verdict::NeedsLogin | Verdict::Skipped | Verdict::NoToken
            ) =>
        {
            Agreement::Agree
        }
        Listed::NeedsAuth if matches!(ours, Verdict::Ok | Verdict::Refreshes) => {
            Agreement::ServerRefusesToken
        }
        Listed::Failed { .. }
            if matches!(ours, Verdict::FailsToConnect | Verdict::InvalidConfig) =>
        {
            Agreement::Agree
        }
        Listed::Failed { .. } => Agreement::ConnectionFailed,
        Listed::Disabled
            if matches!(
                ours,
                Verdict::Disabled | Verdict::Rejected | Verdict::Denied
            ) =>
        {
            Agreement::Agree
        }
        _ => Agreement::Differs,
    }
}

/// Verdicts under which `mcp list` is not expected to list a server at all.
fn unlisted_is_expected(v: Verdict) -> bool {
    matches!(
        v,
        Verdict::Ignored
            | Verdict::Shadowed
            | Verdict::Suppressed
            | Verdict::InvalidConfig
            | Verdict::StartupBlocked
    )
}

/// Pairs each server `mcp list` printed with ours by name (the definition in use here: not a
/// shadowed one), then adds ours it did not print.
pub fn compare(servers: &[ServerSummary], listed: &[ListedServer]) -> Vec<Row> {
    let ours = |name: &str| {
        let mut named = servers.iter().filter(|s| s.name == name);
        let first = named.clone().next();
        named.find(|s| s.verdict != Verdict::Shadowed).or(first)
    };
    let mut rows: Vec<Row> = listed
        .iter()
        .map(|l| {
            let mine = ours(&l.name);
            Row {
                name: l.name.clone(),
                ours: mine.map(|s| s.verdict),
                claude: Some(l.clone()),
                agreement: match mine {
                    Some(s) => agreement(s.verdict, &l.status),
                    None => Agreement::UnknownHere,
                },
            }
        })
        .collect();
    let mut seen: Vec<&str> = listed.iter().map(|l| l.name.as_str()).collect();
    for s in servers {
        if seen.contains(&s.name.as_str()) {
            continue;
        }
        seen.push(&s.name);
        let Some(s) = ours(&s.name) else { continue };
        if unlisted_is_expected(s.verdict) {
            continue;
        }
        rows.push(Row {
            name: s.name.clone(),
            ours: Some(s.verdict),
            claude: None,
            agreement: Agreement::NotListed,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2.1.100's output (observed shape: tests/harness snapshots), one line per status.
    const OLD: &str = "Checking MCP server health...\n\n\
        linear: https://mcp.linear.app/mcp (HTTP) - ✓ Connected\n\
        fresh: http://127.0.0.1:18811/mcp (HTTP) - ! Needs authentication\n\
        sentry: https://mcp.sentry.dev/mcp (HTTP) - ✗ Failed to connect\n\
        local: npx -y some-server --flag - x - ✓ Connected\n";

    /// 2.1.332's.
    const NEW: &str = "Checking MCP server health…\n\n\
        linear: https://mcp.linear.app/mcp (HTTP) - ✔ Connected\n\
        sentry: https://mcp.sentry.dev/mcp (HTTP) - ✘ Failed to connect — HTTP 503 - busy\n\
        notion: https://mcp.notion.com/mcp (HTTP) - ! Connected · tools fetch failed\n\
        plugin:acme:docs: https://docs.example.com/mcp (HTTP) - - Not configured\n\
        off: https://off.example.com/mcp (HTTP) - ⊘ Disabled for this project (re-enable via /mcp)\n\
        odd: https://odd.example.com/mcp (HTTP) - ? Something new\n";

    #[test]
    fn parses_2_1_100() {
        let got = parse(OLD);
        let statuses: Vec<(&str, &Listed)> =
            got.iter().map(|l| (l.name.as_str(), &l.status)).collect();
        assert_eq!(
            statuses,
            [
                ("linear", &Listed::Connected),
                ("fresh", &Listed::NeedsAuth),
                ("sentry", &Listed::Failed { reason: None }),
                ("local", &Listed::Connected),
            ]
        );
        assert_eq!(got[0].target, "https://mcp.linear.app/mcp (HTTP)");
        assert_eq!(got[3].target, "npx -y some-server --flag - x");
    }

    #[test]
    fn parses_2_1_332() {
        let got = parse(NEW);
        let statuses: Vec<(&str, &Listed)> =
            got.iter().map(|l| (l.name.as_str(), &l.status)).collect();
        assert_eq!(
            statuses,
            [
                ("linear", &Listed::Connected),
                (
                    "sentry",
                    &Listed::Failed {
                        reason: Some("HTTP 503 - busy".into())
                    }
                ),
                ("notion", &Listed::ConnectedToolsFailed),
                ("plugin:acme:docs", &Listed::NotConfigured),
                ("off", &Listed::Disabled),
                (
                    "odd",
                    &Listed::Other {
                        text: "? Something new".into()
                    }
                ),
            ]
        );
    }

    #[test]
    fn agreement_rules() {
        use Agreement::*;
        assert_eq!(agreement(Verdict::Ok, &Listed::Connected), Agree);
        assert_eq!(
            agreement(Verdict::Skipped, &Listed::Connected),
            SessionsSkip
        );
        assert_eq!(
            agreement(Verdict::Ok, &Listed::NeedsAuth),
            ServerRefusesToken
        );
        assert_eq!(agreement(Verdict::NeedsLogin, &Listed::NeedsAuth), Agree);
        assert_eq!(
            agreement(Verdict::NeedsLogin, &Listed::Connected),
            ConnectsAnyway
        );
        assert_eq!(
            agreement(Verdict::Ok, &Listed::Failed { reason: None }),
            ConnectionFailed
        );
        assert_eq!(agreement(Verdict::Disabled, &Listed::Disabled), Agree);
        assert_eq!(agreement(Verdict::Ok, &Listed::Disabled), Differs);
    }
}
