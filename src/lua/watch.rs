//! `rcprobe.watch(v [, label])`: any collectable Lua value gets an id, alive until the
//! collector frees the value (src/ledger/watched.rs says how that is seen).

use mlua::{Lua, Value as LuaValue};

use crate::ledger::Ledger;
use crate::ledger::object::Id;
use crate::lua::misuse::{Misuse, Reply};

pub(crate) const EXPECTED: &str = "table, function, thread or userdata";

pub(crate) fn watch(ledger: &Ledger, lua: &Lua, (value, label): (LuaValue, LuaValue)) -> Reply<Id> {
    if !collectable(&value) {
        return Err(Misuse::type_error(1, EXPECTED, value));
    }
    // `api.lua` passes the value's type name when the caller gave no label.
    let label = match label {
        LuaValue::String(label) => label.as_bytes().to_vec(),
        got => return Err(Misuse::type_error(2, "string", got)),
    };
    Ok(ledger.watch(lua, &value, &label)??)
}

/// Whether the collector frees `value` (mlua's own error objects arrive copied: they cannot be
/// watched).
pub(crate) fn collectable(value: &LuaValue) -> bool {
    matches!(
        value,
        LuaValue::Table(_)
            | LuaValue::Function(_)
            | LuaValue::Thread(_)
            | LuaValue::UserData(_)
            | LuaValue::Other(_)
    )
}

/// Lua's name for the type of `value`.
pub(crate) fn type_name(value: &LuaValue) -> &'static str {
    match value {
        LuaValue::Other(_) => "cdata",
        other => crate::lua::create::type_name(other),
    }
}
