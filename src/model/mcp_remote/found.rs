//! What mcp-remote state there is, tied to the servers that use it: the model of the folder the
//! loader read (`load::mcp_remote`) and of every server definition that runs mcp-remote, in
//! Claude Code's scopes and in Claude Desktop's config. Pure.
//!
//! A server's files are found by its hash under the rule of the release that wrote the folder
//! (`mcp-remote-0.1.20` hashes the URL only; `mcp-remote-v1` uses the newest rule), and the folder
//! the server will use next is the one its requested release names (docs/mcp-remote.md §5).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::hash::{FolderKind, HashInputs, HashUnknown, SHARED_FOLDER, server_url_hash};
use super::state::{self, ClientInfo, Kind, Lease, Lock, Tokens, Unusable};
use super::{Launch, Requested, launch};
use crate::load::mcp_remote::{BaseSource, Content, McpRemoteFiles, ProcessFact};
use crate::model::key::{EnvLookup, expand_env};
use crate::model::server::ConfiguredServer;
use crate::store::Loaded;

/// Which client starts a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// Claude Code, from the scope named (`user`, `local`, `project`, `managed`, `plugin`).
    ClaudeCode { scope: &'static str },
    /// Claude Desktop's `claude_desktop_config.json`.
    Desktop,
}

impl Client {
    /// `user`, `project`, … or `desktop`.
    pub fn label(&self) -> &'static str {
        match self {
            Client::ClaudeCode { scope } => scope,
            Client::Desktop => "desktop",
        }
    }
}

/// One server definition that runs mcp-remote.
#[derive(Debug, Clone)]
pub struct RemoteServer {
    pub name: String,
    pub client: Client,
    /// The file it is defined in.
    pub file: PathBuf,
    pub launch: Launch,
}

impl RemoteServer {
    /// The version folder the release this definition starts keeps its files in, when the
    /// definition decides it. Unpinned is taken as the registry's `latest` (what `npx` runs when
    /// nothing is installed locally or globally), which uses `mcp-remote-v1`.
    pub fn folder_in_use(&self) -> Option<String> {
        match &self.launch.requested {
            Requested::Unpinned => Some(SHARED_FOLDER.to_string()),
            other => other.folder_name(),
        }
    }

    /// Whether the definition sets its own `MCP_REMOTE_CONFIG_DIR` (its state is elsewhere; we
    /// never open a path a config names).
    pub fn own_config_dir(&self) -> bool {
        self.launch.config_dir.is_some()
    }

    /// The file-name prefix this server has in a folder of `kind` (that release's hash rule).
    pub fn hash_in(&self, kind: Option<&FolderKind>) -> Result<String, HashUnknown> {
        server_url_hash(&self.launch.invocation, inputs_of(kind))
    }

    /// Who defines it, for messages: `'linear' (Claude Desktop)` or `'linear' (user scope)`.
    pub fn described(&self) -> String {
        match self.client {
            Client::Desktop => format!("'{}' (Claude Desktop)", self.name),
            Client::ClaudeCode { scope } => format!("'{}' ({scope} scope)", self.name),
        }
    }
}

/// The hash rule of the releases that write a folder.
fn inputs_of(kind: Option<&FolderKind>) -> HashInputs {
    match kind {
        Some(FolderKind::Release(version)) => version.hash_inputs(),
        _ => HashInputs::LATEST,
    }
}

/// What a per-server file holds, parsed as mcp-remote parses it.
#[derive(Debug, Clone)]
pub enum Data {
    Tokens(Result<Tokens, Unusable>),
    ClientInfo(Result<ClientInfo, Unusable>),
    /// `None` when mcp-remote's own check rejects it (then it is ignored and overwritten).
    Lock(Option<Lock>),
    Lease(Result<Lease, Unusable>),
    /// Listed, never read (verifiers, `debug.log`, temp files, others).
    NotRead,
    /// Could not be read (a link, a FIFO, too large, not UTF-8): why.
    Unreadable(String),
}

