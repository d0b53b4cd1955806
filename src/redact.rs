//! Secrets never leave the process. This one module decides what is shown of anything that might
//! be one, for every output path (check, report, fix plans, errors):
//!
//! - known secret fields (tokens, client secrets, `Authorization` values, ...) are never printed at
//!   all, only described by [`crate::model::secret::SecretInfo`];
//! - URLs keep scheme, host, port, the ordinary path and the names of query parameters, but not
//!   userinfo, query values, the fragment or a path segment that looks like a secret ([`url`]);
//! - every line of output finally passes [`output`]: each URL in it through [`url`] again, then
//!   [`free_text`], which replaces anything shaped like a token (JWTs, long base64url or hex runs)
//!   with its fingerprint, as a last line of defence for secrets hiding in names, URLs or error
//!   messages.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::secret::SecretInfo;

mod urls;

pub use urls::{ShownUrls, host, url, urls_in_text};

/// What a command prints, made safe: URLs lose their secrets ([`urls_in_text`]), then token
/// shapes are fingerprinted ([`free_text`]). Every output path (stdout, stderr, `report -o`) ends
/// here.
pub fn output(text: &str) -> Cow<'_, str> {
    match urls_in_text(text) {
        Cow::Borrowed(t) => free_text(t),
        Cow::Owned(t) => Cow::Owned(free_text(&t).into_owned()),
    }
}

/// What a caller found in a text with its own pass over it (`render::json::pretty`, with the
/// bytes it escapes): enough to tell whether [`output`] can change it without a pass of its own
/// (a prebuilt `memmem` finder costs ~200 instructions to start on each short text; issue 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    /// It holds a `:` (every URL's `://` has one).
    pub colon: bool,
    /// It holds a `J` (every JWT starts `eyJ`).
    pub letter_j: bool,
    /// One of its 16-byte blocks counted from its start (the last one, if shorter, not counted)
    /// is made of `[A-Za-z0-9_-]` only: a run of 32 holds one.
    pub run_block: bool,
}

impl Seen {
    /// Found by the searches of its own.
    pub fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        Self {
            colon: memchr::memchr(b':', bytes).is_some(),
            letter_j: memchr::memchr(b'J', bytes).is_some(),
            run_block: has_run_of(bytes, 32),
        }
    }

    /// Whether `text` (seen so) may hold a URL: a `://`.
    fn url(self, text: &str) -> bool {
        let bytes = text.as_bytes();
        self.colon && memchr::memchr_iter(b':', bytes).any(|at| bytes[at + 1..].starts_with(b"//"))
    }

    /// Whether `text` (seen so) may hold a token shape: `eyJ` or a run of 32, in 21 bytes at
    /// least (the shortest: `eyJ`, 8, `.`, 8, `.`).
    fn token(self, text: &str) -> bool {
        let bytes = text.as_bytes();
        bytes.len() >= 21
            && ((self.letter_j
                && memchr::memchr_iter(b'J', bytes).any(|at| bytes[..at].ends_with(b"ey")))
                || (self.run_block && has_run_of(bytes, 32)))
    }
}

/// Whether [`output`] can change `text`: only if it holds a URL's `://` or what
/// [`could_match`] looks for (`eyJ`, a run of 32).
pub fn output_may_change(text: &str) -> bool {
    output_may_change_seen(text, Seen::of(text))
}

/// [`output_may_change`] of a text seen so.
pub(crate) fn output_may_change_seen(text: &str, seen: Seen) -> bool {
    seen.url(text) || seen.token(text)
}

/// [`output`] of a text seen so, one of many that name the same URLs again and again (the
/// strings of a document): the URLs found shown as they are are remembered in `shown`, and
/// what cannot change is not looked at.
pub(crate) fn output_seen<'t>(text: &'t str, seen: Seen, shown: &mut ShownUrls) -> Cow<'t, str> {
    let urls = if seen.url(text) {
        urls::urls_in_text_with(text, Some(shown))
    } else {
        Cow::Borrowed(text)
    };
    match urls {
        Cow::Borrowed(t) if !seen.token(t) => Cow::Borrowed(t),
        Cow::Borrowed(t) => free_text(t),
        // What the URLs became is seen anew.
        Cow::Owned(t) => Cow::Owned(free_text(&t).into_owned()),
    }
}

/// Field names whose values are secrets wherever they appear (case-insensitive substrings).
const SECRET_NAME_PARTS: &[&str] = &["token", "secret", "password", "key", "code", "verifier"];

