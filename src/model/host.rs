//! The machine Claude Code runs on, as far as it changes sign-ins (issue 9 item 8): in a dev
//! container, Codespaces or WSL the browser runs on another host and cannot reach a loopback
//! callback port that is not forwarded (state-formats.md §12.6); a Linux container that shares
//! `~/.claude` with a macOS host loses the credentials file to the host's Keychain move (§12.7).

use crate::load::host::HostFacts;

/// Where this runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKind {
    /// Nothing says container or WSL.
    None,
    /// A container: `what` says which marker said so.
    Container { what: &'static str },
    /// WSL, in the named distribution.
    Wsl { distro: String },
}

/// The host, and the OS whose rules apply (`std::env::consts::OS`, or a test's pretence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub kind: HostKind,
    pub os: String,
}

impl Host {
    pub fn of(facts: &HostFacts, os: &str) -> Self {
        let kind = if facts.codespaces {
            HostKind::Container {
                what: "GitHub Codespaces (CODESPACES is set)",
            }
        } else if facts.remote_containers {
            HostKind::Container {
                what: "a dev container (REMOTE_CONTAINERS is set)",
            }
        } else if let Some(distro) = &facts.wsl_distro {
            HostKind::Wsl {
                distro: distro.clone(),
            }
        } else if facts.dockerenv {
            HostKind::Container {
                what: "a Docker container (/.dockerenv exists)",
            }
        } else {
            HostKind::None
        };
        Self {
            kind,
            os: os.to_string(),
        }
    }

    /// `container`, `WSL` or `none`.
    pub fn label(&self) -> &'static str {
        match self.kind {
            HostKind::None => "none",
            HostKind::Container { .. } => "container",
            HostKind::Wsl { .. } => "WSL",
        }
    }

    /// The browser of a sign-in runs on another host, which reaches a loopback port here only
    /// when it is forwarded.
    pub fn browser_elsewhere(&self) -> bool {
        self.kind != HostKind::None
    }

    /// In words, for a finding: "a dev container (REMOTE_CONTAINERS is set)".
    pub fn describe(&self) -> String {
        match &self.kind {
            HostKind::None => "this machine".into(),
            HostKind::Container { what } => (*what).into(),
            HostKind::Wsl { distro } => format!("WSL ({distro})"),
        }
    }
}

/// The host as `paths --format json` and the report's JSON show it (`host` at the top level).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HostReport {
    /// `none`, `container` or `wsl`.
    pub kind: &'static str,
    /// What said so (`a dev container (REMOTE_CONTAINERS is set)`, `WSL (Ubuntu)`), or `this
    /// machine`.
    pub detail: String,
}

impl Host {
    pub fn report(&self) -> HostReport {
        HostReport {
            kind: match self.kind {
                HostKind::None => "none",
                HostKind::Container { .. } => "container",
                HostKind::Wsl { .. } => "wsl",
            },
            detail: self.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_marker_names_its_environment() {
        let none = Host::of(&HostFacts::default(), "linux");
        assert_eq!((none.label(), none.browser_elsewhere()), ("none", false));
        let dev = Host::of(
            &HostFacts {
                remote_containers: true,
                ..Default::default()
            },
            "linux",
        );
        assert_eq!(dev.label(), "container");
        assert!(dev.describe().contains("REMOTE_CONTAINERS"));
        let wsl = Host::of(
            &HostFacts {
                wsl_distro: Some("Ubuntu".into()),
                ..Default::default()
            },
            "linux",
        );
        assert_eq!(
            (wsl.label(), wsl.describe()),
            ("WSL", "WSL (Ubuntu)".into())
        );
        let docker = Host::of(
            &HostFacts {
                dockerenv: true,
                ..Default::default()
            },
            "linux",
        );
        assert!(docker.describe().contains("/.dockerenv"));
    }
}
