//! Whole-binary mutation test: a few hundred seeded mutations of every `testdata` home (bytes
//! flipped, inserted, deleted, files truncated, JSON punctuation and odd characters dropped in),
//! each run through a read-only command. Whatever the input, the binary must not panic, must exit
//! with a documented status (bits of 1, 2, 4, 8 and 32, see README "Exit status"), must not
//! change, create or remove any file (bytes and mtimes compared), and must not print a canary.
//!
//! Deterministic: the mutations come from a tiny PRNG seeded by the scenario name and the round,
//! so a failure names a seed that reproduces it (`MUTATION_SEED=<scenario>:<round>`).

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::synth::Rng;
use common::{CANARY, Home};

/// Mutated copies of each home.
const ROUNDS: u64 = 6;

/// The read-only commands, taken in turn.
const COMMANDS: &[&[&str]] = &[
    &["check", "--format", "json"],
    &["status"],
    &["report", "--format", "json"],
    &["check"],
    &["paths", "--format", "json"],
    &["report", "--anonymize"],
    &["backups", "--format", "json"],
    &["status", "--format", "json"],
    &["fix", "--dry-run", "--format", "json"],
];

/// Every status the README documents: any sum of the exit bits.
const EXIT_BITS: i32 = 1 | 2 | 4 | 8 | 32;

/// The generator's PRNG (splitmix64), seeded by the scenario's name and the round.
fn seeded(name: &str, round: u64) -> Rng {
    // FNV-1a of the name, mixed with the round.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Rng::new(h ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// What gets dropped into a file: JSON punctuation, literals that are valid JSON but odd, and
/// characters that terminals and JavaScript treat specially.
const FRAGMENTS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"null",
    b"1e999",
    b"-0",
    b"\"\\ud800\"",
    b"// c\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    "\u{202e}".as_bytes(),
    "\u{2028}".as_bytes(),
    "\u{85}".as_bytes(),
    b"\x7f",
    b"\x00",
    b"\n",
    b"{\"a\":{\"b\":[[[[[[[[[[]]]]]]]]]]}}",
    b"\"x|0123456789abcdef\":{\"accessToken\":\"\"},",
];

/// Applies one mutation to `bytes`. Never copies a range (a copied token could land where a name
/// goes, which would be a leak of the fixture's making, not the binary's).
fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng) -> String {
    let len = bytes.len();
    let at = rng.below(len + 1);
    match rng.below(7) {
        0 if len > 0 => {
            let i = at.min(len - 1);
            bytes[i] ^= 1 << rng.below(8);
            format!("flip a bit at {i}")
        }
        1 if len > 0 => {
            let n = 1 + rng.below(4);
            let end = (at + n).min(len);
            bytes.drain(at.min(end)..end);
            format!("delete {at}..{end}")
        }
        2 => {
            bytes.truncate(at);
            format!("truncate to {at}")
        }
        3 if len > 0 => {
            let i = at.min(len - 1);
            bytes[i] = rng.next_u64() as u8;
            format!("set byte {i}")
        }
        _ => {
            let f = FRAGMENTS[rng.below(FRAGMENTS.len())];
            bytes.splice(at..at, f.iter().copied());
            format!("insert {:?} at {at}", String::from_utf8_lossy(f))
        }
    }
}

/// Every entry under `dir` (not following symlinks): its bytes (files), target (symlinks) and
/// mtime. Directories count too, so a created lock directory or temp file shows up.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, Option<SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let meta = fs::symlink_metadata(&p).unwrap();
            let mtime = meta.modified().ok();
            let content = if meta.file_type().is_symlink() {
                fs::read_link(&p)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes()
            } else if meta.is_dir() {
                stack.push(p.clone());
                b"<dir>".to_vec()
            } else {
                fs::read(&p).unwrap()
            };
            out.insert(p, (content, mtime));
        }
    }
    out
}

/// The regular files worth mutating: the state files and whatever else the fixture holds.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = snapshot(dir)
        .into_keys()
        .filter(|p| {
            fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
                && p.file_name().is_some_and(|n| n != ".keep")
        })
        .collect();
    out.sort();
    out
}

