//! In a Rust host, `rcprobe::open(&lua)` is all it takes to `require` rcprobe and its pure-Lua
//! companions, which the crate carries inside it: no file, no `package.path`, no
//! `package.preload` set by hand.

use mlua::{Function, Lua, LuaOptions, StdLib, Table, Value};

mod common;

use common::interpreter_like_lua;

/// Where Debian keeps luassert and say (pure Lua, the same files for every version).
const SYSTEM_LUA_PATH: &str = "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua";

/// A package.path where nothing is found.
const NOWHERE: &str = "/nonexistent/?.lua";

fn with_package_path(lua: &Lua, path: &str) -> mlua::Result<()> {
    lua.globals().get::<Table>("package")?.set("path", path)
}

#[test]
fn require_finds_rcprobe_and_the_same_table_open_returned() -> mlua::Result<()> {
    let lua = interpreter_like_lua();
    with_package_path(&lua, NOWHERE)?;
    let opened = rcprobe::open(&lua)?;
    let required: Table = lua.load(r#"return require("rcprobe")"#).eval()?;
    assert_eq!(opened, required);
    let again: Table = lua.load(r#"return require("rcprobe")"#).eval()?;
    assert_eq!(opened, again);
    Ok(())
}

#[test]
fn require_finds_paths_and_it_works() -> mlua::Result<()> {
    let lua = interpreter_like_lua();
    with_package_path(&lua, NOWHERE)?;
    rcprobe::open(&lua)?;
    let found: Vec<String> = lua
        .load(
            r#"
            local rcprobe, paths = require("rcprobe"), require("rcprobe.paths")
            local p = rcprobe.new()
            cache = { p:clone() }
            return paths.to(p)
            "#,
        )
        .eval()?;
    assert!(found.contains(&"_G.cache[1]".to_string()), "{found:?}");
    Ok(())
}

#[test]
fn the_companions_chunks_are_named_after_their_files() -> mlua::Result<()> {
    let lua = interpreter_like_lua();
    with_package_path(&lua, NOWHERE)?;
    rcprobe::open(&lua)?;
    let (source, internal): (String, bool) = lua
        .load(
            r#"
            local source = debug.getinfo(require("rcprobe.paths").to, "S").source
            -- the pattern rcprobe.paths skips its own frames by (INTERNAL_SOURCES)
            return source, source:find("rcprobe[/\\]paths%.lua$") ~= nil
            "#,
        )
        .eval()?;
    assert_eq!("=rcprobe/paths.lua", source);
    assert!(internal);
    Ok(())
}

#[test]
fn require_finds_rcprobe_luassert_when_luassert_is_installed() -> mlua::Result<()> {
    let lua = interpreter_like_lua();
    with_package_path(&lua, SYSTEM_LUA_PATH)?;
    rcprobe::open(&lua)?;
    let (passes, fails, message): (bool, bool, String) = lua
        .load(
            r#"
            local assert = require("rcprobe.luassert")
            local p = require("rcprobe").new(nil, { label = "session" })
            local passes = pcall(assert.strong_count, 1, p)
            local fails, err = pcall(assert.strong_count, 2, p)
            return passes, fails, tostring(err)
            "#,
        )
        .eval()?;
    assert!(passes);
    assert!(!fails);
    assert!(message.contains("object #1 \"session\""), "{message}");
    Ok(())
}

#[test]
fn without_luassert_rcprobe_luassert_says_what_to_install() -> mlua::Result<()> {
    let lua = interpreter_like_lua();
    with_package_path(&lua, NOWHERE)?;
    rcprobe::open(&lua)?;
    let (kind, message): (String, String) = lua
        .load(
            r#"
            local ok, err = pcall(function()
              local assert = require("rcprobe.luassert")
              return assert
            end)
            return type(err), err
            "#,
        )
        .set_name("=spec")
        .eval()?;
    assert_eq!("string", kind);
    let first_line = message.lines().next().unwrap_or_default();
    assert_eq!(
        "spec:3: rcprobe.luassert needs luassert, which is not installed: module 'luassert' not \
         found (Debian: apt-get install lua-luassert, or lua-busted; LuaRocks: luarocks install \
         luassert)",
        first_line
    );
    assert!(message.contains("/nonexistent/luassert.lua"), "and where require looked:\n{message}");
    Ok(())
}

#[test]
fn every_file_of_lua_rcprobe_is_built_in() -> mlua::Result<()> {
    let lua = Lua::new();
    rcprobe::open(&lua)?;
    let preload: Table = lua.load("return package.preload").eval()?;
    let mut files = 0;
    for entry in std::fs::read_dir("lua/rcprobe").expect("lua/rcprobe/") {
        let path = entry.expect("a file of lua/rcprobe/").path();
        if path.extension().is_some_and(|ext| ext == "lua") {
            let stem = path.file_stem().unwrap().to_string_lossy();
            let name = format!("rcprobe.{stem}");
            assert!(
                matches!(preload.get::<Value>(name.as_str())?, Value::Function(_)),
                "{} is not built into the crate: add it to COMPANIONS in src/lua/companions.rs",
                path.display()
            );
            files += 1;
        }
    }
    assert!(files >= 5, "rcprobe.census, heap, luassert, paths and target at least");
    Ok(())
}

#[test]
fn a_loader_or_module_the_host_put_there_first_stays() -> mlua::Result<()> {
    let lua = Lua::new();
    let (mine_paths, mine_target): (Function, Table) = lua
        .load(
            r#"
            package.preload["rcprobe.paths"] = function() return "the host's paths" end
            package.loaded["rcprobe.target"] = { "the host's target" }
            return package.preload["rcprobe.paths"], package.loaded["rcprobe.target"]
            "#,
        )
        .eval()?;
    rcprobe::open(&lua)?;
    let (paths_loader, target_loader, paths, target): (Function, Value, String, Table) = lua
        .load(
            r#"
            return package.preload["rcprobe.paths"], package.preload["rcprobe.target"],
              require("rcprobe.paths"), require("rcprobe.target")
            "#,
        )
        .eval()?;
    assert_eq!(mine_paths, paths_loader);
    assert!(target_loader.is_nil(), "nothing preloaded for a module already loaded");
    assert_eq!("the host's paths", paths);
    assert_eq!(mine_target, target);
    Ok(())
}

#[test]
fn in_a_state_without_debug_require_finds_every_companion() -> mlua::Result<()> {
    let lua = Lua::new(); // mlua's safe state: no `debug` library
    with_package_path(&lua, SYSTEM_LUA_PATH)?;
    rcprobe::open(&lua)?;
    let found: Vec<String> = lua
        .load(
            r#"
            local rcprobe = require("rcprobe")
            require("rcprobe.census"); require("rcprobe.heap"); require("rcprobe.target")
            local p = rcprobe.new()
            cache = { p:clone() }
            return require("rcprobe.paths").to(p)
            "#,
        )
        .eval()?;
    assert!(found.contains(&"_G.cache[1]".to_string()), "{found:?}");
    // rcprobe.luassert may need `debug` itself; what matters here is that `require` finds it
    // and runs it.
    if let Err(err) = lua.load("require('rcprobe.luassert')").exec() {
        let message = err.to_string();
        assert!(!message.contains("module 'rcprobe.luassert' not found"), "{message}");
        assert!(!message.contains("needs luassert"), "{message}");
    }
    Ok(())
}

#[test]
fn a_state_without_the_package_library_still_opens() -> mlua::Result<()> {
    let lua = Lua::new_with(StdLib::ALL_SAFE ^ StdLib::PACKAGE, LuaOptions::default())?;
    let rcprobe = rcprobe::open(&lua)?;
    assert!(rcprobe.contains_key("new")?);
    Ok(())
}
