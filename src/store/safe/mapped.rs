//! A large state file read through windows of memory mapped from it, for the scanner
//! ([`crate::json::Source`]): no `read()` copy into a buffer of ours. On the 200 MB
//! `~/.claude.json` that copy was the largest single cost of `check` after the scan itself (15%
//! by perf); mapping 4 MB windows costs a third of it (measured in the commit).
//!
//! The catch: a page of a mapping whose file was truncated under us (the user can truncate their
//! own `~/.claude.json` while root scans it) raises SIGBUS when touched, which kills the process.
//! So the reader maps only while a SIGBUS handler of ours is installed. For a fault inside the
//! current window the handler maps a zero page over the faulting page, notes the fault and
//! returns: the scan reads zeros there (never valid JSON). For any other address it puts back the
//! handler that was there before ours and returns, so the access faults again and a real bug
//! still crashes. Before the scanner's bytes of a window are trusted (when the next window is
//! mapped, and when the scan ends) the reader looks at that note and at the file's size, and fails
//! the scan with "the file changed while it was read" instead of reporting zeros.
//!
//! What stays as with `read()`: bytes another process writes while we scan can be seen torn
//! (there, by a read that races the write; here, by the page that changes under us). The scanner
//! indexes with bounds checks and never trusts earlier validation of bytes it looks at again
//! (captured values are parsed by serde, key text checked again), so torn bytes give a wrong
//! answer about a file that was being rewritten, never unsafety.
//!
//! Only one reader maps at a time in the process (the handler knows one window); another reader
//! at the same time, a file shorter than [`MIN_LEN`], a handler that cannot be installed, a map
//! that fails, and every system but Linux get the ordinary `read()` path.

use std::fs::File;

/// Files shorter than this are read with `read()`: a small file does not win back the system
/// calls of mapping (the handler's, `mmap` and `munmap` per window).
pub const MIN_LEN: u64 = 1 << 20;

/// Whether a file may be mapped: only the user running us can write it (they own it, and
/// neither its group nor others may write it). Root reading another user's home, or a file
/// others can write, gets `read()`: a mapping shares the bytes a writer changes, a read copies
/// them (see the SAFETY note of `filled`).
pub fn only_we_can_write(meta: &std::fs::Metadata, euid: Option<u32>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        euid == Some(meta.uid()) && meta.mode() & 0o022 == 0
    }
    #[cfg(not(unix))]
    {
        let _ = (meta, euid);
        false
    }
}

/// The mapped reader, or the file back when it is to be read with `read()`.
pub fn open(file: File, len: u64) -> Result<imp::Mapped, File> {
    imp::Mapped::open(file, len)
}

#[cfg(target_os = "linux")]
pub use imp::{Mapped, faults_handled};

#[cfg(target_os = "linux")]
mod imp {
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;
    use std::ptr;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

    use super::MIN_LEN;
    use crate::json::Source;

    /// How much of the file is mapped at once. Mapped file pages count in RSS: 4 MB keeps the
    /// peak at a fiftieth of the 200 MB file, and larger windows measured no faster.
    const WINDOW: usize = 4 << 20;

    /// How much of the window the scanner gets at a time: as much as its own buffer holds, so the
    /// UTF-8 check of a chunk and its scan find the bytes in cache.
    const CHUNK: usize = 64 << 10;

    /// A reader maps: the handler serves its window only.
    static IN_USE: AtomicBool = AtomicBool::new(false);
    /// The current window's addresses (0..0: none).
    static WINDOW_START: AtomicUsize = AtomicUsize::new(0);
    static WINDOW_END: AtomicUsize = AtomicUsize::new(0);
    /// A page of the current window faulted and reads as zeros.
    static FAULTED: AtomicBool = AtomicBool::new(false);
    static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
    /// Faults the handler has served in this process.
    static FAULTS: AtomicUsize = AtomicUsize::new(0);
    /// The SIGBUS action before ours, once ours is installed (`None`: installing failed).
    static PREVIOUS: OnceLock<Option<libc::sigaction>> = OnceLock::new();

    /// A file read by mapped windows, handed to the scanner a chunk at a time.
    pub struct Mapped {
        file: File,
        /// The file's size when opened: the bytes the scan reads.
        len: u64,
        /// File offset of the next window to map.
        next: u64,
        window: Window,
        /// Dropped after the window: the handler's window is free for another reader.
        _claim: Claim,
    }

    /// The current window, `at..at + len` (null: none), and in it the current chunk `lo..hi`.
    struct Window {
        at: *mut u8,
        len: usize,
        lo: usize,
        hi: usize,
    }

