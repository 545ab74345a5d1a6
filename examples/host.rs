//! A Rust host that embeds Lua with mlua and uses rcprobe to watch its own `Rc` values.
//!
//!     cargo run --example host --features lua54,vendored
//!
//! It hands Lua a session twice: once as a clone of its `Rc` (the count stays at 2 until Lua
//! collects the clone) and once lent (the count never rises, and the handle Lua kept fails
//! once the loan is over), and lets Lua code check both through rcprobe.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Function, Lua, UserData, UserDataMethods};

struct Session {
    visits: u32,
}

/// What the host gives Lua when it hands over a clone of its `Rc`.
struct SessionHandle(Rc<RefCell<Session>>);

impl UserData for SessionHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("visit", |_, this, ()| {
            this.0.borrow_mut().visits += 1;
            Ok(())
        });
    }
}

/// What Lua gets when the host lends the session instead: the session itself, borrowed.
impl UserData for Session {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("visits", |_, this, ()| Ok(this.visits));
        methods.add_method_mut("visit", |_, this, ()| {
            this.visits += 1;
            Ok(())
        });
    }
}

fn main() -> mlua::Result<()> {
    let lua = Lua::new();
    lua.globals().set("rcprobe", rcprobe::open(&lua)?)?; // no `require` needed

    let session = Rc::new(RefCell::new(Session { visits: 0 }));
    let id = rcprobe::track(&lua, &session, "session")?;
    lua.globals().set("session_id", id)?;
    let visit: Function = lua
        .load("return function(session) session:visit() return rcprobe.strong_count(session_id) end")
        .eval()?;

    lua.gc_stop();
    let inside: usize = visit.call(SessionHandle(Rc::clone(&session)))?;
    println!(
        "handed a clone: strong count inside the call {inside}, after it {}",
        Rc::strong_count(&session)
    );
    lua.gc_collect()?;
    println!("after lua.gc_collect(): {}", Rc::strong_count(&session));

    // The same Rc<RefCell<Session>>, lent: Lua borrows the session for the call only.
    let visit_lent: Function = lua
        .load(
            r#"return function(session)
                 kept = session
                 session:visit()
                 return session:visits(), rcprobe.strong_count(session_id)
               end"#,
        )
        .eval()?;
    let (visits, inside): (u32, usize) = rcprobe::lend(&lua, &session, &visit_lent, ())?;
    println!(
        "lent: {visits} visits, strong count inside the call {inside}, after it {}",
        Rc::strong_count(&session)
    );
    let late: String =
        lua.load("local ok, err = pcall(function() return kept:visits() end) return err").eval()?;
    println!("the handle Lua kept, after the loan: {late}");

    let stats = rcprobe::stats(&lua)?;
    println!("rcprobe.stats(): {} tracked, {} alive", stats.created, stats.alive());
    Ok(())
}
