//! `rcprobe::watch`: any collectable Lua value in rcprobe's sight, from Rust.

use mlua::{IntoLua, Lua, Result as LuaResult};

use crate::ledger::object::Id;
use crate::lua::module::ledger;
use crate::lua::watch::{collectable, type_name};

/// Gives a collectable Lua value (a table, function, coroutine or userdata of any type, another
/// module's included) an id that is alive until the collector frees the value: until a
/// collection finds it unreachable, the moment a weak-valued table lets go of it. Watching never
/// keeps the value alive, and watching it again returns the same id.
///
/// `rcprobe.is_alive(id)`, `info`, `stats` and `live` (per label), `leaks`, `paths` and the
/// assertions accept the id; the count functions refuse it (a Lua value has no reference
/// count).
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let id = rcprobe::watch(&lua, lua.create_table()?, "cache entry")?; // nothing keeps it
/// lua.gc_collect()?;
/// assert!(rcprobe::live(&lua, Some("cache entry"))?.is_empty());
/// assert!(!rcprobe::is_alive(&lua, id)?);
/// # Ok(())
/// # }
/// ```
pub fn watch(lua: &Lua, value: impl IntoLua, label: &str) -> LuaResult<Id> {
    let value = value.into_lua(lua)?;
    if !collectable(&value) {
        return Err(mlua::Error::runtime(format!(
            "watch: table, function, thread or userdata expected, got {}",
            type_name(&value)
        )));
    }
    ledger(lua)?.watch(lua, &value, label.as_bytes())?.map_err(mlua::Error::external)
}
