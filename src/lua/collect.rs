//! `rcprobe.full_gc([max])` and `rcprobe.leaks(fn, ...)`: collect until nothing more can go,
//! and report what a function left alive.

use mlua::{Lua, MultiValue, Table, Value as LuaValue};

use crate::ledger::object::Id;
use crate::ledger::{Info, Ledger};
use crate::lua::info;
use crate::lua::misuse::{Misuse, Reply, integer};
use crate::lua::pass::{Caller, callable};

/// `full_gc`'s default limit: enough for chains of a dozen Rust-held links.
pub(crate) const DEFAULT_MAX_CYCLES: u32 = 16;

/// Runs full collections until the number of live objects and the Lua heap stop changing:
/// an object that a dropped Rust object linked is only garbage in the next cycle.
pub(crate) fn full_gc(ledger: &Ledger, lua: &Lua, max: u32) -> mlua::Result<u32> {
    flush_compiled_traces(lua)?;
    let snapshot = || (ledger.total().alive(), lua.used_memory());
    let mut before = snapshot();
    let mut cycles = 0;
    loop {
        lua.gc_collect()?;
        cycles += 1;
        let after = snapshot();
        if cycles >= max || (cycles >= 2 && after == before) {
            return Ok(cycles);
        }
        before = after;
    }
}

/// On LuaJIT, throws away the compiled traces (`jit.flush()`): a trace keeps the values it
/// was compiled with as constants, and so alive, whatever the program still refers to. A
/// handle that a loop touched could then survive any number of collections on some runs and
/// not on others (examples/entities.rs did on about 2 runs in 100). Traces are compiled again
/// as the code runs again. Elsewhere, and where the `jit` library is not loaded, nothing to do.
fn flush_compiled_traces(lua: &Lua) -> mlua::Result<()> {
    if !cfg!(feature = "luajit") {
        return Ok(());
    }
    let loaded: Option<Table> = lua.named_registry_value("_LOADED")?;
    let jit = match loaded {
        Some(loaded) => loaded.raw_get::<LuaValue>("jit")?,
        None => LuaValue::Nil,
    };
    if let LuaValue::Table(jit) = jit
        && let LuaValue::Function(flush) = jit.raw_get("flush")?
    {
        flush.call::<()>(())?;
    }
    Ok(())
}

/// Argument #1 of `full_gc`: a positive integer, or nil for the default.
pub(crate) fn max_cycles(max: LuaValue) -> Reply<u32> {
    if max.is_nil() {
        return Ok(DEFAULT_MAX_CYCLES);
    }
    let max = integer(1, max, "number")?;
    u32::try_from(max)
        .ok()
        .filter(|&max| max > 0)
        .ok_or_else(|| Misuse::argument(1, format!("max must be a positive integer, got {max}")))
}

/// The objects created during `function(args...)` that are alive after it returned and
/// `full_gc` ran (which it skips when one collector step already freed them all).
pub(crate) fn leaks(
    ledger: &Ledger,
    caller: &Caller,
    lua: &Lua,
    (function, args): (LuaValue, MultiValue),
) -> Reply<Table> {
    let function = callable(1, function)?;
    let mark = ledger.last_id();
    drop(caller.call(function, args)?); // its results must not keep anything alive
    let survivors = survivors_since(ledger, lua, mark)?;
    let list = lua.create_table_with_capacity(survivors.len(), 0)?;
    for survivor in survivors {
        list.raw_push(info::to_lua(&survivor, lua)?)?;
    }
    Ok(list)
}

/// The objects with ids above `mark` that a full collection leaves alive.
pub(crate) fn survivors_since(ledger: &Ledger, lua: &Lua, mark: Id) -> mlua::Result<Vec<Info>> {
    // One collector step first: in Lua 5.4's generational mode it is a young collection,
    // whose cost follows what was allocated since `mark` rather than the whole heap. When it
    // leaves none of the new objects alive there is nothing to report; otherwise (and
    // always in incremental mode, where a step is a slice of a full cycle) collect fully.
    lua.gc_step()?;
    if ledger.survivors_since(mark).is_empty() {
        return Ok(Vec::new());
    }
    full_gc(ledger, lua, DEFAULT_MAX_CYCLES)?;
    Ok(ledger.survivors_since(mark))
}
