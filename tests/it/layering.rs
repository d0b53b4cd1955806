//! The layering of docs/architecture.md, enforced: each top-level module of `src/` is a step of
//! the flow (locate → load → model → diagnose → plan/apply → render → commands) or a leaf
//! utility, and a module may import only leaves and earlier steps. A new import from a later step
//! into an earlier one, or a circle, fails here with the line that made it.
//!
//! A second test fails if a pure step touches the disk, a process or the environment.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every top-level module and its step; 0 is a leaf any module may use (it imports only leaves).
const STEPS: &[(&str, u8)] = &[
    ("json", 0),
    ("term", 0),
    ("timefmt", 0),
    ("suggest", 0),
    ("layout", 0),
    ("exit", 0),
    ("digest", 0),
    ("urls", 0),
    ("vars", 0),
    ("release", 0),
    // Test-only (`#[cfg(test)]`): the tests of every step draw from it.
    ("test_rng", 0),
    ("paths", 1),
    ("store", 2),
    ("system", 2),
    ("load", 3),
    ("model", 4),
    ("redact", 5),
    ("checks", 6),
    ("diagnosis", 7),
    ("probe", 7),
    ("config", 8),
    ("verify", 8),
    ("fix", 9),
    ("render", 10),
    ("commands", 11),
    ("cli", 12),
    ("lib", 13),
    ("main", 13),
];

fn step(module: &str) -> Option<u8> {
    STEPS.iter().find(|(m, _)| *m == module).map(|(_, s)| *s)
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap().flatten() {
            rust_files(&e.path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The top-level module a source file belongs to (`src/checks/x.rs` → `checks`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The crate's top-level modules a line names: `crate::x`, `mcp_auth_doctor::x`, and each name
/// in `crate::{x, y::z}`.
fn imported(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["crate::", "mcp_auth_doctor::"] {
        let mut rest = line;
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            if let Some(group) = after.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                let mut depth = 0;
                let mut item = String::new();
                for c in group[..end].chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(head(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
                out.push(head(&item));
            } else {
                out.push(head(after));
            }
            rest = after;
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn head(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Lines that import against the flow, as `file:line: a -> b`. Test modules (from the first
/// `#[cfg(test)]` on) and test-only files may use test builders of any step.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        // Test-only files (`#[cfg(test)] mod tests;`, the snapshot builder `load/for_test.rs`).
        let name = file.file_name().unwrap();
        if name == "tests.rs" || name == "for_test.rs" {
            continue;
        }
        let module = module_of(src, file);
        let from = step(&module)
            .unwrap_or_else(|| panic!("src/{module} has no step: add it to layering::STEPS"));
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                break;
            }
            if code.starts_with("//") {
                continue;
            }
            for to in imported(code) {
                // Items of the crate root (`crate::Outcome`) and `crate::self`-style paths.
                let Some(to_step) = step(&to) else { continue };
                if to == module {
                    continue;
                }
                let allowed = to_step == 0 || to_step < from;
                if !allowed {
                    found.push(format!(
                        "{}:{}: {module} (step {from}) imports {to} (step {to_step})",
                        file.strip_prefix(src.parent().unwrap()).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn every_import_runs_from_a_later_step_to_an_earlier_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "imports against the flow (docs/architecture.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_module_has_a_step() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    let listed: BTreeSet<String> = STEPS.iter().map(|(m, _)| m.to_string()).collect();
    assert_eq!(on_disk, listed, "layering::STEPS and src/ disagree");
}

#[test]
fn the_checker_sees_a_backward_import() {
    // The checker itself must catch what it is for: a temp `src/` where the model imports render.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("model")).unwrap();
    std::fs::write(
        src.join("model/x.rs"),
        "use crate::{json::Seg, render::style};\n",
    )
    .unwrap();
    std::fs::write(src.join("render.rs"), "use crate::model::x;\n").unwrap();
    let found = violations(&src);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("model (step 4) imports render (step 10)"));
}

/// Source trees that must stay pure (model, checks, diagnosis, rendering, the layout).
const PURE: &[&str] = &[
    "src/model",
    "src/checks",
    "src/diagnosis",
    "src/render",
    "src/layout.rs",
    "src/verify.rs",
];

/// What reaches the disk, processes or the environment. `std::env::consts` is compile-time.
const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::process",
    "std::env::var",
    "std::env::home_dir",
    "std::env::current_dir",
    "std::net",
    "Command::new",
    "File::open",
    ".exists()",
    ".is_dir()",
    ".is_file()",
    ".canonicalize(",
    "read_dir(",
    "read_link(",
    "symlink_metadata(",
    ".metadata(",
    "processes::scan(",
    "keychain::read(",
    "store::load_small",
];

#[test]
fn the_pure_steps_touch_no_disk_process_or_environment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for p in PURE {
        let path = root.join(p);
        assert!(
            path.exists(),
            "{p} moved: update layering::PURE to where it went"
        );
        rust_files(&path, &mut files);
    }
    assert!(files.len() > 30, "only {} files found", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for bad in FORBIDDEN {
                if code.contains(bad) {
                    found.push(format!(
                        "{}:{}: {bad}",
                        file.strip_prefix(root).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "I/O outside load (ask the Snapshot instead):\n{}",
        found.join("\n")
    );
}
