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

use mlua::{Lua, Result as LuaResult, Table, Value};

use super::object::Id;

pub(crate) struct Watched {
    /// value -> id, with weak keys.
    ids: Table,
    /// id -> value, with weak values.
    values: Table,
    /// `[1]`: the sentinel, in a weak-valued table.
    epoch: Table,
}

impl Watched {
    pub(crate) fn new(lua: &Lua) -> LuaResult<Watched> {
        let weak = |mode: &str| -> LuaResult<Table> {
            let table = lua.create_table()?;
            table.set_metatable(Some(lua.create_table_from([("__mode", mode)])?))?;
            Ok(table)
        };
        let watched = Watched { ids: weak("k")?, values: weak("v")?, epoch: weak("v")? };
        watched.rearm(lua)?;
        Ok(watched)
    }

    /// The id `value` is watched under, if any (it may be one the ledger has seen go: a
    /// finalizer can bring a value back).
    pub(crate) fn id_of(&self, value: &Value) -> Option<Id> {
        self.ids.raw_get::<Option<Id>>(value).ok().flatten()
    }

    pub(crate) fn insert(&self, id: Id, value: &Value) -> LuaResult<()> {
        self.ids.raw_set(value, id)?;
        self.values.raw_set(id, value)
    }

    /// The watched value, while a collection has not found it unreachable.
    pub(crate) fn value(&self, id: Id) -> Option<Value> {
        self.values.raw_get::<Value>(id).ok().filter(|value| !value.is_nil())
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
