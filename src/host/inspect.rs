//! What a host (or its tests) can read from the ledger in Rust: the same numbers the Lua
//! functions give, with no Lua strings.

use mlua::{Lua, Result as LuaResult};

use crate::ledger::object::Id;
use crate::ledger::stats::Stats;
use crate::lua::collect;
use crate::lua::module::ledger;

/// `rcprobe.stats(label)` from Rust: created, dropped, alive and peak of one label (all zero
/// for a label never used).
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let _button = rcprobe::Tally::new(&lua, "Button")?;
/// assert_eq!(1, rcprobe::stats_of(&lua, "Button")?.alive());
/// assert_eq!(0, rcprobe::stats_of(&lua, "never used")?.created);
/// # Ok(())
/// # }
/// ```
pub fn stats_of(lua: &Lua, label: &str) -> LuaResult<Stats> {
    Ok(ledger(lua)?.label_stats(label.as_bytes()))
}

/// `rcprobe.live([label])` from Rust: ids of the live objects, ascending.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let button = rcprobe::Tally::new(&lua, "Button")?;
/// let _entity = rcprobe::Tally::new(&lua, "Entity")?;
/// assert_eq!(vec![button.id()], rcprobe::live(&lua, Some("Button"))?);
/// assert_eq!(2, rcprobe::live(&lua, None)?.len());
/// # Ok(())
/// # }
/// ```
pub fn live(lua: &Lua, label: Option<&str>) -> LuaResult<Vec<Id>> {
    Ok(ledger(lua)?.live(label.map(str::as_bytes)))
}

/// `rcprobe.is_alive(id)` from Rust: `false` also for an id this state never issued.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let button = rcprobe::Tally::new(&lua, "Button")?;
/// let id = button.id();
/// assert!(rcprobe::is_alive(&lua, id)?);
/// drop(button);
/// assert!(!rcprobe::is_alive(&lua, id)?);
/// # Ok(())
/// # }
/// ```
pub fn is_alive(lua: &Lua, id: Id) -> LuaResult<bool> {
    let ledger = ledger(lua)?;
    Ok(ledger.is_issued(i64::from(id)) && ledger.is_alive(id))
}

/// `rcprobe.full_gc()` from Rust: full collections until the live objects and Lua's heap stop
/// changing (at least 2); returns how many ran. On LuaJIT it first flushes the compiled
/// traces, whose constants can keep garbage alive.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let id = rcprobe::watch(&lua, lua.create_table()?, "garbage")?;
/// assert!(rcprobe::full_gc(&lua)? >= 2);
/// assert!(!rcprobe::is_alive(&lua, id)?);
/// # Ok(())
/// # }
/// ```
pub fn full_gc(lua: &Lua) -> LuaResult<u32> {
    let ledger = ledger(lua)?;
    collect::full_gc(&ledger, lua, collect::DEFAULT_MAX_CYCLES)
}
