//! Which configured servers Claude Code loads in the folder being checked, from its settings
//! files and the folder's entry in `.claude.json` (state-formats.md §12.2, as corrected by the real
//! client in tests/real-client/model-facts.md, 2.1.100 and 2.1.332).
//!
//! Pure: [`Settings`] is built from what `load` read; [`judge`] sets each server's [`Loading`].
//! Liveness is not decided here: a server that is not loaded still makes its key live (the user
//! may switch it on again), so nothing here makes an entry stale or orphaned.

mod matching;
mod sources;

use std::path::Path;

use serde_json::Value;

use super::server::{ConfiguredServer, Scope};
use matching::{names_in, policy_matches};
pub use sources::{
    IgnoredFile, Settings, SettingsFile, Source, managed_by_precedence, rejected_setting,
};

/// What [`Loading::PluginNotEnabled`] says when no settings file Claude Code loads mentions the
/// plugin: an installed plugin is off until a file sets it `true` (2.1.332's `claude plugin
/// list` shows such plugins `✘ disabled`).
pub const NOT_SET: &str = "not set";
/// The file [`NOT_SET`] refers to.
pub const ANY_FILE: &str = "any settings file Claude Code loads";

/// Whether Claude Code loads a server in the folder being checked, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loading {
    /// Loaded (or defined for another folder, which is not judged here).
    Loaded,
    /// Its plugin is switched off: `enabledPlugins["<id>"]` is `value`, not `true`, in `file`.
    PluginNotEnabled {
        plugin: String,
        value: String,
        file: String,
    },
    /// `disabledMcpServers` of the folder's entry in `.claude.json` names it (`/mcp` → disable);
    /// `folder` as shown.
    Disabled { folder: String },
    /// A `.mcp.json` server rejected by `disabledMcpjsonServers` in `file`.
    Rejected { file: String },
    /// A `.mcp.json` server nobody approved: interactive sessions do not load it ("Pending
    /// approval"); non-interactive ones (`claude -p`, the SDK) do. `trusted`: the folder is trusted
    /// (so approvals in project and local settings would count).
    NotApproved { trusted: bool },
    /// `deniedMcpServers` in `file` matches it.
    Denied { file: String },
    /// `allowedMcpServers` lists exist (`files`) and none matches it.
    NotAllowed { files: Vec<String> },
    /// A plugin server with the same url or command as the manually configured server `by`.
    Suppressed { by: String },
}

impl Loading {
    pub fn is_loaded(&self) -> bool {
        matches!(self, Loading::Loaded)
    }

    /// No session of any kind loads it in this folder, so its leftover placeholder or marker
    /// does nothing here. An unapproved project server is still loaded by `claude -p`.
    pub fn is_dead(&self) -> bool {
        !matches!(self, Loading::Loaded | Loading::NotApproved { .. })
    }
}
/// Whether `s` is configured for the folder being checked: user and plugin servers everywhere,
/// local ones for this folder's key, `.mcp.json` servers of this folder and its ancestors.
/// Definitions for other folders are left as they are judged today.
fn for_this_folder(s: &ConfiguredServer, settings: &Settings, project_dir: &Path) -> bool {
    match &s.scope {
        Scope::User | Scope::Plugin { .. } => true,
        Scope::Local { project, .. } => {
            crate::paths::same_project(&settings.target_os, project, &settings.folder)
        }
        Scope::Project { file } => file.parent().is_some_and(|d| project_dir.starts_with(d)),
        Scope::Managed => false,
        // Given on the command line of the session being diagnosed.
        Scope::McpConfig { .. } => true,
    }
}