/// One `<hash>_<name>` file.
#[derive(Debug, Clone)]
pub struct RemoteFile {
    pub name: String,
    pub hash: String,
    pub kind: Kind,
    pub data: Data,
    /// For a lock or lease: whether its process runs.
    pub process: Option<ProcessFact>,
}

/// One folder under the base dir.
#[derive(Debug, Clone)]
pub struct Folder {
    pub name: String,
    pub path: PathBuf,
    /// `None` for a name mcp-remote would not have made.
    pub kind: Option<FolderKind>,
    pub error: Option<String>,
    pub files: Vec<RemoteFile>,
}

impl Folder {
    /// This folder's files for the server with prefix `hash`.
    pub fn files_for(&self, hash: &str) -> Vec<&RemoteFile> {
        self.files.iter().filter(|f| f.hash == hash).collect()
    }

    /// Usable tokens (ones mcp-remote's schema accepts) for `hash`.
    pub fn tokens_for(&self, hash: &str) -> Option<&Tokens> {
        self.files_for(hash)
            .into_iter()
            .find_map(|f| match &f.data {
                Data::Tokens(Ok(t)) => Some(t),
                _ => None,
            })
    }

    pub fn client_info_for(&self, hash: &str) -> Option<&ClientInfo> {
        self.files_for(hash)
            .into_iter()
            .find_map(|f| match &f.data {
                Data::ClientInfo(Ok(c)) => Some(c),
                _ => None,
            })
    }

    /// Distinct hashes with files here, in name order.
    pub fn hashes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.files.iter().map(|f| f.hash.as_str()).collect();
        out.dedup();
        out
    }
}

/// mcp-remote's state and the servers that use it.
#[derive(Debug)]
pub struct McpRemote {
    pub base: PathBuf,
    pub base_source: BaseSource,
    pub base_present: bool,
    pub base_error: Option<String>,
    pub folders: Vec<Folder>,
    pub servers: Vec<RemoteServer>,
    pub desktop: Loaded<Value>,
    /// The OS Claude Code and mcp-remote run on (the callback host differs on Windows).
    pub windows: bool,
}

/// Where one server's state is, in the folder it will use and elsewhere.
#[derive(Debug)]
pub struct ServerState<'a> {
    /// The folder the release that runs will use and the server's prefix there; `None` when
    /// the definition does not decide the release, or the hash cannot be worked out.
    pub in_use: Option<(String, String)>,
    /// The folder by that name, when it exists.
    pub folder: Option<&'a Folder>,
    /// Other folders holding usable tokens for this server (under their own hash rule).
    pub tokens_elsewhere: Vec<&'a Folder>,
}

impl<'a> ServerState<'a> {
    pub fn tokens(&self) -> Option<&'a Tokens> {
        let (_, hash) = self.in_use.as_ref()?;
        self.folder?.tokens_for(hash)
    }

    pub fn client_info(&self) -> Option<&'a ClientInfo> {
        let (_, hash) = self.in_use.as_ref()?;
        self.folder?.client_info_for(hash)
    }

    pub fn files(&self) -> Vec<&'a RemoteFile> {
        match (&self.in_use, self.folder) {
            (Some((_, hash)), Some(folder)) => folder.files_for(hash),
            _ => Vec::new(),
        }
    }
}

