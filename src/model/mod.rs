//! Claude Code's own model of MCP OAuth state, reimplemented: keys, configured servers, stored
//! entries, needs-auth markers, and the inventory that ties them together.

pub mod entry;
pub mod folder;
pub mod host;
pub mod inventory;
pub mod key;
pub mod marker;
/// The release table is a leaf ([`crate::release`]): the loader parses `claude --version` with it.
pub use crate::release;
pub mod mcp_remote;
pub mod secret;
pub mod server;
pub mod settings;
