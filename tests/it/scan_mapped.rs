//! The mapped reader of large files (`store::safe::mapped`): a scan through its windows says
//! exactly what a scan of the same bytes read into the scanner's buffer says (errors at chunk and
//! window boundaries included), and a file truncated while it is scanned fails the scan with "the
//! file changed while it was read" instead of killing the process with SIGBUS.

#![cfg(target_os = "linux")]

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mcp_auth_doctor::json::scan::{self, Seg, Visit, Visitor};
use mcp_auth_doctor::store::safe::mapped::{self, Mapped};

use crate::speed::Recorder;
use crate::synth;

/// One mapped reader at a time in a process: these tests take turns.
static TURN: Mutex<()> = Mutex::new(());

/// The window the reader maps at a time, and the chunk it hands the scanner.
const WINDOW: usize = 4 << 20;
const CHUNK: usize = 64 << 10;

/// The mapped reader of `path`, waiting for one that another test of this binary holds.
fn open_mapped(path: &Path) -> Mapped {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let file = File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        match mapped::open(file, len) {
            Ok(m) => return m,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => panic!("{} was not mapped", path.display()),
        }
    }
}

fn scan_mapped(path: &Path) -> String {
    let mut rec = Recorder::new(2);
    let report = scan::scan_source(open_mapped(path), &mut rec).expect("the file did not change");
    format!("{report:?}\n{}", rec.seen.join("\n"))
}

fn scan_read(doc: &[u8]) -> String {
    let mut rec = Recorder::new(2);
    let report = scan::scan(doc, &mut rec).unwrap();
    format!("{report:?}\n{}", rec.seen.join("\n"))
}

#[test]
fn mapped_and_read_scans_agree_at_every_boundary() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    synth::generate(
        dir.path(),
        &synth::Params {
            claude_json_bytes: (WINDOW + 2 * CHUNK) as u64,
            projects: 40,
            servers: 8,
            entries: 10,
            seed: 21,
            now_ms: synth::DEFAULT_NOW_MS,
            text: synth::Text::Heavy,
        },
    )
    .unwrap();
    let doc = std::fs::read(dir.path().join("home/.claude.json")).unwrap();
    assert!(doc.len() > WINDOW + CHUNK, "{}", doc.len());
    let file = dir.path().join("doc.json");
    let check = |bytes: &[u8], what: &str| {
        std::fs::write(&file, bytes).unwrap();
        let (mapped, read) = (scan_mapped(&file), scan_read(bytes));
        assert!(mapped == read, "{what}: the mapped scan differs");
    };
    check(&doc, "the generated file");
    // Problems right before, at and after the first chunk's end and the first window's end
    // (the second window starts there), and a sequence split by them.
    let nasty: &[&[u8]] = &[b"\x00", b"\\x", b"\\u00", b"\xe2\x82", b"\xff", b"\"", b"}"];
    for boundary in [CHUNK, WINDOW] {
        for delta in [-3i64, -1, 0, 1] {
            for (k, with) in nasty.iter().enumerate() {
                // Not every pairing: each kind lands at a few offsets of each boundary.
                if (k as i64 + delta).rem_euclid(2) == 1 {
                    continue;
                }
                let at = (boundary as i64 + delta) as usize;
                let mut bad = doc.clone();
                bad[at..at + with.len()].copy_from_slice(with);
                check(&bad, &format!("{with:?} at {at}"));
            }
        }
    }
    // Cut in the middle of the second window: truncated.
    check(&doc[..WINDOW + 100], "the file cut after its first window");
    // A duplicate top-level key in the second window, past the first.
    let mut dup = doc.clone();
    let close = dup.iter().rposition(|&b| b == b'}').unwrap();
    dup.splice(
        close..close,
        br#","numStartups":1,"numStartups":2"#.iter().copied(),
    );
    check(&dup, "duplicate keys at the end");
}

/// Truncates the file to `to` bytes when the scan reaches the top-level key `trigger`.
struct TruncateAt<'a> {
    path: &'a Path,
    to: u64,
}

