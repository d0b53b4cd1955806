//! Measures the JSON scan of a `~/.claude.json` alone: no diagnosis, no report, no process start.
//!
//! ```text
//! cargo run --release --example scan_only -- FILE [--runs N] [--strategy auto|sse2|scalar|careful]
//!     [--visitor collect|validate] [--from memory|file]
//! ```
//!
//! `collect` asks the scanner what `store::global_config` asks it (capture `mcpServers`, descend
//! into `projects` and each project, capture its MCP fields, skip the history); `validate`
//! descends everywhere. `--from memory` reads the file once and scans the bytes in memory (the
//! scanner's own cost); `--from file` opens and streams the file on every run, as `check` does
//! (the kernel's copy included). Prints the CPU time of each run (the thread's time on a CPU from
//! `/proc/thread-self/schedstat`, in nanoseconds: other processes on a loaded machine do not count;
//! wall time where that file is missing), then the minimum and the median and the file's size over
//! them. A checksum of what was found (duplicates,
//! members, captured bytes, error) is printed so a faster build can be seen to find the same.

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use mcp_auth_doctor::json::scan::{self, Seg, Visit, Visitor};
use mcp_auth_doctor::json::skim::{self, Strategy};
use mcp_auth_doctor::store::global_config;

/// The decisions of `store::global_config::Collect`, with a running checksum of what it is given.
struct Collect {
    descend_all: bool,
    captured: u64,
    sum: u64,
}

impl Visitor for Collect {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if self.descend_all {
            return Visit::Descend;
        }
        global_config::wanted(path)
    }

    fn captured(&mut self, _path: &[Seg], raw: Vec<u8>) {
        self.captured += raw.len() as u64;
        for chunk in raw.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.sum = (self.sum.rotate_left(7) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
}

/// A point in this thread's CPU time, or in wall time where the kernel does not say.
enum Clock {
    CpuNanos(u64),
    Wall(Instant),
}

fn cpu_now() -> Clock {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or_else(|| Clock::Wall(Instant::now()), Clock::CpuNanos)
}

impl Clock {
    /// Milliseconds from `earlier` to `self`.
    fn since(&self, earlier: &Clock) -> f64 {
        match (earlier, self) {
            (Clock::CpuNanos(a), Clock::CpuNanos(b)) => (b - a) as f64 / 1e6,
            (Clock::Wall(a), _) => a.elapsed().as_secs_f64() * 1000.0,
            (_, Clock::Wall(b)) => b.elapsed().as_secs_f64() * 1000.0,
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: scan_only FILE [--runs N] [--strategy auto|sse2|scalar|careful] \
         [--visitor collect|validate] [--from memory|file]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        return usage();
    };
    let (mut runs, mut strategy, mut descend_all, mut from_file) =
        (5usize, Strategy::Auto, false, false);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            return usage();
        };
        match (flag.as_str(), value.as_str()) {
            ("--runs", n) => match n.parse() {
                Ok(n) if n > 0 => runs = n,
                _ => return usage(),
            },
            ("--strategy", "auto") => strategy = Strategy::Auto,
            ("--strategy", "sse2") => strategy = Strategy::Sse2,
            ("--strategy", "scalar") => strategy = Strategy::Scalar,
            ("--strategy", "careful") => strategy = Strategy::Careful,
            ("--visitor", "collect") => descend_all = false,
            ("--visitor", "validate") => descend_all = true,
            ("--from", "memory") => from_file = false,
            ("--from", "file") => from_file = true,
            _ => return usage(),
        }
    }
    skim::set_strategy(strategy);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut times = Vec::with_capacity(runs);
    let mut last = String::new();
    for _ in 0..runs {
        let mut v = Collect {
            descend_all,
            captured: 0,
            sum: 0,
        };
        let start = cpu_now();
        let report = if from_file {
            let file = std::fs::File::open(&path).expect("opened once already");
            scan::scan(file.take(u64::MAX), &mut v)
        } else {
            scan::scan(&bytes[..], &mut v)
        }
        .expect("reading cannot fail here");
        times.push(cpu_now().since(&start));
        let members: u64 = report.top_level.iter().map(|m| m.bytes).sum();
        last = format!(
            "error {:?}, {} duplicates, {} top-level members ({members} bytes), {} bytes captured, \
             checksum {:016x}",
            report.error.map(|e| (e.kind.code(), e.offset)),
            report.duplicates.len(),
            report.top_level.len(),
            v.captured,
            v.sum
        );
    }
    for t in &times {
        println!("{t:.2} ms");
    }
    times.sort_by(f64::total_cmp);
    let mb = bytes.len() as f64 / 1e6;
    let (min, median) = (times[0], times[times.len() / 2]);
    println!(
        "{mb:.1} MB, {runs} runs: min {min:.2} ms ({:.0} MB/s), median {median:.2} ms ({:.0} MB/s)",
        mb / min * 1000.0,
        mb / median * 1000.0
    );
    println!("{last}");
    ExitCode::SUCCESS
}
