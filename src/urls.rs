//! Just enough URL handling for discovery: split an absolute `http(s)` URL, build the well-known
//! locations in the order Claude Code's MCP SDK tries them, and compare a protected resource with
//! the server URL the way the SDK does.

/// An absolute `http` or `https` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http` or `https`, lowercase.
    pub scheme: String,
    /// Host, lowercase; IPv6 literals keep their brackets.
    pub host: String,
    /// The port when one is written and differs from the scheme's default.
    pub port: Option<u16>,
    /// The path, `/` when empty.
    pub path: String,
    /// The query without `?`, if any.
    pub query: Option<String>,
}

impl Url {
    /// Parses an absolute `http://` or `https://` URL; `None` for anything else.
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim();
        let (scheme, rest) = input.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let rest = rest.split('#').next().unwrap_or("");
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit('@').next().unwrap_or("");
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (inside, after) = v6.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) if !p.is_empty() => Some(p.parse::<u16>().ok()?),
                _ if after.is_empty() || after == ":" => None,
                _ => return None,
            };
            (format!("[{}]", inside.to_ascii_lowercase()), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, "")) => (h.to_ascii_lowercase(), None),
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p.parse::<u16>().ok()?)),
                None => (authority.to_ascii_lowercase(), None),
            }
        };
        if host.is_empty() || host.contains(char::is_whitespace) {
            return None;
        }
        let default = if scheme == "https" { 443 } else { 80 };
        let port = port.filter(|p| *p != default);
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q.to_string())),
            None => (tail, None),
        };
        let path = if path.is_empty() { "/" } else { path }.to_string();
        Some(Self {
            scheme,
            host,
            port,
            path,
            query,
        })
    }

    /// `scheme://host[:port]`, as JavaScript's `URL.origin` gives it.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// Whether `self.origin() == other.origin()`, mostly without writing either. Not a field-wise
    /// comparison: a host may hold a `:` (the port is split off at the last one), so
    /// `http://h:81:/` (host `h:81`, no port) and `http://h:81/` (host `h`, port 81) have one
    /// origin. With equal ports the origins are equal exactly when the hosts are.
    pub fn same_origin(&self, other: &Url) -> bool {
        self.scheme == other.scheme
            && if self.port == other.port {
                self.host == other.host
            } else {
                self.origin() == other.origin()
            }
    }

    /// The path without a trailing `/` (`""` for the root), as the SDK uses it to build
    /// well-known locations.
    fn path_no_trailing_slash(&self) -> &str {
        self.path.strip_suffix('/').unwrap_or(&self.path)
    }

    /// Whether the path is more than `/`.
    pub fn has_path(&self) -> bool {
        self.path != "/"
    }

    /// The host without brackets, for loopback and NO_PROXY decisions.
    pub fn bare_host(&self) -> &str {
        self.host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host)
    }

    /// Whether the host is on this machine (127.0.0.0/8, `::1`, `localhost`).
    pub fn is_loopback(&self) -> bool {
        let h = self.bare_host();
        h == "localhost"
            || h.ends_with(".localhost")
            || h == "::1"
            || h.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The full URL, normalised (no default port, no fragment).
    pub fn as_string(&self) -> String {
        let mut s = format!("{}{}", self.origin(), self.path);
        if let Some(q) = &self.query {
            s.push('?');
            s.push_str(q);
        }
        s
    }
}

/// Resolves a `Location` header against the URL it came from.
pub fn resolve(base: &Url, reference: &str) -> String {
    let reference = reference.trim();
    if Url::parse(reference).is_some() {
        return reference.to_string();
    }
    if let Some(rest) = reference.strip_prefix("//") {
        return format!("{}://{rest}", base.scheme);
    }
    if reference.starts_with('/') {
        return format!("{}{reference}", base.origin());
    }
    let dir = match base.path.rfind('/') {
        Some(i) => &base.path[..=i],
        None => "/",
    };
    format!("{}{dir}{reference}", base.origin())
}

/// Where the SDK looks for RFC 9728 protected-resource metadata when the 401 names none: the
/// path-suffixed well-known location (keeping the query), then the root one.
pub fn protected_resource_candidates(server: &Url) -> Vec<String> {
    let mut out = Vec::new();
    let path = server.path_no_trailing_slash();
    if !path.is_empty() {
        let mut u = format!(
            "{}/.well-known/oauth-protected-resource{path}",
            server.origin()
        );
        if let Some(q) = &server.query {
            u.push('?');
            u.push_str(q);
        }
        out.push(u);
    }
    out.push(format!(
        "{}/.well-known/oauth-protected-resource",
        server.origin()
    ));
    out
}

/// Which document a discovery URL serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataKind {
    /// RFC 8414 OAuth authorization-server metadata.
    OAuth,
    /// OpenID Connect Discovery 1.0 provider configuration.
    OpenId,
}

