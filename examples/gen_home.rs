//! Generates a synthetic Claude Code home for the benchmark (`bench/run.sh`). Not part of the CLI.
//!
//! ```text
//! cargo run --release --example gen_home -- --out DIR --claude-json-mb 200 --projects 5000 \
//!     --servers 300 --entries 1000 --seed 1 [--now MS] [--text mixed|heavy]
//! ```
//!
//! `--text heavy` pads the history with escape-dense, mostly non-ASCII content (JSON pasted in
//! JSON, `\uXXXX` escapes, non-Latin scripts) instead of the default mix.
//!
//! Writes the home to `DIR/home` and what was planted to `DIR/manifest.json`, and prints the
//! manifest's summary line. The same arguments always give the same files.

#[path = "../tests/synth/mod.rs"]
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen_home --out DIR [--claude-json-mb N] [--projects N] [--servers N] \
         [--entries N] [--seed S] [--now MS] [--text mixed|heavy]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut params = synth::Params::default();
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            return usage();
        };
        let num = |v: &str| v.parse::<f64>().ok().filter(|n| *n >= 0.0);
        let ok = match flag.as_str() {
            "--out" => {
                out = Some(PathBuf::from(&value));
                true
            }
            "--claude-json-mb" => num(&value)
                .map(|n| params.claude_json_bytes = (n * 1024.0 * 1024.0) as u64)
                .is_some(),
            "--projects" => value.parse().map(|n| params.projects = n).is_ok(),
            "--servers" => value.parse().map(|n| params.servers = n).is_ok(),
            "--entries" => value.parse().map(|n| params.entries = n).is_ok(),
            "--seed" => value.parse().map(|n| params.seed = n).is_ok(),
            "--now" => value.parse().map(|n| params.now_ms = n).is_ok(),
            "--text" => match value.as_str() {
                "mixed" => {
                    params.text = synth::Text::Mixed;
                    true
                }
                "heavy" => {
                    params.text = synth::Text::Heavy;
                    true
                }
                _ => false,
            },
            _ => false,
        };
        if !ok {
            eprintln!("gen_home: bad argument {flag} {value}");
            return usage();
        }
    }
    let Some(out) = out else {
        return usage();
    };
    match synth::generate(&out, &params) {
        Ok(m) => {
            println!(
                "{}: .claude.json {} bytes, {} projects, {} servers, {} entries, {} markers, now {}",
                m.home.display(),
                m.claude_json_bytes,
                m.projects,
                m.servers.len(),
                m.entries.len(),
                m.markers.len(),
                m.now_ms
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_home: {e}");
            ExitCode::FAILURE
        }
    }
}
