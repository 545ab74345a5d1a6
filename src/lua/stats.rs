//! `rcprobe.stats([label])` and `rcprobe.live([label])`: what this Lua state created and what
//! is still alive, for all objects or for one label.

use mlua::{Lua, Table, Value as LuaValue};

use crate::ledger::Ledger;
use crate::lua::misuse::{Misuse, Reply};

pub(crate) fn stats(ledger: &Ledger, lua: &Lua, label: LuaValue) -> Reply<Table> {
    let stats = match label_arg(label)? {
        None => ledger.total(),
        Some(label) => ledger.label_stats(&label),
    };
    Ok(stats.to_lua(lua)?)
}

pub(crate) fn live(ledger: &Ledger, lua: &Lua, label: LuaValue) -> Reply<Table> {
    let ids = ledger.live(label_arg(label)?.as_deref());
    Ok(lua.create_sequence_from(ids)?)
}

fn label_arg(label: LuaValue) -> Reply<Option<Vec<u8>>> {
    match label {
        LuaValue::Nil => Ok(None),
        LuaValue::String(label) => Ok(Some(label.as_bytes().to_vec())),
        got => Err(Misuse::type_error(1, "string", got)),
    }
}
