//! Counters of objects created and dropped, for one label or for a whole Lua state.

use std::collections::HashMap;

use mlua::{Lua, Result as LuaResult, Table};

/// The label `new` uses when none is given.
pub(crate) const DEFAULT_LABEL: &[u8] = b"probe";

/// What a Lua state (or one label) created and dropped: `rcprobe.stats()` in Rust.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let first = rcprobe::Tally::new(&lua, "Entity")?;
/// let second = rcprobe::Tally::new(&lua, "Entity")?;
/// drop(first);
/// let stats = rcprobe::stats_of(&lua, "Entity")?;
/// assert_eq!((2, 1, 1, 2), (stats.created, stats.dropped, stats.alive(), stats.peak));
/// # drop(second);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Stats {
    /// Objects created (ids issued).
    pub created: u64,
    /// Objects dropped. A tracked `Rc` counts once rcprobe notices its drop, when it reports.
    pub dropped: u64,
    /// The most objects alive at once (a tracked `Rc` counts until its drop is noticed).
    pub peak: u64,
    /// `opts.bytes` of the live objects.
    pub bytes: u64,
}

impl Stats {
    /// Objects alive: created minus dropped.
    pub fn alive(&self) -> u64 {
        self.created - self.dropped
    }

    pub(crate) fn on_create(&mut self, bytes: usize) {
        self.created += 1;
        self.bytes += bytes as u64;
        self.peak = self.peak.max(self.alive());
    }

    pub(crate) fn on_drop(&mut self, bytes: usize) {
        self.dropped += 1;
        self.bytes -= bytes as u64;
    }

    pub(crate) fn to_lua(self, lua: &Lua) -> LuaResult<Table> {
        let table = lua.create_table_with_capacity(0, 5)?;
        table.raw_set("created", self.created)?;
        table.raw_set("dropped", self.dropped)?;
        table.raw_set("alive", self.alive())?;
        table.raw_set("peak", self.peak)?;
        table.raw_set("bytes", self.bytes)?;
        Ok(table)
    }
}

/// An index into [`Labels`]: objects store it instead of the label's bytes.
pub(crate) type LabelId = u32;

/// Interned labels and their stats. Labels are never forgotten, so that `stats(label)` still
/// reports objects that are all gone; they are meant to name a handful of kinds.
pub(crate) struct Labels {
    names: Vec<Vec<u8>>,
    stats: Vec<Stats>,
    ids: HashMap<Vec<u8>, LabelId>,
    /// The label interned last: objects come in runs of one label, and comparing a few bytes
    /// is much cheaper than hashing them.
    last: LabelId,
}

impl Default for Labels {
    fn default() -> Self {
        let mut labels = Labels { names: Vec::new(), stats: Vec::new(), ids: HashMap::new(), last: 0 };
        labels.intern(DEFAULT_LABEL);
        labels
    }
}

impl Labels {
    pub(crate) fn intern(&mut self, name: &[u8]) -> LabelId {
        if self.names.get(self.last as usize).is_some_and(|last| last == name) {
            return self.last;
        }
        self.last = match self.ids.get(name) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as LabelId;
                self.names.push(name.to_vec());
                self.stats.push(Stats::default());
                self.ids.insert(name.to_vec(), id);
                id
            }
        };
        self.last
    }

    pub(crate) fn find(&self, name: &[u8]) -> Option<LabelId> {
        self.ids.get(name).copied()
    }

    pub(crate) fn name(&self, id: LabelId) -> &[u8] {
        &self.names[id as usize]
    }

    /// Every label with its stats, in the order they were first used.
    pub(crate) fn all(&self) -> impl Iterator<Item = (&[u8], &Stats)> {
        self.names.iter().map(Vec::as_slice).zip(self.stats.iter())
    }

    pub(crate) fn stats(&self, id: LabelId) -> &Stats {
        &self.stats[id as usize]
    }

    pub(crate) fn stats_mut(&mut self, id: LabelId) -> &mut Stats {
        &mut self.stats[id as usize]
    }
}
