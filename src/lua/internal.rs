//! `rcprobe._internal`: what the pure-Lua companions (rcprobe.paths, rcprobe.target) need to
//! know that Lua code cannot find out by itself. Not part of the API: names may change.

use std::rc::Rc;

use mlua::{Lua, Result as LuaResult, Table, Value as LuaValue};

use crate::ledger::Ledger;
use crate::lua::lend::LentProbe;
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
    // ("strong": an open Probe or a host handle; "weak": a WeakProbe; "none": a closed Probe
    // or a LentProbe). Nothing for any other value.
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
            } else {
                l.handle_id(ud).map(|id| (id, "strong"))
            };
            Ok(found.map_or((None, None), |(id, kind)| (Some(id), Some(kind))))
        })?,
    )?;
    Ok(functions)
}