fn loading_of(s: &ConfiguredServer, settings: &Settings) -> Loading {
    if let Scope::Plugin { id } = &s.scope {
        match settings.plugin_setting(id) {
            Some((Value::Bool(true), _)) => {}
            Some((value, file)) => {
                return Loading::PluginNotEnabled {
                    plugin: id.clone(),
                    value: value.to_string(),
                    file: file.shown.clone(),
                };
            }
            None => {
                return Loading::PluginNotEnabled {
                    plugin: id.clone(),
                    value: NOT_SET.into(),
                    file: ANY_FILE.into(),
                };
            }
        }
    }
    if let Some(entry) = settings.project_entry()
        && entry
            .value
            .get("disabledMcpServers")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|n| n.as_str() == Some(s.name.as_str())))
    {
        return Loading::Disabled {
            folder: settings.folder_shown.clone(),
        };
    }
    if matches!(s.scope, Scope::Project { .. }) {
        // A rejection counts from every file, trusted or not, and wins over an approval.
        if let Some(f) = settings
            .files
            .iter()
            .find(|f| names_in(&f.value, "disabledMcpjsonServers", &s.name))
        {
            return Loading::Rejected {
                file: f.shown.clone(),
            };
        }
        let counting = || {
            settings
                .files
                .iter()
                .filter(|f| settings.approval_counts(f))
        };
        let approved = counting().any(|f| names_in(&f.value, "enabledMcpjsonServers", &s.name))
            || all_project_servers_approved(settings, counting());
        if !approved {
            return Loading::NotApproved {
                trusted: settings.trusted,
            };
        }
    }
    if let Some(f) = settings.files.iter().find(|f| {
        f.source != Source::ProjectEntry
            && f.value
                .get("deniedMcpServers")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|r| policy_matches(r, s)))
    }) {
        return Loading::Denied {
            file: f.shown.clone(),
        };
    }
    // The managed value that counts: drop-ins merge onto the base file, the last one wins.
    let managed_only = settings
        .of(Source::Managed)
        .find_map(|f| f.value.get("allowManagedMcpServersOnly"))
        == Some(&Value::Bool(true));
    let lists: Vec<(&SettingsFile, &Vec<Value>)> = settings
        .files
        .iter()
        .filter(|f| f.source != Source::ProjectEntry)
        .filter(|f| !managed_only || f.source == Source::Managed)
        .filter_map(|f| Some((f, f.value.get("allowedMcpServers")?.as_array()?)))
        .collect();
    // The allowlists of every file merge; an empty one allows nothing.
    if !lists.is_empty()
        && !lists
            .iter()
            .any(|(_, rules)| rules.iter().any(|r| policy_matches(r, s)))
    {
        return Loading::NotAllowed {
            files: lists.iter().map(|(f, _)| f.shown.clone()).collect(),
        };
    }
    Loading::Loaded
}

/// Whether `enableAllProjectMcpServers` approves every `.mcp.json` server, from the settings
/// files whose approvals count (`files`, highest precedence first). Real client 2.1.332
/// (tests/real-client/README.md, "Approvals"): in a trusted folder the merged value counts, so a
/// `false` in local or project settings wins over the user's `true`; in an untrusted one any file
/// whose approvals count (user, managed) saying `true` approves.
fn all_project_servers_approved<'a>(
    settings: &Settings,
    mut files: impl Iterator<Item = &'a SettingsFile>,
) -> bool {
    let value = |f: &SettingsFile| f.value.get("enableAllProjectMcpServers").cloned();
    if settings.trusted {
        files.find_map(|f| value(f).filter(Value::is_boolean)) == Some(Value::Bool(true))
    } else {
        files.any(|f| value(f) == Some(Value::Bool(true)))
    }
}

