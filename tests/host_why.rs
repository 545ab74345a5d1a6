//! Why is a host object still alive? The four situations hosts report, on a vendored Lua with
//! the debug library: the article's `Rc<RefCell<Data>>` kept by Lua, a Button whose Rust field
//! holds a Lua closure that captures the button, an event bus whose listener keeps a session,
//! and plain entities counted with a Tally. Each gets the right counts, a path that names the
//! real holder, never a false "garbage", and the fix confirmed.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{AnyUserData, Function, Lua, UserData, UserDataMethods};

mod common;

use common::lua_with_debug;

struct Data {
    visits: u32,
}

/// The article's handle: what the host gives Lua, a clone of its `Rc`.
struct DataHandle(Rc<RefCell<Data>>);

impl UserData for DataHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("visit", |_, this, ()| {
            this.0.borrow_mut().visits += 1;
            Ok(())
        });
    }
}

#[test]
fn the_articles_rc_kept_by_lua_is_one_reachable_handle_and_the_hosts_own_rc() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    rcprobe::handles::<DataHandle, _>(&lua, |handle| &handle.0)?;
    let data = Rc::new(RefCell::new(Data { visits: 0 }));
    let id = rcprobe::track(&lua, &data, "data")?;
    let keep: Function = lua.load("return function(data) cache = { current = data } end").eval()?;
    keep.call::<()>(DataHandle(Rc::clone(&data)))?;
    rcprobe::full_gc(&lua)?;

    let why = rcprobe::why(&lua, id)?;
    assert_eq!((Some(2), 1, 0, Some(1)), (why.strong, why.reachable, why.unreached, why.outside));
    assert_eq!(vec!["_G.cache.current".to_string()], why.reachable_paths);
    assert_eq!("reachable", why.verdict);
    assert_eq!(
        "strong 2 = 1 handle reachable from Lua (_G.cache.current) + 1 outside Lua (your own Rc clones, or \
         userdata mlua made that rcprobe never met: make them with rcprobe::handle)",
        why.summary
    );
    let leaks = rcprobe::leaks(&lua, || Ok(()))?;
    assert!(leaks.is_empty(), "nothing new");

    // The fix: Lua lets go, and one collection later only the host's own Rc is left.
    lua.load("cache = nil").exec()?;
    rcprobe::full_gc(&lua)?;
    assert_eq!(1, Rc::strong_count(&data));
    assert_eq!((Some(1), Some(1)), (rcprobe::why(&lua, id)?.strong, rcprobe::why(&lua, id)?.outside));
    Ok(())
}

#[test]
fn a_handle_no_root_reaches_is_unreached_once_rcprobe_has_met_it() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    rcprobe::handles::<DataHandle, _>(&lua, |handle| &handle.0)?;
    let data = Rc::new(RefCell::new(Data { visits: 0 }));
    let id = rcprobe::track(&lua, &data, "data")?;
    let visit: Function =
        lua.load("return function(data) data:visit() return rcprobe.id_of(data) end").eval()?;
    lua.gc_stop();
    let seen: rcprobe::Id = visit.call(DataHandle(Rc::clone(&data)))?;
    assert_eq!(id, seen);
    let why = rcprobe::why(&lua, id)?;
    assert_eq!((Some(2), 0, 1, Some(1)), (why.strong, why.reachable, why.unreached, why.outside));
    assert_eq!(
        "strong 2 = 1 unreached handle (the next full collection frees it, unless Rust holds it where Lua cannot \
         look or a stale stack slot does) + 1 outside Lua (your own Rc clones, or userdata mlua made that rcprobe never met: make them with \
         rcprobe::handle)",
        why.summary
    );
    lua.gc_restart();
    rcprobe::full_gc(&lua)?;
    assert_eq!((Some(1), 0, Some(1)), {
        let why = rcprobe::why(&lua, id)?;
        (why.strong, why.unreached, why.outside)
    });
    Ok(())
}

