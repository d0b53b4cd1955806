//! Servers that run the `mcp-remote` stdio bridge, and the OAuth state it keeps outside Claude
//! Code's files (issue 13 part 1). Pure: parses a server definition (command, args, env) as Claude
//! Code or Claude Desktop would launch it, and names the files mcp-remote would read; nothing here
//! touches the disk. Every rule is from mcp-remote's own code or from state it wrote, recorded in
//! docs/mcp-remote.md.
//!
//! * [`launch`]: is this `mcp-remote` (directly, `npx`, `bunx`, `pnpm dlx`, `yarn dlx`, `npm exec`,
//!   `node …/proxy.js`, or any of these behind `cmd /c`), and which release was asked for.
//! * [`parse_mcp_remote_args`]: the URL, callback port, `--header`, `--resource` and the other
//!   options that feed the hash, parsed the way mcp-remote's `parseCommandLineArgs` does.
//! * [`hash`]: the version folder and the `<hash>_` file prefix.
//! * [`state`]: the file names in a version folder and the JSON in them.

pub mod found;
pub mod hash;
mod md5;
pub mod state;

pub use hash::{
    FolderKind, HashInputs, HashUnknown, Version, default_callback_port, server_url_hash,
};

/// A value from a server definition that may be a secret (a header value, an authorize
/// parameter): kept for hashing, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(String);

impl Redacted {
    pub fn new(value: &str) -> Self {
        Self(value.to_string())
    }

    /// The raw value, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redacted(len={})", self.0.chars().count())
    }
}

/// How the server's command reaches mcp-remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launcher {
    /// `mcp-remote …` (an installed bin, or a path ending in it).
    Direct,
    Npx,
    Bunx,
    PnpmDlx,
    YarnDlx,
    NpmExec,
    /// `node …/mcp-remote/dist/proxy.js …`: the release is whatever that folder holds.
    Node,
}

/// Which release of mcp-remote the definition asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// `mcp-remote` with no `@`: npx runs a local or global install if there is one, else the
    /// registry's `latest` (docs/mcp-remote.md §5).
    Unpinned,
    /// `mcp-remote@0.1.49`.
    Exact(Version),
    /// `mcp-remote@latest`, `@next`, `@^0.1`: resolved by the package manager at launch.
    Spec(String),
    /// Direct or `node` launches: whichever release is installed there.
    Installed,
}

impl Requested {
    /// The version folder this request will use, when the definition alone decides it: an exact
    /// release, or `latest` (every release since 0.3.2 shares `mcp-remote-v1`, and `latest` is
    /// newer than that). `None` when it depends on what is installed or on a range.
    pub fn folder_name(&self) -> Option<String> {
        match self {
            Self::Exact(version) => Some(version.folder_name()),
            Self::Spec(tag) if tag == "latest" => Some(hash::SHARED_FOLDER.to_string()),
            _ => None,
        }
    }

    /// The hash rule of the requested release; the newest rule when it is not pinned.
    pub fn hash_inputs(&self) -> HashInputs {
        match self {
            Self::Exact(version) => version.hash_inputs(),
            _ => HashInputs::LATEST,
        }
    }
}

/// A server definition that runs mcp-remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub launcher: Launcher,
    pub requested: Requested,
    /// `MCP_REMOTE_CONFIG_DIR` from the definition's own `env`, which replaces `~/.mcp-auth`.
    pub config_dir: Option<String>,
    pub invocation: Invocation,
}

/// mcp-remote's arguments as its `parseCommandLineArgs` reads them (0.15.1, and the same for the
/// options 0.1.49 has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    /// The first argument left after every `--header NAME:VALUE` pair is taken out, as written.
    pub server_url: Option<String>,
    /// The second such argument read with JavaScript's `parseInt`; `None` when absent, not a
    /// number or 0 (mcp-remote then derives the port from the hash).
    pub port_arg: Option<i64>,
    /// `--header NAME:VALUE` in order (a later duplicate wins). Malformed ones are dropped, as
    /// mcp-remote drops them.
    pub headers: Vec<(String, Redacted)>,
    /// `--header-file` was given: more headers come from a file we never read.
    pub header_file: bool,
    /// `--resource VALUE`, trimmed; an empty value disables the resource parameter.
    pub resource: Option<String>,
    pub disable_resource: bool,
    /// `--authorize-param KEY=VALUE`, key trimmed.
    pub authorize_params: Vec<(String, Redacted)>,
    /// `--client-metadata-url`, when it is an https URL with a path (otherwise mcp-remote ignores it).
    pub client_metadata_url: Option<String>,
    /// `--token-endpoint`, normalised as `new URL(value).toString()` would for simple URLs.
    pub token_endpoint: Option<String>,
    /// `--static-oauth-client-info`: mcp-remote then never re-registers the client.
    pub static_client_info: bool,
    /// `--host` (callback host name; default `localhost`, `127.0.0.1` on Windows).
    pub host: Option<String>,
    /// `--callback-path` when it starts with `/` (default `/oauth/callback`).
    pub callback_path: Option<String>,
    /// Why mcp-remote would refuse to start with these arguments (it throws before any state).
    pub refuses_to_start: Option<String>,
}

