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
fn shown_as_is(u: &str) -> bool {
    // The searches by memchr and a prebuilt finder: `split_once` and `contains` built a searcher
    // for each of the thousands of URLs of a report (issue 15).
    let Some(sep) = SCHEME_END.find(u.as_bytes()) else {
        return false;
    };
    let (scheme, rest) = (&u[..sep], &u[sep + 3..]);
    if scheme.is_empty() || memchr::memchr3(b'@', b'?', b'#', rest.as_bytes()).is_some() {
        return false;
    }
    let path = &rest[memchr::memchr(b'/', rest.as_bytes()).unwrap_or(rest.len())..];
    let mut previous = "";
    for segment in path.split('/') {
        if secret_segment(previous, segment) {
            return false;
        }
        previous = segment;
    }
    true
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
    let Some(first) = SCHEME_END.find(text.as_bytes()) else {
        return Cow::Borrowed(text);
    };
    // Allocated at the first URL that changes: most output has none.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut handled = 0;
    let mut search = first;
    while let Some(found) = SCHEME_END.find(&text.as_bytes()[search..]) {
        let sep = search + found;
        let start = text[..sep]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map_or(sep, |(i, _)| i);
        let after = sep + 3;
        let mut end = url_end(text, after);
        while end > after {
            let last = text[..end].chars().next_back().unwrap_or(' ');
            if matches!(
                last,
                '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '|'
            ) {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        if start == sep || start < handled {
            // `://` with no scheme before it, or inside a URL already handled.
            search = after;
            continue;
        }
        if shown_as_is(&text[start..end]) {
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
mod tests {
    use super::*;

    /// [`url_end`] is the search it replaced, on every character of the first planes.
    #[test]
    fn a_url_ends_where_the_char_search_said() {
        let old = |text: &str, from: usize| {
            text[from..]
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\')
                })
                .map_or(text.len(), |i| from + i)
        };
        for c in ('\u{0}'..='\u{3100}').chain(['\u{feff}', '\u{1f600}', '\u{205f}', '\u{3000}']) {
            for text in [
                format!("a{c}b"),
                format!("ab{c}"),
                format!("{c}"),
                format!("é{c}ü x"),
            ] {
                for from in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                    assert_eq!(url_end(&text, from), old(&text, from), "{c:?} in {text:?}");
                }
            }
        }
    }

    #[test]
    fn a_url_said_to_be_shown_as_it_is_is_shown_as_it_is() {
        for u in [
            "https://mcp.linear.app/mcp",
            "https://mcp.linear.app/mcp/",
            "http://localhost:8080/sse",
            "https://h.example/s/CANARYabc/mcp",
            "https://h.example/api/CANARY0123456789abcdef0123456789/mcp",
            "https://h.example/v1/2024-11-05-preview/oauth-protected-resource",
            "https://h.example/tenant/8f14e45f-ceea-467a-9af0-12ab34cd56ef/mcp",
            "https://h.example/token/x",
            "https://h.example",
            "https://h.example//a//",
            "https://user:CANARY@h.example/mcp",
            "https://h.example/mcp?api_key=CANARY",
            "https://h.example/mcp#CANARY",
            "a://b:c/d",
        ] {
            if shown_as_is(u) {
                assert_eq!(url(u), u);
            } else {
                assert!(
                    u.contains(['@', '?', '#']) || url(u) != u,
                    "{u} is shown as it is but not said to be"
                );
            }
        }
        assert!(shown_as_is("https://mcp.linear.app/mcp"));
        assert!(!shown_as_is("https://h.example/s/CANARYabc/mcp"));
    }

    #[test]
    fn hides_userinfo_and_query_values() {
        assert_eq!(
            url("https://mcp.linear.app/mcp"),
            "https://mcp.linear.app/mcp"
        );
        assert_eq!(
            url("https://u:pw@h.example/p?api_key=abc&flag&x="),
            "https://***@h.example/p?api_key=***&flag&x="
        );
        assert_eq!(url("https://h/p#tok"), "https://h/p#***");
        assert_eq!(url("not a url"), "not a url");
        // Unescaped ?, # and / in a password do not end the userinfo early.
        assert_eq!(
            url("https://alice:pw?Sekr3tPW@host.example/mcp"),
            "https://***@host.example/mcp"
        );
        assert_eq!(url("https://bob:pa#ss@host/mcp"), "https://***@host/mcp");
        assert_eq!(url("//carol:hunter2@host/mcp"), "//***@host/mcp");
        assert_eq!(url("https://dave:pa/ss@host/mcp"), "https://***@host/mcp");
        assert_eq!(url("https://host:8443/a@b"), "https://host:8443/a@b");
        // An @ in the path is not userinfo.
        assert_eq!(url("https://host/users/@me"), "https://host/users/@me");
    }

    /// An `@` after a `?` or `#` may end a password or sit in a query or fragment: whichever
    /// reading is right, no secret shows (the first case was found by fuzz/ `redact`).
    #[test]
    fn an_at_sign_that_may_end_either_way_shows_no_secret() {
        for (input, shown) in [
            (
                "https://0ybb0czbxxx1[::1]:8443#*@~a:CANARY#).",
                "https://***",
            ),
            ("https://h.example#frag@CANARY.com", "https://h.example#***"),
            ("https://h.example?k=v@CANARY.com", "https://h.example?***"),
            ("https://h.example:12?CANARY@h2", "https://h.example:12?***"),
            ("https://#x@CANARY.com", "https://***"),
            (
                "https://bbxc.example.com:1?k__=/@@@CANARY///&aa=a",
                "https://bbxc.example.com:1?k__=***&aa=***",
            ),
            ("wss://:1?b#@CANARYX", "wss://***"),
            ("https://ab[::1]/s/xx@CANARY/mcp", "https://***"),
            ("https://u:CANARY?x@host/mcp", "https://***@host/mcp"),
        ] {
            assert_eq!(url(input), shown, "{input}");
            assert!(!url(input).contains("CANARY"));
        }
    }

    #[test]
    fn hides_secret_path_segments() {
        for (input, shown) in [
            (
                "https://mcp.zapier.com/api/mcp/s/abc/mcp",
                "https://mcp.zapier.com/api/mcp/s/***/mcp",
            ),
            (
                "https://h.example/token/t0k/mcp",
                "https://h.example/token/***/mcp",
            ),
            ("https://h.example/KEY/k", "https://h.example/KEY/***"),
            (
                "https://hooks.example.org/v1/x7Kq2Zm9Pz4aB3cD/mcp",
                "https://hooks.example.org/v1/***/mcp",
            ),
            (
                "https://h.example/t/123e4567-e89b-12d3-a456-426614174000/mcp",
                "https://h.example/t/***/mcp",
            ),
            (
                "https://h.example/sse/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
                "https://h.example/sse/***",
            ),
            ("/s/abc/mcp", "/s/***/mcp"),
        ] {
            assert_eq!(url(input), shown, "{input}");
        }
        // Ordinary paths stay readable.
        for keep in [
            "https://mcp.notion.com/v2/mcp",
            "https://app.quarri.ai/.well-known/oauth-protected-resource/mcp",
            "https://h.example/.well-known/oauth-authorization-server/tenant",
            "https://h.example/mcp/2024-11-05-preview/sse",
            "https://h.example/api/v20250326/mcp",
            "https://h.example/s/",
            "https://h.example:8443/mcp/",
            "https://${MCP_HOST}/mcp",
            "https://h.example/organizations/acme-corporation-global/mcp",
        ] {
            assert_eq!(url(keep), keep);
        }
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        for input in [
            "https://u:p@h/s/x/y?a=1&b#f",
            "https://h/v1/x7Kq2Zm9Pz4aB3cD/mcp",
            "//a@b/token/c",
        ] {
            let once = url(input);
            assert_eq!(url(&once), once);
            assert_eq!(urls_in_text(&once), once);
        }
    }

    #[test]
    fn finds_urls_in_text() {
        assert_eq!(
            urls_in_text("created for https://u:pw@h.example/s/abc/mcp?k=v). Then"),
            "created for https://***@h.example/s/***/mcp?k=***). Then"
        );
        assert_eq!(
            urls_in_text(r#"{"url": "https://h/token/t?x=1", "b": "http://h2/key/k\n"}"#),
            r#"{"url": "https://h/token/***?x=***", "b": "http://h2/key/***\n"}"#
        );
        assert_eq!(
            urls_in_text("| `https://h/mcp?api_key=abc&amp;team=core` |"),
            "| `https://h/mcp?api_key=***&amp;team=***` |"
        );
        for keep in [
            "no urls here",
            "a :// b",
            "see https://mcp.linear.app/mcp.",
            "üñí https://h.example/p, then",
        ] {
            assert!(
                matches!(urls_in_text(keep), Cow::Borrowed(k) if k == keep),
                "{keep}"
            );
        }
    }

    #[test]
    fn host_skips_userinfo_and_port() {
        assert_eq!(host("https://u:p?w@h.example:8/x"), Some("h.example"));
        assert_eq!(host("https://u:p/w@h.example:8/x"), Some("h.example"));
        assert_eq!(host("http://[::1]:8080/mcp"), Some("::1"));
        assert_eq!(host("https://h.example"), Some("h.example"));
        assert_eq!(host("no url"), None);
    }
}