/// Whether a JSON field of this name holds a secret.
pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "authorization" || SECRET_NAME_PARTS.iter().any(|p| lower.contains(p))
}

/// JWTs, and runs of 32+ base64url characters with both letters and digits (base64url, hex).
static TOKEN_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*|[A-Za-z0-9_\-]{32,}")
        .expect("a valid pattern")
});

/// Replaces token-shaped runs in `text` with `[redacted sha256:… len=…]`.
pub fn free_text(text: &str) -> Cow<'_, str> {
    // A match needs `eyJ` or a run of 32 [A-Za-z0-9_-], and never spans a line break: the regex
    // runs only on the lines that could match (it was ~9% of `check` on a small home; issue 15).
    if !could_match(text) {
        return Cow::Borrowed(text);
    }
    if !text.contains('\n') {
        return replace_tokens(text);
    }
    // Allocated at the first line that changes: a report of megabytes usually has none, and a
    // fresh buffer of its size costs a page fault per 4 KiB (issue 15).
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        if !could_match(line) {
            continue;
        }
        if let Cow::Owned(s) = replace_tokens(line) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..start]);
            o.push_str(&s);
            copied = at;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

fn replace_tokens(text: &str) -> Cow<'_, str> {
    TOKEN_SHAPE.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).expect("the whole match");
        // In a JSON document a run may begin inside an escape (`\n`, `\u202e`): keep the escape,
        // or the output would stop being JSON.
        let (len, in_hex_digits) = escape_prefix(text, whole.start());
        let (escape, m) = whole.as_str().split_at(len);
        // Begun at an escape's last hex digits (`\u200e` then `yJ...`), the run is judged whole
        // too: its first bytes are the escape's by accident, not the token's.
        if looks_like_a_token(m) || (in_hex_digits && looks_like_a_token(whole.as_str())) {
            format!("{escape}[redacted {}]", SecretInfo::of(m))
        } else {
            whole.as_str().to_string()
        }
    })
}

/// Whether TOKEN_SHAPE can match in `text` (a cheap necessary condition).
fn could_match(text: &str) -> bool {
    // A prebuilt finder: `contains` built a substring searcher per call, and this runs per line.
    static JWT_START: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("eyJ"));
    JWT_START.find(text.as_bytes()).is_some() || has_run_of(text.as_bytes(), 32)
}

/// Whether `bytes` holds `len` consecutive `[A-Za-z0-9_-]` bytes.
fn has_run_of(bytes: &[u8], len: usize) -> bool {
    if bytes.len() < len {
        return false;
    }
    // A run of `len` bytes holds every byte of at least one aligned block of `len / 2` (a run
    // begins at most `len / 2 - 1` bytes before the next block boundary): blocks are tested
    // without a branch per byte, and only a block made of run bytes only is measured (the byte
    // loop was most of `free_text` on a megabyte report; issue 15).
    let block = len / 2;
    if block < 8 {
        let mut run = 0;
        for &b in bytes {
            run = if run_byte(b) { run + 1 } else { 0 };
            if run >= len {
                return true;
            }
        }
        return false;
    }
    let mut at = 0;
    while at + block <= bytes.len() {
        let whole = bytes[at..at + block]
            .iter()
            .fold(true, |all, &c| all & run_byte(c));
        if whole {
            // Measure the run through this block only: words such as `stale-registration`
            // fill a block without making a run of `len`.
            let start = bytes[..at]
                .iter()
                .rposition(|&c| !run_byte(c))
                .map_or(0, |i| i + 1);
            let end = bytes[at + block..]
                .iter()
                .position(|&c| !run_byte(c))
                .map_or(bytes.len(), |i| at + block + i);
            if end - start >= len {
                return true;
            }
            // The next block that can be whole starts after the run's end.
            at = (end / block + 1) * block;
        } else {
            at += block;
        }
    }
    false
}

