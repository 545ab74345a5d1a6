//! `rcprobe.pass(p, fn, ...)`: the article's scenario. Rust clones the `Rc` into a new Probe and
//! calls `fn(clone, ...)` through mlua; the clone counts until Lua collects it.

use mlua::{Function, Lua, MultiValue, Value as LuaValue};

use crate::lua::misuse::{Misuse, Reply};
use crate::lua::probe::{self, This};

/// Calls Lua functions so that their errors keep their value.
///
/// mlua hands errors raised by Lua back to Rust as strings with a traceback, so a table error
/// would be lost. Calling through the `pcall` captured when the module loaded keeps the value,
/// and the Lua wrapper raises it again unchanged.
#[derive(Clone)]
pub(crate) struct Caller {
    pcall: Function,
}

impl Caller {
    pub(crate) fn new(lua: &Lua) -> mlua::Result<Caller> {
        Ok(Caller { pcall: lua.globals().raw_get("pcall")? })
    }

    /// `function(args...)`, with its results, or its error as a misuse to raise again.
    pub(crate) fn call(&self, function: LuaValue, mut args: MultiValue) -> Reply<MultiValue> {
        args.push_front(function);
        let mut results: MultiValue = self.pcall.call(args)?;
        match results.pop_front() {
            Some(LuaValue::Boolean(true)) => Ok(results),
            _ => Err(Misuse::raised(results.pop_front().unwrap_or(LuaValue::Nil))),
        }
    }
}

/// Checks that argument `arg` can be called, as Lua's `pcall` would need.
pub(crate) fn callable(arg: u8, value: LuaValue) -> Reply<LuaValue> {
    let callable = match &value {
        LuaValue::Function(_) => true,
        LuaValue::Table(table) => {
            table.metatable().is_some_and(|mt| mt.contains_key("__call").unwrap_or(false))
        }
        _ => false,
    };
    if callable { Ok(value) } else { Err(Misuse::type_error(arg, "function", value)) }
}

pub(crate) fn pass(
    caller: &Caller,
    lua: &Lua,
    (p, function, mut args): (This, LuaValue, MultiValue),
) -> Reply<MultiValue> {
    let object = std::rc::Rc::clone(probe::this(p)?.open(1)?);
    let function = callable(2, function)?;
    let clone = probe::push(lua, object)?;
    args.push_front(LuaValue::UserData(clone));
    caller.call(function, args)
}