impl McpRemote {
    /// Builds the model from what the loader read and from the Claude Code servers already
    /// modelled. `${VAR}` in args is expanded for Claude Code servers (Claude Code does so before
    /// starting the process); Desktop's args are taken as written (not checked whether it
    /// expands them).
    pub fn build(
        files: McpRemoteFiles,
        claude_servers: &[ConfiguredServer],
        raw_env: &dyn Fn(&ConfiguredServer) -> Vec<(String, String)>,
        env: &dyn EnvLookup,
        windows: bool,
    ) -> Self {
        let mut servers = Vec::new();
        for s in claude_servers {
            let Some(command) = &s.command else { continue };
            let Some((program, args)) = command.split_first() else {
                continue;
            };
            let args: Vec<String> = args.iter().map(|a| expand_env(a, env).value).collect();
            let program = expand_env(program, env).value;
            if let Some(launch) = launch(&program, &args, &raw_env(s)) {
                servers.push(RemoteServer {
                    name: s.name.clone(),
                    client: Client::ClaudeCode {
                        scope: s.scope.label(),
                    },
                    file: s.file.clone(),
                    launch,
                });
            }
        }
        if let Some(config) = files.desktop.as_claude_sees() {
            desktop_servers(config, &files.desktop.path, &mut servers);
        }
        let folders = files
            .base
            .folders
            .into_iter()
            .map(|f| Folder {
                kind: FolderKind::parse(&f.name),
                files: f.files.into_iter().filter_map(model_file).collect(),
                name: f.name,
                path: f.path,
                error: f.error,
            })
            .collect();
        Self {
            base: files.base.path,
            base_source: files.base.source,
            base_present: files.base.present,
            base_error: files.base.error,
            folders,
            servers,
            desktop: files.desktop,
            windows,
        }
    }

    pub fn folder(&self, name: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.name == name)
    }

    /// Where `server`'s state is. A server with its own `MCP_REMOTE_CONFIG_DIR` has none here.
    pub fn state_of(&self, server: &RemoteServer) -> ServerState<'_> {
        let mut state = ServerState {
            in_use: None,
            folder: None,
            tokens_elsewhere: Vec::new(),
        };
        if server.own_config_dir() {
            return state;
        }
        if let Some(name) = server.folder_in_use() {
            let kind = FolderKind::parse(&name);
            if let Ok(hash) = server.hash_in(kind.as_ref()) {
                state.folder = self.folder(&name);
                state.in_use = Some((name, hash));
            }
        }
        let in_use_name = server.folder_in_use();
        for folder in &self.folders {
            if Some(&folder.name) == in_use_name.as_ref() {
                continue;
            }
            if let Ok(hash) = server.hash_in(folder.kind.as_ref())
                && folder.tokens_for(&hash).is_some()
            {
                state.tokens_elsewhere.push(folder);
            }
        }
        state
    }

    /// Hashes with files in a folder that no server definition this tool read maps to (under that
    /// folder's rule). Servers with their own config dir do not count as using this one.
    pub fn orphans(&self) -> Vec<(&Folder, &str)> {
        let mut out = Vec::new();
        for folder in &self.folders {
            let known: Vec<String> = self
                .servers
                .iter()
                .filter(|s| !s.own_config_dir())
                .filter_map(|s| s.hash_in(folder.kind.as_ref()).ok())
                .collect();
            let unknown_hash = self
                .servers
                .iter()
                .any(|s| !s.own_config_dir() && s.hash_in(folder.kind.as_ref()).is_err());
            if folder.kind.is_none() || unknown_hash {
                continue; // not mcp-remote's folder, or a server whose files we cannot name
            }
            for hash in folder.hashes() {
                if !known.iter().any(|k| k == hash) {
                    out.push((folder, hash));
                }
            }
        }
        out
    }

    /// The servers named `name`.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a RemoteServer> + 'a {
        self.servers.iter().filter(move |s| s.name == name)
    }

    /// The redirect URL `server` registers (for comparing with `client_info.json`).
    pub fn redirect_url(&self, server: &RemoteServer, hash: &str) -> Option<String> {
        server.launch.invocation.redirect_url(hash, self.windows)
    }

    /// A folder's path shown from the base dir: `~/.mcp-auth/mcp-remote-v1`.
    pub fn folder_path(&self, folder: &str) -> PathBuf {
        self.base.join(folder)
    }
}

