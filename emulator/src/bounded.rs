//! A map whose entries' sizes add up to no more than a budget: the oldest entry is forgotten
//! first when a new one needs room. Every store of the emulator is one.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::ops::{Add, Sub};

/// What an entry costs against the budget: bytes, or bytes of several kinds each with its own
/// budget (an order, and the state of its subscriptions), so that entries kept and forgotten
/// together are still bounded kind by kind.
pub(crate) trait Size: Copy + Default + Add<Output = Self> + Sub<Output = Self> {
    /// Whether this is more than `budget` allows, in any of its kinds.
    fn exceeds(self, budget: Self) -> bool;
}

impl Size for usize {
    fn exceeds(self, budget: Self) -> bool {
        self > budget
    }
}

pub(crate) struct Bounded<K, V, S = usize> {
    entries: HashMap<K, Entry<V, S>>,
    /// Keys oldest first, with the number they were inserted under; a pair whose key was
    /// removed (or inserted again) since is skipped.
    order: VecDeque<(K, u64)>,
    bytes: S,
    budget: S,
    next: u64,
}

struct Entry<V, S> {
    number: u64,
    size: S,
    value: V,
}

impl<K: Clone + Eq + Hash, V, S: Size> Bounded<K, V, S> {
    pub fn new(budget: S) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            bytes: S::default(),
            budget,
            next: 0,
        }
    }

    /// Inserts `value` as the newest entry, forgetting the oldest ones until it fits; returns
    /// those forgotten. An entry larger than the whole budget is kept alone.
    pub fn insert(&mut self, key: K, size: S, value: V) -> Vec<(K, V)> {
        self.remove(&key);
        let mut forgotten = Vec::new();
        while (self.bytes + size).exceeds(self.budget) {
            match self.pop_oldest() {
                Some(oldest) => forgotten.push(oldest),
                None => break,
            }
        }
        let number = self.next;
        self.next += 1;
        self.order.push_back((key.clone(), number));
        self.bytes = self.bytes + size;
        self.entries.insert(
            key,
            Entry {
                number,
                size,
                value,
            },
        );
        forgotten
    }

    /// Replaces an entry's value and size, keeping its place in the order, or inserts it as
    /// the newest; returns the entries forgotten to make room, which never include this one.
    pub fn upsert(&mut self, key: K, size: S, value: V) -> Vec<(K, V)> {
        let Some(entry) = self.entries.get_mut(&key) else {
            return self.insert(key, size, value);
        };
        self.bytes = self.bytes - entry.size + size;
        entry.size = size;
        entry.value = value;
        let keep = entry.number;
        // Oldest first, passing over the entry itself, which may be the oldest.
        let mut forgotten = Vec::new();
        let mut at = 0;
        while self.bytes.exceeds(self.budget) && at < self.order.len() {
            let (k, n) = &self.order[at];
            at += 1;
            if *n == keep || self.entries.get(k).is_none_or(|e| e.number != *n) {
                continue;
            }
            let k = k.clone();
            if let Some(entry) = self.entries.remove(&k) {
                self.bytes = self.bytes - entry.size;
                forgotten.push((k, entry.value));
            }
        }
        self.compact();
        forgotten
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|e| &e.value)
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let entry = self.entries.remove(key)?;
        self.bytes = self.bytes - entry.size;
        self.compact();
        Some(entry.value)
    }

    /// Stale pairs are skipped when met; they are dropped once they outnumber the live ones.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.entries.len() + 64 {
            let entries = &self.entries;
            self.order
                .retain(|(k, n)| entries.get(k).is_some_and(|e| e.number == *n));
        }
    }

    /// The oldest entry.
    pub fn oldest(&mut self) -> Option<(&K, &V)> {
        self.skip_stale();
        let (key, _) = self.order.front()?;
        self.entries.get_key_value(key).map(|(k, e)| (k, &e.value))
    }

    pub fn pop_oldest(&mut self) -> Option<(K, V)> {
        self.skip_stale();
        let (key, _) = self.order.pop_front()?;
        let entry = self.entries.remove(&key)?;
        self.bytes = self.bytes - entry.size;
        Some((key, entry.value))
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.order.iter().filter_map(|(k, n)| {
            self.entries
                .get_key_value(k)
                .filter(|(_, e)| e.number == *n)
                .map(|(k, e)| (k, &e.value))
        })
    }

    pub fn bytes(&self) -> S {
        self.bytes
    }

    fn skip_stale(&mut self) {
        while let Some((key, number)) = self.order.front() {
            if self.entries.get(key).is_some_and(|e| e.number == *number) {
                return;
            }
            self.order.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_go_first_and_the_total_stays_within_the_budget() {
        let mut map = Bounded::new(10);
        assert!(map.insert("a", 4, 1).is_empty());
        assert!(map.insert("b", 4, 2).is_empty());
        assert_eq!(map.insert("c", 4, 3), vec![("a", 1)]);
        assert_eq!(map.bytes(), 8);
        assert_eq!(map.iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["b", "c"]);
        // Growing "c" keeps its place and pushes out the older "b".
        assert_eq!(map.upsert("c", 9, 30), vec![("b", 2)]);
        assert_eq!(map.get(&"c"), Some(&30));
        assert_eq!(map.bytes(), 9);
        // Larger than the whole budget: kept alone.
        assert_eq!(map.insert("d", 11, 4), vec![("c", 30)]);
        assert_eq!(map.bytes(), 11);
    }

    #[test]
    fn growing_the_oldest_entry_forgets_the_ones_after_it() {
        let mut map = Bounded::new(10);
        map.insert("a", 4, 1);
        map.insert("b", 4, 2);
        assert_eq!(map.upsert("a", 9, 10), vec![("b", 2)]);
        assert_eq!(map.bytes(), 9);
        assert_eq!(map.iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["a"]);
        // And an upsert of a new key is an insert, as the newest.
        assert_eq!(map.upsert("c", 1, 3), Vec::new());
        assert_eq!(map.iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["a", "c"]);
    }

    #[test]
    fn removed_keys_leave_no_trace_in_the_order() {
        let mut map = Bounded::new(1000);
        for n in 0..500 {
            map.insert(n, 1, n);
            map.remove(&n);
        }
        assert!(map.order.len() <= 64 + 1);
        map.insert(1, 1, 1);
        map.insert(2, 1, 2);
        map.remove(&1);
        assert_eq!(map.oldest(), Some((&2, &2)));
        assert_eq!(map.pop_oldest(), Some((2, 2)));
        assert_eq!(map.bytes(), 0);
    }
}
