use super::Findings;
use std::collections::BTreeMap;

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
    let mut by_hash: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &inv.entries {
        if let Some(h) = e.hash() {
            let names = by_hash.entry(h).or_default();
            if !names.contains(&e.name()) {
                names.push(e.name());
            }
        }
    }
    for (hash, names) in by_hash {
        if names.len() < 2 {
            continue;
        }
        let url = inv
            .entries
            .iter()
            .find(|e| e.hash() == Some(hash))
            .and_then(|e| e.server_url().map(crate::redact::url))
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