fn model_file(file: crate::load::mcp_remote::StateFile) -> Option<RemoteFile> {
    let parsed = state::FileName::parse(&file.name)?;
    let data = match file.content {
        Content::Error(e) => Data::Unreadable(e),
        Content::NotRead => Data::NotRead,
        Content::Text(text) => match parsed.kind {
            Kind::Tokens => Data::Tokens(state::parse_tokens(&text)),
            Kind::ClientInfo => Data::ClientInfo(state::parse_client_info(&text)),
            Kind::Lock => Data::Lock(state::parse_lock(&text)),
            Kind::RefreshLease => Data::Lease(state::parse_lease(&text)),
            _ => Data::NotRead,
        },
    };
    Some(RemoteFile {
        name: file.name,
        hash: parsed.hash,
        kind: parsed.kind,
        data,
        process: file.process,
    })
}

/// Claude Desktop's `mcpServers`: `{"name": {"command", "args", "env"}}`.
fn desktop_servers(config: &Value, file: &Path, out: &mut Vec<RemoteServer>) {
    let Some(servers) = config.get("mcpServers").and_then(Value::as_object) else {
        return;
    };
    for (name, def) in servers {
        let Some(command) = def.get("command").and_then(Value::as_str) else {
            continue;
        };
        let args: Vec<String> = def
            .get("args")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect();
        if let Some(launch) = launch(command, &args, &env_of(def)) {
            out.push(RemoteServer {
                name: name.clone(),
                client: Client::Desktop,
                file: file.to_path_buf(),
                launch,
            });
        }
    }
}

/// A definition's `env` object as pairs (string values only).
pub fn env_of(def: &Value) -> Vec<(String, String)> {
    def.get("env")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// The `env` of a Claude Code server's definition, looked up in the file it came from (the
/// server model keeps `command` and `args` only).
pub fn definition_env(
    server: &ConfiguredServer,
    global: &Loaded<crate::store::global_config::GlobalConfig>,
    mcp_json: &[Loaded<Value>],
    managed: &Loaded<Value>,
    mcp_config: &[Loaded<Value>],
) -> Vec<(String, String)> {
    use crate::model::server::Scope;
    let servers: Option<&Value> = match &server.scope {
        Scope::User => global
            .as_claude_sees()
            .and_then(|g| g.user_servers.as_ref()),
        Scope::Local { project, .. } => global.as_claude_sees().and_then(|g| {
            g.projects
                .iter()
                .find(|p| &p.path == project)
                .and_then(|p| p.fields.get("mcpServers"))
        }),
        Scope::Project { file } => mcp_json
            .iter()
            .find(|l| &l.path == file)
            .and_then(|l| l.as_claude_sees())
            .and_then(|c| c.get("mcpServers")),
        Scope::Managed => managed.as_claude_sees().and_then(|c| c.get("mcpServers")),
        Scope::McpConfig { file } => mcp_config
            .iter()
            .find(|l| &l.path == file)
            .and_then(|l| l.as_claude_sees())
            .and_then(|c| c.get("mcpServers")),
        Scope::Plugin { .. } => None,
    };
    servers
        .and_then(|s| s.get(&server.name))
        .map(env_of)
        .unwrap_or_default()
}

impl McpRemote {
    /// The servers whose files in `folder` have the prefix `hash`.
    pub fn servers_for<'a>(&'a self, folder: &Folder, hash: &str) -> Vec<&'a RemoteServer> {
        self.servers
            .iter()
            .filter(|s| !s.own_config_dir())
            .filter(|s| s.hash_in(folder.kind.as_ref()).is_ok_and(|h| h == hash))
            .collect()
    }

    /// `'linear' (user scope)` for the server(s) with `hash` in `folder`, else `an unconfigured
    /// server (hash 652b15f5…)`: messages never spell a whole hash (32 hex characters read as a
    /// token to the redactor, and a prefix is enough to find the files).
    pub fn who_has(&self, folder: &Folder, hash: &str) -> String {
        let servers = self.servers_for(folder, hash);
        if servers.is_empty() {
            format!("an unconfigured server (hash {})", short_hash(hash))
        } else {
            let names: Vec<String> = servers.iter().map(|s| s.described()).collect();
            names.join(", ")
        }
    }
}

/// The first 8 hex digits and an ellipsis.
pub fn short_hash(hash: &str) -> String {
    format!("{}…", hash.get(..8).unwrap_or(hash))
}
