//! Synthetic Claude Code homes: a realistic, reproducible `~/.claude.json` of any size, with a
//! `.credentials.json` and a needs-auth cache whose every entry and marker is planted in a known
//! state, and a manifest that says which.
//!
//! Used by `examples/gen_home.rs` (the benchmark's homes) and `tests/generated.rs` (the correctness
//! guard). Everything is derived from the seed with an inline splitmix64, so a seed always gives the
//! same bytes (the project paths are under the output directory, so they differ between
//! directories). Each file is saved the way Claude Code saves it: its whole text in one `write()`
//! (`writeFileSync`; `.claude.json` into a temp file renamed over the path, state-formats.md §6).
//! That is not only faithful but measurable: the kernel keeps a file written in one piece in large
//! page-cache folios, and mapping those costs a 200 MB `check` 7-11 ms of kernel time where the same
//! bytes written 1 MiB at a time cost 18-43 ms (docs/performance.md, tenth round). So generating a
//! 200 MB home holds its 200 MB text in memory once.
//!
//! Layout of `out`:
//!
//! ```text
//! out/manifest.json                            what was planted (outside the home)
//! out/home/.claude.json                        2-space indented, no trailing newline
//! out/home/.claude/.credentials.json           compact, 0600
//! out/home/.claude/mcp-needs-auth-cache.json   compact
//! out/home/code/<project>/                     folders of projects with local-scope servers
//! ```

#![allow(dead_code)]

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use mcp_auth_doctor::model::key::server_key;
use serde_json::{Map, Value, json};

/// The fixtures' "now" (2026-06-01T12:00:00Z), the default clock of a generated home.
pub const DEFAULT_NOW_MS: i64 = 1_780_315_200_000;
/// Every secret contains this.
pub const CANARY: &str = "CANARY";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Params {
    /// Target size of `.claude.json` in bytes (reached within a few KB, never below the fixed part).
    pub claude_json_bytes: u64,
    pub projects: usize,
    /// Configured http/sse servers (user and local scope together). One stdio server and one server
    /// with a static `Authorization` header are added on top; they need no OAuth state.
    pub servers: usize,
    /// `mcpOAuth` entries.
    pub entries: usize,
    pub seed: u64,
    pub now_ms: i64,
    /// What the pasted history looks like.
    pub text: Text,
}

/// The kind of pasted content that pads `.claude.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Text {
    /// Code, prose, paths and terminal output: an escape every ~18 bytes, some non-ASCII.
    #[default]
    Mixed,
    /// JSON pasted inside JSON, `\uXXXX` escapes (surrogate pairs too), Windows paths and
    /// non-Latin scripts: an escape every ~4 bytes, most other bytes non-ASCII.
    Heavy,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            claude_json_bytes: 1 << 20,
            projects: 50,
            servers: 10,
            entries: 30,
            seed: 1,
            now_ms: DEFAULT_NOW_MS,
            text: Text::Mixed,
        }
    }
}

/// The state an `mcpOAuth` entry was planted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Under a configured server's current key, usable token far from expiry.
    LiveValid,
    /// Under a current key, expires within the 300 s refresh window, has a refresh token.
    LiveRefreshable,
    /// Under a current key, expired, no refresh token.
    LiveExpired,
    /// Under a current key, neither access nor refresh token (pending registration).
    LivePlaceholder,
    /// The key of an older form (url, transport) of a configured name.
    Stale,
    /// A name no scope configures.
    Orphaned,
}

impl EntryState {
    pub fn code(self) -> &'static str {
        match self {
            Self::LiveValid => "live-valid",
            Self::LiveRefreshable => "live-refreshable",
            Self::LiveExpired => "live-expired",
            Self::LivePlaceholder => "live-placeholder",
            Self::Stale => "stale",
            Self::Orphaned => "orphaned",
        }
    }
}

/// The state a needs-auth marker was planted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerState {
    /// 5 minutes old, on a configured server (a live-valid or live-placeholder one).
    Fresh,
    /// 3 days old, on a configured server.
    Old,
    /// On a name no scope configures (old or fresh timestamp).
    Orphan,
}

