//! JSON reading that never loses a detail: where a file is broken, which keys repeat, and only the
//! parts of a large file that the diagnosis needs.

mod input;
mod keys;
pub mod position;
pub mod scan;
pub mod skim;
pub mod source;

pub use position::LineCol;
pub use scan::{Seg, SyntaxError, SyntaxErrorKind, Visit, Visitor};
pub use source::Source;

/// Formats a path as a JSON Pointer (RFC 6901), e.g. `/mcpOAuth/linear|638130d5ab3558f4`.
pub fn pointer<'a>(segs: impl IntoIterator<Item = &'a Seg>) -> String {
    let mut out = String::new();
    for seg in segs {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// JSON Pointer of a member of a top-level object's member: `/<section>/<key>`.
pub fn pointer2(section: &str, key: &str) -> String {
    pointer(&[Seg::Key(section.to_string()), Seg::Key(key.to_string())])
}
