//! Why is my host object still alive? 1. The article: the host keeps an `Rc<RefCell<Data>>`
//! and hands Lua a `DataHandle`, a userdata holding a clone of that `Rc`.
//!
//!     cargo run --example article --features lua54,vendored
//!     cargo run --example article --features lua54,vendored -- --dot   # the picture (make docs)
//!
//! It prints what rcprobe reports when Lua keeps the handle, then the count of 2 right after a
//! call that kept nothing, then the fix: `rcprobe::lend`, and the count never rises.
//! tests/examples.rs compares the output with examples/article.out.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Function, Lua, UserData, UserDataMethods};

struct Data {
    visits: u32,
}

/// What the host hands Lua: a clone of its `Rc`, in a userdata.
struct DataHandle(Rc<RefCell<Data>>);

impl UserData for DataHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("visit", |_, this, ()| {
            this.0.borrow_mut().visits += 1;
            Ok(())
        });
    }
}

/// What Lua gets from `rcprobe::lend`: the data itself, borrowed for the call.
impl UserData for Data {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method_mut("visit", |_, this, ()| {
            this.visits += 1;
            Ok(())
        });
    }
}

/// A Lua state with the debug library, which rcprobe needs to search locals and upvalues.
#[allow(unsafe_code)]
fn new_lua() -> mlua::Result<Lua> {
    // SAFETY: only rcprobe's reports use the debug library, and only to read.
    let lua = unsafe { Lua::unsafe_new() };
    lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
    Ok(lua)
}

fn main() -> mlua::Result<()> {
    let dot = std::env::args().nth(1).as_deref() == Some("--dot");
    let lua = new_lua()?;
    // Once declared, a DataHandle is to rcprobe a handle of the Rc it holds.
    rcprobe::handles::<DataHandle, _>(&lua, |handle| &handle.0)?;
    let data = Rc::new(RefCell::new(Data { visits: 0 }));
    let id = rcprobe::track(&lua, &data, "data")?;

    let remember: Function = lua
        .load("return function(data) data:visit() cache = { current = data } end")
        .set_name("=app.lua")
        .eval()?;
    remember.call::<()>(DataHandle(Rc::clone(&data)))?;
    rcprobe::full_gc(&lua)?;
    if dot {
        let paths: mlua::Table = lua.load("return require('rcprobe.paths')").eval()?;
        print!("{}", paths.get::<Function>("dot")?.call::<String>(id)?);
        return Ok(());
    }
    println!("1. Lua keeps the handle: the host calls remember(DataHandle(Rc::clone(&data))),");
    println!("   and Lua stores it in cache.current");
    println!("Rc::strong_count(&data) after rcprobe::full_gc(): {}", Rc::strong_count(&data));
    println!("rcprobe::report(&lua, &[id]):");
    println!("{}", rcprobe::report(&lua, &[id])?);
    lua.load("cache.current = nil").exec()?;
    rcprobe::full_gc(&lua)?;
    println!("Lua lets go (cache.current = nil); after rcprobe::full_gc(): {}", Rc::strong_count(&data));

    println!();
    println!("2. The count of 2 right after a call that keeps nothing (the collector stopped)");
    let visit: Function = lua.load("return function(data) data:visit() end").set_name("=app.lua").eval()?;
    lua.gc_stop();
    visit.call::<()>(DataHandle(Rc::clone(&data)))?;
    println!("after visit(DataHandle(Rc::clone(&data))): {}", Rc::strong_count(&data));
    println!("  why: {}", rcprobe::why(&lua, id)?.summary);
    rcprobe::full_gc(&lua)?;
    lua.gc_stop(); // 5.1 and LuaJIT restart a stopped collector when they collect
    visit.call::<()>(rcprobe::handle(&lua, DataHandle(Rc::clone(&data)))?)?;
    println!(
        "after visit(rcprobe::handle(&lua, DataHandle(Rc::clone(&data)))?): {}",
        Rc::strong_count(&data)
    );
    println!("  why: {}", rcprobe::why(&lua, id)?.summary);
    lua.gc_restart();
    rcprobe::full_gc(&lua)?;
    println!("after rcprobe::full_gc(): {}", Rc::strong_count(&data));

    println!();
    println!("3. The fix: rcprobe::lend(&lua, &data, &visit, ()) lends Lua the data, borrowed for the call");
    let visit_lent: Function = lua
        .load("return function(data) data:visit() return rcprobe.strong_count(data) end")
        .set_name("=app.lua")
        .eval()?;
    lua.gc_stop();
    println!("before the call: {}", Rc::strong_count(&data));
    let inside: usize = rcprobe::lend(&lua, &data, &visit_lent, ())?;
    println!("inside the call: {inside}");
    println!("after the call, with no collection: {}", Rc::strong_count(&data));
    lua.gc_restart();
    println!("visits: {}", data.borrow().visits);
    Ok(())
}