impl MarkerState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::Old => "old",
            Self::Orphan => "orphan",
        }
    }
}

/// One configured server.
#[derive(Debug, Clone)]
pub struct PlantedServer {
    pub name: String,
    /// `None` for user scope, else the project key.
    pub project: Option<String>,
    pub transport: &'static str,
    pub url: String,
    pub headers: Map<String, Value>,
    /// The key Claude Code files its OAuth state under.
    pub key: String,
}

/// What a generation planted.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub seed: u64,
    pub now_ms: i64,
    pub home: PathBuf,
    pub claude_json_bytes: u64,
    pub projects: usize,
    pub servers: Vec<PlantedServer>,
    /// (key, name, state).
    pub entries: Vec<(String, String, EntryState)>,
    /// (name, state).
    pub markers: Vec<(String, MarkerState)>,
    /// Projects with local-scope servers whose folder was not created.
    pub missing_project_dirs: Vec<String>,
}

impl Manifest {
    pub fn to_json(&self) -> Value {
        json!({
            "seed": self.seed,
            "now_ms": self.now_ms,
            "home": self.home.display().to_string(),
            "claude_json_bytes": self.claude_json_bytes,
            "projects": self.projects,
            "servers": self.servers.iter().map(|s| json!({
                "name": s.name,
                "scope": if s.project.is_some() { "local" } else { "user" },
                "project": s.project,
                "type": s.transport,
                "url": s.url,
                "key": s.key,
            })).collect::<Vec<_>>(),
            "entries": self.entries.iter().map(|(k, n, s)| json!({
                "key": k, "name": n, "state": s.code(),
            })).collect::<Vec<_>>(),
            "markers": self.markers.iter().map(|(n, s)| json!({
                "name": n, "state": s.code(),
            })).collect::<Vec<_>>(),
            "missing_project_dirs": self.missing_project_dirs,
        })
    }

    /// Keys of the entries planted in `state`, sorted.
    pub fn keys_in(&self, state: EntryState) -> Vec<String> {
        let mut v: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.2 == state)
            .map(|e| e.0.clone())
            .collect();
        v.sort();
        v
    }
}

// ---- randomness ----------------------------------------------------------------------------------

/// splitmix64: tiny, fast, and good enough to pick shapes and words.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(len);
        s
    }

    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

// ---- a streaming, JSON.stringify(obj, null, 2)-shaped writer --------------------------------------

/// Counts the bytes that pass through.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes 2-space indented JSON as `JSON.stringify(value, null, 2)` does, one token at a time.
struct Pretty<W: Write> {
    w: Counting<W>,
    /// Members written so far in each open container.
    stack: Vec<usize>,
    after_key: bool,
}

impl<W: Write> Pretty<W> {
    fn new(inner: W) -> Self {
        Self {
            w: Counting { inner, count: 0 },
            stack: Vec::new(),
            after_key: false,
        }
    }

    fn written(&self) -> u64 {
        self.w.count
    }

    fn newline(&mut self, depth: usize) -> io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        self.w.write_all(b"\n")?;
        let mut n = depth * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    /// Separator and indentation before a value or key.
    fn before(&mut self) -> io::Result<()> {
        if self.after_key {
            self.after_key = false;
            return Ok(());
        }
        let depth = self.stack.len();
        if let Some(n) = self.stack.last_mut() {
            if *n > 0 {
                self.w.write_all(b",")?;
            }
            *n += 1;
            self.newline(depth)?;
        }
        Ok(())
    }

    fn open(&mut self, bracket: &[u8]) -> io::Result<()> {
        self.before()?;
        self.w.write_all(bracket)?;
        self.stack.push(0);
        Ok(())
    }

    fn close(&mut self, bracket: &[u8]) -> io::Result<()> {
        let n = self.stack.pop().expect("open container");
        if n > 0 {
            let depth = self.stack.len();
            self.newline(depth)?;
        }
        self.w.write_all(bracket)
    }

