//! The set-up the Rust test crates share: Lua states with rcprobe installed as a host installs
//! it. Each crate uses some of these (`mod common;`).
#![allow(dead_code)]

use mlua::Lua;

/// A state with mlua's safe standard libraries (no `debug`), and `rcprobe` as a global.
pub fn lua_with_rcprobe() -> mlua::Result<Lua> {
    let lua = Lua::new();
    lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
    Ok(lua)
}

/// A state with every standard library, `debug` included, as a stock interpreter has:
/// rcprobe.paths needs it to search locals, upvalues and the registry, and rcprobe words its
/// errors with `debug.getinfo`.
#[allow(unsafe_code)]
pub fn interpreter_like_lua() -> Lua {
    // SAFETY: mlua calls this unsafe because Lua code with `debug` can break mlua's invariants
    // (e.g. swap a userdata's metatable). The tests and specs use `debug` only to read.
    unsafe { Lua::unsafe_new() }
}

/// `interpreter_like_lua`, with `rcprobe` as a global.
pub fn lua_with_debug() -> mlua::Result<Lua> {
    let lua = interpreter_like_lua();
    lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
    Ok(lua)
}

pub fn eval<R: mlua::FromLuaMulti>(lua: &Lua, code: &str) -> mlua::Result<R> {
    lua.load(code).eval()
}
