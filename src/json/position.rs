//! Turns byte offsets into the line and column a person looks for in an editor.
//!
//! The scanner only counts bytes (cheap in its hot loop); positions are resolved afterwards, in one
//! extra pass, and only when there is something to report.

use std::io::{self, Read};

/// A 1-based line and column. The column counts characters (UTF-8 sequences), not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    pub line: u64,
    pub column: u64,
}

/// Resolves each offset in `offsets` (any order) to its line and column.
pub fn resolve<R: Read>(mut reader: R, offsets: &[u64]) -> io::Result<Vec<LineCol>> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut out = vec![LineCol { line: 1, column: 1 }; offsets.len()];
    let mut next = 0;
    let (mut line, mut column, mut offset) = (1u64, 1u64, 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    'read: loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for &b in &buf[..n] {
            while next < order.len() && offsets[order[next]] == offset {
                out[order[next]] = LineCol { line, column };
                next += 1;
            }
            if next == order.len() {
                break 'read;
            }
            if b == b'\n' {
                line += 1;
                column = 1;
            } else if b & 0xC0 != 0x80 {
                column += 1;
            }
            offset += 1;
        }
    }
    // Offsets at (or past) the end of the input.
    for &i in &order[next..] {
        out[i] = LineCol { line, column };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_characters() {
        let text = "{\n  \"é\": x\n}".as_bytes();
        let got = resolve(text, &[0, 2, 9, 10, 100]).unwrap();
        let pairs: Vec<_> = got.iter().map(|p| (p.line, p.column)).collect();
        // Offset 10 is the 'x': the 'é' is two bytes but one column.
        assert_eq!(pairs, vec![(1, 1), (2, 1), (2, 7), (2, 8), (3, 2)]);
    }
}
