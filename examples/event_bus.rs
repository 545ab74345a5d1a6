//! Why is my host object still alive? 3. An event bus in Rust, `Rc<RefCell<Vec<Link<Function>>>>`,
//! whose listener captures a session: the session lives as long as the listener stays on the
//! bus, long after the script that opened it is done.
//!
//!     cargo run --example event_bus --features lua54,vendored
//!
//! It prints what `rcprobe::leaks` and `rcprobe::report` find, then the fix (the script takes
//! its listener off the bus) confirmed. tests/examples.rs compares the output with
//! examples/event_bus.out.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Function, Lua, UserData, UserDataMethods};

struct Session {
    user: String,
    /// Counts every Session from its creation to its `Drop`.
    tally: rcprobe::Tally,
}

impl UserData for Session {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("user", |_, this, ()| Ok(this.user.clone()));
    }
}

/// The host's event bus: each listener is a Lua function held from Rust.
type EventBus = Rc<RefCell<Vec<rcprobe::Link<Function>>>>;

/// A Lua state with the debug library (rcprobe needs it to search upvalues), and the host's
/// functions: `open_session(user)`, `on(listener)`, `off(listener)`, `emit(event)` and `log(text)`.
#[allow(unsafe_code)]
fn new_lua(bus: &EventBus) -> mlua::Result<Lua> {
    // SAFETY: only rcprobe's reports use the debug library, and only to read.
    let lua = unsafe { Lua::unsafe_new() };
    // Once declared, a Session userdata is to rcprobe the handle of its Tally.
    rcprobe::handles::<Session, _>(&lua, |session| &session.tally)?;
    let globals = lua.globals();
    globals.set(
        "open_session",
        lua.create_function(|lua, user: String| {
            lua.create_userdata(Session { user, tally: rcprobe::Tally::new(lua, "Session")? })
        })?,
    )?;
    // Through Rust's stdout: Lua 5.1's print does not flush, so piped lines would come late.
    globals.set(
        "log",
        lua.create_function(|_, text: String| {
            println!("{text}");
            Ok(())
        })?,
    )?;
    let listeners = Rc::clone(bus);
    globals.set(
        "on",
        lua.create_function(move |lua, listener: Function| {
            let label = format!("EventBus.listeners[{}]", listeners.borrow().len() + 1);
            listeners.borrow_mut().push(rcprobe::Link::new(lua, &label, listener)?);
            Ok(())
        })?,
    )?;
    let listeners = Rc::clone(bus);
    globals.set(
        "off",
        lua.create_function(move |_, listener: Function| {
            listeners.borrow_mut().retain(|link| **link != listener);
            Ok(())
        })?,
    )?;
    let listeners = Rc::clone(bus);
    globals.set(
        "emit",
        lua.create_function(move |_, event: String| {
            // Call clones of the listeners: a listener may call on() or off().
            let called: Vec<Function> = listeners.borrow().iter().map(|link| Function::clone(link)).collect();
            for listener in called {
                listener.call::<()>(event.as_str())?;
            }
            Ok(())
        })?,
    )?;
    Ok(lua)
}

/// Runs `code` as the chunk `name` under `rcprobe::leaks`, in a new state with a new bus, and
/// prints what it left alive.
fn run(name: &str, code: &str) -> mlua::Result<(Lua, Vec<rcprobe::Leak>)> {
    let bus = EventBus::default();
    let lua = new_lua(&bus)?;
    println!("{name}:");
    for line in code.lines() {
        println!("  {line}");
    }
    let leaks = rcprobe::leaks(&lua, || lua.load(code).set_name(format!("={name}")).exec())?;
    println!("listeners on the bus: {}", bus.borrow().len());
    let stats = rcprobe::stats_of(&lua, "Session")?;
    println!(
        "rcprobe::leaks: {} left alive; Session: created {}, dropped {}, alive {}",
        leaks.len(),
        stats.created,
        stats.dropped,
        stats.alive()
    );
    Ok((lua, leaks))
}

const BUG: &str = r#"local session = open_session("ada")
on(function(event) log(session:user() .. " got " .. event) end)
emit("hello")"#;

const FIX: &str = r#"local session = open_session("ada")
local function listener(event) log(session:user() .. " got " .. event) end
on(listener)
emit("hello")
off(listener) -- the session is over"#;

fn main() -> mlua::Result<()> {
    println!("The bug: the listener captures the session, and stays on the bus");
    let (lua, leaks) = run("app.lua", BUG)?;
    let ids: Vec<rcprobe::Id> = leaks.iter().map(|leak| leak.id).collect();
    println!("rcprobe::report(&lua, &ids):");
    println!("{}", rcprobe::report(&lua, &ids)?);

    println!();
    println!("The fix: the script takes its listener off the bus when the session is over");
    run("fixed.lua", FIX)?;
    Ok(())
}
