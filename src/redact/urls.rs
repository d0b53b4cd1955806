//! The one way a URL is shown. Servers put secrets in every part of a URL: userinfo
//! (`https://user:pass@host`), query values (`?api_key=...`), the fragment, and the path
//! (Zapier's `https://mcp.zapier.com/api/mcp/s/<secret>/mcp`). What stays is what a person needs to
//! recognise the server: scheme, host, port, the names of query parameters and the ordinary path.

use std::borrow::Cow;

/// What a hidden part becomes.
const HIDDEN: &str = "***";

/// A path segment after one of these (case-insensitive) is a secret whatever it looks like.
const SECRET_PATH_MARKERS: &[&str] = &[
    "s", "token", "tokens", "key", "keys", "secret", "secrets", "apikey", "api-key", "api_key",
];

/// `https://user:pw@host/s/abc/p?key=abc&x#frag` → `https://***@host/s/***/p?key=***&x#***`.
///
/// Userinfo is found before anything else (`split_userinfo`): a password may hold `?`, `#` or
/// `/` unescaped. Path segments are hidden when `secret_segment` says so.
pub fn url(input: &str) -> String {
    // Most URLs have nothing to hide: told by bytes, without building the shown form (the
    // `str` searches below built a searcher each; a check's ~1,000 calls cost 2.9 M
    // instructions; issue 15).
    if shown_as_is(input) {
        return input.to_string();
    }
    rewrite(input)
}

/// [`url`]'s shown form, built part by part.
fn rewrite(input: &str) -> String {
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => match input.strip_prefix("//") {
            Some(rest) => (Some(""), rest),
            None => (None, input),
        },
    };
    let (userinfo, rest, hide_query) = match scheme.map(|_| split_userinfo(rest)) {
        None | Some(Userinfo::None) => (false, rest, false),
        Some(Userinfo::EndsAt(i)) => (true, &rest[i + 1..], false),
        Some(Userinfo::NoneButQueryHasAt) => (false, rest, true),
        Some(Userinfo::Unclear) => {
            // No reading of it is a URL Node accepts, and each hides a secret where another
            // shows a host: show only the scheme.
            return format!(
                "{}{HIDDEN}",
                if scheme == Some("") {
                    "//".to_string()
                } else {
                    format!("{}://", scheme.unwrap_or_default())
                }
            );
        }
    };
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_fragment, None),
    };
    let (authority, path) = match scheme {
        Some(_) => base.split_at(base.find('/').unwrap_or(base.len())),
        None => ("", base),
    };
    let mut out = String::with_capacity(input.len());
    match scheme {
        Some("") => out.push_str("//"),
        Some(s) => {
            out.push_str(s);
            out.push_str("://");
        }
        None => {}
    }
    if userinfo {
        out.push_str(HIDDEN);
        out.push('@');
    }
    out.push_str(authority);
    let mut previous = "";
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if secret_segment(previous, segment) {
            out.push_str(HIDDEN);
        } else {
            out.push_str(segment);
        }
        previous = segment;
    }
    if let Some(q) = query {
        out.push('?');
        if hide_query {
            out.push_str(HIDDEN);
        }
        for (i, pair) in q.split('&').enumerate().filter(|_| !hide_query) {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((k, v)) if !v.is_empty() => {
                    out.push_str(k);
                    out.push('=');
                    out.push_str(HIDDEN);
                }
                _ => out.push_str(pair),
            }
        }
    }
    if fragment.is_some() {
        out.push('#');
        out.push_str(HIDDEN);
    }
    out
}

