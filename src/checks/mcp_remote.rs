//! What the mcp-remote checks share (each check is its own `mcp_remote_*` module).

use super::Finding;
use crate::model::mcp_remote::found::{Client, RemoteServer};

/// Names the server a finding is about: as `server` for a Claude Code server (so the report
/// files it under that server), as `desktop_server` evidence for a Claude Desktop one (Claude
/// Code does not know it; its message says which client it is).
pub(crate) fn about(finding: Finding, server: &RemoteServer) -> Finding {
    let finding = finding.evidence("client", server.client.label());
    match server.client {
        Client::ClaudeCode { .. } => finding.server(&server.name),
        Client::Desktop => finding.evidence("desktop_server", server.name.as_str()),
    }
}