    fn key(&mut self, k: &str) -> io::Result<()> {
        self.before()?;
        serde_json::to_writer(&mut self.w, k)?;
        self.w.write_all(b": ")?;
        self.after_key = true;
        Ok(())
    }

    /// A small value, serialised with serde_json (which escapes like `JSON.stringify`) and
    /// re-indented to the current depth.
    fn value(&mut self, v: &Value) -> io::Result<()> {
        self.before()?;
        let text = serde_json::to_string_pretty(v)?;
        let depth = self.stack.len();
        let mut lines = text.split('\n');
        self.w
            .write_all(lines.next().unwrap_or_default().as_bytes())?;
        for line in lines {
            self.newline(depth)?;
            self.w.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    fn member(&mut self, k: &str, v: &Value) -> io::Result<()> {
        self.key(k)?;
        self.value(v)
    }

    /// A string whose JSON-escaped content the caller writes with `raw`.
    fn begin_string(&mut self) -> io::Result<()> {
        self.before()?;
        self.w.write_all(b"\"")
    }

    fn raw(&mut self, escaped: &str) -> io::Result<()> {
        self.w.write_all(escaped.as_bytes())
    }

    fn end_string(&mut self) -> io::Result<()> {
        self.w.write_all(b"\"")
    }

    fn finish(self) -> W {
        self.w.inner
    }
}

// ---- text that looks like pasted content ---------------------------------------------------------

/// Pieces of already-escaped JSON string content: code, prose, paths, terminal output, non-ASCII.
const FRAGMENTS: &[&str] = &[
    "the quick brown fox jumps over the lazy dog ",
    "fn main() {\\n    println!(\\\"hello, world\\\");\\n}\\n",
    "error[E0382]: borrow of moved value: `config`\\n",
    "  --> src/main.rs:42:17\\n",
    "C:\\\\Users\\\\alice\\\\AppData\\\\Roaming\\\\Claude\\\\",
    "\\\"quoted\\\" and 'single' quotes ",
    "caf\\u00e9 cr\\u00e8me br\\u00fbl\\u00e9e ",
    "café naïve façade Ærøskøbing ",
    "日本語のテキストと絵文字 🚀✨ ",
    "Привет, мир! ",
    "\\tindented\\twith\\ttabs\\n",
    "\\u001b[31mred\\u001b[0m \\u001b[1mbold\\u001b[0m\\n",
    "SELECT id, name FROM users WHERE email = 'a@example.com';\\n",
    "{\\\"json\\\": [1, 2, 3], \\\"nested\\\": {\\\"k\\\": null}}\\n",
    "https://example.com/path?query=1&other=two#frag ",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ",
    "$ cargo test -- --nocapture\\n",
    "    at Object.<anonymous> (/home/u/app/index.js:10:5)\\n",
    "a backslash \\\\ and a slash / ",
    "0123456789 ",
];

/// Pieces for [`Text::Heavy`]: escapes and non-ASCII dominate.
const HEAVY_FRAGMENTS: &[&str] = &[
    "{\\\"a\\\":\\\"\\\\u00e9\\\"}\\n",
    "\\\\server\\\\share\\\\dir\\\\",
    "\\ud83d\\ude80\\ud83d\\udd25\\u2728",
    "\\u65e5\\u672c\\u8a9e\\u3067\\u3059",
    "\\t\\t\\\"\\\"\\n\\r\\n\\b\\f\\/",
    "日本語のテキスト、漢字とかな。",
    "Привет, мир! Съешь же ещё этих булок.",
    "مرحبا بالعالم ",
    "😀🎉🚀✨🔥 ",
    "\\u001b[38;5;196m█▇▆▅▄▃▂▁\\u001b[0m",
    "C:\\\\Users\\\\Ærøskøbing\\\\Документы\\\\",
    "\\\"\\\\\\\"\\\"",
];

/// Writes about `len` bytes of pasted-looking content into an open string.
fn pasted_text<W: Write>(
    p: &mut Pretty<W>,
    rng: &mut Rng,
    len: usize,
    text: Text,
) -> io::Result<()> {
    let pieces = match text {
        Text::Mixed => FRAGMENTS,
        Text::Heavy => HEAVY_FRAGMENTS,
    };
    let mut n = 0;
    while n < len {
        let f = pieces[rng.below(pieces.len())];
        p.raw(f)?;
        n += f.len();
    }
    Ok(())
}

const WORDS: &[&str] = &[
    "fix",
    "the",
    "failing",
    "test",
    "in",
    "parser",
    "refactor",
    "add",
    "docs",
    "for",
    "why",
    "does",
    "build",
    "break",
    "on",
    "windows",
    "explain",
    "this",
    "function",
    "please",
    "review",
    "migration",
    "and",
    "update",
    "changelog",
];

fn prompt(rng: &mut Rng) -> String {
    let n = rng.range(3, 14);
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- the plan ------------------------------------------------------------------------------------

const VENDORS: &[&str] = &[
    "linear",
    "notion",
    "sentry",
    "atlassian",
    "asana",
    "stripe",
    "figma",
    "hubspot",
    "intercom",
    "zapier",
    "paypal",
    "cloudflare",
    "vercel",
    "supabase",
    "neon",
    "quarri",
];

struct Plan {
    servers: Vec<PlantedServer>,
    /// Per project index: the servers configured there (indexes into `servers`).
    local: Vec<Vec<usize>>,
    entries: Vec<(String, String, EntryState, Value)>,
    markers: Vec<(String, MarkerState, i64)>,
    project_keys: Vec<String>,
    missing_project_dirs: Vec<String>,
}

fn server(
    name: String,
    project: Option<String>,
    transport: &'static str,
    url: String,
    headers: Map<String, Value>,
) -> PlantedServer {
    let key = server_key(&name, transport, &url, &headers);
    PlantedServer {
        name,
        project,
        transport,
        url,
        headers,
        key,
    }
}

fn entry_value(rng: &mut Rng, name: &str, url: &str, state: EntryState, now: i64) -> Value {
    let mut e = Map::new();
    e.insert("serverName".into(), name.into());
    e.insert("serverUrl".into(), url.into());
    let host = url.split('/').nth(2).unwrap_or("example.com").to_string();
    let discovery = json!({
        "authorizationServerUrl": format!("https://{host}"),
        "resourceMetadataUrl": format!("https://{host}/.well-known/oauth-protected-resource/mcp"),
    });
    let token = |rng: &mut Rng, kind: &str| format!("{kind}-{CANARY}-{}", rng.hex(40));
    match state {
        EntryState::LivePlaceholder => {
            e.insert("accessToken".into(), "".into());
            e.insert("expiresAt".into(), 0.into());
            e.insert("discoveryState".into(), discovery);
            match rng.below(3) {
                0 => {
                    e.insert("clientId".into(), format!("cid-{}", rng.hex(12)).into());
                    e.insert("clientSecret".into(), token(rng, "cs").into());
                    e.insert("stepUpScope".into(), "mcp:read mcp:write".into());
                }
                1 => {
                    // Blanked after a failed refresh: the scope and client are kept.
                    e.insert("clientId".into(), format!("cid-{}", rng.hex(12)).into());
                    e.insert("scope".into(), "mcp:read offline_access".into());
                }
                _ => {
                    // Zeroed by a concurrent writer.
                    e.insert("refreshToken".into(), "".into());
                }
            }
        }
        _ => {
            let expires = match state {
                EntryState::LiveRefreshable => now + 100_000,
                EntryState::LiveExpired => now - 3 * 86_400_000,
                EntryState::Stale | EntryState::Orphaned if rng.chance(20) => now - 86_400_000,
                _ => 4_102_444_800_000,
            };
            e.insert("accessToken".into(), token(rng, "at").into());
            let refresh = match state {
                EntryState::LiveExpired => false,
                EntryState::LiveValid | EntryState::LiveRefreshable => true,
                _ => rng.chance(60),
            };
            if refresh {
                e.insert("refreshToken".into(), token(rng, "rt").into());
            }
            e.insert("expiresAt".into(), expires.into());
            e.insert("scope".into(), "mcp:read mcp:write offline_access".into());
            e.insert("clientId".into(), format!("cid-{}", rng.hex(12)).into());
            if rng.chance(50) {
                e.insert("clientSecret".into(), token(rng, "cs").into());
            }
            e.insert("discoveryState".into(), discovery);
        }
    }
    Value::Object(e)
}

fn plan(params: &Params, home: &Path, rng: &mut Rng) -> Plan {
    let now = params.now_ms;
    let project_keys: Vec<String> = (0..params.projects)
        .map(|i| {
            home.join("code")
                .join(format!("{}-{i:05}", WORDS[i % WORDS.len()]))
                .display()
                .to_string()
        })
        .collect();

    // Servers: a third in user scope, the rest in local scope, two to five per project.
    let user_count = if params.projects == 0 {
        params.servers
    } else {
        params.servers.div_ceil(3)
    };
    let mut servers = Vec::new();
    let mut local: Vec<Vec<usize>> = vec![Vec::new(); params.projects];
    let mut local_projects: Vec<usize> = Vec::new();
    let mut candidates: Vec<usize> = (0..params.projects).collect();
    rng.shuffle(&mut candidates);
    let mut next_project = 0;
    for i in 0..params.servers {
        let vendor = VENDORS[i % VENDORS.len()];
        let name = format!("{vendor}-{i:04}");
        let transport = if i % 4 == 3 { "sse" } else { "http" };
        let url = format!(
            "https://mcp{i}.{vendor}.example/{}",
            if transport == "sse" { "sse" } else { "mcp" }
        );
        let mut headers = Map::new();
        if i % 5 == 4 {
            headers.insert("X-Team".into(), format!("team-{i}").into());
            headers.insert("X-Region".into(), "eu-west-1".into());
        }
        let project = if i < user_count {
            None
        } else {
            // Fill a project with 2-5 servers, then move to the next one.
            if local_projects.is_empty()
                || local[*local_projects.last().unwrap()].len() >= 2 + (local_projects.len() % 4)
            {
                let p = candidates[next_project % candidates.len()];
                next_project += 1;
                local_projects.push(p);
            }
            let p = *local_projects.last().unwrap();
            local[p].push(servers.len());
            Some(project_keys[p].clone())
        };
        servers.push(server(name, project, transport, url, headers));
    }
    local_projects.sort();
    local_projects.dedup();
    // One project with local servers has lost its folder (if there are two or more).
    let missing_project_dirs = if local_projects.len() >= 2 {
        vec![project_keys[local_projects[rng.below(local_projects.len())]].clone()]
    } else {
        Vec::new()
    };

    // Entries: live ones under current keys (at most 80% of the servers, so some have none),
    // the rest split between stale and orphaned.
    let mut order: Vec<usize> = (0..servers.len()).collect();
    rng.shuffle(&mut order);
    let live = (servers.len() * 4 / 5).min(params.entries / 2);
    let share = |pct: usize| {
        if live >= 4 {
            (live * pct / 100).max(1)
        } else {
            0
        }
    };
    let (n_refresh, n_expired, n_placeholder) = (share(15), share(15), share(25));
    let mut entries = Vec::new();
    let mut live_state = vec![None; servers.len()];
    for (rank, &s) in order.iter().take(live).enumerate() {
        let state = if rank < n_refresh {
            EntryState::LiveRefreshable
        } else if rank < n_refresh + n_expired {
            EntryState::LiveExpired
        } else if rank < n_refresh + n_expired + n_placeholder {
            EntryState::LivePlaceholder
        } else {
            EntryState::LiveValid
        };
        live_state[s] = Some(state);
        let srv = &servers[s];
        let v = entry_value(rng, &srv.name, &srv.url, state, now);
        entries.push((srv.key.clone(), srv.name.clone(), state, v));
    }
    let rest = params.entries - live;
    let n_stale = if servers.is_empty() { 0 } else { rest / 2 };
    let mut variants = vec![0usize; servers.len()];
    for _ in 0..n_stale {
        let s = rng.below(servers.len());
        let srv = &servers[s];
        let k = variants[s];
        variants[s] += 1;
        // An older form of the same server: a trailing slash, the other transport, an old path.
        let (transport, url) = match k {
            0 => (srv.transport, format!("{}/", srv.url)),
            1 => (
                if srv.transport == "sse" {
                    "http"
                } else {
                    "sse"
                },
                srv.url.clone(),
            ),
            n => (srv.transport, format!("{}/v{n}", srv.url)),
        };
        let key = server_key(&srv.name, transport, &url, &srv.headers);
        let v = entry_value(rng, &srv.name, &url, EntryState::Stale, now);
        entries.push((key, srv.name.clone(), EntryState::Stale, v));
    }
    let mut orphan_names: Vec<String> = Vec::new();
    for j in 0..rest - n_stale {
        let vendor = VENDORS[rng.below(VENDORS.len())];
        // Some removed servers left several keys behind.
        let name = if j > 0 && rng.chance(20) {
            orphan_names[rng.below(orphan_names.len())].clone()
        } else {
            orphan_names.push(format!("old-{vendor}-{j:04}"));
            orphan_names.last().unwrap().clone()
        };
        let url = format!("https://gone{j}.{vendor}.example/mcp");
        let key = server_key(&name, "http", &url, &Map::new());
        let state = EntryState::Orphaned;
        let v = entry_value(rng, &name, &url, state, now);
        entries.push((key, name, state, v));
    }
    orphan_names.dedup();
    rng.shuffle(&mut entries);

    // Markers: fresh ones on live-valid (blocks a usable server) and live-placeholder servers (seals
    // the placeholder), old ones on configured servers, and markers for unconfigured names.
    let fresh_ts = now - 300_000;
    let old_ts = now - 3 * 86_400_000;
    let mut markers = Vec::new();
    let mut marked = vec![false; servers.len()];
    let per_state = (params.entries / 20).max(1);
    for want in [EntryState::LiveValid, EntryState::LivePlaceholder] {
        let targets: Vec<usize> = (0..servers.len())
            .filter(|&s| live_state[s] == Some(want))
            .take(per_state)
            .collect();
        for s in targets {
            marked[s] = true;
            markers.push((servers[s].name.clone(), MarkerState::Fresh, fresh_ts));
        }
    }
    for s in 0..servers.len() {
        if !marked[s] && markers.len() < 3 * per_state && rng.chance(30) {
            marked[s] = true;
            markers.push((servers[s].name.clone(), MarkerState::Old, old_ts));
        }
    }
    for (j, name) in orphan_names.iter().enumerate().take(per_state) {
        let ts = if j % 2 == 0 { old_ts } else { fresh_ts };
        markers.push((name.clone(), MarkerState::Orphan, ts));
    }
    markers.push(("retired-server".into(), MarkerState::Orphan, old_ts));
    rng.shuffle(&mut markers);

    Plan {
        servers,
        local,
        entries,
        markers,
        project_keys,
        missing_project_dirs,
    }
}

// ---- writing -------------------------------------------------------------------------------------

/// Generates a home under `out/home` and its manifest at `out/manifest.json`.
pub fn generate(out: &Path, params: &Params) -> io::Result<Manifest> {
    let home = out.join("home");
    fs::create_dir_all(home.join(".claude"))?;
    let home = home.canonicalize()?;
    let mut rng = Rng::new(params.seed);
    let plan = plan(params, &home, &mut rng);

    for (p, servers) in plan.local.iter().enumerate() {
        let key = &plan.project_keys[p];
        if !servers.is_empty() && !plan.missing_project_dirs.contains(key) {
            fs::create_dir_all(key)?;
        }
    }
    let claude_json_bytes = write_claude_json(&home.join(".claude.json"), params, &plan, &mut rng)?;
    write_credentials(&home.join(".claude/.credentials.json"), &plan, &mut rng)?;
    let cache: Map<String, Value> = plan
        .markers
        .iter()
        .map(|(name, _, ts)| (name.clone(), json!({ "timestamp": ts })))
        .collect();
    fs::write(
        home.join(".claude/mcp-needs-auth-cache.json"),
        serde_json::to_vec(&cache)?,
    )?;

    let manifest = Manifest {
        seed: params.seed,
        now_ms: params.now_ms,
        home,
        claude_json_bytes,
        projects: params.projects,
        servers: plan.servers,
        entries: plan
            .entries
            .into_iter()
            .map(|(k, n, s, _)| (k, n, s))
            .collect(),
        markers: plan.markers.into_iter().map(|(n, s, _)| (n, s)).collect(),
        missing_project_dirs: plan.missing_project_dirs,
    };
    let mut text = serde_json::to_string_pretty(&manifest.to_json())?;
    text.push('\n');
    fs::write(out.join("manifest.json"), text)?;
    Ok(manifest)
}

fn write_credentials(path: &Path, plan: &Plan, rng: &mut Rng) -> io::Result<()> {
    let oauth: Map<String, Value> = plan
        .entries
        .iter()
        .map(|(k, _, _, v)| (k.clone(), v.clone()))
        .collect();
    let creds = json!({
        "claudeAiOauth": {
            "accessToken": format!("sk-ant-oat01-{CANARY}-{}", rng.hex(48)),
            "refreshToken": format!("sk-ant-ort01-{CANARY}-{}", rng.hex(48)),
            "expiresAt": 4_102_444_800_000i64,
            "scopes": ["user:inference", "user:profile", "user:sessions:claude_code"],
            "subscriptionType": "max",
            "rateLimitTier": "default_claude_max_20x",
        },
        "mcpOAuth": oauth,
    });
    // 2.1.100 writes it in place (`writeFileSync`), one write.
    fs::write(path, serde_json::to_vec(&creds)?)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn server_config(s: &PlantedServer) -> Value {
    let mut c = Map::new();
    c.insert("type".into(), s.transport.into());
    c.insert("url".into(), s.url.clone().into());
    if !s.headers.is_empty() {
        c.insert("headers".into(), Value::Object(s.headers.clone()));
    }
    Value::Object(c)
}

/// Writes `.claude.json`: a few top-level settings, `projects` padded with history up to the target
/// size, then user-scope `mcpServers` and more settings.
fn write_claude_json(path: &Path, params: &Params, plan: &Plan, rng: &mut Rng) -> io::Result<u64> {
    let mut p = Pretty::new(Vec::with_capacity(
        params.claude_json_bytes as usize + (1 << 16),
    ));
    p.open(b"{")?;
    p.member("numStartups", &json!(412))?;
    p.member("installMethod", &json!("native"))?;
    p.member("autoUpdates", &json!(true))?;
    p.member("firstStartTime", &json!("2025-03-02T09:14:03.512Z"))?;
    p.member("userID", &json!(rng.hex(64)))?;
    p.member(
        "tipsHistory",
        &json!({"new-user-warmup": 7, "plan-mode-for-complex-tasks": 312, "memory-command": 40}),
    )?;
    p.member("hasCompletedOnboarding", &json!(true))?;
    p.member("lastOnboardingVersion", &json!("2.1.100"))?;

    // What the tail (user servers and settings) will take, so projects can fill the rest.
    let tail_reserve = 4096 + 200 * plan.servers.len() as u64;
    p.key("projects")?;
    p.open(b"{")?;
    let n = plan.project_keys.len();
    for (i, key) in plan.project_keys.iter().enumerate() {
        let remaining = params
            .claude_json_bytes
            .saturating_sub(p.written() + tail_reserve);
        let budget = remaining / (n - i) as u64;
        let start = p.written();
        p.key(key)?;
        p.open(b"{")?;
        p.member(
            "allowedTools",
            &json!([
                "Bash(cargo test:*)",
                "Bash(git status)",
                "WebFetch(domain:docs.rs)"
            ]),
        )?;
        p.key("history")?;
        p.open(b"[")?;
        // History items until the project has its share of the file.
        while p.written() - start + 600 < budget {
            let left = (budget - (p.written() - start)) as usize;
            p.open(b"{")?;
            p.member("display", &json!(prompt(rng)))?;
            p.key("pastedContents")?;
            p.open(b"{")?;
            if rng.chance(60) {
                let len = rng.range(512, 32 * 1024).min(left.saturating_sub(300));
                p.key("1")?;
                p.open(b"{")?;
                p.member("id", &json!(1))?;
                p.member("type", &json!("text"))?;
                p.key("content")?;
                p.begin_string()?;
                pasted_text(&mut p, rng, len, params.text)?;
                p.end_string()?;
                p.close(b"}")?;
            }
            p.close(b"}")?;
            p.close(b"}")?;
        }
        p.close(b"]")?;
        p.member("mcpContextUris", &json!([]))?;
        p.key("mcpServers")?;
        p.open(b"{")?;
        for &s in &plan.local[i] {
            p.member(&plan.servers[s].name, &server_config(&plan.servers[s]))?;
        }
        if !plan.local[i].is_empty() && i % 3 == 0 {
            p.member(
                "local-tool",
                &json!({"type": "stdio", "command": "npx", "args": ["-y", "local-mcp"], "env": {}}),
            )?;
        }
        p.close(b"}")?;
        p.member("enabledMcpjsonServers", &json!([]))?;
        p.member("disabledMcpjsonServers", &json!([]))?;
        p.member("hasTrustDialogAccepted", &json!(i % 7 != 0))?;
        p.member("projectOnboardingSeenCount", &json!(i % 5))?;
        p.member("hasClaudeMdExternalIncludesApproved", &json!(false))?;
        p.member("lastCost", &json!(rng.below(100_000) as f64 / 7919.0))?;
        p.member("lastAPIDuration", &json!(rng.below(600_000)))?;
        p.member("lastDuration", &json!(rng.below(6_000_000)))?;
        p.member("lastLinesAdded", &json!(rng.below(2000)))?;
        p.member("lastLinesRemoved", &json!(rng.below(900)))?;
        p.member("lastTotalInputTokens", &json!(rng.below(2_000_000)))?;
        p.member("lastTotalOutputTokens", &json!(rng.below(90_000)))?;
        p.member("lastSessionId", &json!(rng.uuid()))?;
        p.close(b"}")?;
    }
    p.close(b"}")?;

    p.key("mcpServers")?;
    p.open(b"{")?;
    for s in plan.servers.iter().filter(|s| s.project.is_none()) {
        p.member(&s.name, &server_config(s))?;
    }
    // Servers that need no OAuth state: a stdio one and one with a static Authorization header.
    p.member(
        "filesystem",
        &json!({"type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"], "env": {}}),
    )?;
    p.member(
        "github",
        &json!({"type": "http", "url": "https://api.githubcopilot.com/mcp/",
                "headers": {"Authorization": format!("Bearer ghp-{CANARY}-{}", rng.hex(20))}}),
    )?;
    p.close(b"}")?;
    p.member(
        "oauthAccount",
        &json!({
            "accountUuid": rng.uuid(),
            "emailAddress": "synthetic@example.com",
            "organizationUuid": rng.uuid(),
            "displayName": "Synthetic User",
            "organizationRole": "admin",
            "workspaceRole": null,
            "organizationName": "Example Org",
        }),
    )?;
    p.member(
        "cachedStatsigGates",
        &json!({"tengu_disable_bypass_permissions_mode": false, "tengu_tool_pear": true}),
    )?;
    p.member("claudeAiMcpEverConnected", &json!(["claude.ai Gmail"]))?;
    p.member("fallbackAvailableWarningThreshold", &json!(0.5))?;
    p.close(b"}")?;
    let text = p.finish();
    save_as_claude_code(path, &text)?;
    Ok(text.len() as u64)
}

/// Saves `.claude.json` as Claude Code does (state-formats.md §6.2): the whole text written in one
/// `write()` to a temp file beside it, renamed over the path.
fn save_as_claude_code(path: &Path, text: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp.{}.gen", std::process::id()));
    let tmp = PathBuf::from(tmp);
    File::create(&tmp)?.write_all(text)?;
    fs::rename(&tmp, path)
}
