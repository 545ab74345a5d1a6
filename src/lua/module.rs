//! The module table of one Lua state: built on the first `require`, returned again after.

use std::rc::Rc;

use mlua::{Lua, MultiValue, Result as LuaResult, Table, UserDataFields, Value as LuaValue};

use crate::ledger::Ledger;
use crate::lua::lend::{self, LentProbe};
use crate::lua::lent_handle::{self, LentHandle};
use crate::lua::misuse::{raw, raw_variadic};
use crate::lua::pass::Caller;
use crate::lua::probe::{self, Probe};
use crate::lua::weak_probe::{self, WeakProbe};
use crate::lua::{collect, create, info, internal, pass, stats, target, watch};

/// The Lua rcprobe was built for, as `rcprobe.LUA` reports it: `"Lua 5.1"` ... `"Lua 5.5"` or
/// `"LuaJIT"`.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// assert_eq!(rcprobe::LUA, rcprobe::open(&lua)?.get::<String>("LUA")?);
/// # Ok(())
/// # }
/// ```
pub const LUA: &str = if cfg!(feature = "luajit") {
    "LuaJIT"
} else if cfg!(feature = "lua51") {
    "Lua 5.1"
} else if cfg!(feature = "lua52") {
    "Lua 5.2"
} else if cfg!(feature = "lua53") {
    "Lua 5.3"
} else if cfg!(feature = "lua54") {
    "Lua 5.4"
} else {
    "Lua 5.5"
};

/// Kept in the state's app data. Busted requires the module again for every spec file:
/// registering the userdata types again would orphan the handles already made, so a second
/// `require` gets the same table and the same ledger.
struct Module {
    exports: Table,
    ledger: Rc<Ledger>,
}

/// Installs rcprobe in `lua` and returns its module table (the same table on every call).
///
/// In a Rust host (any build but the loadable module that luarocks builds), it also lets Lua
/// code `require` rcprobe and its pure-Lua companions, which are built into the crate:
/// `require("rcprobe")` (this same table), `require("rcprobe.paths")`,
/// `require("rcprobe.census")` and `require("rcprobe.luassert")` (which needs luassert, and
/// says what to install when it is missing). They go in `package.preload`, unless a loader is
/// there already or the module is in `package.loaded`.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let rcprobe = rcprobe::open(&lua)?;
/// let required: mlua::Table = lua.load(r#"return require("rcprobe")"#).eval()?;
/// assert_eq!(rcprobe, required);
/// let target: mlua::Table = lua.load(r#"return require("rcprobe.target")"#).eval()?;
/// assert!(target.contains_key("name")?);
/// # Ok(())
/// # }
/// ```
pub fn open(lua: &Lua) -> LuaResult<Table> {
    if let Some(module) = lua.app_data_ref::<Module>() {
        return Ok(module.exports.clone());
    }
    let ledger = Ledger::new(lua);
    let raw_module = raw_functions(lua, &ledger)?;
    let raw_probe = probe::raw_methods(lua, &ledger)?;
    let raw_weak = weak_probe::raw_methods(lua)?;
    let raw_lent = lend::raw_methods(lua, &ledger)?;
    let raw_handle = lent_handle::raw_functions(lua)?;
    let api: Table = lua
        .load(include_str!("api.lua"))
        .set_name("=rcprobe/api.lua")
        .call((raw_module, raw_probe, raw_weak, raw_lent, raw_handle))?;
    register_type::<Probe>(lua, api.get("probe")?)?;
    register_type::<WeakProbe>(lua, api.get("weak")?)?;
    register_type::<LentProbe>(lua, api.get("lent")?)?;
    register_type::<LentHandle>(lua, api.get("handle")?)?;
    let exports: Table = api.get("module")?;
    exports.set("_VERSION", format!("rcprobe {}", env!("CARGO_PKG_VERSION")))?;
    exports.set("LUA", LUA)?;
    #[cfg(feature = "bench")]
    crate::bench::install(lua, &exports)?;
    // A Rust host finds rcprobe and its companions with `require`; the rock installs files.
    #[cfg(not(feature = "module"))]
    crate::lua::companions::preload(lua)?;
    lua.set_app_data(Module { exports: exports.clone(), ledger });
    Ok(exports)
}