impl Invocation {
    /// The `--resource` value that reaches the hash: none when disabled.
    pub fn effective_resource(&self) -> Option<&str> {
        (!self.disable_resource)
            .then_some(self.resource.as_deref())
            .flatten()
    }

    /// The callback port: the one given, or the one derived from the hash. `None` when the given
    /// one is not a usable port (mcp-remote would fail to listen). From 0.2.2 on, a busy derived
    /// port makes mcp-remote try the next 7 as well; this is the port the registration is for.
    pub fn callback_port(&self, hash: &str) -> Option<u16> {
        match self.port_arg {
            Some(port) => u16::try_from(port).ok().filter(|p| *p > 0),
            None => default_callback_port(hash),
        }
    }

    /// The redirect URL this session registers and expects in `client_info.json`:
    /// `http://<host>:<port><path>` (`buildRedirectUrl` in 0.15.1).
    pub fn redirect_url(&self, hash: &str, windows: bool) -> Option<String> {
        let default_host = if windows { "127.0.0.1" } else { "localhost" };
        let host = self.host.as_deref().unwrap_or(default_host);
        let path = self.callback_path.as_deref().unwrap_or("/oauth/callback");
        Some(format!("http://{host}:{}{path}", self.callback_port(hash)?))
    }
}

/// Recognises a stdio server that runs mcp-remote, from its `command`, `args` and `env` (Claude
/// Code's `.mcp.json`/`~/.claude.json` and Claude Desktop's `claude_desktop_config.json` share this
/// shape). `None` for every other server. Arguments are taken as the client passes them: expand
/// Claude Code's `${VAR}` first where that client would.
pub fn launch(command: &str, args: &[String], env: &[(String, String)]) -> Option<Launch> {
    let (launcher, requested, rest) = locate(command, args)?;
    let config_dir = env
        .iter()
        .rev()
        .find(|(k, _)| k == "MCP_REMOTE_CONFIG_DIR")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    Some(Launch {
        launcher,
        requested,
        config_dir,
        invocation: parse_mcp_remote_args(rest),
    })
}

/// The program's own name: last path component, lowercased, without a Windows extension.
fn program_name(command: &str) -> String {
    let base = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(command)
        .to_ascii_lowercase();
    for ext in [".cmd", ".exe", ".bat", ".ps1"] {
        if let Some(stem) = base.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    base
}

/// Finds mcp-remote in `command args` and returns its launcher, the requested release and the
/// arguments mcp-remote itself receives.
fn locate<'a>(command: &str, args: &'a [String]) -> Option<(Launcher, Requested, &'a [String])> {
    match program_name(command).as_str() {
        "mcp-remote" => Some((Launcher::Direct, Requested::Installed, args)),
        "cmd" => {
            let at = args
                .iter()
                .position(|a| a.eq_ignore_ascii_case("/c") || a.eq_ignore_ascii_case("/k"))?;
            let (inner, rest) = args[at + 1..].split_first()?;
            locate(inner, rest)
        }
        "npx" => runner(Launcher::Npx, args, &["-p", "--package"]),
        "bunx" => runner(Launcher::Bunx, args, &["-p", "--package"]),
        "pnpx" => runner(Launcher::PnpmDlx, args, &["--package"]),
        "pnpm" => subcommand(Launcher::PnpmDlx, args, &["dlx"], &["--package"]),
        "yarn" => subcommand(Launcher::YarnDlx, args, &["dlx"], &["-p", "--package"]),
        "npm" => subcommand(
            Launcher::NpmExec,
            args,
            &["exec", "x"],
            &["-p", "--package"],
        ),
        "node" | "nodejs" => {
            let script = args.iter().position(|a| !a.starts_with('-'))?;
            let path = args[script].replace('\\', "/");
            let in_package = path.contains("/mcp-remote/") || path.starts_with("mcp-remote/");
            let proxy = path.ends_with("/dist/proxy.js") || path.ends_with("/bin/mcp-remote");
            (in_package && proxy)
                .then(|| (Launcher::Node, Requested::Installed, &args[script + 1..]))
        }
        _ => None,
    }
}

