//! `rcprobe::lend`: the fix for the article's scenario on the host side.

use std::rc::Rc;

use mlua::{FromLuaMulti, Function, IntoLuaMulti, Lua, Result as LuaResult, UserData, Value};

/// Calls `function(handle, args...)` with a handle to `object` that owns no reference, so its
/// counts do not rise: a borrow that ends when the call returns (mlua's `Lua::scope`). Using
/// the handle after that raises a Lua error.
pub fn lend<T, A, R>(lua: &Lua, object: &Rc<T>, function: &Function, args: A) -> LuaResult<R>
where
    T: UserData + 'static,
    A: IntoLuaMulti,
    R: FromLuaMulti,
{
    lua.scope(|scope| {
        let handle = scope.create_userdata_ref(&**object)?;
        let mut args = args.into_lua_multi(lua)?;
        args.push_front(Value::UserData(handle));
        function.call(args)
    })
}