/// Sets [`ConfiguredServer::loading`] for every server configured for the folder being checked,
/// in Claude Code's order: plugin switched off, disabled for the folder, `.mcp.json` rejected or
/// unapproved, denied or not allowed, and last a plugin server that duplicates a loaded manual
/// server (same url or command: suppressed, both releases).
pub fn judge(servers: &mut [ConfiguredServer], settings: &Settings, project_dir: &Path) {
    for s in servers.iter_mut() {
        s.loading = if for_this_folder(s, settings, project_dir) {
            loading_of(s, settings)
        } else {
            Loading::Loaded
        };
    }
    let manual: Vec<(String, Option<String>, Option<Vec<String>>)> = servers
        .iter()
        .filter(|s| !matches!(s.scope, Scope::Plugin { .. }))
        .filter(|s| s.loading.is_loaded() && for_this_folder(s, settings, project_dir))
        .map(|s| (s.name.clone(), s.url.clone(), s.command.clone()))
        .collect();
    for s in servers.iter_mut() {
        if !matches!(s.scope, Scope::Plugin { .. }) || !s.loading.is_loaded() {
            continue;
        }
        let duplicate = manual.iter().find(|(_, url, command)| {
            (url.is_some() && *url == s.url) || (command.is_some() && *command == s.command)
        });
        if let Some((by, _, _)) = duplicate {
            s.loading = Loading::Suppressed { by: by.clone() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::model::inventory::Inventory;
    use serde_json::json;

    const FOLDER: &str = "/home/u/work";
    const FOLDER_SHOWN: &str = "~/work";

    /// The loading of every server named `name` in `inv`.
    fn loading(inv: &Inventory, name: &str) -> Loading {
        inv.servers_named(name).next().unwrap().loading.clone()
    }

    fn with_mcp_json(mut snap: Snapshot, servers: Value) -> Snapshot {
        let path = std::path::PathBuf::from(FOLDER).join(".mcp.json");
        snap.mcp_json.push(crate::store::Loaded::parsed(
            &path,
            json!({ "mcpServers": servers }),
        ));
        snap
    }

    fn user_servers() -> Value {
        json!({
            "u1": {"type": "http", "url": "https://u1.example.com/mcp"},
            "u2": {"type": "http", "url": "https://u2.example.com/mcp"},
            "cmd": {"type": "stdio", "command": "npx", "args": ["-y", "srv"]}
        })
    }

    #[test]
    fn disabled_mcp_servers_of_the_folder_disable_and_enabled_ones_do_nothing() {
        let inv = Snapshot::for_test()
            .with_global_config(json!({
                "mcpServers": user_servers(),
                "projects": {FOLDER: {"disabledMcpServers": ["u1"], "enabledMcpServers": ["u2"]},
                             "/elsewhere": {"disabledMcpServers": ["u2"]}}
            }))
            .inventory();
        assert_eq!(
            loading(&inv, "u1"),
            Loading::Disabled {
                folder: FOLDER_SHOWN.into()
            }
        );
        assert_eq!(loading(&inv, "u2"), Loading::Loaded);
    }

    #[test]
    fn approvals_count_from_user_settings_and_from_the_folder_only_when_trusted() {
        let servers = json!({"p1": {"type": "http", "url": "https://p1.example.com/mcp"}});
        let base = || {
            with_mcp_json(Snapshot::for_test(), servers.clone())
                .with_global_config(json!({"projects": {FOLDER: {}}}))
        };
        let approve = json!({"enabledMcpjsonServers": ["p1"]});
        // Nobody approved it.
        assert_eq!(
            loading(&base().inventory(), "p1"),
            Loading::NotApproved { trusted: false }
        );
        // User settings approve, trusted or not.
        let inv = base().with_user_settings(approve.clone()).inventory();
        assert_eq!(loading(&inv, "p1"), Loading::Loaded);
        // The checked-in and the local file approve only a trusted folder (2.1.332).
        for inv in [
            base().with_project_settings(approve.clone()).inventory(),
            base().with_local_settings(approve.clone()).inventory(),
        ] {
            assert_eq!(loading(&inv, "p1"), Loading::NotApproved { trusted: false });
        }
        let trusted = || {
            with_mcp_json(Snapshot::for_test(), servers.clone())
                .with_global_config(json!({"projects": {FOLDER: {"hasTrustDialogAccepted": true}}}))
        };
        let inv = trusted().with_local_settings(approve.clone()).inventory();
        assert_eq!(loading(&inv, "p1"), Loading::Loaded);
        // A rejection counts from any file and wins over enable-all.
        let inv = trusted()
            .with_user_settings(json!({"enableAllProjectMcpServers": true}))
            .with_project_settings(json!({"disabledMcpjsonServers": ["p1"]}))
            .inventory();
        assert!(
            matches!(loading(&inv, "p1"), Loading::Rejected { ref file } if file.ends_with("work/.claude/settings.json")),
            "{:?}",
            loading(&inv, "p1")
        );
    }

    #[test]
    fn enable_all_is_the_merged_value_in_a_trusted_folder_and_any_true_in_an_untrusted_one() {
        // Real client 2.1.332 (tests/real-client/README.md, "Approvals"), `claude mcp get p1`.
        let servers = json!({"p1": {"type": "http", "url": "https://p1.example.com/mcp"}});
        let home = |trusted: bool| {
            with_mcp_json(Snapshot::for_test(), servers.clone()).with_global_config(
                json!({"projects": {FOLDER: {"hasTrustDialogAccepted": trusted}}}),
            )
        };
        let all = |on: bool| json!({"enableAllProjectMcpServers": on});
        let pending = |trusted| Loading::NotApproved { trusted };
        for (trusted, user, local, project, want) in [
            // user true, local false: pending when trusted (local wins), connects when not.
            (true, true, Some(false), None, pending(true)),
            (false, true, Some(false), None, Loading::Loaded),
            // user false, local true: connects when trusted, pending when not.
            (true, false, Some(true), None, Loading::Loaded),
            (false, false, Some(true), None, pending(false)),
            // The checked-in project file's false wins over the user's true, trusted.
            (true, true, None, Some(false), pending(true)),
            (false, true, None, Some(false), Loading::Loaded),
            (true, true, None, None, Loading::Loaded),
        ] {
            let mut snap = home(trusted).with_user_settings(all(user));
            if let Some(on) = local {
                snap = snap.with_local_settings(all(on));
            }
            if let Some(on) = project {
                snap = snap.with_project_settings(all(on));
            }
            let got = loading(&snap.inventory(), "p1");
            assert_eq!(
                got, want,
                "trusted {trusted}, user {user}, local {local:?}, project {project:?}"
            );
        }
    }

    #[test]
    fn in_the_home_folder_approvals_count_untrusted() {
        // Real client 2.1.332 (tests/real-client/compare-verdicts.sh, settings-approval): run in
        // the home directory, an untrusted folder's own approvals count.
        let mut snap = Snapshot::for_test()
            .with_mcp_json(
                "/home/u",
                json!({"mcpServers": {"p1": {"type": "http", "url": "https://p1.example.com/mcp"},
                                      "p2": {"type": "http", "url": "https://p2.example.com/mcp"}}}),
            )
            .with_global_config(json!({"projects": {"/home/u": {"enabledMcpjsonServers": ["p1"]}}}));
        snap.locations.project_dir = std::path::PathBuf::from("/home/u");
        let inv = snap.inventory();
        assert_eq!(loading(&inv, "p1"), Loading::Loaded);
        assert_eq!(loading(&inv, "p2"), Loading::NotApproved { trusted: true });
    }

    #[test]
    fn deny_and_allow_lists_from_any_settings_file_merge() {
        let base =
            || Snapshot::for_test().with_global_config(json!({"mcpServers": user_servers()}));
        let inv = base()
            .with_user_settings(json!({"deniedMcpServers": [{"serverName": "u1"}]}))
            .inventory();
        assert!(matches!(loading(&inv, "u1"), Loading::Denied { .. }));
        assert_eq!(loading(&inv, "u2"), Loading::Loaded);
        let inv = base()
            .with_managed_settings(
                json!({"allowedMcpServers": [{"serverUrl": "https://u1.example.com/*"}]}),
            )
            .with_user_settings(
                json!({"allowedMcpServers": [{"serverCommand": ["npx", "-y", "srv"]}]}),
            )
            .inventory();
        assert_eq!(loading(&inv, "u1"), Loading::Loaded);
        assert_eq!(loading(&inv, "cmd"), Loading::Loaded);
        assert!(
            matches!(loading(&inv, "u2"), Loading::NotAllowed { ref files } if files.len() == 2)
        );
        // Only the managed allowlist counts with allowManagedMcpServersOnly.
        let inv = base()
            .with_managed_settings(json!({"allowManagedMcpServersOnly": true,
                                          "allowedMcpServers": [{"serverName": "u1"}]}))
            .with_user_settings(json!({"allowedMcpServers": [{"serverName": "u2"}]}))
            .inventory();
        assert_eq!(loading(&inv, "u1"), Loading::Loaded);
        assert!(matches!(loading(&inv, "u2"), Loading::NotAllowed { .. }));
        // An empty allowlist allows nothing.
        let inv = base()
            .with_user_settings(json!({"allowedMcpServers": []}))
            .inventory();
        assert!(matches!(loading(&inv, "u1"), Loading::NotAllowed { .. }));
    }

    /// `managed-settings.d/` drop-ins merge onto `managed-settings.json` in name order (2.1.100
    /// `loadManagedFileSettings`): a later file's value wins, lists join, a rejected drop-in is
    /// left out alone.
    #[test]
    fn managed_drop_ins_merge_onto_the_base_file_in_name_order() {
        let own = json!({"own": {"type": "http", "url": "https://own.example.com/mcp"}});
        let base = || {
            with_plugin(Snapshot::for_test(), own.clone())
                .with_global_config(json!({"mcpServers": user_servers()}))
        };
        // A drop-in's deny list counts, and the finding names the drop-in.
        let inv = base()
            .with_managed_drop_in(
                "10-deny.json",
                json!({"deniedMcpServers": [{"serverName": "u1"}]}),
            )
            .inventory();
        assert!(
            matches!(loading(&inv, "u1"), Loading::Denied { ref file } if file.ends_with("managed-settings.d/10-deny.json")),
            "{:?}",
            loading(&inv, "u1")
        );
        assert_eq!(loading(&inv, "u2"), Loading::Loaded);
        // The later drop-in's plugin switch replaces the base file's and the earlier drop-in's.
        let inv = base()
            .with_managed_settings(json!({"enabledPlugins": {"pl@mkt": false}}))
            .with_managed_drop_in("10-a.json", json!({"enabledPlugins": {"pl@mkt": false}}))
            .with_managed_drop_in("20-b.json", json!({"enabledPlugins": {"pl@mkt": true}}))
            .inventory();
        assert_eq!(loading(&inv, "plugin:pl:own"), Loading::Loaded);
        // allowManagedMcpServersOnly switched off again by a later drop-in: the user allowlist
        // counts too; the allowlists of base and drop-in join.
        let inv = base()
            .with_managed_settings(json!({"allowManagedMcpServersOnly": true,
                                          "allowedMcpServers": [{"serverName": "u1"}]}))
            .with_managed_drop_in("50-off.json", json!({"allowManagedMcpServersOnly": false,
                                                        "allowedMcpServers": [{"serverName": "cmd"}]}))
            .with_user_settings(json!({"allowedMcpServers": [{"serverName": "u2"}]}))
            .inventory();
        assert_eq!(loading(&inv, "u1"), Loading::Loaded);
        assert_eq!(loading(&inv, "u2"), Loading::Loaded);
        assert_eq!(loading(&inv, "cmd"), Loading::Loaded);
        // A drop-in Claude Code rejects is ignored alone: the other drop-in still denies.
        let inv = base()
            .with_managed_drop_in("10-bad.json", json!({"enabledPlugins": {"pl@mkt": "yes"},
                                                        "deniedMcpServers": [{"serverName": "u2"}]}))
            .with_managed_drop_in("20-deny.json", json!({"deniedMcpServers": [{"serverName": "u1"}]}))
            .inventory();
        assert!(matches!(loading(&inv, "u1"), Loading::Denied { .. }));
        assert_eq!(loading(&inv, "u2"), Loading::Loaded);
        assert_eq!(inv.settings.ignored.len(), 1);
        assert!(inv.settings.ignored[0].shown.ends_with("10-bad.json"));
    }

    fn with_plugin(mut snap: Snapshot, servers: Value) -> Snapshot {
        snap.plugins
            .installed
            .push(crate::store::plugins::InstalledPlugin {
                id: "pl@mkt".into(),
                name: "pl".into(),
                install_path: "/home/u/.claude/plugins/cache/mkt/pl".into(),
                servers: servers.as_object().unwrap().clone(),
                definitions_read: true,
            });
        snap
    }

    #[test]
    fn only_true_enables_a_plugin_and_a_duplicate_of_a_manual_server_is_suppressed() {
        let plugin = json!({
            "same": {"type": "http", "url": "https://u1.example.com/mcp"},
            "own": {"type": "http", "url": "https://own.example.com/mcp"}
        });
        let base = || {
            with_plugin(Snapshot::for_test(), plugin.clone())
                .with_global_config(json!({"mcpServers": user_servers()}))
        };
        for (value, loaded) in [
            (json!(true), true),
            (json!(false), false),
            (json!("yes"), false),
        ] {
            let inv = base()
                .with_user_settings(json!({"enabledPlugins": {"pl@mkt": value}}))
                .inventory();
            assert_eq!(
                loading(&inv, "plugin:pl:own").is_loaded(),
                loaded,
                "{value}"
            );
        }
        // The local file outranks the user file.
        let inv = base()
            .with_user_settings(json!({"enabledPlugins": {"pl@mkt": true}}))
            .with_local_settings(json!({"enabledPlugins": {"pl@mkt": false}}))
            .inventory();
        assert!(
            matches!(loading(&inv, "plugin:pl:own"), Loading::PluginNotEnabled { ref value, .. } if value == "false")
        );
        // Not mentioned in any file: off (2.1.332's `claude plugin list`: ✘ disabled).
        let inv = base().inventory();
        assert_eq!(
            loading(&inv, "plugin:pl:own"),
            Loading::PluginNotEnabled {
                plugin: "pl@mkt".into(),
                value: NOT_SET.into(),
                file: ANY_FILE.into()
            }
        );
        // A file with a non-boolean enabledPlugins value is ignored whole, its `true`s too
        // (2.1.332 and 2.1.100, tests/real-client/README.md).
        let inv = base()
            .with_user_settings(json!({"enabledPlugins": {"pl@mkt": true, "other@mkt": "yes"}}))
            .inventory();
        assert!(
            matches!(loading(&inv, "plugin:pl:own"), Loading::PluginNotEnabled { ref value, .. } if value == NOT_SET)
        );
        assert_eq!(inv.settings.ignored.len(), 1);
        assert_eq!(inv.settings.ignored[0].setting, "enabledPlugins.other@mkt");
        let inv = base()
            .with_user_settings(json!({"enabledPlugins": {"pl@mkt": true}}))
            .inventory();
        assert_eq!(
            loading(&inv, "plugin:pl:same"),
            Loading::Suppressed { by: "u1".into() }
        );
        // A disabled manual server suppresses nothing.
        let inv = base()
            .with_user_settings(json!({"enabledPlugins": {"pl@mkt": true}}))
            .with_global_config(json!({"mcpServers": user_servers(),
                                       "projects": {FOLDER: {"disabledMcpServers": ["u1"]}}}))
            .inventory();
        assert_eq!(loading(&inv, "plugin:pl:same"), Loading::Loaded);
    }
}