impl Visitor for TruncateAt<'_> {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if matches!(path, [Seg::Key(k)] if k == "trigger") {
            let file = OpenOptions::new().write(true).open(self.path).unwrap();
            file.set_len(self.to).unwrap();
        }
        if path.is_empty() {
            Visit::Descend
        } else {
            Visit::Skip
        }
    }
    fn captured(&mut self, _path: &[Seg], _raw: Vec<u8>) {}
}

#[test]
fn a_file_truncated_during_the_scan_is_an_error_not_a_crash() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".claude.json");
    // The trigger sits at 2 MB, in the first window; the file is 10 MB (three windows).
    let pad = |n: usize| "x".repeat(n);
    let doc = format!(
        r#"{{"a":"{}","trigger":1,"b":"{}"}}"#,
        pad(2 << 20),
        pad(8 << 20)
    );
    let page = 4096;
    for to in [
        3 << 20,                 // later in the same window: whole pages fault
        (3 << 20) + 100,         // inside a page: its tail reads as zeros, no fault
        (WINDOW as u64) + 12345, // in the next window, not yet mapped
        (9 << 20) + page,        // in the last window
        (2 << 20) + 20,          // right after the trigger
        0,
    ] {
        std::fs::write(&path, &doc).unwrap();
        let faults = mapped::faults_handled();
        let mut visitor = TruncateAt { path: &path, to };
        let result = scan::scan_source(open_mapped(&path), &mut visitor);
        let err = result.expect_err(&format!("truncated to {to}: an error"));
        assert_eq!(
            err.to_string(),
            "the file changed while it was read: run again",
            "truncated to {to}"
        );
        if to == 3 << 20 {
            assert!(mapped::faults_handled() > faults, "no fault was handled");
        }
    }
    // And the reader works again after those faults: the untouched file scans clean.
    std::fs::write(&path, &doc).unwrap();
    let mut visitor = TruncateAt {
        path: &path,
        to: doc.len() as u64,
    };
    let report = scan::scan_source(open_mapped(&path), &mut visitor).unwrap();
    assert_eq!(report.error, None);
    assert_eq!(report.len, doc.len() as u64);
}

#[test]
fn small_files_are_not_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.json");
    std::fs::write(&path, vec![b' '; (mapped::MIN_LEN - 1) as usize]).unwrap();
    let file = File::open(&path).unwrap();
    let len = file.metadata().unwrap().len();
    assert!(mapped::open(file, len).is_err());
}

/// The handler serves only its window: a SIGBUS anywhere else (here, a mapping of another
/// truncated file) still kills the process, as it would without the handler. Run in a child
/// process (this test binary again, for this test alone), which must die of SIGBUS.
#[test]
fn a_fault_outside_the_window_still_kills_the_process() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::ExitStatusExt;

    const CHILD: &str = "MAD_SCAN_MAPPED_CHILD";
    let dir = tempfile::tempdir().unwrap();
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "scan_mapped::a_fault_outside_the_window_still_kills_the_process",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .output()
            .unwrap();
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGBUS),
            "{:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
        return;
    }
    // The child: a mapped reader holds a window (so the handler is installed and active)...
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; 2 << 20]).unwrap();
    let reader = open_mapped(&big);
    // ...and a fault in another mapping.
    let other = dir.path().join("other");
    std::fs::write(&other, vec![b'x'; 8192]).unwrap();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&other)
        .unwrap();
    // SAFETY: a fresh read-only mapping of the file's two pages, read below only.
    let at = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            8192,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    assert_ne!(at, libc::MAP_FAILED);
    file.set_len(0).unwrap();
    // SAFETY: the address is mapped; the file behind it is gone, so this read raises SIGBUS,
    // which is what this child is for.
    let byte = unsafe { std::ptr::read_volatile(at.cast::<u8>().add(4096)) };
    drop(reader);
    panic!("read {byte} from a truncated mapping without SIGBUS");
}
