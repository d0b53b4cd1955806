//! `WWW-Authenticate` (RFC 9110 §11.6.1, RFC 6750 §3): the challenges a 401 or 403 carries, and
//! what Claude Code's MCP SDK reads from them, which is less than the RFC allows.

/// One challenge: a scheme and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    /// Names lowercase, values unquoted.
    pub params: Vec<(String, String)>,
    /// Names of the parameters whose value was a quoted string.
    pub quoted: Vec<String>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_bearer(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("bearer")
    }
}

/// Parses every challenge in one header value (several may be joined by commas).
pub fn parse(header: &str) -> Vec<Challenge> {
    let chars: Vec<char> = header.chars().collect();
    let mut i = 0;
    let mut out: Vec<Challenge> = Vec::new();
    let is_sep = |c: char| c == ',' || c == '=' || c.is_whitespace();
    while i < chars.len() {
        while i < chars.len() && (chars[i] == ',' || chars[i].is_whitespace()) {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !is_sep(chars[i]) {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        if token.is_empty() {
            // A stray `=`: skip it.
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        if j < chars.len() && chars[j] == '=' {
            // A parameter of the current challenge.
            i = j + 1;
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            let (value, quoted) = if i < chars.len() && chars[i] == '"' {
                i += 1;
                let mut v = String::new();
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    v.push(chars[i]);
                    i += 1;
                }
                i += 1;
                (v, true)
            } else {
                let s = i;
                while i < chars.len() && chars[i] != ',' && !chars[i].is_whitespace() {
                    i += 1;
                }
                (chars[s..i].iter().collect(), false)
            };
            let name = token.to_ascii_lowercase();
            if let Some(c) = out.last_mut() {
                if quoted {
                    c.quoted.push(name.clone());
                }
                c.params.push((name, value));
            }
        } else {
            out.push(Challenge {
                scheme: token,
                params: Vec::new(),
                quoted: Vec::new(),
            });
        }
    }
    out
}

/// What Claude Code's SDK takes from the header: it looks only at a value whose first word is
/// `Bearer` and finds `resource_metadata="…"` and `scope="…"` only in quoted form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdkView {
    pub resource_metadata: Option<String>,
    pub scope: Option<String>,
}

/// `headers` are all `WWW-Authenticate` values; the client joins them with `, ` as `fetch` does.
pub fn sdk_view(headers: &[&str]) -> SdkView {
    let joined = headers.join(", ");
    let mut words = joined.split(' ');
    let first = words.next().unwrap_or("");
    if !first.eq_ignore_ascii_case("bearer") || words.next().is_none() {
        return SdkView::default();
    }
    let quoted = |name: &str| {
        let key = format!("{name}=\"");
        let start = joined.find(&key)? + key.len();
        let end = joined[start..].find('"')? + start;
        Some(joined[start..end].to_string()).filter(|v| !v.is_empty() || name != "scope")
    };
    SdkView {
        resource_metadata: quoted("resource_metadata")
            .filter(|u| super::urls::Url::parse(u).is_some()),
        scope: quoted("scope"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_parameters() {
        let c = parse(
            r#"Bearer realm="mcp", resource_metadata="https://h/.well-known/oauth-protected-resource/mcp", scope="a b", error=invalid_token"#,
        );
        assert_eq!(c.len(), 1);
        assert!(c[0].is_bearer());
        assert_eq!(
            c[0].param("resource_metadata"),
            Some("https://h/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(c[0].param("scope"), Some("a b"));
        assert_eq!(c[0].param("error"), Some("invalid_token"));
        assert!(!c[0].quoted.contains(&"error".to_string()));
    }

    #[test]
    fn parses_several_challenges() {
        let c = parse(r#"Basic realm="x", Bearer scope="s", Negotiate"#);
        let schemes: Vec<&str> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Basic", "Bearer", "Negotiate"]);
        assert_eq!(c[1].param("scope"), Some("s"));
        assert_eq!(parse("Bearer").len(), 1);
        assert!(parse("").is_empty());
    }

    #[test]
    fn the_sdk_reads_less() {
        let v = sdk_view(&[r#"Bearer resource_metadata="https://h/x", scope="read""#]);
        assert_eq!(v.resource_metadata.as_deref(), Some("https://h/x"));
        assert_eq!(v.scope.as_deref(), Some("read"));
        // Unquoted: ignored.
        assert_eq!(
            sdk_view(&["Bearer resource_metadata=https://h/x"]),
            SdkView::default()
        );
        // Not the first challenge: ignored.
        assert_eq!(
            sdk_view(&[
                r#"Basic realm="x""#,
                r#"Bearer resource_metadata="https://h/x""#
            ]),
            SdkView::default()
        );
    }
}
