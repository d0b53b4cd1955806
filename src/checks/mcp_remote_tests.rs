//! Snapshots and file contents for the mcp-remote checks' unit tests.

use serde_json::json;

use super::{Finding, Findings};
use crate::load::Snapshot;
use crate::model::inventory::Inventory;

/// A server URL and its hash under every rule (no headers or resource): docs/mcp-remote.md §3.1.
pub const URL: &str = "https://mcp.example.com/mcp";
pub const HASH: &str = "94baabe3c3fadb285b26c035e4e86046";
/// Another server's hash (`https://mcp.example.com/sse`).
pub const OTHER_HASH: &str = "494d19bc05f3885edf847e391b7f9153";
pub const OLD: &str = "mcp-remote-0.1.49";
pub const V1: &str = "mcp-remote-v1";
/// An `expires_at` far after the fixtures' now.
pub const FAR: i64 = 1_900_000_000_000;

/// Claude Desktop's config with one server `acme` running `npx ARGS`.
pub fn desktop(args: &[&str]) -> Snapshot {
    desktop_command("npx", args)
}

/// Claude Desktop's config with one server `acme` running `COMMAND ARGS`.
pub fn desktop_command(command: &str, args: &[&str]) -> Snapshot {
    Snapshot::for_test().with_desktop_config(json!({
        "mcpServers": {"acme": {"command": command, "args": args}}
    }))
}

pub fn tokens_name(hash: &str) -> String {
    crate::model::mcp_remote::state::tokens_file(hash)
}

pub fn client_info_name(hash: &str) -> String {
    crate::model::mcp_remote::state::client_info_file(hash)
}

pub fn tokens_json(expires_at: i64) -> String {
    json!({
        "access_token": "CANARY-at", "token_type": "Bearer", "expires_in": 3600,
        "refresh_token": "CANARY-rt", "expires_at": expires_at
    })
    .to_string()
}

pub fn tokens_json_without_refresh(expires_at: i64) -> String {
    json!({"access_token": "CANARY-at", "token_type": "Bearer", "expires_at": expires_at})
        .to_string()
}

pub fn client_info_json(port: u16) -> String {
    json!({
        "redirect_uris": [format!("http://localhost:{port}/oauth/callback")],
        "client_id": "client-1"
    })
    .to_string()
}

pub fn run_on(snapshot: Snapshot, run: fn(&Inventory, &mut Findings<'_>)) -> Vec<Finding> {
    let mut out = Findings::list();
    run(&snapshot.inventory(), &mut out);
    out.into_vec()
}
