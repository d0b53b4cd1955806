//! Renderers. Each takes a finished diagnosis and returns text; none of them reads files.

pub mod anonymize;
pub mod explain;
pub mod files;
pub mod fit;
pub mod human;
pub mod json;
pub mod mcp_remote;
pub mod paths;
pub mod plan;
pub mod probe;
pub mod servers;
pub mod status;
pub mod style;
pub mod ticket;
pub mod version;