    const NO_WINDOW: Window = Window {
        at: ptr::null_mut(),
        len: 0,
        lo: 0,
        hi: 0,
    };

    /// This reader's hold on the handler's window.
    struct Claim;

    impl Drop for Claim {
        fn drop(&mut self) {
            FAULTED.store(false, SeqCst);
            IN_USE.store(false, SeqCst);
        }
    }

    impl Mapped {
        pub(super) fn open(file: File, len: u64) -> Result<Self, File> {
            if len < MIN_LEN || !handler_installed() || IN_USE.swap(true, SeqCst) {
                return Err(file);
            }
            let mut mapped = Self {
                file,
                len,
                next: 0,
                window: NO_WINDOW,
                _claim: Claim,
            };
            // The first window now, so that a file that cannot be mapped is read instead.
            match mapped.map_next() {
                Ok(true) => Ok(mapped),
                _ => Err(mapped.file),
            }
        }

        /// Unmaps the current window and maps the next; false at the end of the file.
        fn map_next(&mut self) -> io::Result<bool> {
            self.check_window()?;
            if self.next >= self.len {
                return Ok(false);
            }
            let len = (self.len - self.next).min(WINDOW as u64) as usize;
            let offset = libc::off_t::try_from(self.next)
                .map_err(|_| io::Error::other("file offset out of range"))?;
            // SAFETY: a new read-only private mapping of `len` bytes of our open file at a
            // page-aligned offset (a multiple of WINDOW); the kernel picks the address, so no
            // existing mapping is touched. Its pages are read only through `filled`.
            let at = unsafe {
                libc::mmap(
                    ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_POPULATE,
                    self.file.as_raw_fd(),
                    offset,
                )
            };
            if at == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            WINDOW_START.store(at as usize, SeqCst);
            WINDOW_END.store(at as usize + len, SeqCst);
            self.window = Window {
                at: at.cast(),
                len,
                lo: 0,
                hi: 0,
            };
            self.next += len as u64;
            Ok(true)
        }

        /// Unmaps the current window; an error if a page of it faulted (the file shrank).
        fn check_window(&mut self) -> io::Result<()> {
            self.window = NO_WINDOW;
            if FAULTED.swap(false, SeqCst) {
                return Err(changed());
            }
            Ok(())
        }
    }

    impl Drop for Window {
        fn drop(&mut self) {
            if self.at.is_null() {
                return;
            }
            WINDOW_START.store(0, SeqCst);
            WINDOW_END.store(0, SeqCst);
            // SAFETY: `at..at + len` is the mapping `map_next` made (or zero pages the handler
            // put over parts of it), no longer referred to: `filled` borrows the reader, and a
            // window is dropped only through `&mut` or by value.
            unsafe { libc::munmap(self.at.cast(), self.len) };
        }
    }

    impl Source for Mapped {
        #[inline]
        fn filled(&self) -> &[u8] {
            let w = &self.window;
            if w.at.is_null() {
                return &[];
            }
            // SAFETY: `at` is a live mapping of `len` readable bytes (pages the file no longer
            // has read as the handler's zero pages), and lo <= hi <= len. It stays mapped while
            // this borrow of `self` lives (only `&mut self` replaces the window). One hazard is
            // accepted, as ripgrep and memmap2's users accept it: a process that writes the
            // file in place changes bytes under this shared borrow. Only a file that no one but
            // the user running us can write is mapped (`only_we_can_write`), so that writer is
            // that user's own Claude Code, which replaces the file by rename instead (its
            // mapped inode then stays as it was); and nothing here trusts an earlier look at
            // bytes it reads again (no unchecked UTF-8, every index bounds-checked).
            unsafe { std::slice::from_raw_parts(w.at.add(w.lo), w.hi - w.lo) }
        }

        fn fill(&mut self) -> io::Result<usize> {
            if self.window.hi == self.window.len {
                // A non-empty chunk at a window's end is asked for more only at the start of a
                // file shorter than a chunk (see `Source::fill`), which is not mapped. Should
                // that change, an error: `Ok(0)` would end the scan on a prefix of the file.
                if self.window.lo < self.window.hi {
                    debug_assert!(false, "fill() on a full chunk at a window's end");
                    return Err(io::Error::other(
                        "mapped read: more bytes asked for a full chunk",
                    ));
                }
                if !self.map_next()? {
                    return Ok(0);
                }
            }
            let w = &mut self.window;
            let add = (w.len - w.hi).min(CHUNK);
            w.hi += add;
            Ok(add)
        }

        #[inline]
        fn clear(&mut self) {
            self.window.lo = self.window.hi;
        }