/// A button whose Rust field holds its click handler: the classic cycle through Rust when the
/// handler captures the button.
struct Button {
    tally: rcprobe::Tally,
    on_click: Option<rcprobe::Link<Function>>,
}

impl UserData for Button {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_function("on_click", |lua, (this, handler): (AnyUserData, Function)| {
            let owner = this.borrow::<Button>()?.tally.id();
            let link = rcprobe::Link::with_owner(lua, owner, "Button.on_click", handler)?;
            this.borrow_mut::<Button>()?.on_click = Some(link);
            Ok(())
        });
        // The fix: the handler as the button's user value, which the collector traces.
        methods.add_function("set_handler", |_, (this, handler): (AnyUserData, Function)| {
            this.set_user_value(handler)
        });
    }
}

#[test]
fn a_button_whose_handler_captures_it_is_a_cycle_through_rust_and_a_user_value_fixes_it() -> mlua::Result<()>
{
    let lua = lua_with_debug()?;
    rcprobe::handles::<Button, _>(&lua, |button| &button.tally)?;
    let new_button = lua.create_function(|lua, ()| {
        lua.create_userdata(Button { tally: rcprobe::Tally::new(lua, "Button")?, on_click: None })
    })?;
    lua.globals().set("Button", new_button)?;
    lua.load("local ok = Button()\nok:on_click(function() return ok end)").set_name("=dialog.lua").exec()?;
    rcprobe::full_gc(&lua)?;

    let id = rcprobe::live(&lua, Some("Button"))?[0];
    let why = rcprobe::why(&lua, id)?;
    assert_eq!(("cycle through Rust", true, 1), (why.verdict.as_str(), why.cycle, why.linked));
    assert_eq!(
        vec![
            "Rust: Button.on_click -> upvalue 'ok' of function <dialog.lua:2> (a cycle through Rust that Lua's \
             collector cannot free: keep the value in the object's user value (AnyUserData::set_user_value), or let \
             the closure reach the object through a weak-valued table, instead of a Rust field)"
                .to_string()
        ],
        why.linked_paths
    );

    let fixed = rcprobe::leaks(&lua, || {
        lua.load("local ok = Button()\nok:set_handler(function() return ok end)")
            .set_name("=fixed.lua")
            .exec()
    })?;
    assert!(fixed.is_empty(), "{fixed:?}");
    Ok(())
}

#[test]
fn an_event_bus_listener_that_captures_a_session_names_the_listener() -> mlua::Result<()> {
    struct Session {
        _tally: rcprobe::Tally,
    }
    impl UserData for Session {}
    type Bus = Rc<RefCell<Vec<rcprobe::Link<Function>>>>;

    let lua = lua_with_debug()?;
    rcprobe::handles::<Session, _>(&lua, |session| &session._tally)?;
    let bus: Bus = Rc::default();
    let on = {
        let bus = Rc::clone(&bus);
        lua.create_function(move |lua, listener: Function| {
            let label = format!("EventBus.listeners[{}]", bus.borrow().len() + 1);
            bus.borrow_mut().push(rcprobe::Link::new(lua, &label, listener)?);
            Ok(())
        })?
    };
    lua.globals().set("on", on)?;
    lua.globals().set(
        "open_session",
        lua.create_function(|lua, ()| {
            lua.create_userdata(Session { _tally: rcprobe::Tally::new(lua, "Session")? })
        })?,
    )?;
    let leaks = rcprobe::leaks(&lua, || {
        lua.load("local session = open_session()\non(function() return session end)")
            .set_name("=app.lua")
            .exec()
    })?;
    assert_eq!(1, leaks.len());
    let why = rcprobe::why(&lua, leaks[0].id)?;
    assert_eq!(("linked", false), (why.verdict.as_str(), why.cycle), "the bus lives in Rust: no cycle");
    assert_eq!(
        vec!["Rust: EventBus.listeners[1] -> upvalue 'session' of function <app.lua:2>".to_string()],
        why.linked_paths
    );
    // The fix: remove the listener; the session goes at the next collection.
    bus.borrow_mut().clear();
    rcprobe::assert_collectable!(&lua, leaks[0].id);
    Ok(())
}

