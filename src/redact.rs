//! Strings from the files that may carry secrets are reduced before they are shown.
//!
//! URLs keep scheme, host, path and the names of query parameters; userinfo and query values are
//! replaced, because people put API keys there.

/// `https://user:pw@host/p?key=abc&x` → `https://***@host/p?key=***&x`.
pub fn url(input: &str) -> String {
    let (before_fragment, fragment) = match input.split_once('#') {
        Some((a, b)) => (a, Some(b)),
        None => (input, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_fragment, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let host = match authority.rsplit_once('@') {
                Some((_, host)) => format!("***@{host}"),
                None => authority.to_string(),
            };
            format!("{scheme}://{host}{path}")
        }
        None => base.to_string(),
    };
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if !v.is_empty() => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    if fragment.is_some() {
        out.push_str("#***");
    }
    out
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
    }
}