/// `pnpm dlx …`, `yarn dlx …`, `npm exec …`: global options, the subcommand, then a runner.
fn subcommand<'a>(
    launcher: Launcher,
    args: &'a [String],
    names: &[&str],
    package_flags: &[&str],
) -> Option<(Launcher, Requested, &'a [String])> {
    let at = args.iter().position(|a| !a.starts_with('-'))?;
    names.contains(&args[at].as_str()).then_some(())?;
    runner(launcher, &args[at + 1..], package_flags)
}

/// A package runner's arguments: options (`-y`, `--package X`, `--package=X`, `--`), then the
/// command (a package spec like `mcp-remote@0.1.49`, or the bin name when `--package` named the
/// package), then mcp-remote's own arguments.
fn runner<'a>(
    launcher: Launcher,
    args: &'a [String],
    package_flags: &[&str],
) -> Option<(Launcher, Requested, &'a [String])> {
    let mut package: Option<&str> = None;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') {
            break;
        }
        if package_flags.contains(&arg) {
            package = args.get(i + 1).map(String::as_str);
            i += 2;
            continue;
        }
        if VALUE_OPTIONS.contains(&arg) {
            i += 2;
            continue;
        }
        if let Some(value) = package_flags
            .iter()
            .find_map(|f| arg.strip_prefix(&format!("{f}=")))
        {
            package = Some(value);
        }
        i += 1;
    }
    let (command, rest) = args.get(i..)?.split_first()?;
    let requested = match package {
        Some(spec) => {
            (command == "mcp-remote").then_some(())?;
            requested_from_spec(spec)?
        }
        None => requested_from_spec(command)?,
    };
    Some((launcher, requested, rest))
}

/// Runner options written as `--option VALUE` that come before the package (npm's common config
/// flags; `--option=VALUE` needs no entry). Without them the value would be taken for the package.
const VALUE_OPTIONS: [&str; 8] = [
    "--registry",
    "--cache",
    "--prefix",
    "--userconfig",
    "--loglevel",
    "-w",
    "--workspace",
    "--node-options",
];

/// `mcp-remote`, `mcp-remote@0.1.49`, `mcp-remote@latest`; `None` for any other package.
fn requested_from_spec(spec: &str) -> Option<Requested> {
    let (name, version) = match spec.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (spec, None),
    };
    if name != "mcp-remote" {
        return None;
    }
    Some(match version {
        None | Some("") => Requested::Unpinned,
        Some(v) => {
            Version::parse(v).map_or_else(|| Requested::Spec(v.to_string()), Requested::Exact)
        }
    })
}

/// JavaScript's whitespace for `String.prototype.trim` and regex `\s` (Unicode White_Space
/// without U+0085, plus U+FEFF).
fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

/// `/^([A-Za-z0-9_-]+):\s*(.*)$/`: `.` stops at a line terminator, so a value with one is refused.
fn parse_header_line(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once(':')?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let value = value.trim_start_matches(is_js_space);
    let one_line = !value.contains(['\n', '\r', '\u{2028}', '\u{2029}']);
    (name_ok && one_line).then(|| (name.to_string(), value.to_string()))
}

/// `parseInt(text)` for the positional port: leading whitespace, a sign, `0x` for hex, then
/// digits; `None` for NaN and for 0 (both falsy, so mcp-remote derives the port).
fn js_parse_int(text: &str) -> Option<i64> {
    let s = text.trim_start_matches(is_js_space);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, s) = match s.get(..2) {
        Some("0x" | "0X") => (16, &s[2..]),
        _ => (10, s),
    };
    let digits: String = s.chars().take_while(|c| c.is_digit(radix)).collect();
    let value = i64::from_str_radix(digits.get(..digits.len().min(15))?, radix).ok()?;
    let value = if negative { -value } else { value };
    (value != 0).then_some(value)
}

/// Names of JavaScript object keys that do not become own properties (`obj["__proto__"] = "x"`
/// sets the prototype, and a string prototype is ignored), so mcp-remote never hashes them.
fn is_own_key(key: &str) -> bool {
    key != "__proto__"
}

