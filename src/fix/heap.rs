//! The allocator's threshold for mapping a block of its own, held at its default for `fix`.
//!
//! glibc's malloc serves a request of 128 KiB or more with its own `mmap`, given back to the
//! system when freed, and smaller ones from the heap, which keeps what is freed for reuse. But
//! each time a mapped block is freed it raises that threshold to the block's size (up to 32
//! MiB): after `fix` frees its first large buffers, the next ones (the entries, the plan's
//! steps growing, the text read again under the lock) land in the heap, and the space they
//! leave when freed or moved stays resident. At 50,000 entries that was ~3.4 MiB of the peak
//! RSS, whose budget is twice the credentials file (issue 15; measured with
//! `MALLOC_MMAP_THRESHOLD_`, which sets the same: 57.8 -> 54.4 MiB, 16.4 -> 15.6 MiB at 10,000;
//! 64 KiB and 256 KiB did no better, 1 MiB as badly as the moving threshold).
//!
//! Only the allocator's choice of where a block lives changes: never what is allocated, so
//! never an output. Elsewhere (other C libraries, other systems) there is nothing to set.

/// The threshold held: glibc's own default.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Holds the threshold at [`MMAP_THRESHOLD`] for the rest of the process; whether glibc took it.
/// Call it before any thread starts (`main`, for the commands that rewrite a file).
pub fn keep_large_blocks_mapped() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets a malloc parameter from two integers. glibc's manual
        // marks it MT-Unsafe (other threads read the parameter without a lock), so it is
        // called from `main` before any thread starts.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

#[cfg(test)]
mod tests {
    /// glibc accepts the value (a threshold it refused would leave the moving one in place).
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_threshold() {
        assert!(super::keep_large_blocks_mapped());
    }
}