/// The host of a URL (no userinfo, no port), found the way [`url`] finds the userinfo.
pub fn host(input: &str) -> Option<&str> {
    let rest = input.split_once("://")?.1;
    let rest = match split_userinfo(rest) {
        Userinfo::EndsAt(i) => &rest[i + 1..],
        Userinfo::None | Userinfo::NoneButQueryHasAt => rest,
        Userinfo::Unclear => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

/// Where the userinfo of `rest` (what follows `scheme://`) ends.
enum Userinfo {
    None,
    /// At this byte, an `@`.
    EndsAt(usize),
    /// No userinfo, but an `@` in the query or fragment could be read as ending one: the query is
    /// hidden whole.
    NoneButQueryHasAt,
    /// Neither reading gives a host: hide everything.
    Unclear,
}

/// Finds the userinfo the way that never shows a secret whichever way the URL is read.
///
/// The plain case: an `@` before the first `/`, `?` or `#` ends it. But a password may hold `?`,
/// `#` or `/` unescaped (`alice:pw?x@host`, `dave:pa/ss@host`), which Node rejects and a person
/// still types, while a path, query or fragment may hold an `@` (`host#a@b`, `host?e=a@b`). So
/// when the first `@` comes later: if what precedes the first delimiter is a valid `host[:port]`,
/// it is the host (and when an `@` comes before any `/`, the query is hidden whole, since it might
/// be the rest of a password); else if it reads as `user:pass` (a "port" that is no number), what
/// precedes the last `@` can be userinfo and what follows it is a valid host, that `@` ends the
/// userinfo; else the URL is [`Userinfo::Unclear`].
fn split_userinfo(rest: &str) -> Userinfo {
    let slash = rest.find('/').unwrap_or(rest.len());
    let delim = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..delim];
    if let Some(at) = authority.rfind('@') {
        return Userinfo::EndsAt(at);
    }
    let Some(at) = rest.rfind('@') else {
        return Userinfo::None;
    };
    if valid_host(authority) {
        return if rest[..slash].contains('@') {
            Userinfo::NoneButQueryHasAt
        } else {
            Userinfo::None
        };
    }
    let host_after = {
        let z = &rest[at + 1..];
        &z[..z.find(['/', '?', '#']).unwrap_or(z.len())]
    };
    if bad_port(authority) && can_be_userinfo(&rest[..at]) && valid_host(host_after) {
        Userinfo::EndsAt(at)
    } else {
        Userinfo::Unclear
    }
}

/// `host[:port]`: a name, an IPv4 address, a `[...]` IPv6 address or a `${VAR}` template, and a
/// port of digits.
fn valid_host(s: &str) -> bool {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let Some((inside, after)) = v6.split_once(']') else {
            return false;
        };
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match after.strip_prefix(':') {
            Some(port) => ("v6", port),
            None if after.is_empty() => ("v6", ""),
            None => return false,
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => (s, ""),
        }
    };
    !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%' | b'$' | b'{' | b'}')
        })
        && port.bytes().all(|b| b.is_ascii_digit())
}