/// A byte a token-shaped run is made of: `[A-Za-z0-9_-]`.
fn run_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// How much of a run that begins at `start` belongs to a JSON escape before it, and whether the
/// run begins among an escape's hex digits: after the backslash of `\n` (1), at the `u` of
/// `\u202e` (5), or at one of its hex digits (the rest of them: `\u200e` then `yJ...` gives a
/// run from the `e`). The escape is kept, or the output would stop being JSON.
fn escape_prefix(text: &str, start: usize) -> (usize, bool) {
    let b = text.as_bytes();
    let escaping = |p: usize| b[..=p].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1;
    let hex4 = |p: usize| b.len() >= p + 6 && b[p + 2..p + 6].iter().all(u8::is_ascii_hexdigit);
    // `start` at one of the four hex digits of an escape whose backslash is at `p`.
    for back in 2..=5 {
        let Some(p) = start.checked_sub(back) else {
            break;
        };
        if b[p] == b'\\' && b[p + 1] == b'u' && hex4(p) && escaping(p) {
            return (p + 6 - start, true);
        }
    }
    if start == 0 || !escaping(start - 1) {
        return (0, false);
    }
    let rest = &b[start..];
    if rest.len() >= 5 && rest[0] == b'u' && rest[1..5].iter().all(u8::is_ascii_hexdigit) {
        (5, false)
    } else {
        (1, false)
    }
}

/// A long run is a token when it mixes letters and digits and is not a path or a word chain.
fn looks_like_a_token(run: &str) -> bool {
    if run.starts_with("eyJ") && run.contains('.') {
        return true;
    }
    if is_refresh_lock_name(run) || is_mcp_remote_file_stem(run) {
        return false;
    }
    let digits = run.bytes().filter(u8::is_ascii_digit).count();
    let letters = run.bytes().filter(u8::is_ascii_alphabetic).count();
    let separators = run
        .bytes()
        .filter(|b| matches!(b, b'-' | b'/' | b'_'))
        .count();
    // `very-long-hyphenated-words` and paths have many separators and few digits.
    digits >= 4 && letters >= 4 && separators * 8 <= run.len()
}

