//! The Rust API for a host's tests: leak checks, reports and `why` from `#[test]`, and the
//! article's own scenario written with it, on every vendored Lua.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use mlua::{Function, Lua, UserData, UserDataMethods};

mod common;

use common::lua_with_debug;

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it did not panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

struct Session {
    visits: u32,
}

/// What the host hands Lua: a clone of its `Rc`.
struct SessionHandle(Rc<RefCell<Session>>);

impl UserData for SessionHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("visit", |_, this, ()| {
            this.0.borrow_mut().visits += 1;
            Ok(())
        });
    }
}

impl UserData for Session {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method_mut("visit", |_, this, ()| {
            this.visits += 1;
            Ok(())
        });
    }
}

#[test]
fn the_article_2_after_the_call_why_and_1_after_full_gc() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    rcprobe::handles::<SessionHandle, _>(&lua, |handle| &handle.0)?;
    let session = Rc::new(RefCell::new(Session { visits: 0 }));
    let id = rcprobe::track(&lua, &session, "session")?;
    let visit: Function = lua.load("return function(session) session:visit() end").eval()?;

    lua.gc_stop(); // no automatic step may collect the clone before we look
    visit.call::<()>(rcprobe::handle(&lua, SessionHandle(Rc::clone(&session)))?)?;
    assert_eq!(2, Rc::strong_count(&session), "the clone lives on in a Lua userdata");
    let why = rcprobe::why(&lua, id)?;
    assert_eq!(
        "strong 2 = 1 unreached handle (the next full collection frees it, unless Rust holds it where Lua \
         cannot look or a stale stack slot does) + 1 outside Lua (your own Rc clones, or userdata mlua made that rcprobe never met: make them with \
         rcprobe::handle)",
        why.summary
    );
    rcprobe::full_gc(&lua)?;
    assert_eq!(1, Rc::strong_count(&session), "one full collection frees it");
    assert_eq!((Some(1), 0, Some(1)), {
        let why = rcprobe::why(&lua, id)?;
        (why.strong, why.unreached, why.outside)
    });

    // A handle made by mlua alone is one rcprobe never met: why cannot tell it from the host's
    // own Rc, and says so.
    visit.call::<()>(SessionHandle(Rc::clone(&session)))?;
    let why = rcprobe::why(&lua, id)?;
    assert_eq!((Some(2), 0, Some(2)), (why.strong, why.unreached, why.outside));

    // The fix: lend the session; the count never rises, and nothing waits for a collection.
    rcprobe::full_gc(&lua)?;
    let visit_lent: Function = lua.load("return function(session) session:visit() end").eval()?;
    rcprobe::lend::<_, _, _, ()>(&lua, &session, &visit_lent, ())?;
    assert_eq!(1, Rc::strong_count(&session));
    assert_eq!(3, session.borrow().visits);
    Ok(())
}

#[test]
fn leaks_lists_what_a_closure_left_alive_with_its_fields() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    let leaks = rcprobe::leaks(&lua, || {
        lua.load("kept = rcprobe.new(nil, { label = 'kept' }) rcprobe.hold(kept) local _ = rcprobe.new()")
            .exec()
    })?;
    let id: rcprobe::Id = lua.load("return kept:id()").eval()?;
    assert_eq!(
        vec![rcprobe::Leak {
            id,
            kind: rcprobe::Kind::Probe,
            label: Some("kept".into()),
            strong: Some(2),
            weak: Some(0),
            held: 1,
            linked: false,
        }],
        leaks
    );
    let tally_leaks = rcprobe::leaks(&lua, || rcprobe::Tally::new(&lua, "Entity"))?;
    assert!(tally_leaks.is_empty(), "the closure's result is dropped before the check");
    Ok(())
}

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

#[test]
fn leaks_returns_the_closures_error_unchanged_and_survives_its_panic() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    let err =
        rcprobe::leaks(&lua, || -> mlua::Result<()> { Err(mlua::Error::external(Refused)) }).unwrap_err();
    assert!(
        matches!(&err, mlua::Error::ExternalError(cause) if cause.downcast_ref::<Refused>().is_some()),
        "{err:?}"
    );

    let message = panic_message(|| {
        let _ = rcprobe::leaks(&lua, || -> mlua::Result<()> {
            lua.load("rcprobe.new()").exec()?;
            panic!("the closure panicked")
        });
    });
    assert_eq!("the closure panicked", message);
    rcprobe::full_gc(&lua)?;
    let stats = rcprobe::stats(&lua)?;
    assert_eq!((1, 1, 0), (stats.created, stats.dropped, stats.alive()), "the books add up");
    Ok(())
}