/// `user:pass` rather than `host:port`: what follows the last `:` is not a number.
fn bad_port(s: &str) -> bool {
    !s.starts_with('[')
        && s.rsplit_once(':')
            .is_some_and(|(_, port)| !port.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `s` can be userinfo: not empty, no brackets, no whitespace.
fn can_be_userinfo(s: &str) -> bool {
    !s.is_empty() && !s.contains(['[', ']']) && !s.contains(char::is_whitespace)
}

/// Whether a path segment is (probably) a secret: it follows a marker such as `/s/` or
/// `/token/`, or it is long and random-looking (a word, a version or a date is not).
///
/// The rule errs on the side of hiding: a tenant UUID in a path is hidden too. A short secret
/// anywhere else in the path (`/abc123/`) cannot be told from a name and is shown.
fn secret_segment(previous: &str, segment: &str) -> bool {
    // `${` looked for with memchr: `contains` built a substring searcher per segment of every
    // URL of a report (issue 15).
    let template = |s: &str| {
        let b = s.as_bytes();
        memchr::memchr_iter(b'$', b).any(|at| b.get(at + 1) == Some(&b'{'))
    };
    if segment.is_empty() || segment == HIDDEN || template(segment) {
        return false;
    }
    if SECRET_PATH_MARKERS
        .iter()
        .any(|m| previous.eq_ignore_ascii_case(m))
    {
        return true;
    }
    // Fewer bytes than 16 are fewer characters than 16.
    if segment.len() < 16 {
        return false;
    }
    let len = segment.chars().count();
    if len < 16 {
        return false;
    }
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    let letters = segment.chars().filter(|c| c.is_alphabetic()).count();
    let separators = segment
        .bytes()
        .filter(|b| matches!(b, b'-' | b'_' | b'.' | b'~'))
        .count();
    let lower_words = segment
        .chars()
        .all(|c| c.is_ascii_lowercase() || matches!(c, '-' | '_' | '.'));
    if len >= 32 && !lower_words {
        return true;
    }
    let mut distinct: Vec<char> = segment.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    // Random strings mix letters and digits, repeat few characters and have few separators
    // (`oauth-protected-resource`, `2024-11-05-preview` and `v20250326` are kept).
    digits >= 2 && letters >= 2 && separators * 8 <= len && distinct.len() * 2 >= len
}

/// Whether [`url`] shows `u` (`scheme://…`) exactly as it is, told without building the shown
/// form: with no `@`, `?` or `#` there is no userinfo, query or fragment to hide, so it is shown
/// as it is when no path segment is a secret. (A report names the same few URLs thousands of
/// times; building each one's shown form was most of [`urls_in_text`]; issue 15.)
/// [`urls_in_text`] uses [`shown_as_is_at`], knowing where the scheme ends.
fn shown_as_is(u: &str) -> bool {
    // The searches by memchr and a prebuilt finder: `split_once` and `contains` built a searcher
    // for each of the thousands of URLs of a report (issue 15).
    SCHEME_END
        .find(u.as_bytes())
        .is_some_and(|sep| shown_as_is_at(u, sep))
}

/// [`shown_as_is`] of `u`, whose first `://` is at `sep` ([`urls_in_text`] knows it already).
fn shown_as_is_at(u: &str, sep: usize) -> bool {
    let (scheme, rest) = (&u[..sep], &u[sep + 3..]);
    if scheme.is_empty() || memchr::memchr3(b'@', b'?', b'#', rest.as_bytes()).is_some() {
        return false;
    }
    let mut path = &rest[memchr::memchr(b'/', rest.as_bytes()).unwrap_or(rest.len())..];
    let mut previous = "";
    // The segments split by bytes (`split('/')` ran a char searcher per URL; issue 15).
    loop {
        let (segment, next) = match path.bytes().position(|b| b == b'/') {
            Some(at) => (&path[..at], Some(&path[at + 1..])),
            None => (path, None),
        };
        if secret_segment(previous, segment) {
            return false;
        }
        let Some(next) = next else {
            return true;
        };
        previous = segment;
        path = next;
    }
}

/// Finds `://` with SIMD (`str::find` was a third of [`urls_in_text`] on a megabyte report, which
/// names a URL every few lines; issue 15).
static SCHEME_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("://"));

/// Applies [`url`] to every URL inside free text (messages, JSON documents, Markdown), as a last
/// line of defence for a URL that reached the output without passing [`url`] first.
///
/// A URL here is `scheme://` followed by anything up to whitespace, a quote, `<`, `>`, a
/// backtick or a backslash (a JSON escape); punctuation that ends a sentence or closes a
/// bracket is left outside it. Applying this twice changes nothing more.
pub fn urls_in_text(text: &str) -> Cow<'_, str> {
    urls_in_text_with(text, None)
}

/// URLs [`shown_as_is_at`] said yes to, remembered for the next texts (a document's strings
/// name each URL three times or more: in a message, twice, and in the evidence; the test was
/// ~600 instructions a URL; issue 15). A yes depends only on the URL's bytes, so a URL found
/// here is shown as it is without the test. Direct-mapped by a hash of the bytes: a URL that
/// falls on an occupied slot takes it; one longer than a slot is not remembered.
pub struct ShownUrls {
    slots: Vec<[u8; SLOT]>,
}

/// A slot's bytes: its URL's length, then the URL.
const SLOT: usize = 64;
const SLOTS: usize = 64;

impl Default for ShownUrls {
    fn default() -> Self {
        Self::new()
    }
}

impl ShownUrls {
    pub fn new() -> Self {
        Self {
            slots: vec![[0; SLOT]; SLOTS],
        }
    }

