//! How the pure steps see environment variables: through a lookup the caller provides (the
//! process environment in `main`, a map in tests), never `std::env`. A leaf module, so the loader
//! and the model share it without one importing the other.

/// Reads an environment variable; injectable so tests do not depend on the process environment.
pub trait EnvLookup {
    fn var(&self, name: &str) -> Option<String>;
}

impl EnvLookup for std::collections::HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}