/// The ledger of `lua`, installing rcprobe first if needed.
pub(crate) fn ledger(lua: &Lua) -> LuaResult<Rc<Ledger>> {
    // One app-data lookup on the path every host call takes (each costs about 80 instructions).
    if let Some(module) = lua.app_data_ref::<Module>() {
        return Ok(Rc::clone(&module.ledger));
    }
    open(lua)?;
    let module = lua.app_data_ref::<Module>().expect("open() stores the module");
    Ok(Rc::clone(&module.ledger))
}

/// Sets the metatable fields `api.lua` made for `T` (its `__index` is a plain table: the
/// fastest method lookup).
fn register_type<T: 'static>(lua: &Lua, meta: Table) -> LuaResult<()> {
    let fields = meta.pairs::<String, LuaValue>().collect::<LuaResult<Vec<_>>>()?;
    lua.register_userdata_type::<T>(move |registry| {
        for (name, value) in fields {
            registry.add_meta_field(name, value);
        }
    })
}

fn raw_functions(lua: &Lua, ledger: &Rc<Ledger>) -> LuaResult<Table> {
    let caller = Caller::new(lua)?;
    let functions = lua.create_table()?;
    let l = Rc::clone(ledger);
    functions.set("new", raw(lua, move |lua, args| create::new(&l, lua, args))?)?;
    let l = Rc::clone(ledger);
    functions.set("strong_count", raw(lua, move |_, x| Ok(target::counts(&l, 1, x)?.strong))?)?;
    let l = Rc::clone(ledger);
    functions.set("weak_count", raw(lua, move |_, x| Ok(target::counts(&l, 1, x)?.weak))?)?;
    let l = Rc::clone(ledger);
    functions.set("is_alive", raw(lua, move |_, x| target::is_alive(&l, 1, x))?)?;
    let l = Rc::clone(ledger);
    functions.set("hold", raw(lua, move |_, p: probe::This| Ok(l.hold(probe::this(p)?.open(1)?)))?)?;
    let l = Rc::clone(ledger);
    functions.set("release", raw(lua, move |_, x| Ok(l.release(target::counted_id(&l, 1, x)?)))?)?;
    let l = Rc::clone(ledger);
    functions.set("stats", raw(lua, move |lua, label| stats::stats(&l, lua, label))?)?;
    let l = Rc::clone(ledger);
    functions.set("live", raw(lua, move |lua, label| stats::live(&l, lua, label))?)?;
    let l = Rc::clone(ledger);
    functions.set(
        "full_gc",
        raw(lua, move |lua, max| Ok(collect::full_gc(&l, lua, collect::max_cycles(max)?)?))?,
    )?;
    let (l, c) = (Rc::clone(ledger), caller.clone());
    functions.set(
        "leaks",
        raw_variadic(lua, move |lua, args| {
            let list = collect::leaks(&l, &c, lua, args)?;
            Ok(MultiValue::from_iter([LuaValue::Table(list)]))
        })?,
    )?;
    let c = caller.clone();
    functions.set("pass", raw_variadic(lua, move |lua, args| pass::pass(&c, lua, args))?)?;
    functions.set("lend", raw_variadic(lua, move |lua, args| lend::lend(&caller, lua, args))?)?;
    let l = Rc::clone(ledger);
    functions.set(
        "info",
        raw(lua, move |lua, x| {
            let info = target::info(&l, 1, x)?;
            let table = info::to_lua(&info, lua)?;
            table.raw_set("alive", info.alive)?; // every leak is alive: only info says so
            Ok(table)
        })?,
    )?;
    let l = Rc::clone(ledger);
    functions.set("links", raw(lua, move |lua, ()| Ok(l.links.of_probes(lua)?))?)?;
    let l = Rc::clone(ledger);
    functions.set("id_of", lua.create_function(move |_, value: LuaValue| Ok(target::id_of(&l, &value)))?)?;
    let l = Rc::clone(ledger);
    functions.set("watch", raw(lua, move |lua, args| watch::watch(&l, lua, args))?)?;
    functions.set("_internal", internal::functions(lua, ledger)?)?;
    Ok(functions)
}
