//! The embedding API: what a Rust host that embeds Lua with mlua can do with rcprobe, besides
//! `rcprobe::open(&lua)`. Everything goes through the `Lua` given, never through a static, so
//! two states never see each other's ids.

use std::any::Any;
use std::rc::{Rc, Weak};

use mlua::{FromLuaMulti, Function, IntoLuaMulti, Lua, Result as LuaResult, UserData, Value};

use crate::ledger::Counts;
use crate::ledger::object::Id;
use crate::ledger::stats::Stats;
use crate::lua::module::ledger;

/// Registers a host's own `Rc<T>` under a new id, so that Lua code and specs can ask for its
/// counts (`rcprobe.strong_count(id)`, `rcprobe.info(id)`, `live`, `leaks`, `stats`).
///
/// rcprobe keeps a `Weak` to it, which it never counts: the numbers Lua sees are the host's
/// own. Because no `Drop` of the host's type reports to rcprobe, its drop shows in `stats`
/// the next time rcprobe looks, and the allocation (not the value) lives until then.
pub fn track<T: 'static>(lua: &Lua, object: &Rc<T>, label: &str) -> LuaResult<Id> {
    let weak: Weak<dyn Any> = Rc::downgrade(object) as Weak<dyn Any>;
    ledger(lua)?.track(weak, label.as_bytes()).map_err(mlua::Error::external)
}

/// Calls `function(handle, args...)` with a handle to `object` that owns no reference, so its
/// counts do not rise: a borrow that ends when the call returns (mlua's `Lua::scope`). Using
/// the handle after that raises a Lua error.
pub fn lend<T, A, R>(lua: &Lua, object: &Rc<T>, function: &Function, args: A) -> LuaResult<R>
where
    T: UserData + 'static,
    A: IntoLuaMulti,
    R: FromLuaMulti,
{
    lua.scope(|scope| {
        let handle = scope.create_userdata_ref(&**object)?;
        let mut args = args.into_lua_multi(lua)?;
        args.push_front(Value::UserData(handle));
        function.call(args)
    })
}

/// The counts of an object of this state, rcprobe's or tracked: `None` for an id the state
/// never issued, 0 and 0 once dropped.
pub fn counts(lua: &Lua, id: Id) -> LuaResult<Option<Counts>> {
    Ok(ledger(lua)?.counts_if_issued(i64::from(id)))
}

/// A new `Weak` to a live object of this state (rcprobe's, or a tracked one), for example to
/// check from Rust that closing the state dropped it.
pub fn downgrade(lua: &Lua, id: Id) -> LuaResult<Option<Weak<dyn Any>>> {
    Ok(ledger(lua)?.downgrade(id))
}

/// `rcprobe.stats()` of this state, from Rust.
pub fn stats(lua: &Lua) -> LuaResult<Stats> {
    Ok(ledger(lua)?.total())
}