/// One mutated home, one command; returns what went wrong, if anything.
fn round(scenario: &str, n: u64) -> Option<String> {
    let home = Home::fixture(scenario);
    let mut rng = seeded(scenario, n);
    let targets = files(&home.path);
    let mut done = Vec::new();
    if targets.is_empty() {
        done.push("nothing to mutate".to_string());
    } else {
        for _ in 0..1 + rng.below(3) {
            let file = &targets[rng.below(targets.len())];
            let mut bytes = fs::read(file).unwrap();
            let what = mutate(&mut bytes, &mut rng);
            fs::write(file, bytes).unwrap();
            let shown = file.strip_prefix(&home.path).unwrap().display();
            done.push(format!("{shown}: {what}"));
        }
    }
    let args = COMMANDS[rng.below(COMMANDS.len())];
    let before = snapshot(&home.path);
    let (stdout, stderr, code) = home.run(args);
    let after = snapshot(&home.path);
    let id = format!("MUTATION_SEED={scenario}:{n} {args:?} after {done:?}");
    if code < 0 || stderr.contains("panicked") || code == 101 {
        return Some(format!("{id}: crashed (status {code}):\n{stderr}"));
    }
    if code & !EXIT_BITS != 0 {
        return Some(format!("{id}: undocumented exit status {code}:\n{stderr}"));
    }
    if before != after {
        let changed: Vec<&PathBuf> = before
            .keys()
            .chain(after.keys())
            .filter(|p| before.get(*p) != after.get(*p))
            .collect();
        return Some(format!("{id}: a read-only command changed {changed:?}"));
    }
    for (what, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        if text.contains(CANARY) {
            return Some(format!("{id}: the canary reached {what}:\n{text}"));
        }
    }
    // The JSON formats stay JSON, whatever the input.
    if args.contains(&"json")
        && !stdout.is_empty()
        && let Err(e) = serde_json::from_str::<serde_json::Value>(&stdout)
    {
        return Some(format!("{id}: not JSON ({e}):\n{stdout}"));
    }
    None
}

#[test]
fn mutated_homes_never_crash_write_or_leak() {
    let only = std::env::var("MUTATION_SEED").ok();
    let mut work: Vec<(String, u64)> = Vec::new();
    for scenario in common::scenarios() {
        for n in 0..ROUNDS {
            work.push((scenario.clone(), n));
        }
    }
    if let Some(seed) = &only {
        let (s, n) = seed
            .split_once(':')
            .expect("MUTATION_SEED=<scenario>:<round>");
        work = vec![(s.to_string(), n.parse().expect("a round number"))];
    }
    let total = work.len();
    assert!(only.is_some() || total >= 200, "only {total} mutations");
    // Two workers: the binary is quick, the machine small.
    let chunks: Vec<Vec<(String, u64)>> = {
        let mut c = vec![Vec::new(), Vec::new()];
        for (i, w) in work.into_iter().enumerate() {
            c[i % 2].push(w);
        }
        c
    };
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(scenario, n)| round(scenario, *n))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {total} mutations failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The PRNG is deterministic and the mutations it drives change the bytes.
#[test]
fn mutations_are_seeded_and_change_something() {
    let mut a = seeded("demo", 3);
    let mut b = seeded("demo", 3);
    assert_eq!(
        (0..8).map(|_| a.next_u64()).collect::<Vec<_>>(),
        (0..8).map(|_| b.next_u64()).collect::<Vec<_>>()
    );
    assert_ne!(seeded("demo", 3).next_u64(), seeded("demo", 4).next_u64());
    let original = br#"{"mcpOAuth":{"linear|638130d5ab3558f4":{"accessToken":"x"}}}"#.to_vec();
    let mut changed = 0;
    for n in 0..50 {
        let mut rng = seeded("unit", n);
        let mut bytes = original.clone();
        mutate(&mut bytes, &mut rng);
        changed += usize::from(bytes != original);
    }
    assert!(
        changed >= 45,
        "only {changed} of 50 mutations changed the bytes"
    );
}
