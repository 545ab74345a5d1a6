//! What a host (or its tests) can read from the ledger in Rust: the same numbers the Lua
//! functions give, with no Lua strings.

use mlua::{Lua, Result as LuaResult};

use crate::ledger::object::Id;
use crate::ledger::stats::Stats;
use crate::lua::collect;
use crate::lua::module::ledger;

/// `rcprobe.stats(label)` from Rust: created, dropped, alive and peak of one label (all zero
/// for a label never used).
pub fn stats_of(lua: &Lua, label: &str) -> LuaResult<Stats> {
    Ok(ledger(lua)?.label_stats(label.as_bytes()))
}

/// `rcprobe.live([label])` from Rust: ids of the live objects, ascending.
pub fn live(lua: &Lua, label: Option<&str>) -> LuaResult<Vec<Id>> {
    Ok(ledger(lua)?.live(label.map(str::as_bytes)))
}

/// `rcprobe.is_alive(id)` from Rust: `false` also for an id this state never issued.
pub fn is_alive(lua: &Lua, id: Id) -> LuaResult<bool> {
    let ledger = ledger(lua)?;
    Ok(ledger.is_issued(i64::from(id)) && ledger.is_alive(id))
}

/// `rcprobe.full_gc()` from Rust: full collections until the live objects and Lua's heap stop
/// changing (at least 2); returns how many ran.
pub fn full_gc(lua: &Lua) -> LuaResult<u32> {
    let ledger = ledger(lua)?;
    collect::full_gc(&ledger, lua, collect::DEFAULT_MAX_CYCLES)
}
