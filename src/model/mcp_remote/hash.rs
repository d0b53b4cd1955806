//! Where mcp-remote keeps one server's state: the version folder and the file-name prefix (the
//! "server URL hash"), exactly as mcp-remote computes them. docs/mcp-remote.md §2 and §3 give the
//! evidence; the vectors in the tests were computed by mcp-remote's own `getServerUrlHash`
//! (tests/real-client/mcp-remote-hash-vectors.mjs) or seen as file names it wrote.

use super::Invocation;
use super::md5::md5_hex;

/// An mcp-remote release number, `major.minor.patch` with an optional `-pre` tag (`0.1.0-0`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// The pre-release tag, kept for the folder name; ignored when comparing with thresholds.
    pub pre: Option<String>,
}

impl Version {
    /// Parses `0.15.1` or `0.1.0-0`; anything else (ranges, tags, `v0.1`) is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) if !pre.is_empty() => (core, Some(pre.to_string())),
            Some(_) => return None,
            None => (text, None),
        };
        let mut parts = core.split('.');
        let mut number = || -> Option<u64> {
            let part = parts.next()?;
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        };
        let (major, minor, patch) = (number()?, number()?, number()?);
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            major,
            minor,
            patch,
            pre,
        })
    }

    fn at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// The folder under the config dir this release keeps its files in: `mcp-remote-<version>`
    /// up to 0.3.1, `mcp-remote-v1` (the config-store version, shared by every later release)
    /// from 0.3.2 on.
    pub fn folder_name(&self) -> String {
        if self.at_least(0, 3, 2) {
            SHARED_FOLDER.to_string()
        } else {
            format!("mcp-remote-{self}")
        }
    }

    /// Which of the optional inputs this release puts into the hash (it ignores or does not know
    /// the others). Each release only adds to the end of the list, so one rule covers all.
    pub fn hash_inputs(&self) -> HashInputs {
        HashInputs {
            resource_and_headers: self.at_least(0, 1, 30),
            authorize_params: self.at_least(0, 6, 0),
            client_metadata_url: self.at_least(0, 7, 0),
            token_endpoint: self.at_least(0, 14, 0),
        }
    }

    /// Whether this release coordinates concurrent sign-ins with a `<hash>_lock.json` file
    /// (up to 0.2.1; later ones ask the callback port itself).
    pub fn uses_lock_file(&self) -> bool {
        !self.at_least(0, 2, 2)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        match &self.pre {
            Some(pre) => write!(f, "-{pre}"),
            None => Ok(()),
        }
    }
}

/// The folder every release from 0.3.2 on shares (`CONFIG_STORE_VERSION = 1` in 0.15.1).
pub const SHARED_FOLDER: &str = "mcp-remote-v1";

/// What a folder directly under the config dir is, by its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderKind {
    /// `mcp-remote-<version>`: written only by that one release (0.3.1 or older).
    Release(Version),
    /// `mcp-remote-v<n>`: a config-store version shared by many releases (`v1` since 0.3.2).
    Store(u32),
}

impl FolderKind {
    /// `None` for any name mcp-remote would not have made.
    pub fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("mcp-remote-")?;
        if let Some(n) = rest.strip_prefix('v') {
            let digits_only = !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
            return digits_only
                .then(|| n.parse().ok().map(Self::Store))
                .flatten();
        }
        Version::parse(rest).map(Self::Release)
    }
}

/// The optional parts of the hash a release knows about (see [`Version::hash_inputs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashInputs {
    pub resource_and_headers: bool,
    pub authorize_params: bool,
    pub client_metadata_url: bool,
    pub token_endpoint: bool,
}

impl HashInputs {
    /// The newest rule (0.14.0 and later, checked up to 0.15.1).
    pub const LATEST: Self = Self {
        resource_and_headers: true,
        authorize_params: true,
        client_metadata_url: true,
        token_endpoint: true,
    };
}

/// Why a server's hash cannot be worked out from its definition alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashUnknown {
    /// No server URL in the arguments.
    NoUrl,
    /// `--header-file PATH`: the headers are in a file the definition names, which we never open.
    HeaderFile,
}

/// mcp-remote's `getServerUrlHash`: MD5 (hex) of `parts.join("|")`, where parts are the server URL
/// as written, then (each only when present) the `--resource` value, the `--authorize-param`s as
/// `JSON.stringify` with sorted keys, the `--header`s the same way, the `--client-metadata-url` and
/// the normalised `--token-endpoint`. Header values are hashed before mcp-remote expands `${VAR}`
/// in them. `inputs` says which parts the release that will run knows about.
pub fn server_url_hash(invocation: &Invocation, inputs: HashInputs) -> Result<String, HashUnknown> {
    let url = invocation.server_url.as_deref().ok_or(HashUnknown::NoUrl)?;
    if inputs.resource_and_headers && invocation.header_file {
        return Err(HashUnknown::HeaderFile);
    }
    let mut parts = vec![url.to_string()];
    if let Some(resource) = invocation
        .effective_resource()
        .filter(|_| inputs.resource_and_headers)
    {
        parts.push(resource.to_string());
    }
    if inputs.authorize_params && !invocation.authorize_params.is_empty() {
        parts.push(sorted_json_object(&invocation.authorize_params));
    }
    if inputs.resource_and_headers && !invocation.headers.is_empty() {
        parts.push(sorted_json_object(&invocation.headers));
    }
    let later = [
        (inputs.client_metadata_url, &invocation.client_metadata_url),
        (inputs.token_endpoint, &invocation.token_endpoint),
    ];
    for (known, value) in later {
        if let Some(value) = value.as_ref().filter(|_| known) {
            parts.push(value.clone());
        }
    }
    Ok(md5_hex(parts.join("|").as_bytes()))
}