        fn finish(&mut self) -> io::Result<()> {
            self.check_window()?;
            // A truncation inside the last page reads as zeros without a fault; one that grew
            // the file again, or any growth, leaves bytes unread: either way not the file's
            // bytes as they are.
            if self.file.metadata()?.len() != self.len {
                return Err(changed());
            }
            Ok(())
        }
    }

    /// How many faults of a truncated file the SIGBUS handler has served in this process (for
    /// the tests: proof that a truncation was met by the handler, not by luck).
    pub fn faults_handled() -> usize {
        FAULTS.load(SeqCst)
    }

    fn changed() -> io::Error {
        io::Error::other("the file changed while it was read: run again")
    }

    /// Installs the SIGBUS handler once per process; false if it cannot be.
    fn handler_installed() -> bool {
        PREVIOUS
            .get_or_init(|| {
                // SAFETY: sysconf has no preconditions.
                let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
                let page = usize::try_from(page).ok().filter(|p| p.is_power_of_two())?;
                PAGE_SIZE.store(page, SeqCst);
                // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value to fill in;
                // `on_sigbus` has the signature SA_SIGINFO handlers have, and only makes system
                // calls: sigaction (async-signal-safe by POSIX) and mmap (not on POSIX's list,
                // but on Linux a plain system call that takes no lock of the C library's).
                unsafe {
                    let mut ours: libc::sigaction = std::mem::zeroed();
                    ours.sa_sigaction = on_sigbus as extern "C" fn(_, _, _) as usize;
                    ours.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                    libc::sigemptyset(&mut ours.sa_mask);
                    let mut previous: libc::sigaction = std::mem::zeroed();
                    (libc::sigaction(libc::SIGBUS, &ours, &mut previous) == 0).then_some(previous)
                }
            })
            .is_some()
    }

    extern "C" fn on_sigbus(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        _context: *mut libc::c_void,
    ) {
        // SAFETY: the kernel hands a SA_SIGINFO handler a valid siginfo_t; for SIGBUS si_addr
        // is the faulting address.
        let addr = unsafe { (*info).si_addr() } as usize;
        let (start, end) = (WINDOW_START.load(SeqCst), WINDOW_END.load(SeqCst));
        let page = PAGE_SIZE.load(SeqCst);
        if start <= addr && addr < end && page != 0 {
            let at = addr & !(page - 1);
            // SAFETY: `at..at + page` lies in our current window (start is page aligned, and the
            // window's last page is wholly ours: mmap rounds the length up), which only the scan
            // reads; a private anonymous page of zeros replaces it, and the reader checks
            // FAULTED before it trusts any byte of this window.
            let zero = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if zero != libc::MAP_FAILED {
                FAULTED.store(true, SeqCst);
                FAULTS.fetch_add(1, SeqCst);
                return;
            }
        }
        // Not a page of our window: put back the action before ours; returning runs the access
        // again, which faults again and gets that action (a crash, as without us). Ours is then
        // gone for good while PREVIOUS still says it is installed: harmless, since that fault
        // ends the process.
        match PREVIOUS.get() {
            // SAFETY: `previous` is the action sigaction gave us when ours was installed.
            Some(Some(previous)) => unsafe {
                libc::sigaction(signal, previous, ptr::null_mut());
            },
            // SAFETY: SIG_DFL is always a valid action.
            _ => unsafe {
                libc::signal(signal, libc::SIG_DFL);
            },
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::fs::File;

    /// Mapping is used on Linux only: elsewhere every file is read with `read()`.
    pub enum Mapped {}

    impl Mapped {
        pub(super) fn open(file: File, _len: u64) -> Result<Self, File> {
            Err(file)
        }
    }

    impl crate::json::Source for Mapped {
        fn filled(&self) -> &[u8] {
            match *self {}
        }
        fn fill(&mut self) -> std::io::Result<usize> {
            match *self {}
        }
        fn clear(&mut self) {
            match *self {}
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    use super::only_we_can_write;

    /// Mapped only when the user running us owns the file and no one else may write it.
    #[test]
    fn only_a_file_no_one_else_can_write_is_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"{}").unwrap();
        let meta = |mode| {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            std::fs::metadata(&path).unwrap()
        };
        let owner = Some(meta(0o600).uid());
        assert!(only_we_can_write(&meta(0o600), owner));
        assert!(only_we_can_write(&meta(0o644), owner));
        assert!(!only_we_can_write(&meta(0o664), owner));
        assert!(!only_we_can_write(&meta(0o646), owner));
        let someone_else = owner.map(|u| u.wrapping_add(1));
        assert!(!only_we_can_write(&meta(0o600), someone_else));
        assert!(!only_we_can_write(&meta(0o600), None));
    }
}
