//! `--mcp-config FILE` (repeatable): the server files `claude --mcp-config` and SDK sessions pass
//! on the command line (issue 9 item 6). Claude Code files their servers under the "dynamic" scope
//! (state-formats.md §5.1) and keys their OAuth state as every other server's (§3: the key is the
//! name and the connect-time type, url and headers, whatever the scope), so their entries are live.
//! Each file is read with the caps and the trust of a `.mcp.json`; the model reads its
//! `mcpServers` as the `mcp-config` scope. Nothing here ever writes one.

use std::path::PathBuf;

use serde_json::Value;

use crate::store::{self, Loaded, safe::Trust};

/// Reads each file given with `--mcp-config`, in the order given (a file named twice once).
pub fn load(files: &[PathBuf], trust: &Trust) -> Vec<Loaded<Value>> {
    let mut seen = std::collections::BTreeSet::new();
    files
        .iter()
        .filter(|p| seen.insert((*p).clone()))
        .map(|p| store::load_small_trusting(p, trust))
        .collect()
}

/// The files as absolute paths (relative ones are under `cwd`), or a usage error naming the first
/// that is not a file: a mistyped `--mcp-config` must not turn into "its entries are orphans".
pub fn resolve(files: Vec<PathBuf>, cwd: &std::path::Path) -> Result<Vec<PathBuf>, String> {
    files
        .into_iter()
        .map(|p| {
            let path = if p.is_absolute() { p } else { cwd.join(p) };
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => Ok(path),
                Ok(_) => Err(format!(
                    "--mcp-config {}: not a regular file",
                    crate::term::sanitize(&path.display().to_string())
                )),
                Err(e) => Err(format!(
                    "--mcp-config {}: {}",
                    crate::term::sanitize(&path.display().to_string()),
                    if e.kind() == std::io::ErrorKind::NotFound {
                        "no such file".to_string()
                    } else {
                        format!("cannot be read: {e}")
                    }
                )),
            }
        })
        .collect()
}
