//! Configured MCP servers, from every scope Claude Code reads, with the key each one's OAuth state
//! is filed under.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::key::{self, EnvLookup};
use super::release::{Assumed, Rule};

/// Where a server is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `~/.claude.json` top-level `mcpServers`.
    User,
    /// `~/.claude.json` `projects[<path>].mcpServers`. `exists` is `None` when the path cannot be
    /// checked on this OS (a Windows path on Unix, say).
    Local {
        project: String,
        exists: Option<bool>,
    },
    /// A `.mcp.json` file.
    Project { file: PathBuf },
    /// `managed-mcp.json`.
    Managed,
    /// An installed plugin (`plugin@marketplace`).
    Plugin { id: String },
    /// A file passed with `--mcp-config` (Claude Code's "dynamic" scope, as `claude --mcp-config`
    /// and SDK sessions pass servers).
    McpConfig { file: PathBuf },
}

impl Scope {
    /// A short label: `user`, `local`, `project`, `managed`.
    pub fn label(&self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Local { .. } => "local",
            Scope::Project { .. } => "project",
            Scope::Managed => "managed",
            Scope::Plugin { .. } => "plugin",
            Scope::McpConfig { .. } => "mcp-config",
        }
    }
}

/// How a server authenticates without OAuth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaticAuth {
    AuthorizationHeader,
    HeadersHelper,
}

/// Name families that are defined outside the files this tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Plain,
    /// `plugin:<plugin>:<server>`: defined by an installed plugin.
    Plugin,
    /// `claude.ai <Name>`: a connector fetched from the Claude.ai account.
    ClaudeAi,
}

impl NameKind {
    pub fn of(name: &str) -> Self {
        if name.starts_with("plugin:") {
            NameKind::Plugin
        } else if name.starts_with("claude.ai ") {
            NameKind::ClaudeAi
        } else {
            NameKind::Plain
        }
    }
}

/// Server types Claude Code's config schema accepts.
const KNOWN_TYPES: &[&str] = &[
    "stdio",
    "sse",
    "http",
    "ws",
    "sse-ide",
    "ws-ide",
    "sdk",
    "claudeai-proxy",
];

/// The spelling vendor documentation uses for `http`, an alias in newer releases
/// ([`Rule::StreamableHttpAlias`]).
pub const STREAMABLE_HTTP: &str = "streamable-http";

/// One server definition in one scope.
#[derive(Debug, Clone)]
pub struct ConfiguredServer {
    pub name: String,
    pub scope: Scope,
    /// The file it is defined in.
    pub file: PathBuf,
    /// `type` as written (`None` when absent).
    pub transport: Option<String>,
    /// `url` after `${VAR}` expansion.
    pub url: Option<String>,
    /// `url` as written, when expansion changed it.
    pub url_template: Option<String>,
    /// Headers after expansion, in file order.
    pub headers: Map<String, Value>,
    pub static_auth: Option<StaticAuth>,
    /// The `mcpOAuth` key Claude Code uses for it (http and sse only).
    pub key: Option<String>,
    /// Environment variables its url or headers reference.
    pub env_used: Vec<String>,
    /// Referenced variables that are unset here and have no default.
    pub env_missing: Vec<String>,
    /// Why Claude Code will not load it, if it will not.
    pub invalid: Option<String>,
    /// `oauth.callbackPort`: the fixed loopback port sign-ins redirect to.
    pub callback_port: Option<u64>,
    /// `oauth.clientId` is set: a pre-registered client, whose secret (if any) Claude Code keeps in
    /// `mcpOAuthClientConfig[key]`.
    pub preregistered_client: bool,
    /// Keys other Claude Code code paths compute for this server by mistake: without the headers
    /// (`mcp add-json --client-secret`, #67528) and from the unexpanded config (`mcp add
    /// --client-secret` with `${VAR}`). Where a client secret may have been filed instead.
    pub misfiled_keys: Vec<(&'static str, String)>,
    /// `command` and then each of `args`, for a stdio server: what the allowlists'
    /// `serverCommand` and the plugin-duplicate rule compare.
    pub command: Option<Vec<String>>,
    /// Whether Claude Code loads it in the folder being checked (set by
    /// [`super::settings::judge`] from the settings files; loaded until then).
    pub loading: super::settings::Loading,
    /// The transport Claude Code connects with and hashes the key with: `type` as written, except
    /// `streamable-http`, which is `http` where the release has the alias.
    pub connects_as: Option<String>,
    /// The key a Claude Code started without the shell's variables uses (every `${VAR}` unset,
    /// defaults applied, the rest literal), when the variables are set here and that key differs:
    /// an entry under it is live for GUI, IDE and launchd launches (anthropics/claude-code#81090).
    pub unset_env_key: Option<String>,
    /// `oauth.scopes` (a list, or one space-separated string): the scopes Claude Code asks for at
    /// sign-in (state-formats.md §12.5). Empty when the config pins none.
    pub oauth_scopes: Vec<String>,
}

impl ConfiguredServer {
    /// Builds the model of one `mcpServers` member, judged by the newest known release.
    pub fn from_config(
        name: &str,
        config: &Value,
        scope: Scope,
        file: PathBuf,
        env: &dyn EnvLookup,
    ) -> Self {
        Self::from_config_as(name, config, scope, file, env, &Assumed::default())
    }

