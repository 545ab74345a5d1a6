//! The pure-Lua companions (lua/rcprobe/*.lua) built into the crate, for a Rust host: once
//! `rcprobe::open(&lua)` has run, `require("rcprobe")`, `require("rcprobe.paths")`,
//! `require("rcprobe.luassert")` and the others find them in `package.preload`, with no file on
//! disk and no `package.path` set.
//!
//! The loadable module (the `module` feature, which luarocks builds) leaves `package.preload`
//! alone: the rock installs the files, and `package.preload` is searched before
//! `package.path`, so preloading there would hide the files the user installed. This file is
//! not compiled into it.

use mlua::{Function, Lua, MultiValue, Result as LuaResult, Table, Value as LuaValue};

use crate::lua::module::open;

/// Every file of lua/rcprobe/, by the name `require` knows it by. tests/companions.rs fails
/// when a file there is missing here.
const COMPANIONS: [(&str, &str); 5] = [
    ("rcprobe.census", include_str!("../../lua/rcprobe/census.lua")),
    ("rcprobe.heap", include_str!("../../lua/rcprobe/heap.lua")),
    ("rcprobe.luassert", include_str!("../../lua/rcprobe/luassert.lua")),
    ("rcprobe.paths", include_str!("../../lua/rcprobe/paths.lua")),
    ("rcprobe.target", include_str!("../../lua/rcprobe/target.lua")),
];

/// Makes the loader of one companion. A companion is compiled when it is first required, not
/// when rcprobe opens: a host that never requires it pays nothing. The loader is Lua, so that
/// an error the companion raises while loading reaches `require`'s caller unchanged.
///
/// rcprobe.luassert needs luassert: when it is missing, its loader says what to install
/// instead of failing on its first line with the list of files `require` tried.
const MAKE_LOADER: &str = r#"
local compile = ...
local error, format, match, pcall, require, tostring = error, string.format, string.match, pcall,
  require, tostring

local NO_LUASSERT = "rcprobe.luassert needs luassert, which is not installed: module 'luassert' not"
  .. " found (Debian: apt-get install lua-luassert, or lua-busted; LuaRocks: luarocks install"
  .. " luassert)%s"

local function check_luassert()
  local found, err = pcall(require, "luassert")
  if found then return end
  local searched = match(tostring(err), "^module 'luassert' not found:?(.*)$")
  if not searched then error(err, 0) end -- luassert is there, and failed: its own error
  error(format(NO_LUASSERT, searched), 4) -- at the line that required rcprobe.luassert
end

return function(name)
  return function(...)
    if name == "rcprobe.luassert" then check_luassert() end
    return compile(name)(...)
  end
end
"#;

/// Registers the `package.preload` loaders of `rcprobe` (the module table `open` returns) and
/// of each companion, leaving alone any name that already has a loader there or a module in
/// `package.loaded`. A state without the package library gets nothing.
pub(crate) fn preload(lua: &Lua) -> LuaResult<()> {
    let LuaValue::Table(package) = lua.globals().raw_get("package")? else { return Ok(()) };
    let LuaValue::Table(preload) = package.raw_get("preload")? else { return Ok(()) };
    let loaded = match package.raw_get("loaded")? {
        LuaValue::Table(loaded) => Some(loaded),
        _ => None,
    };
    let is_free = |name: &str| -> LuaResult<bool> {
        let taken = |table: &Table| -> LuaResult<bool> { Ok(!table.raw_get::<LuaValue>(name)?.is_nil()) };
        Ok(!taken(&preload)? && !loaded.as_ref().map(taken).transpose()?.unwrap_or(false))
    };

    if is_free("rcprobe")? {
        preload.raw_set("rcprobe", lua.create_function(|lua, _: MultiValue| open(lua))?)?;
    }
    let compile = lua.create_function(|lua, name: String| compile(lua, &name))?;
    let make_loader: Function = lua.load(MAKE_LOADER).set_name("=rcprobe/companions.rs").call(compile)?;
    for (name, _) in COMPANIONS {
        if is_free(name)? {
            preload.raw_set(name, make_loader.call::<Function>(name)?)?;
        }
    }
    Ok(())
}

/// The chunk of the companion `name`, named `=rcprobe/paths.lua` after the file: rcprobe.paths
/// knows its own frames and rcprobe.luassert's by that ending, and error messages name the file.
fn compile(lua: &Lua, name: &str) -> LuaResult<Function> {
    let (_, source) = COMPANIONS
        .iter()
        .find(|(companion, _)| *companion == name)
        .ok_or_else(|| mlua::Error::runtime(format!("no companion {name} in rcprobe")))?;
    lua.load(*source).set_name(format!("={}.lua", name.replace('.', "/"))).into_function()
}
