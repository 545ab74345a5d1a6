//! A map from object ids to entries that costs memory for live entries only.
//!
//! Ids are handed out in increasing order and most objects die young, so recent ids live in a
//! dense window (a `VecDeque` indexed by `id - first`) and the rare survivors of a sparse
//! window move to an ordered map. Insert, lookup and remove are O(1) in the window; every
//! entry leaves the window at most once, so compaction is O(1) amortized.

use std::collections::{BTreeMap, VecDeque};

/// The window is compacted only past this length, so small tables never move entries.
const MIN_WINDOW: usize = 64;

pub(crate) struct IdTable<T> {
    /// The id stored at `window[0]`.
    first: u32,
    window: VecDeque<Option<T>>,
    /// How many `window` slots hold an entry.
    in_window: usize,
    /// Entries moved out of a sparse window, in id order.
    survivors: BTreeMap<u32, T>,
}

impl<T> Default for IdTable<T> {
    fn default() -> Self {
        Self { first: 1, window: VecDeque::new(), in_window: 0, survivors: BTreeMap::new() }
    }
}

impl<T> IdTable<T> {
    /// Adds an entry. Ids must be inserted in increasing order.
    pub(crate) fn insert(&mut self, id: u32, entry: T) {
        if self.window.is_empty() {
            self.first = id;
        }
        debug_assert!(id >= self.end(), "ids must be inserted in increasing order");
        while self.end() < id {
            self.window.push_back(None);
        }
        self.window.push_back(Some(entry));
        self.in_window += 1;
        self.compact();
    }

    pub(crate) fn get(&self, id: u32) -> Option<&T> {
        if id >= self.first {
            self.window.get((id - self.first) as usize)?.as_ref()
        } else {
            self.survivors.get(&id)
        }
    }

    pub(crate) fn remove(&mut self, id: u32) -> Option<T> {
        if id < self.first {
            return self.survivors.remove(&id);
        }
        let entry = self.window.get_mut((id - self.first) as usize)?.take()?;
        self.in_window -= 1;
        while let Some(None) = self.window.front() {
            self.window.pop_front();
            self.first += 1;
        }
        Some(entry)
    }

    pub(crate) fn len(&self) -> usize {
        self.in_window + self.survivors.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries with ids of at least `from`, in increasing id order.
    pub(crate) fn iter_from(&self, from: u32) -> impl Iterator<Item = (u32, &T)> {
        let survivors = self.survivors.range(from..).map(|(&id, entry)| (id, entry));
        let start = self.first.max(from);
        let skip = ((start - self.first) as usize).min(self.window.len());
        let window = self.window.range(skip..).enumerate();
        survivors.chain(window.filter_map(move |(i, slot)| Some((start + i as u32, slot.as_ref()?))))
    }

    /// One past the last id the window covers.
    fn end(&self) -> u32 {
        self.first + self.window.len() as u32
    }

    /// Keeps the window at least half full by moving its oldest entries to `survivors`.
    fn compact(&mut self) {
        while self.window.len() > MIN_WINDOW && self.window.len() > 2 * self.in_window {
            if let Some(Some(entry)) = self.window.pop_front() {
                self.survivors.insert(self.first, entry);
                self.in_window -= 1;
            }
            self.first += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IdTable;

    fn ids(table: &IdTable<u32>, from: u32) -> Vec<u32> {
        table
            .iter_from(from)
            .map(|(id, &entry)| {
                assert_eq!(id, entry, "each entry stores its own id");
                id
            })
            .collect()
    }

    #[test]
    fn finds_and_removes_entries() {
        let mut table = IdTable::default();
        for id in 1..=5 {
            table.insert(id, id);
        }
        assert_eq!(Some(&3), table.get(3));
        assert_eq!(Some(3), table.remove(3));
        assert_eq!(None, table.get(3));
        assert_eq!(None, table.remove(3));
        assert_eq!(vec![1, 2, 4, 5], ids(&table, 0));
        assert_eq!(vec![4, 5], ids(&table, 3));
        assert_eq!(4, table.len());
    }

    #[test]
    fn leaves_gaps_for_ids_it_never_saw() {
        let mut table = IdTable::default();
        table.insert(2, 2);
        table.insert(7, 7);
        assert_eq!(vec![2, 7], ids(&table, 1));
        assert_eq!(None, table.get(4));
        assert_eq!(None, table.get(1));
        assert_eq!(None, table.get(100));
    }

    #[test]
    fn keeps_old_survivors_while_the_young_die() {
        let mut table = IdTable::default();
        table.insert(1, 1);
        for id in 2..100_000 {
            table.insert(id, id);
            table.remove(id);
        }
        assert_eq!(vec![1], ids(&table, 0));
        assert_eq!(Some(&1), table.get(1));
        assert!(table.window.len() <= super::MIN_WINDOW + 1, "window stays small");
        table.insert(100_000, 100_000);
        assert_eq!(vec![1, 100_000], ids(&table, 0));
        assert_eq!(vec![100_000], ids(&table, 2));
    }

    #[test]
    fn agrees_with_a_btree_map_under_random_use() {
        let mut table = IdTable::default();
        let mut model = std::collections::BTreeMap::new();
        let mut seed: u64 = 42;
        let mut next_id = 1;
        for _ in 0..200_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let roll = (seed >> 33) % 100;
            if roll < 55 || model.is_empty() {
                next_id += 1 + (roll % 3) as u32;
                table.insert(next_id, next_id);
                model.insert(next_id, next_id);
            } else {
                let id = next_id.saturating_sub(((seed >> 40) % 300) as u32);
                assert_eq!(model.remove(&id), table.remove(id));
            }
        }
        assert_eq!(model.len(), table.len());
        assert_eq!(model.keys().copied().collect::<Vec<_>>(), ids(&table, 0));
        for id in 0..=next_id {
            assert_eq!(model.get(&id), table.get(id));
        }
    }
}