    fn slot(&mut self, url: &[u8]) -> Option<&mut [u8; SLOT]> {
        if url.is_empty() || url.len() >= SLOT {
            return None;
        }
        // FNV-1a of the last 16 bytes and the length: URLs of one report differ mostly at
        // their ends (`/mcp/v21`, `/mcp/`).
        let tail = &url[url.len().saturating_sub(16)..];
        let hash = tail
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64 ^ url.len() as u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        let at = (hash >> 32) as usize % SLOTS;
        self.slots.get_mut(at)
    }

    fn knows(&mut self, url: &[u8]) -> bool {
        self.slot(url)
            .is_some_and(|slot| usize::from(slot[0]) == url.len() && slot[1..=url.len()] == *url)
    }

    fn remember(&mut self, url: &[u8]) {
        if let Some(slot) = self.slot(url) {
            slot[0] = url.len() as u8;
            slot[1..=url.len()].copy_from_slice(url);
        }
    }
}

/// [`urls_in_text`], with the URLs shown as they are remembered in `shown`.
pub(super) fn urls_in_text_with<'t>(
    text: &'t str,
    mut shown: Option<&mut ShownUrls>,
) -> Cow<'t, str> {
    let bytes = text.as_bytes();
    let Some(first) = SCHEME_END.find(bytes) else {
        return Cow::Borrowed(text);
    };
    // Allocated at the first URL that changes: most output has none.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut handled = 0;
    let mut search = first;
    while let Some(found) = SCHEME_END.find(&bytes[search..]) {
        let sep = search + found;
        // The scheme: the ASCII letters, digits, `+`, `-` and `.` just before `://`, found by
        // bytes (no byte of a non-ASCII character is one of them, so where they start is a
        // character boundary; decoding characters backwards was a fifth of this search).
        let start = bytes[..sep]
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
            .map_or(0, |i| i + 1);
        let after = sep + 3;
        let mut end = url_end(text, after);
        // Punctuation that ends a sentence is ASCII: the last byte is the last character.
        while end > after
            && matches!(
                bytes[end - 1],
                b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b']' | b'}' | b'|'
            )
        {
            end -= 1;
        }
        if start == sep || start < handled {
            // `://` with no scheme before it, or inside a URL already handled.
            search = after;
            continue;
        }
        // The URL's first `://` is this one: only scheme characters come before it.
        let known = match shown.as_deref_mut() {
            Some(memo) => memo.knows(&bytes[start..end]),
            None => false,
        };
        if known || shown_as_is_at(&text[start..end], sep - start) {
            if !known && let Some(memo) = shown.as_deref_mut() {
                memo.remember(&bytes[start..end]);
            }
            handled = end;
            search = end.max(after);
            continue;
        }
        let shown = url(&text[start..end]);
        if shown != text[start..end] {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..start]);
            o.push_str(&shown);
            copied = end;
        }
        handled = end;
        search = end.max(after);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Where the URL whose text goes on at byte `from` (a character boundary) of `text` ends: at the
/// first whitespace, quote, `<`, `>`, backtick or backslash, or the end. ASCII is told byte by
/// byte (a search with a `char` closure decoded every character of every URL; issue 15); any
/// other character is decoded, since Unicode has whitespace beyond ASCII (U+0085, U+00A0, ...).
fn url_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    // Whole blocks of 16 bytes with neither an ending nor a non-ASCII byte are skipped with one
    // test each (no branch per byte inside: a few vector compares).
    while let Some(block) = bytes.get(i..i + 16) {
        let stop = block.iter().fold(false, |any, &b| {
            any | (b >= 0x80)
                | (b'\t'..=b'\r').contains(&b)
                | (b == b' ')
                | (b == b'"')
                | (b == b'\'')
                | (b == b'<')
                | (b == b'>')
                | (b == b'`')
                | (b == b'\\')
        });
        if stop {
            break;
        }
        i += 16;
    }
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            // char::is_whitespace of ASCII: tab, line feed, vertical tab, form feed, return, space.
            if matches!(
                b,
                b'\t'..=b'\r' | b' ' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\'
            ) {
                return i;
            }
            i += 1;
        } else {
            let c = text[i..].chars().next().expect("a character at a boundary");
            if c.is_whitespace() {
                return i;
            }
            i += c.len_utf8();
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests;
