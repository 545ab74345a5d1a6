//! `rcprobe._internal`: what the pure-Lua companions (rcprobe.paths, rcprobe.target) need to
//! know that Lua code cannot find out by itself. Not part of the API: names may change.

use std::rc::Rc;

use mlua::{AnyUserData, Function, Lua, Result as LuaResult, Table, Value as LuaValue};

use crate::ledger::Ledger;
use crate::lua::lend::LentProbe;
use crate::lua::lent_handle::LentHandle;
use crate::lua::probe::Probe;
use crate::lua::weak_probe::WeakProbe;

pub(crate) fn functions(lua: &Lua, ledger: &Rc<Ledger>) -> LuaResult<Table> {
    let functions = lua.create_table()?;
    let l = Rc::clone(ledger);
    // Every Lua value that Rust holds through a link: `{label, owner, value}`, the `p:link`s
    // first (label nil: the companions name them after their object), then host `Link`s.
    functions.set(
        "links",
        lua.create_function(move |lua, ()| {
            let list = lua.create_table()?;
            for link in l.links.all()? {
                let entry = lua.create_table_with_capacity(0, 3)?;
                entry.raw_set("label", link.label)?;
                entry.raw_set("owner", link.owner)?;
                entry.raw_set("value", link.value)?;
                list.raw_push(entry)?;
            }
            Ok(list)
        })?,
    )?;
    // The watched value of an id, while it is alive.
    let l = Rc::clone(ledger);
    functions.set("value_of", lua.create_function(move |_, id: u32| Ok(l.watched_value(id)))?)?;
    // The id a live value is watched under.
    let l = Rc::clone(ledger);
    functions.set("watched_id", lua.create_function(move |_, value: LuaValue| Ok(l.watched_id(&value)))?)?;
    // For a userdata that stands for an object: its id and whether it keeps it alive
    // ("strong": an open Probe or a host handle; "weak": a WeakProbe; "none": a closed Probe,
    // or a LentProbe or LentHandle during its loan). Nothing for any other value.
    let l = Rc::clone(ledger);
    functions.set(
        "handle",
        lua.create_function(move |_, value: LuaValue| {
            let LuaValue::UserData(ud) = &value else { return Ok((None, None)) };
            let found = if ud.is::<Probe>() {
                ud.borrow_scoped::<Probe, _>(|p| (p.id(), if p.open(1).is_ok() { "strong" } else { "none" }))
                    .ok()
            } else if ud.is::<WeakProbe>() {
                ud.borrow_scoped::<WeakProbe, _>(|w| (w.id(), "weak")).ok()
            } else if ud.is::<LentProbe>() {
                ud.borrow_scoped::<LentProbe, _>(|h| h.live_id().map(|id| (id, "none"))).ok().flatten()
            } else if ud.is::<LentHandle>() {
                ud.borrow_scoped::<LentHandle, _>(|h| h.live_id().map(|id| (id, "none"))).ok().flatten()
            } else {
                l.handle_id(ud).map(|id| (id, "strong"))
            };
            Ok(found.map_or((None, None), |(id, kind)| (Some(id), Some(kind))))
        })?,
    )?;
    // `{[label] = alive}` for the labels with live objects (rcprobe.census).
    let l = Rc::clone(ledger);
    functions.set(
        "alive_by_label",
        lua.create_function(move |lua, ()| {
            let counts = lua.create_table()?;
            for (label, alive) in l.alive_by_label() {
                counts.raw_set(lua.create_string(label)?, alive)?;
            }
            Ok(counts)
        })?,
    )?;
    // The host handles rcprobe has met, `{[handle] = id}` with weak keys (nil before the first).
    let l = Rc::clone(ledger);
    functions.set("met_handles", lua.create_function(move |_, ()| Ok(l.met_handles()))?)?;
    // Without the debug library, what a walk needs to know of functions and userdata:
    // `{what, short_src, linedefined}` of a function (lua_getinfo needs no library), the
    // `__name` of a userdata (its metatable is hidden from Lua code), and its user value.
    functions.set(
        "function_info",
        lua.create_function(|lua, f: Function| {
            let info = f.info();
            let table = lua.create_table_with_capacity(0, 3)?;
            table.raw_set("what", info.what)?;
            table.raw_set("short_src", info.short_src)?;
            table.raw_set("linedefined", info.line_defined)?;
            Ok(table)
        })?,
    )?;
    functions.set(
        "type_name",
        lua.create_function(|_, ud: AnyUserData| Ok(ud.type_name().ok().filter(|name| name != "userdata")))?,
    )?;
    functions
        .set("user_value", lua.create_function(|_, ud: AnyUserData| Ok(ud.user_value::<LuaValue>().ok()))?)?;
    Ok(functions)
}
