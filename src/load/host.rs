//! Where this process runs, as far as it changes OAuth sign-ins (issue 9 item 8): a dev container
//! (`REMOTE_CONTAINERS`), GitHub Codespaces (`CODESPACES`), WSL (`WSL_DISTRO_NAME`) or any Docker
//! container (`/.dockerenv`). The loader asks; `model::host` decides what it means.

use std::path::{Path, PathBuf};

/// What the environment and the root of the file system said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFacts {
    /// `REMOTE_CONTAINERS` is set and not empty (VS Code dev containers set it to `true`).
    pub remote_containers: bool,
    /// `CODESPACES` is set and not empty (`true` in GitHub Codespaces).
    pub codespaces: bool,
    /// `WSL_DISTRO_NAME`, when set and not empty.
    pub wsl_distro: Option<String>,
    /// `/.dockerenv` exists (Docker creates it in every container).
    pub dockerenv: bool,
}

/// The marker file Docker puts at the root of a container.
const DOCKERENV: &str = "/.dockerenv";

/// Where to look for `/.dockerenv`: debug builds let tests point it elsewhere
/// (`MCP_AUTH_DOCTOR_TEST_DOCKERENV`), as they pretend another OS with `MCP_AUTH_DOCTOR_TEST_OS`.
fn dockerenv_path() -> PathBuf {
    #[cfg(debug_assertions)]
    if let Some(p) = std::env::var_os("MCP_AUTH_DOCTOR_TEST_DOCKERENV") {
        return PathBuf::from(p);
    }
    PathBuf::from(DOCKERENV)
}

/// Asks the process environment and the file system.
pub fn detect() -> HostFacts {
    let set = |name: &str| {
        std::env::var_os(name)
            .map(|v| v.to_string_lossy().into_owned())
            .filter(|v| !v.is_empty())
    };
    HostFacts {
        remote_containers: set("REMOTE_CONTAINERS").is_some(),
        codespaces: set("CODESPACES").is_some(),
        wsl_distro: set("WSL_DISTRO_NAME"),
        // A stat only (no open): a FIFO or device planted there cannot block us.
        dockerenv: Path::new(&dockerenv_path()).symlink_metadata().is_ok(),
    }
}
