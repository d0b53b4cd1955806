//! Where the scanner's bytes come from: a chunk at a time, from a reader into a buffer of ours, or
//! from wherever a [`Source`] keeps them (a window of a mapped file, `store::safe::mapped`), so
//! the bytes need not be copied once more.

use std::io::{self, Read};

/// Bytes for the scanner, one chunk at a time. The scanner reads the current chunk from index 0;
/// [`Source::fill`] may add bytes after those filled, [`Source::clear`] starts an empty chunk.
pub trait Source {
    /// The current chunk's bytes, as far as filled.
    fn filled(&self) -> &[u8];

    /// Adds bytes after the filled ones; returns how many (0: the input has ended). The scanner
    /// calls it on a non-empty chunk only at the start of the input, while the chunk holds fewer
    /// than the 3 bytes of a byte order mark.
    fn fill(&mut self) -> io::Result<usize>;

    /// Ends the current chunk: the scanner is done with its bytes.
    fn clear(&mut self);

    /// Called once the scan has ended (at the end of the input, or early, on a syntax error):
    /// the last chance to say that the bytes scanned were not the file's (it changed under us).
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The ordinary source: a reader, read into a fixed buffer.
pub(super) struct Reader<R> {
    reader: R,
    buf: Box<[u8]>,
    end: usize,
}

impl<R> Reader<R> {
    /// A buffer of `capacity` bytes (at least 1).
    pub(super) fn new(reader: R, capacity: usize) -> Self {
        Self {
            reader,
            buf: vec![0; capacity.max(1)].into_boxed_slice(),
            end: 0,
        }
    }
}

impl<R: Read> Source for Reader<R> {
    #[inline]
    fn filled(&self) -> &[u8] {
        &self.buf[..self.end]
    }

    fn fill(&mut self) -> io::Result<usize> {
        let n = loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.end += n;
        Ok(n)
    }

    #[inline]
    fn clear(&mut self) {
        self.end = 0;
    }
}
