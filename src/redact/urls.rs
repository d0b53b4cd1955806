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
/// Userinfo is found before anything else: a password may hold `?`, `#` or `/` unescaped, so the
/// userinfo ends at the last `@` that has no `/` before it. Path segments are hidden when
/// [`secret_segment`] says so.
pub fn url(input: &str) -> String {
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => match input.strip_prefix("//") {
            Some(rest) => (Some(""), rest),
            None => (None, input),
        },
    };
    let (userinfo, rest) = match scheme {
        Some(_) => match userinfo_end(rest) {
            Some(i) => (true, &rest[i + 1..]),
            None => (false, rest),
        },
        None => (false, rest),
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
        for (i, pair) in q.split('&').enumerate() {
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
    let rest = match userinfo_end(rest) {
        Some(i) => &rest[i + 1..],
        None => rest,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

/// Byte index of the `@` that ends the userinfo in `rest` (what follows `scheme://`): the last
/// `@` before the first `/`. A password may also hold an unescaped `/` (`user:pa/ss@host`): when
/// what comes before the first `/` is no `host[:port]` (the port is not a number) and an `@`
/// follows, the userinfo ends at the last `@` of all.
fn userinfo_end(rest: &str) -> Option<usize> {
    let mut at = None;
    let mut slash = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '@' => at = Some(i),
            '/' => {
                slash = i;
                break;
            }
            _ => {}
        }
    }
    if at.is_some() {
        return at;
    }
    let authority = &rest[..slash];
    let bad_port = !authority.starts_with('[')
        && authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.bytes().all(|b| b.is_ascii_digit()));
    if bad_port { rest.rfind('@') } else { None }
}

/// Whether a path segment is (probably) a secret: it follows a marker such as `/s/` or
/// `/token/`, or it is long and random-looking (a word, a version or a date is not).
///
/// The rule errs on the side of hiding: a tenant UUID in a path is hidden too. A short secret
/// anywhere else in the path (`/abc123/`) cannot be told from a name and is shown.
fn secret_segment(previous: &str, segment: &str) -> bool {
    if segment.is_empty() || segment == HIDDEN || segment.contains("${") {
        return false;
    }
    if SECRET_PATH_MARKERS
        .iter()
        .any(|m| previous.eq_ignore_ascii_case(m))
    {
        return true;
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

/// Applies [`url`] to every URL inside free text (messages, JSON documents, Markdown), as a last
/// line of defence for a URL that reached the output without passing [`url`] first.
///
/// A URL here is `scheme://` followed by anything up to whitespace, a quote, `<`, `>`, a
/// backtick or a backslash (a JSON escape); punctuation that ends a sentence or closes a
/// bracket is left outside it. Applying this twice changes nothing more.
pub fn urls_in_text(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let sep = search + found;
        let start = text[..sep]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map_or(sep, |(i, _)| i);
        let after = sep + 3;
        let mut end = text[after..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\'))
            .map_or(text.len(), |i| after + i);
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
        if start == sep || start < copied {
            // `://` with no scheme before it, or inside a URL already handled.
            search = after;
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(&url(&text[start..end]));
        copied = end;
        search = end.max(after);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(urls_in_text(keep), keep);
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