/// Whether `run` is the stem of a token-refresh lock directory, `mcp-refresh-<name>_<16 hex>`
/// (a key with every character outside `[A-Za-z0-9]` made `_`, `model::key`): made of a server
/// name and a key hash, neither a secret, and the name the stale-lock advice tells the user to
/// `rmdir`, so it must be shown whole.
fn is_refresh_lock_name(run: &str) -> bool {
    let Some(rest) = crate::layout::refresh_lock_body(run) else {
        return false;
    };
    rest.len() > 17
        && rest.is_char_boundary(rest.len() - 17)
        && rest[rest.len() - 17..]
            .strip_prefix('_')
            .is_some_and(|hash| hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Whether `run` is the stem of one of mcp-remote's files, `<32 hex>_tokens` (`.json`),
/// `_client_info`, `_lock`, `_code_verifier` (optionally `_<pid>`) or `_refresh_in_progress`: a
/// hash of the server URL and a fixed word, neither a secret, and the name `backups` and `fix`
/// show the user. A `_code_verifier_<state>` whose tail is not a number stays redacted.
fn is_mcp_remote_file_stem(run: &str) -> bool {
    let Some((hash, word)) = run.split_at_checked(32) else {
        return false;
    };
    let word = match word.strip_prefix("_code_verifier_") {
        Some(pid) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => "_code_verifier",
        _ => word,
    };
    hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && matches!(
            word,
            "_tokens" | "_client_info" | "_lock" | "_code_verifier" | "_refresh_in_progress"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JWT right after an invisible character escaped as `\u200e` (or `\u202e`, `\u001e`...):
    /// the token's run begins at the escape's last hex digit. The escape stays whole (the report
    /// stays JSON) and the token goes.
    #[test]
    fn a_token_begun_inside_a_unicode_escape_keeps_the_escape_whole() {
        let jwt = "yJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        for escape in ["\\u200e", "\\u202e", "\\u001e", "\\u008e", "\\u000e"] {
            let text = format!("name {escape}{jwt} end");
            let out = output(&text);
            assert!(!out.contains("c2lnbmF0dXJl"), "{escape}: {out}");
            assert!(
                out.starts_with(&format!("name {escape}[redacted ")),
                "{escape}: {out}"
            );
        }
        // Through the report writer: valid JSON, the character kept, the token gone.
        let name = format!("\u{200e}{jwt}");
        let mut out = Vec::new();
        let edits = crate::render::json::Edits {
            flags: String::new(),
            redact: true,
        };
        crate::render::json::pretty::write_edited(
            &mut out,
            &serde_json::json!({ "server": name }),
            &edits,
        )
        .unwrap();
        let json = String::from_utf8(out).unwrap();
        let back: serde_json::Value = serde_json::from_str(&json).expect(&json);
        let shown = back["server"].as_str().unwrap();
        assert!(
            shown.starts_with('\u{200e}') && !shown.contains("c2lnbmF0dXJl"),
            "{shown}"
        );
        // An escaped backslash before `u200e` is no escape: the run starts where it starts.
        assert_eq!(escape_prefix("\\\\u200eyJ", 6), (0, false));
        assert_eq!(escape_prefix("\\u200eyJ", 5), (1, true));
        assert_eq!(escape_prefix("\\u200eyJ", 1), (5, false));
        assert_eq!(escape_prefix("\\nab", 1), (1, false));
    }

    #[test]
    fn a_run_is_found_wherever_it_starts_and_only_when_long_enough() {
        // The block prefilter against the plain byte count, for runs at every offset.
        fn by_bytes(bytes: &[u8], len: usize) -> bool {
            bytes.split(|b| !run_byte(*b)).any(|run| run.len() >= len)
        }
        for lead in 0..40 {
            for run in [15, 16, 30, 31, 32, 33, 47, 64] {
                for tail in [
                    "",
                    " ",
                    "x/y",
                    "_-",
                    " stale-registration orphaned-registration-x",
                ] {
                    let text = format!(
                        "{}{}{tail}",
                        " .".repeat(lead).get(..lead).unwrap(),
                        "aB3_-9".repeat(11).get(..run).unwrap()
                    );
                    for len in [16, 32] {
                        assert_eq!(
                            has_run_of(text.as_bytes(), len),
                            by_bytes(text.as_bytes(), len),
                            "{text:?} {len}"
                        );
                    }
                }
            }
        }
        assert!(has_run_of(b"ab", 2) && !has_run_of(b"a b", 2));
    }

    #[test]
    fn a_refresh_lock_name_is_shown_and_a_token_beside_it_is_not() {
        let lock = "~/.claude/mcp-refresh-linear_638130d5ab3558f4.lock.lock";
        assert_eq!(free_text(lock), lock);
        let plugin = "mcp-refresh-plugin_acme_docs_8d74d27603cb39d6.lock.lock";
        assert_eq!(free_text(plugin), plugin);
        // The exemption needs the prefix and a 16-hex tail, nothing less.
        for token in [
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "mcp-refresh-ghp16C7e42F292c6912E7710c838347Ae178B4a",
            "xmcp-refresh-linear_638130d5ab3558f4",
            "mcp-refresh-linear_638130d5ab3558F4ABCD",
        ] {
            assert!(free_text(token).contains("[redacted"), "{token}");
        }
    }

    #[test]
    fn an_mcp_remote_file_name_is_shown_and_a_token_beside_it_is_not() {
        for name in [
            "~/.mcp-auth/mcp-remote-v1/322e534fe675c04cd28f632049419f81_tokens.json",
            "322e534fe675c04cd28f632049419f81_client_info.json",
            "322e534fe675c04cd28f632049419f81_lock.json",
            "322e534fe675c04cd28f632049419f81_code_verifier_4242.txt",
            "322e534fe675c04cd28f632049419f81_refresh_in_progress.json",
        ] {
            assert_eq!(free_text(name), name);
        }
        let token = "CANARY0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f";
        let text = format!("322e534fe675c04cd28f632049419f81_tokens.json holds {token}");
        let out = free_text(&text);
        assert!(!out.contains("CANARY"), "{out}");
        assert!(
            out.starts_with("322e534fe675c04cd28f632049419f81_tokens.json"),
            "{out}"
        );
        // The exemption needs exactly a 32-lowercase-hex hash and one of mcp-remote's words.
        for token in [
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a_tokens",
            "322E534FE675C04CD28F632049419F81_tokens",
            "322e534fe675c04cd28f632049419f8_tokens",
            "322e534fe675c04cd28f632049419f81_tokensCANARY0a1b2c3d4",
            "322e534fe675c04cd28f632049419f81_code_verifier_CANARY0a1b2c3d4e5f",
            "CANARY0a1b2c3d4e5f6a7b322e534fe675c04cd28f632049419f81_lock",
        ] {
            assert!(free_text(token).contains("[redacted"), "{token}");
        }
    }

    #[test]
    fn token_shapes_in_free_text_are_fingerprinted() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let text = format!("token {jwt} end");
        let out = free_text(&text);
        assert!(!out.contains("eyJhbGci"), "{out}");
        assert!(out.contains("[redacted sha256:"), "{out}");
        let hex = "9c5e1f0a7b3d2e8c4a6f1b0d9e7c3a5f2b8d4e6c";
        assert!(!free_text(hex).contains(hex));
        let b64 = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
        assert!(!free_text(b64).contains(b64));
        // Ours stays readable.
        for keep in [
            "quarri|0c54185165cc81b2",
            "orphaned-needs-auth-marker and sealing-needs-auth-marker",
            "/home/alice/.claude/backups/mcp-auth-doctor/20261129T152509.886Z",
            "https://app.quarri.ai/.well-known/oauth-protected-resource/mcp",
            "sha256:1a2b3c4d len=40",
        ] {
            assert_eq!(free_text(keep), keep);
        }
    }

    /// The pre-check never skips a line the regex would change (every match holds `eyJ` or a run
    /// of 32), and line by line gives what the regex gives on the whole text.
    #[test]
    fn the_pre_check_never_hides_a_match() {
        let mut x: u64 = 1;
        for _ in 0..20_000 {
            let text: String = (0..x % 60)
                .map(|i| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let r = (x >> 33) as usize + i as usize;
                    // Mostly token characters, so runs of 32 and JWT shapes occur.
                    if (x >> 60) < 13 {
                        b"eyJaZ09_-"[r % 9] as char
                    } else {
                        [".", " ", "|", "\n", "é"][r % 5].chars().next().unwrap()
                    }
                })
                .collect();
            if TOKEN_SHAPE.is_match(&text) {
                assert!(could_match(&text), "{text}");
            }
            // Line by line is the same as all at once: no match spans a line break.
            let lines = format!("{text}\n{text}\neyJ{text}");
            let whole = TOKEN_SHAPE.replace_all(&lines, |c: &regex::Captures<'_>| {
                let m = &c[0];
                if looks_like_a_token(m) {
                    format!("[redacted {}]", SecretInfo::of(m))
                } else {
                    m.to_string()
                }
            });
            assert_eq!(free_text(&lines), whole, "{lines}");
        }
    }

    /// [`output_may_change`] never says no for a text [`output`] changes, on texts made of
    /// URL parts, token shapes and JSON escapes; and it says no to most other texts.
    #[test]
    fn output_changes_only_what_it_may_change() {
        const PIECES: &[&str] = &[
            "eyJ",
            "ey",
            "J",
            "a",
            "Z",
            "9",
            "_",
            "-",
            ".",
            ":",
            "/",
            "//",
            "s/",
            "https://",
            "h://",
            "@",
            "?",
            "=",
            "#",
            " ",
            "\\",
            "\"",
            "é",
            "\\u202e",
            "x.example",
            "abcd1234efgh5678ijkl9012mnop3456qrst",
            "eyJhbGciOiJIUzI1NiJ9",
            "0123456789abcdef",
        ];
        let mut x: u64 = 7;
        let (mut changed, mut passed_over) = (0, 0);
        for _ in 0..30_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let text: String = (0..(x >> 59))
                .map(|i| {
                    let r = x.rotate_left(7 * i as u32) >> 40;
                    PIECES[r as usize % PIECES.len()]
                })
                .collect();
            let may = output_may_change(&text);
            let mut shown = ShownUrls::new();
            for _ in 0..2 {
                // Twice: the second time with the URLs remembered.
                assert_eq!(
                    output_seen(&text, Seen::of(&text), &mut shown),
                    output(&text)
                );
            }
            if output(&text) != text {
                assert!(may, "{text:?}");
                changed += 1;
            }
            passed_over += usize::from(!may);
        }
        assert!(
            changed > 1_000 && passed_over > 5_000,
            "{changed} {passed_over}"
        );
        assert!(output_may_change("see https://x.example/a?k=v"));
        assert!(!output_may_change("stale-registration: see https:/x"));
    }

    #[test]
    fn json_escapes_next_to_a_token_survive() {
        let token = "abcd1234efgh5678ijkl9012mnop3456qrst";
        for doc in [
            format!(r#"{{"name": "x\n{token}"}}"#),
            format!(r#"{{"name": "x\u202e{token}"}}"#),
            format!(r#"{{"name": "x\\{token}"}}"#),
            format!(r#"{{"name": "\t{token}\b"}}"#),
        ] {
            let before: serde_json::Value = serde_json::from_str(&doc).expect("test input is JSON");
            let out = free_text(&doc);
            assert!(!out.contains(token), "{out}");
            let after: serde_json::Value =
                serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
            assert_ne!(before, after);
        }
    }

    #[test]
    fn secret_field_names() {
        for name in [
            "accessToken",
            "refresh_token",
            "clientSecret",
            "X-Api-Key",
            "Authorization",
            "code_verifier",
            "password",
        ] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in ["serverName", "serverUrl", "expiresAt", "scope"] {
            assert!(!is_secret_field(name), "{name}");
        }
    }
}