    /// Builds the model of one `mcpServers` member as `release` of Claude Code reads it.
    pub fn from_config_as(
        name: &str,
        config: &Value,
        scope: Scope,
        file: PathBuf,
        env: &dyn EnvLookup,
        release: &Assumed,
    ) -> Self {
        let transport = config.get("type").and_then(Value::as_str).map(String::from);
        // The transport Claude Code connects with: `streamable-http` is `http` where the release
        // has the alias (the key is hashed with "http" too), unknown where it has not.
        let alias = release.holds(Rule::StreamableHttpAlias);
        let effective = match transport.as_deref() {
            Some(STREAMABLE_HTTP) if alias => Some("http"),
            t => t,
        };
        let raw_url = config.get("url").and_then(Value::as_str);
        let mut env_used = Vec::new();
        let mut env_missing = Vec::new();
        let mut expand = |s: &str| {
            let e = key::expand_env(s, env);
            env_used.extend(e.used);
            env_missing.extend(e.missing);
            e.value
        };
        let url = raw_url.map(&mut expand);
        let mut headers = Map::new();
        if let Some(h) = config.get("headers").and_then(Value::as_object) {
            for (k, v) in h {
                let v = match v.as_str() {
                    Some(s) => Value::String(expand(s)),
                    None => v.clone(),
                };
                headers.insert(k.clone(), v);
            }
        }
        let static_auth = if headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("authorization"))
        {
            Some(StaticAuth::AuthorizationHeader)
        } else if config
            .get("headersHelper")
            .and_then(Value::as_str)
            .is_some()
        {
            Some(StaticAuth::HeadersHelper)
        } else {
            None
        };
        let invalid = if !config.is_object() {
            Some("the server definition is not a JSON object".to_string())
        } else {
            match (effective, raw_url, config.get("command")) {
                (None, Some(_), _) => Some(
                    "it has a url but no \"type\" (Claude Code requires \"type\": \"http\" or \
                     \"sse\" for url servers)"
                        .to_string(),
                ),
                (Some("http" | "sse" | "ws"), None, _) => Some("it has no \"url\"".to_string()),
                (None | Some("stdio"), None, None) => {
                    Some("it has neither a \"url\" nor a \"command\"".to_string())
                }
                (Some(STREAMABLE_HTTP), _, _) => Some(format!(
                    "its type \"{STREAMABLE_HTTP}\" is not one Claude Code {} knows (it is \
                     accepted as \"http\" from {} on; write \"type\": \"http\" for every release)",
                    release.release,
                    super::release::since(Rule::StreamableHttpAlias)
                )),
                (Some(t), _, _) if !KNOWN_TYPES.contains(&t) => Some(format!(
                    "its type \"{t}\" is not one Claude Code knows (http, sse, stdio, ws)"
                )),
                _ => None,
            }
        };
        let key = match (effective, &url, &invalid) {
            (Some(t @ ("http" | "sse")), Some(u), None) => {
                Some(key::server_key(name, t, u, &headers))
            }
            // Invalid for this release only: its entry is the one releases with the alias use
            // (and this one after the type is written "http"), so it is not stale.
            (Some(STREAMABLE_HTTP), Some(u), Some(_)) => {
                Some(key::server_key(name, "http", u, &headers))
            }
            _ => None,
        };
        let mut misfiled_keys = Vec::new();
        if let (Some(t @ ("http" | "sse")), Some(u), Some(live)) = (effective, &url, &key) {
            let without_headers = key::server_key(name, t, u, &Map::new());
            if &without_headers != live {
                misfiled_keys.push(("computed without the headers", without_headers));
            }
            if let Some(raw) = raw_url {
                let raw_headers = config
                    .get("headers")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let unexpanded = key::server_key(name, t, raw, &raw_headers);
                if &unexpanded != live && !misfiled_keys.iter().any(|(_, k)| *k == unexpanded) {
                    misfiled_keys.push(("computed before ${VAR} expansion", unexpanded));
                }
            }
        }
        let connects_as = effective.map(String::from);
        let unset_env_key = match (effective, raw_url, &key) {
            (Some(t @ ("http" | "sse")), Some(raw), Some(live))
                if !env_used.is_empty() && env_missing.is_empty() =>
            {
                let raw_headers = config
                    .get("headers")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                Some(key::key_without_env(name, t, raw, &raw_headers)).filter(|k| k != live)
            }
            _ => None,
        };
        let url_template = match (raw_url, &url) {
            (Some(raw), Some(u)) if raw != u => Some(raw.to_string()),
            _ => None,
        };
        env_used.dedup();
        env_missing.dedup();
        Self {
            name: name.to_string(),
            scope,
            file,
            transport,
            url,
            url_template,
            headers,
            static_auth,
            key,
            env_used,
            env_missing,
            invalid,
            callback_port: config
                .get("oauth")
                .and_then(|o| o.get("callbackPort"))
                .and_then(Value::as_u64),
            preregistered_client: config
                .get("oauth")
                .and_then(|o| o.get("clientId"))
                .and_then(Value::as_str)
                .is_some(),
            misfiled_keys,
            command: config.get("command").and_then(Value::as_str).map(|c| {
                let args = config.get("args").and_then(Value::as_array);
                std::iter::once(c.to_string())
                    .chain(
                        args.into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(String::from),
                    )
                    .collect()
            }),
            loading: super::settings::Loading::Loaded,
            connects_as,
            unset_env_key,
            oauth_scopes: config
                .get("oauth")
                .and_then(|o| o.get("scopes"))
                .map(super::entry::scope_words)
                .unwrap_or_default(),
        }
    }
}
