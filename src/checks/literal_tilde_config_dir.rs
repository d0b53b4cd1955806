//! Issue 9 item 5: a literal `~` in `CLAUDE_CONFIG_DIR` (or `CLAUDE_SECURESTORAGE_CONFIG_DIR`).
//! Claude Code does not expand it, so where no shell did (a launchd plist, IDE settings, a
//! systemd unit, a `.env` or docker-compose file) its whole store is `./~/...` in the folder it
//! starts in (state-formats.md §12.4; #78988, reproduced by a maintainer on 2.1.233; #37570).
//! `paths` already resolves such a value from the folder checked, so `check` reads the store
//! Claude Code really uses there; this check says so, and lists the stray `~` stores found.

use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::LiteralTildeConfigDir,
    severity: Severity::Warning,
    summary: "CLAUDE_CONFIG_DIR starts with a literal ~ (Claude Code keeps its store in ./~/...), or such a store was left behind",
    explanation: "\
**What it means.** Claude Code takes `CLAUDE_CONFIG_DIR` (and \
`CLAUDE_SECURESTORAGE_CONFIG_DIR`) exactly as given: it does not expand `~`. A shell expands \
`~/.claude-work` before Claude Code sees it, but a launchd plist, an IDE's settings, a systemd \
unit, a `.env` or a docker-compose file does not, and Claude Code then creates its whole store \
(`.claude.json`, credentials, needs-auth cache) as a folder literally named `~` inside whatever \
folder it was started in, silently. Each project folder gets its own store, sign-ins seem to be \
forgotten, and servers configured in the real store are missing. When the variable is set so in \
this run, `check` reads the store Claude Code uses from the folder checked (`--project`, default \
the current folder), and `paths` shows it. A `~` folder holding `.claude.json` or \
`.credentials.json` in the home or the folder checked is listed too: some Claude Code wrote it.

**What to do.** Set the variable to an absolute path (`$HOME/.claude-work`, written out where no \
shell expands it) wherever it is set, then move what you need from the stray store (servers in \
its `.claude.json`) into the real one, and delete the `~` folder by hand: `fix` never touches \
it, and `rm -rf ~` typed carelessly deletes your home, so use `rm -rf ./~` from its parent.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let l = &inv.locations;
    let in_use = [
        &l.config_dir.path,
        &l.global_config.path,
        &l.credentials.path,
    ];
    for (name, value) in &l.literal_tilde {
        let resolved = if name == "CLAUDE_SECURESTORAGE_CONFIG_DIR" {
            l.credentials.path.parent().unwrap_or(&l.credentials.path)
        } else {
            &l.config_dir.path
        };
        let absolute = match value.strip_prefix("~/") {
            Some(rest) => format!("{}/{rest}", l.home.path.display()),
            None if value == "~" => l.home.path.display().to_string(),
            None => "an absolute path".to_string(),
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "{name} is {value}, which Claude Code does not expand: started in {}, it \
                     keeps its store in {} (a folder named ~; checked here). Started in another \
                     folder it uses another store. Set {name}={absolute} where it is set.",
                    l.project_dir.display(),
                    resolved.display(),
                ),
            )
            .file(resolved.display().to_string())
            .evidence("variable", name.as_str())
            .evidence("resolved", resolved.display().to_string()),
        );
    }
    for store in &inv.literal_tilde_stores {
        // The store in use is the one the finding above is about.
        if !l.literal_tilde.is_empty()
            && in_use
                .iter()
                .any(|p| p.starts_with(&store.dir) || store.dir.starts_with(p))
        {
            continue;
        }
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "{} holds Claude Code state ({}) under a folder literally named ~: a Claude \
                     Code started with CLAUDE_CONFIG_DIR=~/... where no shell expanded it wrote \
                     it, and what it stored (servers, sign-ins) is not in the store this run \
                     reads. Make that variable absolute where it is set, then move what you need \
                     and delete the ~ folder by hand.",
                    store.dir.display(),
                    store.files.join(", "),
                ),
            )
            .file(store.dir.display().to_string())
            .evidence("files", store.files.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::store::tilde::StrayStore;
    use std::path::PathBuf;

    #[test]
    fn a_literal_tilde_variable_is_a_warning_naming_the_store_in_use() {
        let mut snapshot = Snapshot::for_test();
        snapshot.locations.literal_tilde =
            vec![("CLAUDE_CONFIG_DIR".into(), "~/.claude-work".into())];
        snapshot.locations.config_dir.path = PathBuf::from("/home/u/work/~/.claude-work");
        // The store in use is found on disk too: it is not listed a second time.
        snapshot.literal_tilde_stores = vec![StrayStore {
            dir: PathBuf::from("/home/u/work/~/.claude-work"),
            files: vec![".claude.json"],
        }];
        let found = crate::load::for_test::run_check(snapshot, run);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        let m = &found[0].message;
        assert!(m.contains("/home/u/work/~/.claude-work"), "{m}");
        assert!(m.contains("CLAUDE_CONFIG_DIR=/home/u/.claude-work"), "{m}");
    }

    #[test]
    fn a_stray_store_is_listed_when_the_variable_is_fine() {
        let mut snapshot = Snapshot::for_test();
        snapshot.literal_tilde_stores = vec![StrayStore {
            dir: PathBuf::from("/home/u/~/.claude-work"),
            files: vec![".claude.json", ".credentials.json"],
        }];
        let found = crate::load::for_test::run_check(snapshot, run);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("/home/u/~/.claude-work holds"));
        assert!(crate::load::for_test::run_check(Snapshot::for_test(), run).is_empty());
    }
}
