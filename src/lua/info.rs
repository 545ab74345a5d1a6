//! What `rcprobe.info(x)` and the entries of `rcprobe.leaks` say about an object, as a Lua
//! table.

use mlua::{Lua, Result as LuaResult, Table};

use crate::ledger::Info;

/// `{id, kind, label, strong, weak, held, linked}`, as `leaks` lists it (`info` adds `alive`).
/// `strong` and `weak` are absent for kinds without reference counts (tallies, Lua values).
pub(crate) fn to_lua(info: &Info, lua: &Lua) -> LuaResult<Table> {
    let table = lua.create_table_with_capacity(0, 8)?;
    table.raw_set("id", info.id)?;
    table.raw_set("kind", info.kind.as_str())?;
    if let Some(label) = &info.label {
        table.raw_set("label", lua.create_string(label)?)?;
    }
    if let Some(counts) = info.counts {
        table.raw_set("strong", counts.strong)?;
        table.raw_set("weak", counts.weak)?;
    }
    table.raw_set("held", info.held)?;
    table.raw_set("linked", info.linked)?;
    Ok(table)
}