#[test]
fn plain_entities_are_counted_per_type_and_a_kept_one_is_found() -> mlua::Result<()> {
    struct Entity {
        _tally: rcprobe::Tally,
    }
    impl UserData for Entity {}

    let lua = lua_with_debug()?;
    rcprobe::handles::<Entity, _>(&lua, |entity| &entity._tally)?;
    lua.globals().set(
        "spawn",
        lua.create_function(|lua, ()| {
            lua.create_userdata(Entity { _tally: rcprobe::Tally::new(lua, "Entity")? })
        })?,
    )?;
    lua.load("world = {} for i = 1, 3 do world[i] = spawn() end spawn()").exec()?;
    rcprobe::full_gc(&lua)?;
    let stats = rcprobe::stats_of(&lua, "Entity")?;
    assert_eq!((4, 1, 3, 4), (stats.created, stats.dropped, stats.alive(), stats.peak));
    let report = rcprobe::report(&lua, &rcprobe::live(&lua, Some("Entity"))?[..1])?;
    assert!(report.contains("    _G.world[1]"), "{report}");
    lua.load("world = nil").exec()?;
    rcprobe::full_gc(&lua)?;
    assert_eq!(0, rcprobe::stats_of(&lua, "Entity")?.alive());
    Ok(())
}

#[test]
fn a_link_that_holds_its_owners_own_handle_is_a_cycle_through_rust() -> mlua::Result<()> {
    struct Node {
        tally: rcprobe::Tally,
        me: RefCell<Option<rcprobe::Link<AnyUserData>>>,
    }
    impl UserData for Node {}

    let lua = lua_with_debug()?;
    rcprobe::handles::<Node, _>(&lua, |node| &node.tally)?;
    let node =
        lua.create_userdata(Node { tally: rcprobe::Tally::new(&lua, "Node")?, me: RefCell::new(None) })?;
    let id = node.borrow::<Node>()?.tally.id();
    let link = rcprobe::Link::with_owner(&lua, id, "Node.me", node.clone())?;
    *node.borrow::<Node>()?.me.borrow_mut() = Some(link);
    drop(node);
    rcprobe::full_gc(&lua)?;
    let why = rcprobe::why(&lua, id)?;
    assert_eq!(("cycle through Rust", 1), (why.verdict.as_str(), why.linked), "{why:?}");
    assert!(why.linked_paths[0].starts_with("Rust: Node.me (a cycle through Rust"), "{why:?}");
    Ok(())
}

#[test]
fn without_the_debug_library_a_cycle_through_an_upvalue_is_unknown_not_outside_lua() -> mlua::Result<()> {
    let lua = Lua::new(); // no debug library: upvalues cannot be searched
    rcprobe::handles::<Button, _>(&lua, |button| &button.tally)?;
    let new_button = lua.create_function(|lua, ()| {
        lua.create_userdata(Button { tally: rcprobe::Tally::new(lua, "Button")?, on_click: None })
    })?;
    lua.globals().set("Button", new_button)?;
    lua.load("local ok = Button()\nok:on_click(function() return ok end)").exec()?;
    rcprobe::full_gc(&lua)?;
    let id = rcprobe::live(&lua, Some("Button"))?[0];
    let why = rcprobe::why(&lua, id)?;
    assert_eq!("unknown", why.verdict, "{why:?}");
    let report = rcprobe::report(&lua, &[id])?;
    assert!(!report.contains("it lives in Rust, outside Lua"), "{report}");
    assert!(report.contains("  not searched: locals, upvalues and the registry"), "{report}");
    Ok(())
}
