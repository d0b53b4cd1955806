//! What the mcp-remote checks share (each check is its own `mcp_remote_*` module).

use super::Finding;
use crate::model::mcp_remote::found::{Client, Folder, McpRemote, RemoteServer};

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

/// Names the server a finding about one file is about, when the file's prefix belongs to exactly
/// one server definition (as [`about`] does); a file of no server, or shared by several, stays a
/// finding about files only.
pub(crate) trait AboutOwner {
    fn about_owner(self, remote: &McpRemote, folder: &Folder, hash: &str) -> Finding;
}

impl AboutOwner for Finding {
    fn about_owner(self, remote: &McpRemote, folder: &Folder, hash: &str) -> Finding {
        match remote.servers_for(folder, hash).as_slice() {
            [server] => about(self, server),
            _ => self,
        }
    }
}
