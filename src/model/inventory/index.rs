//! The inventory's lookups, built once: servers by name and by key, entries by key and by name.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::model::entry::Entry;
use crate::model::server::ConfiguredServer;

/// Positions in [`super::Inventory::servers`] of the servers of each live key, in configuration order.
/// Built once with the inventory: nine checks and `stale-registration`'s move search (once per
/// server it is asked about) looked keys up, and each rebuilt the map from every server (181
/// builds, 11% of `check`'s instructions on a 5,000-project home, issue 15). Hashed by foldhash
/// (already in the tree through hashbrown), not SipHash: the keys come from the user's own
/// files, so a crafted collision could only slow this user's own run; foldhash's per-process
/// seed still spreads them.
type KeyIndex = HashMap<Box<str>, Vec<u32>, foldhash::fast::RandomState>;

/// Every key some scope's config hashes to, with the servers that produce it: a view of the
/// inventory's index, free to make.
#[derive(Clone, Copy)]
pub struct LiveKeys<'a> {
    pub(super) servers: &'a [ConfiguredServer],
    pub(super) by_key: &'a KeyIndex,
}

impl<'a> LiveKeys<'a> {
    /// Whether some configured server hashes to `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// The servers that hash to `key`, when any do.
    pub fn get(&self, key: &str) -> Option<KeyServers<'a>> {
        self.by_key.get(key).map(|at| KeyServers {
            servers: self.servers,
            at,
        })
    }

    /// The live keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.by_key.keys().map(|k| &**k)
    }
}

/// The servers that produce one live key (never none), in configuration order.
#[derive(Clone, Copy)]
pub struct KeyServers<'a> {
    servers: &'a [ConfiguredServer],
    at: &'a [u32],
}

impl<'a> KeyServers<'a> {
    pub fn iter(&self) -> impl Iterator<Item = &'a ConfiguredServer> + 'a {
        let servers = self.servers;
        self.at.iter().map(move |&i| &servers[i as usize])
    }

    /// The first of them in configuration order.
    pub fn first(&self) -> &'a ConfiguredServer {
        &self.servers[self.at[0] as usize]
    }
}

/// Positions in [`super::Inventory::servers`] by name and in [`super::Inventory::entries`] by key.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// Hashed by foldhash, as [`KeyIndex`]: asked for each entry by several checks (SipHash
    /// was ~1% of `check`'s instructions at 1,000 entries, issue 15).
    pub(super) servers_by_name: HashMap<String, Vec<usize>, foldhash::fast::RandomState>,
    /// [`LiveKeys`]' map.
    pub(super) servers_by_key: KeyIndex,
    /// The entries by key: each entry's [`Hashed`] key, sorted (so the first of a key given
    /// twice comes first among its hash's). Eight bytes per entry where a map held a copy of
    /// each key.
    entries_by_key: Vec<Hashed>,
    /// The entries by server name, the same way, made when first asked: only the move search
    /// asks, once per server it is asked about.
    entries_by_name: OnceLock<Vec<Hashed>>,
}

/// A text's hash (32 bits of foldhash's) and the position of the entry it belongs to: sorted,
/// the positions of one text are together and in order, with those of the few other texts
/// whose hash is the same, which a lookup tells apart by comparing the text. Sorting and
/// searching by keys themselves compared strings that share their first bytes (a server's
/// name): a lookup by key was ~1,100 instructions (issue 15: 0.9 M of `check` at 1,000
/// entries, and sorting the names for the move search 0.85 M).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hashed {
    hash: u32,
    at: u32,
}

/// [`Hashed::hash`]: the same in every run (nothing shown depends on it; only the speed of a
/// lookup would, for texts crafted to collide, and those are the user's own).
fn hash32(text: &str) -> u32 {
    use std::hash::BuildHasher;
    (foldhash::fast::FixedState::default().hash_one(text) >> 32) as u32
}

/// The entries' texts (`text_of` each), hashed and sorted.
fn hashed(entries: &[Entry], text_of: impl Fn(&Entry) -> &str) -> Vec<Hashed> {
    let mut out: Vec<Hashed> = entries
        .iter()
        .zip(0u32..)
        .map(|(e, at)| Hashed {
            hash: hash32(text_of(e)),
            at,
        })
        .collect();
    out.sort_unstable();
    out
}

