//! Claude Code's own model of MCP OAuth state, reimplemented: keys, configured servers, stored
//! entries, needs-auth markers.

pub mod key;
