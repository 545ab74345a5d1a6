//! The busted specs, run on the vendored Lua of this build through a small stand-in for
//! busted's runner (tests/support/mini_busted.lua) with luassert's real assertions. This is
//! how the specs reach Lua 5.5, which has no stock interpreter here.
//!
//! Needs luassert where the system keeps it (Debian's lua-busted, which `make test`
//! installs). Each spec file runs in a new Lua state, one file at a time, with rcprobe and
//! its companions as a Rust host gets them: built into the crate.

use std::path::Path;
use std::sync::Mutex;

use mlua::Table;

mod common;

use common::interpreter_like_lua;

/// Spec files run one at a time: `memory_spec` reads the process's resident memory.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Where Debian keeps luassert and say (pure Lua, the same files for every version).
const SYSTEM_LUA_PATH: &str = "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua";

fn run_spec(file: &str) -> mlua::Result<()> {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let lua = interpreter_like_lua();
    // As a Rust host does: after `open`, `require` finds rcprobe and its companions built into
    // the crate (package.preload). No ./lua/ in the path: the specs load the built-in copies,
    // which a host gets, and the rock's specs (busted) load the files luarocks installed.
    rcprobe::open(&lua)?;
    let package: Table = lua.globals().get("package")?;
    package.set("path", format!("./?.lua;./tests/support/?.lua;{SYSTEM_LUA_PATH}"))?;

    let path = Path::new("spec").join(file);
    let (passed, failed, failures): (u32, u32, Vec<String>) =
        lua.load("return require('mini_busted').run(...)").call(path.to_string_lossy().into_owned())?;
    assert!(failures.is_empty() && failed == 0, "{file}: {failed} failed:\n{}", failures.join("\n"));
    assert!(passed > 0, "{file}: no test ran");
    Ok(())
}

macro_rules! specs {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() -> mlua::Result<()> {
            run_spec(concat!(stringify!($name), ".lua"))
        }
    )*};
}

// Every spec file but example_spec, which starts an interpreter process, and types_spec,
// which checks what the installed rock ships.
specs!(
    census_spec,
    counts_spec,
    errors_spec,
    full_gc_spec,
    graph_spec,
    holds_spec,
    info_spec,
    leaks_spec,
    lend_spec,
    link_spec,
    luassert_spec,
    memory_spec,
    model_spec,
    module_spec,
    new_spec,
    pass_spec,
    paths_spec,
    probe_spec,
    readme_spec,
    stats_spec,
    watch_spec,
    weak_probe_spec,
    why_spec,
);

#[test]
fn every_spec_file_is_run_here_or_skipped_on_purpose() {
    let skipped = ["example_spec.lua", "types_spec.lua"];
    let listed = include_str!("specs.rs");
    for entry in std::fs::read_dir("spec").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with("_spec.lua") && !skipped.contains(&name.as_str()) {
            let test_name = format!("    {},", name.trim_end_matches(".lua"));
            assert!(listed.contains(&test_name), "tests/specs.rs does not run spec/{name}");
        }
    }
}