/// The callback port mcp-remote uses when none is given: `3335 + (first 4 hex digits) % 45816`.
pub fn default_callback_port(hash: &str) -> Option<u16> {
    let offset = u32::from_str_radix(hash.get(..4)?, 16).ok()?;
    u16::try_from(3335 + offset % 45816).ok()
}

/// `JSON.stringify(map, Object.keys(map).sort())` for a map of string values: keys in UTF-16
/// code-unit order (JavaScript's default sort), later duplicates replacing earlier values.
fn sorted_json_object(pairs: &[(String, super::Redacted)]) -> String {
    let mut map: Vec<(&str, &str)> = Vec::new();
    for (key, value) in pairs {
        match map.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.expose(),
            None => map.push((key, value.expose())),
        }
    }
    map.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    let body: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{}:{}", js_json_string(k), js_json_string(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A string as `JSON.stringify` writes it: `"` and `\` escaped, `\b \f \n \r \t` short, other
/// control characters as `\u00xx` (lowercase), everything else (non-ASCII included) as is.
fn js_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::super::parse_mcp_remote_args;
    use super::*;

    fn hash_of(args: &[&str], inputs: HashInputs) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        server_url_hash(&parse_mcp_remote_args(&args), inputs).unwrap()
    }

    fn latest(args: &[&str]) -> String {
        hash_of(args, HashInputs::LATEST)
    }

    /// Observed: the file names mcp-remote 0.1.49 and 0.15.1 wrote against the loopback mock
    /// (tests/real-client/mcp-remote-capture.sh), with the callback port each one printed.
    #[test]
    fn observed_file_name_prefixes() {
        let url = "http://127.0.0.1:18931/mcp";
        let cases: [(&[&str], &str, u16); 3] = [
            (&[url], "af00b6f32a6a21582603f8f63e6c95d9", 48135),
            (
                &[url, "--resource", "http://127.0.0.1:18931/"],
                "a90c150d7b76b5e679d1e75bc9160951",
                46611,
            ),
            (
                &[url, "--header", "X-Tenant: acme"],
                "6b97b5e844eec72e9f466e794181930f",
                30878,
            ),
        ];
        for (args, hash, port) in cases {
            for version in ["0.1.49", "0.15.1"] {
                let inputs = Version::parse(version).unwrap().hash_inputs();
                assert_eq!(hash_of(args, inputs), hash, "{version} {args:?}");
            }
            assert_eq!(default_callback_port(hash), Some(port));
        }
    }

    /// Computed by getServerUrlHash taken from the mcp-remote 0.15.1 bundle
    /// (tests/real-client/mcp-remote-hash-vectors.mjs); 0.1.49 agrees wherever it takes the input.
    #[test]
    fn vectors_from_mcp_remote_0_15_1() {
        let u = "https://mcp.example.com/mcp";
        assert_eq!(latest(&[u]), "94baabe3c3fadb285b26c035e4e86046");
        assert_eq!(
            latest(&["https://mcp.example.com/mcp/"]),
            "009f3d837fca855373ee6bc0a55639f0"
        );
        assert_eq!(
            latest(&["https://mcp.example.com/sse"]),
            "494d19bc05f3885edf847e391b7f9153"
        );
        assert_eq!(
            latest(&[u, "--resource", "https://mcp.example.com/"]),
            "5d3519ac3025f806cb9adbee72da8a86"
        );
        assert_eq!(
            latest(&[u, "--header", "X-Tenant: acme"]),
            "11c4bdd20ef2d233ceb7fdd45d7d2883"
        );
        // Sorted by UTF-16 code unit: "A" < "a" < "b".
        assert_eq!(
            latest(&[u, "--header", "b: 2", "--header", "A:1", "--header", "a:3"]),
            "3bf4609cf6dcd100b9bb6e668c91c23c"
        );
        // `${VAR}` is hashed as written: mcp-remote expands it only after hashing.
        assert_eq!(
            latest(&[
                u,
                "--resource",
                "https://api.example.com",
                "--header",
                "Authorization: Bearer ${API_KEY}"
            ]),
            "b137b6bcf11bcddf1c580ba7e5ae2bf3"
        );
        assert_eq!(
            latest(&[
                u,
                "--authorize-param",
                "prompt=consent",
                "--authorize-param",
                "audience=https://api.example.com"
            ]),
            "8f5afc7bb1a1adc9f787ecae25412800"
        );
        assert_eq!(
            latest(&[
                u,
                "--client-metadata-url",
                "https://app.example.com/client.json"
            ]),
            "ee5a5b9e1ea7d370cb64d317f3b3ada1"
        );
        assert_eq!(
            latest(&[
                u,
                "--client-credentials",
                "--token-endpoint",
                "https://auth.example.com/token"
            ]),
            "1eab475d16755b82555b18bb8adf1547"
        );
        assert_eq!(
            latest(&[
                u,
                "--resource",
                "https://r.example.com",
                "--header",
                "H:v",
                "--authorize-param",
                "p=q",
                "--client-metadata-url",
                "https://app.example.com/c.json",
                "--client-credentials",
                "--token-endpoint",
                "https://auth.example.com/t"
            ]),
            "5c05fcf2eaf8aae381527831c3fa066b"
        );
    }

    /// The same string through JSON.stringify: quotes, backslash, tab, newline, a control
    /// character, non-ASCII. (A newline cannot come through `--header`, whose regex stops at one,
    /// so this calls the hash rule on the parsed form directly.)
    #[test]
    fn json_escaping_matches_javascript() {
        let mut invocation = parse_mcp_remote_args(&["https://mcp.example.com/mcp".to_string()]);
        invocation.headers.push((
            "X-Q".to_string(),
            super::super::Redacted::new("quote\" back\\slash tab\t nl\n ctl\u{1} é ☃"),
        ));
        assert_eq!(
            server_url_hash(&invocation, HashInputs::LATEST).unwrap(),
            "e56c5e4fce37b86ff0ac2ec3093a559e"
        );
    }

    /// Releases up to 0.1.29 hash the URL alone; 0.1.30 to 0.5.0 add resource and headers, not
    /// `--authorize-param` (vector: 0.1.49's own function gives the URL-only hash for it).
    #[test]
    fn older_releases_hash_fewer_inputs() {
        let u = "https://mcp.example.com/mcp";
        let args = [
            u,
            "--resource",
            "https://r.example.com",
            "--header",
            "H:v",
            "--authorize-param",
            "p=q",
        ];
        let v = |s| Version::parse(s).unwrap().hash_inputs();
        assert_eq!(
            hash_of(&args, v("0.1.29")),
            "94baabe3c3fadb285b26c035e4e86046"
        );
        assert_eq!(
            hash_of(&args[..5], v("0.1.49")),
            "e9e9bb4823d63acb32e46a016faa3088"
        );
        assert_eq!(
            hash_of(&args, v("0.5.0")),
            "e9e9bb4823d63acb32e46a016faa3088"
        );
        assert_ne!(
            hash_of(&args, v("0.6.0")),
            "e9e9bb4823d63acb32e46a016faa3088"
        );
    }

    #[test]
    fn unknown_hashes_say_why() {
        let none = parse_mcp_remote_args(&[]);
        assert_eq!(
            server_url_hash(&none, HashInputs::LATEST),
            Err(HashUnknown::NoUrl)
        );
        let args = ["https://x.example/mcp", "--header-file", "/etc/h"].map(String::from);
        let from_file = parse_mcp_remote_args(&args);
        assert_eq!(
            server_url_hash(&from_file, HashInputs::LATEST),
            Err(HashUnknown::HeaderFile)
        );
    }

    #[test]
    fn folders_by_release() {
        let folder = |s| Version::parse(s).unwrap().folder_name();
        assert_eq!(folder("0.1.49"), "mcp-remote-0.1.49");
        assert_eq!(folder("0.1.0-0"), "mcp-remote-0.1.0-0");
        assert_eq!(folder("0.3.1"), "mcp-remote-0.3.1");
        assert_eq!(folder("0.3.2"), "mcp-remote-v1");
        assert_eq!(folder("0.15.1"), "mcp-remote-v1");
        assert_eq!(
            FolderKind::parse("mcp-remote-0.1.49"),
            Some(FolderKind::Release(Version::parse("0.1.49").unwrap()))
        );
        assert_eq!(
            FolderKind::parse("mcp-remote-v1"),
            Some(FolderKind::Store(1))
        );
        for name in [
            "mcp-remote-",
            "mcp-remote-v",
            "mcp-remote-latest",
            "other",
            "mcp-remote-1.2",
        ] {
            assert_eq!(FolderKind::parse(name), None, "{name}");
        }
        assert!(Version::parse("0.2.1").unwrap().uses_lock_file());
        assert!(!Version::parse("0.2.2").unwrap().uses_lock_file());
    }

    #[test]
    fn versions_parse_strictly() {
        for bad in [
            "", "1", "1.2", "1.2.3.4", "^0.1.0", "latest", "01.x.2", "1.2.3-", "v1.2.3",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        assert_eq!(Version::parse("0.15.1").unwrap().to_string(), "0.15.1");
    }
}
