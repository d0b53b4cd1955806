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
    // Read as every state file is (store::load_small): through symlinks, but never blocking on
    // a FIFO or reading a device, and capped, since whoever plants files in the home may plant
    // them here too.
    let manifest = load_small(&install_path.join(layout::PLUGIN_MANIFEST))
        .as_claude_sees()
        .cloned();
    let name = manifest
        .as_ref()
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| id.split('@').next().unwrap_or(id).to_string());
    let mut servers = Map::new();
    let mcp_json = install_path.join(layout::PROJECT_MCP_JSON);
    let mut definitions_read = install_path.is_dir();
    let loaded = load_small(&mcp_json);
    if loaded.facts.present {
        match loaded.as_claude_sees() {
            Some(v) => {
                let map = v.get("mcpServers").unwrap_or(v);
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A plugins directory with one plugin (`acme@market`) installed at `<dir>/acme`.
    fn plugins_dir() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let install = dir.path().join("acme");
        std::fs::create_dir_all(install.join(".claude-plugin")).unwrap();
        let registry = serde_json::json!({"version": 2, "plugins": {"acme@market": [
            {"installPath": install.display().to_string()}
        ]}});
        std::fs::write(
            dir.path().join(layout::PLUGIN_REGISTRY),
            registry.to_string(),
        )
        .unwrap();
        (dir, install)
    }

    fn load_within_seconds(dir: &Path) -> Plugins {
        let dir = dir.to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(load(&dir));
        });
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("reading the plugins hung")
    }

    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn a_fifo_planted_as_a_plugin_file_does_not_hang_and_marks_it_unread() {
        for planted in [layout::PROJECT_MCP_JSON, layout::PLUGIN_MANIFEST] {
            let (dir, install) = plugins_dir();
            mkfifo(&install.join(planted));
            let plugins = load_within_seconds(dir.path());
            assert_eq!(plugins.installed.len(), 1, "{planted}");
            if planted == layout::PROJECT_MCP_JSON {
                assert!(!plugins.installed[0].definitions_read, "{planted}");
            }
        }
    }

    #[test]
    fn plugin_files_are_read_through_symlinks() {
        let (dir, install) = plugins_dir();
        let elsewhere = dir.path().join("elsewhere.json");
        std::fs::write(
            &elsewhere,
            r#"{"mcpServers": {"docs": {"type": "http", "url": "${CLAUDE_PLUGIN_ROOT}/x"}}}"#,
        )
        .unwrap();
        std::os::unix::fs::symlink(&elsewhere, install.join(layout::PROJECT_MCP_JSON)).unwrap();
        std::fs::write(
            install.join(layout::PLUGIN_MANIFEST),
            r#"{"name": "acme-tools"}"#,
        )
        .unwrap();
        let plugins = load_within_seconds(dir.path());
        let p = &plugins.installed[0];
        assert_eq!(p.name, "acme-tools");
        assert!(p.definitions_read);
        assert_eq!(p.servers["docs"]["url"], format!("{}/x", install.display()));
    }
}
