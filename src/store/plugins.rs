//! Plugin-defined MCP servers (`plugin:<plugin>:<server>`), read the way Claude Code reads them
//! (2.1.100): `installed_plugins.json` in the plugins directory lists each installed plugin's
//! `installPath`; its servers come from `<installPath>/.mcp.json` (`{mcpServers}` or a bare map),
//! overridden by an inline `mcpServers` record in `<installPath>/.claude-plugin/plugin.json`; the
//! plugin's name is the manifest's `name`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Loaded, load_small};
use crate::layout;

/// One installed plugin and the servers it defines.
#[derive(Debug, Clone)]
pub struct InstalledPlugin {
    /// `plugin@marketplace`, as installed_plugins.json keys it.
    pub id: String,
    /// The manifest name, the middle part of `plugin:<name>:<server>`.
    pub name: String,
    pub install_path: PathBuf,
    /// Server definitions with `${CLAUDE_PLUGIN_ROOT}` and `${CLAUDE_PLUGIN_DATA}` substituted.
    pub servers: Map<String, Value>,
    /// False when the plugin's files could not be read: its server list is then unknown.
    pub definitions_read: bool,
}

/// The plugin registry, when there is one.
#[derive(Debug, Clone)]
pub struct Plugins {
    pub registry: Loaded<Value>,
    pub installed: Vec<InstalledPlugin>,
}

impl Plugins {
    /// Whether the registry could be read, so "not installed" is evidence.
    pub fn known(&self) -> bool {
        self.registry.as_claude_sees().is_some()
    }

    pub fn named(&self, name: &str) -> Option<&InstalledPlugin> {
        self.installed.iter().find(|p| p.name == name)
    }
}

pub fn load(plugins_dir: &Path) -> Plugins {
    let registry = load_small(&plugins_dir.join(layout::PLUGIN_REGISTRY));
    let mut installed = Vec::new();
    if let Some(map) = registry
        .as_claude_sees()
        .and_then(|v| v.get("plugins"))
        .and_then(Value::as_object)
    {
        for (id, installs) in map {
            // Claude Code loads the first install entry.
            let Some(path) = installs
                .as_array()
                .and_then(|a| a.first())
                .and_then(|i| i.get("installPath"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            installed.push(read_plugin(plugins_dir, id, Path::new(path)));
        }
    }
    Plugins {
        registry,
        installed,
    }
}

fn read_plugin(plugins_dir: &Path, id: &str, install_path: &Path) -> InstalledPlugin {
    let manifest = std::fs::read(install_path.join(layout::PLUGIN_MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let name = manifest
        .as_ref()
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| id.split('@').next().unwrap_or(id).to_string());
    let mut servers = Map::new();
    let mcp_json = install_path.join(layout::PROJECT_MCP_JSON);
    let mut definitions_read = install_path.is_dir();
    if mcp_json.exists() {
        match std::fs::read(&mcp_json)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            Some(v) => {
                let map = v.get("mcpServers").unwrap_or(&v);
                if let Some(m) = map.as_object() {
                    servers.extend(m.clone());
                }
            }
            None => definitions_read = false,
        }
    }
    match manifest.as_ref().and_then(|m| m.get("mcpServers")) {
        Some(Value::Object(m)) => servers.extend(m.clone()),
        // A path, a URL or an array of them: not followed here, so the list may be incomplete.
        Some(_) => definitions_read = false,
        None => {}
    }
    let data_name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let data_dir = plugins_dir.join(layout::PLUGIN_DATA_DIR).join(data_name);
    for config in servers.values_mut() {
        substitute(config, install_path, &data_dir);
    }
    InstalledPlugin {
        id: id.to_string(),
        name,
        install_path: install_path.to_path_buf(),
        servers,
        definitions_read,
    }
}

/// `${CLAUDE_PLUGIN_ROOT}` and `${CLAUDE_PLUGIN_DATA}` in the url and header values.
fn substitute(config: &mut Value, root: &Path, data: &Path) {
    let apply = |s: &str| {
        s.replace("${CLAUDE_PLUGIN_ROOT}", &root.display().to_string())
            .replace("${CLAUDE_PLUGIN_DATA}", &data.display().to_string())
    };
    if let Some(Value::String(u)) = config.get_mut("url") {
        *u = apply(u);
    }
    if let Some(Value::Object(h)) = config.get_mut("headers") {
        for v in h.values_mut() {
            if let Value::String(s) = v {
                *s = apply(s);
            }
        }
    }
}
