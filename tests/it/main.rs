//! Every integration test, in one binary (as fd and ripgrep do): one link instead of one per
//! file, which is most of `cargo test`'s time on a small machine. Each module runs the real
//! binary against fixture homes copied from `testdata/`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../synth/mod.rs"]
mod synth;

mod anonymize;
mod canary;
mod check;
mod cli;
mod drop_ins;
mod duplicate_key;
mod fidelity;
mod fix;
mod folders;
mod generated;
#[cfg(unix)]
mod hardening;
mod home_env;
mod json_docs;
mod json_escapes;
mod keychain;
mod layering;
mod login;
mod mcp_remote;
mod mutation;
mod platform;
mod polish;
mod probe;
mod probe_token;
mod report;
mod report_fit;
mod scan_mapped;
mod settings;
mod speed;
mod system;
mod verify;
mod wording;
mod worktree;
