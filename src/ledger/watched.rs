//! The Lua values a state watches (`rcprobe.watch`): Lua tables that know them without keeping
//! them alive.
//!
//! A watched value is alive until a collection finds it unreachable: the moment a weak-valued
//! table lets go of it, on every Lua version (a value with a finalizer is let go when its
//! finalizer is scheduled, before it runs). Nothing tells Rust when that happens, so the ledger
//! looks. To look only when it can matter, `epoch` holds a fresh table that nothing else
//! references: any collection that could have freed a watched value frees it too (it is the
//! youngest object, so even a young collection does), and while it is there, nothing watched
//! can have gone.

use std::cell::{Cell, RefCell};

use mlua::{Lua, Result as LuaResult, Table, Value};

use super::object::Id;

/// Tables that held fewer values than this are never replaced: they are small anyway.
const MIN_RESET: usize = 1024;

pub(crate) struct Watched {
    /// value -> id, with weak keys.
    ids: RefCell<Table>,
    /// id -> value, with weak values.
    values: RefCell<Table>,
    /// Values inserted since `ids` and `values` were made.
    inserted: Cell<usize>,
    /// `[1]`: the sentinel, in a weak-valued table.
    epoch: Table,
}

fn weak(lua: &Lua, mode: &str) -> LuaResult<Table> {
    let table = lua.create_table()?;
    table.set_metatable(Some(lua.create_table_from([("__mode", mode)])?))?;
    Ok(table)
}

impl Watched {
    pub(crate) fn new(lua: &Lua) -> LuaResult<Watched> {
        let watched = Watched {
            ids: RefCell::new(weak(lua, "k")?),
            values: RefCell::new(weak(lua, "v")?),
            inserted: Cell::new(0),
            epoch: weak(lua, "v")?,
        };
        watched.rearm(lua)?;
        Ok(watched)
    }

    /// The id `value` is watched under, if any (it may be one the ledger has seen go: a
    /// finalizer can bring a value back).
    pub(crate) fn id_of(&self, value: &Value) -> Option<Id> {
        self.ids.borrow().raw_get::<Option<Id>>(value).ok().flatten()
    }

    pub(crate) fn insert(&self, id: Id, value: &Value) -> LuaResult<()> {
        self.inserted.set(self.inserted.get() + 1);
        self.ids.borrow().raw_set(value, id)?;
        self.values.borrow().raw_set(id, value)
    }

    /// The watched value, while a collection has not found it unreachable.
    pub(crate) fn value(&self, id: Id) -> Option<Value> {
        self.values.borrow().raw_get::<Value>(id).ok().filter(|value| !value.is_nil())
    }

    /// Once nothing watched is left, replaces tables that grew big with empty ones: a Lua table
    /// never shrinks until it grows again, and every full collection walks its empty slots (a
    /// million values watched and collected left 41 MB that made two collections 600 times
    /// slower). `still_empty` is asked again once the new tables are made, since making them can
    /// run a finalizer that watches a value.
    pub(crate) fn reset_if_grown(&self, lua: &Lua, still_empty: impl Fn() -> bool) -> LuaResult<()> {
        if self.inserted.get() < MIN_RESET {
            return Ok(());
        }
        let (ids, values) = (weak(lua, "k")?, weak(lua, "v")?);
        if !still_empty() {
            return Ok(());
        }
        let (Ok(mut old_ids), Ok(mut old_values)) = (self.ids.try_borrow_mut(), self.values.try_borrow_mut())
        else {
            return Ok(()); // in use further up the stack: next time
        };
        let old = (std::mem::replace(&mut *old_ids, ids), std::mem::replace(&mut *old_values, values));
        self.inserted.set(0);
        drop((old_ids, old_values));
        drop(old);
        Ok(())
    }

    pub(crate) fn is_alive(&self, id: Id) -> bool {
        self.value(id).is_some()
    }

    /// Whether a collection may have freed a watched value since the last `rearm`.
    pub(crate) fn collected(&self) -> bool {
        self.epoch.raw_get::<Value>(1).map_or(true, |sentinel| sentinel.is_nil())
    }

    /// Starts a new epoch: call it before looking at the values, so that a collection that
    /// runs while they are looked at (an allocation can start one) is noticed next time.
    pub(crate) fn rearm(&self, lua: &Lua) -> LuaResult<()> {
        self.epoch.raw_set(1, lua.create_table()?)
    }
}
