//! [`super`]'s redaction of URLs, alone and in text.

use super::*;

/// [`url_end`] is the search it replaced, on every character of the first planes.
#[test]
fn a_url_ends_where_the_char_search_said() {
    let old = |text: &str, from: usize| {
        text[from..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\'))
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
            assert_eq!(rewrite(u), u);
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

/// [`url_end`]'s skip of whole blocks finds the same end: every character after runs of plain
/// bytes that fill no block, one, or more, searched from several places.
#[test]
fn a_long_url_ends_where_the_char_search_said() {
    let old = |text: &str, from: usize| {
        text[from..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\'))
            .map_or(text.len(), |i| from + i)
    };
    for c in ('\u{0}'..='\u{3100}').chain(['\u{feff}', '\u{1f600}', '\u{205f}', '\u{3000}']) {
        for pad in [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 70] {
            let text = format!("{}{c}{}", "a".repeat(pad), "b".repeat(20));
            for from in [0, 1, 2, 16]
                .into_iter()
                .filter(|&i| text.is_char_boundary(i))
            {
                assert_eq!(url_end(&text, from), old(&text, from), "{c:?} after {pad}");
            }
        }
    }
}

/// What [`urls_in_text`] did before it read schemes and trailing punctuation by bytes and
/// looked for `://` once per URL.
fn urls_in_text_by_chars(text: &str) -> Cow<'_, str> {
    let Some(first) = SCHEME_END.find(text.as_bytes()) else {
        return Cow::Borrowed(text);
    };
    let mut out: Option<String> = None;
    let (mut copied, mut handled, mut search) = (0, 0, first);
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

/// The byte-wise search redacts exactly what the character-wise one did, on random text made of
/// schemes, separators, secrets, punctuation and non-ASCII characters.
#[test]
fn urls_in_random_text_are_redacted_as_before() {
    const PIECES: &[&str] = &[
        "https://",
        "http://",
        "://",
        "x+y-z.",
        "a",
        "é",
        "→",
        ".",
        ")",
        "|",
        ":",
        " ",
        "\n",
        "\"",
        "\\",
        "@",
        "u:pw@",
        "?k=v",
        "#frag",
        "/",
        "/token/abc",
        "h.example",
        ":8080",
        "CANARY0123456789abcdef0123456789",
        "mcp",
        "\u{85}",
        "\u{a0}",
        "..",
        "`",
    ];
    let mut rng = crate::test_rng::Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut below = |n: usize| rng.below(n);
    for _ in 0..20_000 {
        let len = below(24);
        let text: String = (0..len).map(|_| PIECES[below(PIECES.len())]).collect();
        assert_eq!(
            urls_in_text(&text),
            urls_in_text_by_chars(&text),
            "{text:?}"
        );
    }
}

/// [`url`]'s shortcut (a URL [`shown_as_is`] is its own shown form) against the whole
/// rewrite, on URLs made of every part that can hide a secret.
#[test]
fn a_url_shown_as_it_is_is_the_one_the_rewrite_makes() {
    const PARTS: &[&str] = &[
        "https://",
        "http://",
        "//",
        "://",
        "h.example",
        ":8443",
        "/",
        "mcp",
        "s",
        "token",
        "0123456789abcdefABCDEF0123456789",
        "v1",
        "@",
        "u:pw",
        "?",
        "k=v",
        "&",
        "#",
        "frag",
        "${HOST}",
        "é",
        " ",
        "-",
        "_",
        ".",
    ];
    let mut rng = crate::test_rng::Rng::new(0x0012_0000_0000_0001);
    let (mut same, mut changed) = (0, 0);
    for _ in 0..20_000 {
        let u: String = (0..1 + rng.below(8))
            .map(|_| PARTS[rng.below(PARTS.len())])
            .collect();
        let shown = rewrite(&u);
        assert_eq!(url(&u), shown);
        if shown_as_is(&u) {
            assert_eq!(shown, u);
            same += 1;
        }
        changed += usize::from(shown != u);
    }
    assert!(same > 1_000 && changed > 1_000, "{same} {changed}");
}