/// The positions, in order, of the entries in `sorted` (by [`hashed`]) whose text is `text`.
fn positions<'a, 't, F: Fn(&Entry) -> &str>(
    sorted: &'a [Hashed],
    entries: &'a [Entry],
    text_of: F,
    text: &'t str,
) -> impl Iterator<Item = u32> + use<'a, 't, F> {
    let hash = hash32(text);
    let start = sorted.partition_point(|h| h.hash < hash);
    sorted[start..]
        .iter()
        .take_while(move |h| h.hash == hash)
        .filter(move |h| text_of(&entries[h.at as usize]) == text)
        .map(|h| h.at)
}

impl Index {
    pub(super) fn build(servers: &[ConfiguredServer], entries: &[Entry]) -> Self {
        let mut servers_by_name: HashMap<String, Vec<usize>, _> = HashMap::default();
        let mut servers_by_key = KeyIndex::default();
        for (i, s) in servers.iter().enumerate() {
            // Looked up before inserting: most names and keys come again (a server configured
            // in many projects), and `entry` would copy the name or key each time.
            match servers_by_name.get_mut(&s.name) {
                Some(at) => at.push(i),
                None => {
                    servers_by_name.insert(s.name.clone(), vec![i]);
                }
            }
            if let Some(key) = s.key.as_deref() {
                match servers_by_key.get_mut(key) {
                    Some(at) => at.push(i as u32),
                    None => {
                        servers_by_key.insert(key.into(), vec![i as u32]);
                    }
                }
            }
        }
        Self {
            servers_by_name,
            servers_by_key,
            entries_by_key: hashed(entries, Entry::key),
            entries_by_name: OnceLock::new(),
        }
    }

    /// Forgets the entries' positions ([`super::Inventory::drop_entries`]).
    pub(super) fn drop_entries(&mut self) {
        self.entries_by_key = Vec::new();
        self.entries_by_name = OnceLock::new();
    }

    /// The positions of the entries whose server name is `name`, in order.
    pub(super) fn entries_named<'a, 'n>(
        &'a self,
        entries: &'a [Entry],
        name: &'n str,
    ) -> impl Iterator<Item = u32> + use<'a, 'n> {
        let by_name = self
            .entries_by_name
            .get_or_init(|| hashed(entries, Entry::name));
        positions(by_name, entries, Entry::name, name)
    }

