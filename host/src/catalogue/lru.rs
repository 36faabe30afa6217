//! A small least-recently-used cache behind a lock, for the catalogue's loaded releases
//! and prepared pools: a handful of entries, so a scan beats a map.

use std::sync::{Mutex, MutexGuard};

/// Keeps at most `capacity` values; the least recently used goes first.
#[derive(Debug)]
pub(super) struct Lru<K, V> {
    capacity: usize,
    /// Least recently used first.
    entries: Mutex<Vec<(K, V)>>,
}

impl<K: PartialEq, V: Clone> Lru<K, V> {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(Vec::new()),
        }
    }

    /// The value of `key`, now the most recently used.
    pub(super) fn get(&self, key: &K) -> Option<V> {
        let mut entries = self.lock();
        let index = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(index);
        let value = entry.1.clone();
        entries.push(entry);
        Some(value)
    }

    /// The values whose keys match, most recently used first, without using them.
    pub(super) fn values_where(&self, matches: impl Fn(&K) -> bool) -> Vec<V> {
        self.lock()
            .iter()
            .rev()
            .filter(|(k, _)| matches(k))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Stores `value` as the most recently used, in place of any value of `key`.
    pub(super) fn insert(&self, key: K, value: V) {
        let mut entries = self.lock();
        entries.retain(|(k, _)| *k != key);
        entries.push((key, value));
        if entries.len() > self.capacity {
            entries.remove(0);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(K, V)>> {
        self.entries
            .lock()
            .expect("a cache lock is never poisoned: nothing panics while holding it")
    }
}

#[cfg(test)]
mod tests {
    use super::Lru;

    #[test]
    fn the_least_recently_used_goes_first() {
        let lru = Lru::new(2);
        lru.insert("a", 1);
        lru.insert("b", 2);
        assert_eq!(lru.get(&"a"), Some(1));
        lru.insert("c", 3);
        assert_eq!(lru.get(&"b"), None, "b was the least recently used");
        assert_eq!((lru.get(&"a"), lru.get(&"c")), (Some(1), Some(3)));
        lru.insert("a", 4);
        assert_eq!(lru.get(&"a"), Some(4));
    }
}
