//! The article's scenario in Rust, on a vendored Lua: an `Rc<RefCell<T>>` clone handed to a
//! Lua function through mlua counts until Lua collects it.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Function, Lua, UserData, UserDataMethods};

struct Session {
    visits: u32,
}

/// What Rust hands to Lua: a clone of its `Rc`, inside a userdata.
struct SessionHandle(Rc<RefCell<Session>>);

impl UserData for SessionHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("visit", |_, this, ()| {
            this.0.borrow_mut().visits += 1;
            Ok(())
        });
    }
}

#[test]
fn a_clone_passed_to_a_lua_function_counts_until_lua_collects_it() -> mlua::Result<()> {
    let lua = Lua::new();
    let session = Rc::new(RefCell::new(Session { visits: 0 }));
    let visit: Function = lua.load("return function(session) session:visit() end").eval()?;

    lua.gc_stop(); // no automatic step may collect the clone before we look
    assert_eq!(1, Rc::strong_count(&session));
    visit.call::<()>(SessionHandle(Rc::clone(&session)))?;
    assert_eq!(2, Rc::strong_count(&session), "the clone lives on in a Lua userdata");

    lua.gc_collect()?;
    assert_eq!(1, Rc::strong_count(&session), "one collection frees it");
    assert_eq!(1, session.borrow().visits);
    Ok(())
}

#[test]
fn rcprobe_shows_the_same_from_lua() -> mlua::Result<()> {
    let lua = Lua::new();
    lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
    let counts: Vec<i64> = lua
        .load(
            r#"
            local p = rcprobe.new()
            local counts = { p:strong_count() }
            collectgarbage("stop")
            rcprobe.pass(p, function(clone) end)
            counts[2] = p:strong_count()
            collectgarbage()
            counts[3] = p:strong_count()
            collectgarbage("restart")
            return counts
            "#,
        )
        .eval()?;
    assert_eq!(vec![1, 2, 1], counts);
    Ok(())
}

#[test]
fn the_module_reports_the_lua_it_was_built_for() -> mlua::Result<()> {
    let lua = Lua::new();
    let module = rcprobe::open(&lua)?;
    assert_eq!(rcprobe::LUA, module.get::<String>("LUA")?);
    let version: String = lua.load("return jit and 'LuaJIT' or _VERSION").eval()?;
    assert_eq!(version, rcprobe::LUA);
    Ok(())
}