    /// The position of the first entry under `key`, as the linear search found it.
    pub(super) fn entry(&self, entries: &[Entry], key: &str) -> Option<usize> {
        positions(&self.entries_by_key, entries, Entry::key, key)
            .next()
            .map(|at| at as usize)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use crate::load::Snapshot;

    #[test]
    fn an_entry_is_found_by_key_as_a_linear_search_finds_it() {
        let mut entries = Map::new();
        for key in ["b|2", "a|1", "a|10", "a", "", "é|1", "a|1x", "Z|0"] {
            entries.insert(key.to_string(), json!({"serverName": key}));
        }
        let inv = Snapshot::for_test()
            .with_credentials(json!({ "mcpOAuth": Value::Object(entries) }))
            .inventory();
        assert_eq!(inv.entries.len(), 8);
        for key in [
            "b|2", "a|1", "a|10", "a", "", "é|1", "a|1x", "Z|0", "a|", "c", "a|2",
        ] {
            let linear = inv.entries.iter().find(|e| e.key() == key).map(|e| e.key());
            assert_eq!(inv.entry(key).map(|e| e.key()), linear, "{key}");
        }
    }

    /// Keys and names whose 32-bit hashes collide (found by search under foldhash's fixed
    /// state): the index must still tell them apart. If a foldhash upgrade moves the hashes, the
    /// first assertions fail and new pairs must be found.
    /// The reference the index is held to: the keys of `name`'s entries, in file order.
    fn keys_named_by_a_linear_filter<'a>(
        inv: &'a crate::model::inventory::Inventory,
        name: &str,
    ) -> Vec<&'a str> {
        inv.entries
            .iter()
            .filter(|e| e.name() == name)
            .map(|e| e.key())
            .collect()
    }

    #[test]
    fn texts_whose_hashes_collide_are_told_apart() {
        use super::hash32;
        let (k1, k2) = ("srv|0000000000023e8b", "srv|0000000000028265");
        let (n1, n2) = ("s1490", "s38284");
        assert_eq!(hash32(k1), hash32(k2), "the key pair no longer collides");
        assert_eq!(hash32(n1), hash32(n2), "the name pair no longer collides");
        let mut entries = Map::new();
        for key in [
            k2,
            "s38284|0000000000000001",
            k1,
            "s1490|0000000000000001",
            "s38284|0000000000000002",
            "s1490|0000000000000002",
        ] {
            entries.insert(key.to_string(), json!({"serverName": "x"}));
        }
        let inv = Snapshot::for_test()
            .with_credentials(json!({ "mcpOAuth": Value::Object(entries) }))
            .inventory();
        for key in [k1, k2] {
            assert_eq!(inv.entry(key).map(|e| e.key()), Some(key));
        }
        for name in [n1, n2] {
            let linear = keys_named_by_a_linear_filter(&inv, name);
            assert_eq!(linear.len(), 2);
            let indexed: Vec<&str> = inv.entries_named(name).map(|e| e.key()).collect();
            assert_eq!(indexed, linear, "{name:?}");
        }
    }

    #[test]
    fn the_entries_of_a_name_are_those_a_linear_filter_finds_in_order() {
        let mut entries = Map::new();
        // Names given twice and out of order, a name that is a prefix of another, an empty one.
        // (The name is the key's part before its 16-hex hash; a key without one is its own name.)
        for key in [
            "b|0000000000000001",
            "a|0000000000000001",
            "ab|0000000000000001",
            "a|0000000000000002",
            "|0000000000000001",
            "b|0000000000000002",
            "a",
            "a|0000000000000003",
        ] {
            entries.insert(key.to_string(), json!({"serverName": "x"}));
        }
        let inv = Snapshot::for_test()
            .with_credentials(json!({ "mcpOAuth": Value::Object(entries) }))
            .inventory();
        for name in ["a", "b", "ab", "", "c", "a|0000000000000001", "x"] {
            let linear = keys_named_by_a_linear_filter(&inv, name);
            let indexed: Vec<&str> = inv.entries_named(name).map(|e| e.key()).collect();
            assert_eq!(indexed, linear, "{name:?}");
        }
        assert_eq!(inv.entries_named("a").count(), 4);
        assert_eq!(inv.entries_named("").count(), 1);
    }

    #[test]
    fn live_keys_hold_every_configured_key_with_its_servers_in_order() {
        let http = |url: &str| json!({"type": "http", "url": url});
        let inv = Snapshot::for_test()
            .with_global_config(json!({
                "mcpServers": {"linear": http("https://mcp.linear.app/mcp"), "local": {"command": "x"}},
                "projects": {
                    "/p/one": {"mcpServers": {"linear": http("https://mcp.linear.app/mcp")}},
                    "/p/two": {"mcpServers": {"linear": http("https://mcp.linear.app/mcp/"),
                                              "notion": http("https://mcp.notion.com/mcp")}}
                }
            }))
            .inventory();
        let live = inv.live_keys();
        let mut keyed = 0;
        for s in &inv.servers {
            let Some(key) = s.key.as_deref() else {
                continue;
            };
            keyed += 1;
            let linear: Vec<*const _> = inv
                .servers
                .iter()
                .filter(|o| o.key.as_deref() == Some(key))
                .map(|o| o as *const _)
                .collect();
            let servers = live.get(key).expect("a configured key is live");
            let indexed: Vec<*const _> = servers.iter().map(|o| o as *const _).collect();
            assert_eq!(indexed, linear, "{key}");
            assert!(std::ptr::eq(servers.first(), linear[0]));
            assert!(live.contains_key(key));
        }
        assert_eq!(keyed, 4, "the stdio server has no key");
        assert_eq!(live.keys().count(), 3);
        assert!(!live.contains_key("linear|0000000000000000") && live.get("linear").is_none());
    }
}
