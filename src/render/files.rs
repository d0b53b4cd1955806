//! The state files as data: where each is, why that path, and what shape it is in. Never content.

use serde::Serialize;

use crate::model::inventory::{Inventory, Role};
use crate::paths::Locations;
use crate::timefmt;

#[derive(Debug, Clone, Serialize)]
pub struct Symlink {
    pub link: String,
    pub points_to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParseError {
    pub kind: &'static str,
    pub message: String,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub role: Role,
    pub path: String,
    /// The rule that chose this path.
    pub chosen_by: String,
    pub present: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub symlinks: Vec<Symlink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `ok`, `missing`, `unreadable`, `byte-order-mark`, or the syntax error's kind.
    pub parse: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ParseError>,
    #[serde(skip_serializing_if = "is_zero")]
    pub duplicate_keys: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn chosen_by(role: Role, locations: &Locations) -> String {
    match role {
        Role::GlobalConfig => locations.global_config.rule.clone(),
        Role::Credentials => locations.credentials.rule.clone(),
        Role::NeedsAuthCache => locations.needs_auth_cache.rule.clone(),
        Role::ManagedMcpJson => locations.managed_mcp.rule.clone(),
        Role::ProjectMcpJson => {
            "a .mcp.json in the project folder, an ancestor, or a known project".into()
        }
        Role::PluginRegistry => {
            format!("installed_plugins.json in {}", locations.plugins_dir.rule)
        }
        Role::Settings => {
            "a settings file: <configDir>/settings.json, the project's .claude/settings.json or \
             settings.local.json, or managed-settings.json"
                .into()
        }
        Role::KeychainItem => "the macOS Keychain, as Claude Code names the item".into(),
        Role::McpConfig => "given with --mcp-config".into(),
        Role::McpRemoteFile => {
 "a <hash>_* file in a version folder of mcp-remote's base dir (MCP_REMOTE_CONFIG_DIR or ~/.mcp-auth)"
                .into()
        }
    }
}

pub fn files(inv: &Inventory) -> Vec<FileReport> {
    inv.files()
        .into_iter()
        .map(|f| {
            let p = f.problems;
            let parse = if !f.facts.present && p.read_error.is_none() {
                "missing".to_string()
            } else if p.read_error.is_some() {
                "unreadable".to_string()
            } else if let Some(s) = &p.syntax {
                s.kind.code().to_string()
            } else if p.bom {
                "byte-order-mark".to_string()
            } else {
                "ok".to_string()
            };
            FileReport {
                role: f.role,
                path: f.path.display().to_string(),
                chosen_by: chosen_by(f.role, &inv.locations),
                present: f.facts.present,
                size: f.facts.size,
                mode: f.facts.mode.map(|m| format!("{m:04o}")),
                modified: f
                    .facts
                    .modified
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| timefmt::rfc3339(d.as_millis() as i64)),
                symlinks: f
                    .facts
                    .symlinks
                    .iter()
                    .map(|(link, to)| Symlink {
                        link: link.display().to_string(),
                        points_to: to.display().to_string(),
                    })
                    .collect(),
                target: (!f.facts.symlinks.is_empty())
                    .then(|| f.facts.target.as_ref().map(|t| t.display().to_string()))
                    .flatten(),
                parse,
                error: p.syntax.as_ref().map(|s| ParseError {
                    kind: s.kind.code(),
                    message: s.kind.describe(),
                    line: s.at.line,
                    column: s.at.column,
                }),
                duplicate_keys: p.duplicates.len(),
            }
        })
        .collect()
}