/// Where the SDK looks for authorization-server metadata, in its order: RFC 8414 with the path
/// inserted, RFC 8414 at the root, then OpenID configuration with the path inserted and appended
/// (for an issuer without a path: RFC 8414, then OpenID configuration, both at the root).
pub fn authorization_server_candidates(issuer: &Url) -> Vec<(MetadataKind, String)> {
    let origin = issuer.origin();
    if !issuer.has_path() {
        return vec![
            (
                MetadataKind::OAuth,
                format!("{origin}/.well-known/oauth-authorization-server"),
            ),
            (
                MetadataKind::OpenId,
                format!("{origin}/.well-known/openid-configuration"),
            ),
        ];
    }
    let path = issuer.path_no_trailing_slash();
    vec![
        (
            MetadataKind::OAuth,
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
        ),
        (
            MetadataKind::OAuth,
            format!("{origin}/.well-known/oauth-authorization-server"),
        ),
        (
            MetadataKind::OpenId,
            format!("{origin}/.well-known/openid-configuration{path}"),
        ),
        (
            MetadataKind::OpenId,
            format!("{origin}{path}/.well-known/openid-configuration"),
        ),
    ]
}

/// The SDK's rule for a protected resource: same origin, and the resource's path is a prefix of
/// the server's path on a segment boundary (so `https://h` and `https://h/mcp` both cover
/// `https://h/mcp`, `https://h/other` does not).
pub fn resource_covers(resource: &Url, server: &Url) -> bool {
    if resource.origin() != server.origin() {
        return false;
    }
    let slash = |p: &str| {
        if p.ends_with('/') {
            p.to_string()
        } else {
            format!("{p}/")
        }
    };
    slash(&server.path).starts_with(&slash(&resource.path))
}

/// Compares two issuer identifiers, ignoring only a trailing `/` (JavaScript's `URL` adds one to
/// a bare origin).
pub fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

#[cfg(test)]
mod tests {

    #[test]
    fn same_origin_is_the_origins_compared() {
        let pairs = [
            ("http://h:81:/mcp", "http://h:81/old"),
            ("http://::1:/", "http://::1/"),
            ("https://a.example/x", "https://A.example:443/y"),
            ("https://a.example/x", "http://a.example/x"),
            ("https://a.example:8443/", "https://a.example/"),
            ("https://a.example/", "https://b.example/"),
            ("http://[::1]:80/", "http://[::1]/"),
        ];
        for (a, b) in pairs {
            let (ua, ub) = (Url::parse(a).unwrap(), Url::parse(b).unwrap());
            assert_eq!(ua.same_origin(&ub), ua.origin() == ub.origin(), "{a} {b}");
            assert_eq!(ub.same_origin(&ua), ua.origin() == ub.origin(), "{b} {a}");
        }
        let (a, b) = (
            Url::parse("http://h:81:/mcp").unwrap(),
            Url::parse("http://h:81/old").unwrap(),
        );
        assert!(
            a.host != b.host && a.same_origin(&b),
            "the case field-wise equality misses"
        );
    }
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let u = Url::parse("HTTPS://Example.COM:443/mcp/?a=1#frag").unwrap();
        assert_eq!(u.origin(), "https://example.com");
        assert_eq!(u.path, "/mcp/");
        assert_eq!(u.query.as_deref(), Some("a=1"));
        assert_eq!(
            Url::parse("http://127.0.0.1:8080").unwrap().as_string(),
            "http://127.0.0.1:8080/"
        );
        assert!(Url::parse("ftp://x/").is_none());
        assert!(Url::parse("/relative").is_none());
        assert!(Url::parse("http://h:notaport/").is_none());
        let v6 = Url::parse("http://[::1]:9/x").unwrap();
        assert_eq!(v6.origin(), "http://[::1]:9");
        assert!(v6.is_loopback());
        assert!(Url::parse("http://localhost/").unwrap().is_loopback());
        assert!(!Url::parse("http://10.0.0.1/").unwrap().is_loopback());
    }

    #[test]
    fn well_known_orders_match_the_sdk() {
        let server = Url::parse("https://h.example/public/mcp/").unwrap();
        assert_eq!(
            protected_resource_candidates(&server),
            [
                "https://h.example/.well-known/oauth-protected-resource/public/mcp",
                "https://h.example/.well-known/oauth-protected-resource"
            ]
        );
        let root = Url::parse("https://h.example").unwrap();
        assert_eq!(protected_resource_candidates(&root).len(), 1);
        let urls: Vec<String> =
            authorization_server_candidates(&Url::parse("https://a.example/t1").unwrap())
                .into_iter()
                .map(|(_, u)| u)
                .collect();
        assert_eq!(
            urls,
            [
                "https://a.example/.well-known/oauth-authorization-server/t1",
                "https://a.example/.well-known/oauth-authorization-server",
                "https://a.example/.well-known/openid-configuration/t1",
                "https://a.example/t1/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn resource_prefix_rule() {
        let server = Url::parse("https://h/mcp").unwrap();
        let ok = |r: &str| resource_covers(&Url::parse(r).unwrap(), &server);
        assert!(ok("https://h/mcp"));
        assert!(ok("https://h/mcp/"));
        assert!(ok("https://h"));
        assert!(!ok("https://h/mc"));
        assert!(!ok("https://h/other"));
        assert!(!ok("http://h/mcp"));
    }

    #[test]
    fn resolves_locations() {
        let base = Url::parse("https://h/a/b").unwrap();
        assert_eq!(resolve(&base, "/c"), "https://h/c");
        assert_eq!(resolve(&base, "c"), "https://h/a/c");
        assert_eq!(resolve(&base, "https://x/y"), "https://x/y");
        assert_eq!(resolve(&base, "//x/y"), "https://x/y");
    }
}