/// mcp-remote's arguments, read as its `parseCommandLineArgs` does: `--header`/`--header-file`
/// pairs are taken out first, the first two remaining arguments are the URL and the port, and
/// every other option is found by its first occurrence.
pub fn parse_mcp_remote_args(args: &[String]) -> Invocation {
    let mut inv = Invocation::default();
    let mut rest: Vec<&str> = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if (arg == "--header" || arg == "--header-file") && i + 1 < args.len() {
            if arg == "--header-file" {
                inv.header_file = true;
            } else if let Some((name, value)) =
                parse_header_line(&args[i + 1]).filter(|(name, _)| is_own_key(name))
            {
                inv.headers.push((name, Redacted(value)));
            }
            i += 2;
            continue;
        }
        rest.push(arg);
        i += 1;
    }
    inv.server_url = rest.first().map(|s| s.to_string());
    inv.port_arg = rest
        .get(1)
        .filter(|s| !s.is_empty())
        .and_then(|s| js_parse_int(s));
    let value_of = |flag: &str| -> Option<&str> {
        let at = rest.iter().position(|a| *a == flag)?;
        rest.get(at + 1).copied()
    };
    let has = |flag: &str| rest.contains(&flag);

    inv.disable_resource = has("--disable-resource-parameter");
    if let Some(value) = value_of("--resource") {
        let value = js_trim(value);
        if value.is_empty() {
            inv.disable_resource = true;
        } else {
            inv.resource = Some(value.to_string());
        }
    }
    for window in rest.windows(2) {
        if window[0] != "--authorize-param" {
            continue;
        }
        match window[1].find('=') {
            Some(at) if at >= 1 => {
                let key = js_trim(&window[1][..at]);
                if RESERVED_AUTHORIZE_PARAMS.contains(&key) {
                    inv.refuses_to_start = Some(format!("--authorize-param cannot set {key:?}"));
                } else if is_own_key(key) {
                    inv.authorize_params
                        .push((key.to_string(), Redacted::new(&window[1][at + 1..])));
                }
            }
            _ => inv.refuses_to_start = Some("an --authorize-param is not KEY=VALUE".to_string()),
        }
    }
    inv.client_metadata_url = value_of("--client-metadata-url")
        .map(js_trim)
        .filter(|v| is_client_metadata_url(v))
        .map(str::to_string);
    let client_credentials = has("--client-credentials");
    if let Some(at) = rest.iter().position(|a| *a == "--token-endpoint") {
        match rest.get(at + 1).filter(|v| !v.starts_with("--")) {
            None => inv.refuses_to_start = Some("--token-endpoint has no value".to_string()),
            Some(_) if !client_credentials => {
                inv.refuses_to_start =
                    Some("--token-endpoint without --client-credentials".to_string())
            }
            Some(value) => match normalise_endpoint(js_trim(value)) {
                Some(endpoint) => inv.token_endpoint = Some(endpoint),
                None => {
                    inv.refuses_to_start = Some("--token-endpoint is not an https URL".to_string())
                }
            },
        }
    }
    inv.static_client_info = value_of("--static-oauth-client-info").is_some();
    inv.host = value_of("--host").map(str::to_string);
    inv.callback_path = value_of("--callback-path")
        .filter(|p| p.starts_with('/') && *p != "/wait-for-auth" && *p != "/.mcp-remote/id")
        .map(str::to_string);
    inv
}

/// Parameters mcp-remote refuses in `--authorize-param` (it throws at startup).
const RESERVED_AUTHORIZE_PARAMS: [&str; 6] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// `https:` with a path other than `/` (mcp-remote's `isClientMetadataUrl`).
fn is_client_metadata_url(value: &str) -> bool {
    let Some(rest) = strip_scheme(value, "https") else {
        return false;
    };
    let path_start = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..path_start];
    let path = rest[path_start..].split(['?', '#']).next().unwrap_or("");
    !host.is_empty() && !path.is_empty() && path != "/"
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.split_once("://")?;
    s.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// `new URL(value).toString()` for the simple URLs a token endpoint is: scheme and host
/// lowercased, a default port dropped, an empty path made `/`. `https:`, or `http:` on loopback
/// only; no credentials, no fragment. `None` otherwise, as mcp-remote then refuses to start.
fn normalise_endpoint(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    if authority.contains('@') || tail.contains('#') || authority.is_empty() {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            (host, Some(port))
        }
        _ => (authority.as_str(), None),
    };
    let loopback = ["localhost", "127.0.0.1", "[::1]"].contains(&host);
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" if loopback => "80",
        _ => return None,
    };
    let authority = match port {
        Some(p) if p == default_port || p.is_empty() => host.to_string(),
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let tail = if tail.is_empty() || tail.starts_with('?') {
        format!("/{tail}")
    } else {
        tail.to_string()
    };
    Some(format!("{scheme}://{authority}{tail}"))
}

#[cfg(test)]
mod tests;
