//! A small least-recently-used cache behind a lock, for the catalogue's loaded releases
//! and prepared pools: a handful of entries, so a scan beats a map. Each entry weighs
//! something (1 for a count, its bytes for a size); the cache holds at most its budget.

use std::sync::{Mutex, MutexGuard};

/// Keeps values weighing at most `budget` in all; the least recently used go first.
#[derive(Debug)]
pub(super) struct Lru<K, V> {
    budget: usize,
    /// Least recently used first, each with its weight.
    entries: Mutex<Vec<(K, V, usize)>>,
}

impl<K: PartialEq, V: Clone> Lru<K, V> {
    pub(super) fn new(budget: usize) -> Self {
        Self {
            budget,
            entries: Mutex::new(Vec::new()),
        }
    }

    /// The value of `key`, now the most recently used.
    pub(super) fn get(&self, key: &K) -> Option<V> {
        let mut entries = self.lock();
        let index = entries.iter().position(|(k, _, _)| k == key)?;
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
            .filter(|(k, _, _)| matches(k))
            .map(|(_, v, _)| v.clone())
            .collect()
    }

    /// Stores `value`, weighing `weight`, as the most recently used, in place of any
    /// value of `key`; the least recently used go until the rest fits the budget. A
    /// value heavier than the whole budget is not kept.
    pub(super) fn insert(&self, key: K, value: V, weight: usize) {
        let mut entries = self.lock();
        entries.retain(|(k, _, _)| *k != key);
        if weight > self.budget {
            return;
        }
        entries.push((key, value, weight));
        let mut total: usize = entries.iter().map(|(_, _, w)| w).sum();
        while total > self.budget {
            let (_, _, w) = entries.remove(0);
            total -= w;
        }
    }

    /// The weight of what the cache holds.
    pub(super) fn weight(&self) -> usize {
        self.lock().iter().map(|(_, _, w)| w).sum()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(K, V, usize)>> {
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
        lru.insert("a", 1, 1);
        lru.insert("b", 2, 1);
        assert_eq!(lru.get(&"a"), Some(1));
        lru.insert("c", 3, 1);
        assert_eq!(lru.get(&"b"), None, "b was the least recently used");
        assert_eq!((lru.get(&"a"), lru.get(&"c")), (Some(1), Some(3)));
        lru.insert("a", 4, 1);
        assert_eq!(lru.get(&"a"), Some(4));
    }

    #[test]
    fn heavy_values_push_out_as_many_as_they_need() {
        let lru = Lru::new(100);
        lru.insert("a", 1, 40);
        lru.insert("b", 2, 40);
        lru.insert("c", 3, 10);
        assert_eq!(lru.weight(), 90);
        lru.insert("d", 4, 70);
        assert_eq!((lru.get(&"a"), lru.get(&"b")), (None, None));
        assert_eq!((lru.get(&"c"), lru.get(&"d")), (Some(3), Some(4)));
        assert_eq!(lru.weight(), 80);
        lru.insert("e", 5, 101);
        assert_eq!(lru.get(&"e"), None, "heavier than the budget");
        assert_eq!(lru.weight(), 80, "and pushes nothing out");
    }
}
