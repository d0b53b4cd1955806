use super::Findings;

use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::SharedRegistration,
    severity: Severity::Info,
    summary: "The same server config has entries under several names",
    explanation: "\
**What it means.** The hash part of a key covers only the type, url and headers, not the name. \
Two entries with one hash under different names are the same server configured twice (for \
example `linear` and `work-linear`). Each name signs in separately and can hold a different \
account's tokens, which is easy to mix up.

**How to fix it.** Nothing, if that is intended (two accounts). Otherwise remove one server with \
`claude mcp remove NAME` and then `mcp-auth-doctor forget NAME`.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    // The entries with a hash, by hash and then place in the file, taken a hash at a time: one
    // list of positions sorted in place, where a map held a list of names per hash (issue 15:
    // ~100 KB of fresh memory, a page fault every ~40 entries, on a 1,000-entry home).
    let entries = &inv.entries;
    let mut hashed: Vec<(&str, u32)> = entries
        .iter()
        .zip(0u32..)
        .filter_map(|(e, at)| e.hash().map(|h| (h, at)))
        .collect();
    hashed.sort_unstable();
    for group in hashed.chunk_by(|a, b| a.0 == b.0) {
        let (hash, first) = (group[0].0, entries[group[0].1 as usize].name());
        if group
            .iter()
            .all(|&(_, at)| entries[at as usize].name() == first)
        {
            continue; // one name (most hashes): nothing shared, no list made
        }
        let mut names: Vec<&str> = Vec::new();
        for &(_, at) in group {
            let name = entries[at as usize].name();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if names.len() < 2 {
            continue;
        }
        // The first entry with the hash in the file.
        let url = entries[group[0].1 as usize]
            .server_url()
            .map(crate::redact::url)
            .unwrap_or_default();
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "The same server config ({url}, hash {hash}) has entries under {} names: '{}'. \
                     Each name signs in separately and may hold a different account's tokens.",
                    names.len(),
                    names.join("', '")
                ),
            )
            .server(names[0])
            .evidence("hash", hash)
            .evidence("names", names.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::valid_entry;
    use serde_json::json;

    /// A url with a secret in its query, which the finding must show redacted.
    const URL: &str = "https://mcp.example/mcp?api_key=CANARY-query";

    fn findings(credentials: serde_json::Value) -> Vec<Finding> {
        let snapshot = Snapshot::for_test().with_credentials(credentials);
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn two_names_with_the_same_hash_are_reported() {
        let found = findings(json!({"mcpOAuth": {
            "work|0123456789abcdef": valid_entry("work", URL),
            "home|0123456789abcdef": valid_entry("home", URL),
        }}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("work"));
        assert_eq!(found[0].evidence["hash"], "0123456789abcdef");
        assert_eq!(found[0].evidence["names"], json!(["work", "home"]));
        assert!(found[0].action.is_none());
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn one_name_under_several_hashes_or_distinct_hashes_are_not_shared() {
        let found = findings(json!({"mcpOAuth": {
            "work|0123456789abcdef": valid_entry("work", URL),
            "work|fedcba9876543210": valid_entry("work", URL),
            "home|1111111111111111": valid_entry("home", URL),
        }}));
        assert!(found.is_empty(), "{found:?}");
    }
}
