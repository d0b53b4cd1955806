//! A shared list of names (an entry's field names, its scope words) behind one thin pointer.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A list shared by the entries that have the same one ([`super::FieldLists`]). Eight bytes (an
/// `Option` of it too), where an `Arc<[Box<str>]>` is a pointer and a length: an entry holds
/// three, and 24 bytes per entry were ~0.5% of a 50,000-entry `fix`'s peak, whose budget is
/// twice the file (issue 15). The extra indirection is paid once per distinct list read.
#[derive(Clone, PartialEq, Eq)]
pub struct List(Arc<Box<[Box<str>]>>);

impl List {
    /// Whether `a` and `b` are the same shared list (not only equal).
    pub fn ptr_eq(a: &List, b: &List) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Deref for List {
    type Target = [Box<str>];
    fn deref(&self) -> &[Box<str>] {
        &self.0
    }
}

impl FromIterator<Box<str>> for List {
    fn from_iter<I: IntoIterator<Item = Box<str>>>(items: I) -> Self {
        List(Arc::new(items.into_iter().collect()))
    }
}

/// As the slice.
impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_one_pointer_and_reads_as_its_slice() {
        assert_eq!(std::mem::size_of::<Option<List>>(), 8);
        let a: List = ["x".into(), "é".into()].into_iter().collect();
        let b = a.clone();
        let c: List = ["x".into(), "é".into()].into_iter().collect();
        assert!(List::ptr_eq(&a, &b) && !List::ptr_eq(&a, &c));
        assert_eq!(a, c);
        assert_eq!(&*a, &["x".into(), "é".into()] as &[Box<str>]);
        assert_eq!(format!("{a:?}"), r#"["x", "é"]"#);
    }
}