#[test]
fn assert_no_leaks_passes_and_its_failure_message_is_the_report() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    rcprobe::assert_no_leaks!(&lua, || lua.load("local p = rcprobe.new()").exec());
    let message = panic_message(|| {
        rcprobe::assert_no_leaks!(&lua, || {
            lua.load("sessions = { rcprobe.new(nil, { label = 'session' }) } local _ = rcprobe.new()").exec()
        });
    });
    let id: rcprobe::Id = lua.load("return sessions[1]:id()").eval()?;
    assert_eq!(
        format!(
            "Expected the closure to leave nothing alive, but 1 object of the 2 it created outlived it and \
             rcprobe::full_gc():\nobject #{id} \"session\": strong 1, weak 0, held 0, links nothing\n  why: strong 1 \
             = 1 Probe reachable from Lua (_G.sessions[1])\n  kept alive by:\n    _G.sessions[1]"
        ),
        message
    );
    Ok(())
}

#[test]
fn assert_collectable_passes_once_nothing_keeps_the_object_and_says_what_does() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    let id: rcprobe::Id = lua.load("kept = rcprobe.new(nil, { label = 'kept' }) return kept:id()").eval()?;
    let message = panic_message(|| rcprobe::assert_collectable!(&lua, id));
    assert!(
        message.starts_with(&format!("Expected object #{id} \"kept\" to be collectable, but it survived")),
        "{message}"
    );
    assert!(message.contains("    _G.kept"), "{message}");
    lua.load("kept = nil").exec()?;
    rcprobe::assert_collectable!(&lua, id);
    Ok(())
}

#[test]
fn live_stats_of_and_report_read_the_same_numbers_as_lua() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    let ids: Vec<rcprobe::Id> =
        lua.load("kept = { rcprobe.new(nil, { label = 'a' }), rcprobe.new(nil, { label = 'b' }) } return { kept[1]:id(), kept[2]:id() }").eval()?;
    assert_eq!(vec![ids[0]], rcprobe::live(&lua, Some("a"))?);
    assert_eq!(ids, rcprobe::live(&lua, None)?);
    assert_eq!(1, rcprobe::stats_of(&lua, "b")?.alive());
    assert_eq!(0, rcprobe::stats_of(&lua, "never used")?.created);
    let report = rcprobe::report(&lua, &ids)?;
    assert!(
        report.contains(&format!("object #{} \"a\"", ids[0])) && report.contains("_G.kept[2]"),
        "{report}"
    );
    Ok(())
}

#[test]
fn without_the_debug_library_reports_walk_what_they_can_and_say_what_they_could_not() -> mlua::Result<()> {
    let lua = Lua::new(); // mlua's safe constructor: no debug library
    lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
    let id: rcprobe::Id =
        lua.load("cache = { rcprobe.new(nil, { label = 'cached' }) } local hidden = rcprobe.new() return cache[1]:id()")
            .eval()?;
    let report = rcprobe::report(&lua, &[id])?;
    assert!(report.contains("    _G.cache[1]"), "{report}");
    assert!(
        report.contains(
            "  not searched: locals, upvalues and the registry were not searched: this Lua state has no debug library"
        ),
        "{report}"
    );
    let why = rcprobe::why(&lua, id)?;
    assert_eq!(("reachable", 1), (why.verdict.as_str(), why.reachable));
    assert!(why.unsearched.is_some());
    Ok(())
}

#[test]
fn growth_finds_a_cache_that_grows_every_call_and_not_one_filled_once() -> mlua::Result<()> {
    let lua = lua_with_debug()?;
    let mut cache = Vec::new();
    let growth = rcprobe::growth(
        &lua,
        || {
            cache.push(rcprobe::Tally::new(&lua, "entry")?);
            Ok(())
        },
        rcprobe::GrowthOptions::default(),
    )?;
    assert_eq!(vec!["label:entry".to_string()], growth.grown);
    assert_eq!(Some(&vec![1, 1, 1, 1, 1]), growth.changes.get("label:entry"));

    let mut filled = Vec::new();
    let growth = rcprobe::growth(
        &lua,
        || {
            if filled.is_empty() {
                filled.push(rcprobe::Tally::new(&lua, "once")?);
            }
            Ok(())
        },
        rcprobe::GrowthOptions::default(),
    )?;
    assert!(!growth.grows(), "{growth:?}");
    let err =
        rcprobe::growth(&lua, || Err(mlua::Error::external(Refused)), rcprobe::GrowthOptions::default())
            .unwrap_err();
    assert!(
        matches!(&err, mlua::Error::ExternalError(cause) if cause.downcast_ref::<Refused>().is_some()),
        "{err:?}"
    );
    Ok(())
}
