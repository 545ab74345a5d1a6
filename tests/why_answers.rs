//! Answers of `rcprobe.paths` that a model of its attribution disagreed with (a model-based
//! random test run with a Rust host). Each test is the smallest case of one disagreement, and
//! failed before paths.lua was fixed.
//!
//! A link closes a cycle through Rust when "a path from the link back to the owner" exists (the
//! `Link` documentation): paths.lua used to call a link's reach a cycle whenever the owner has no
//! handle that Lua's roots reach (so also when Rust holds the owner), counts weak handles, never
//! counts a value the link holds itself, and lets the answer for one object depend on what else
//! is asked in the same call.

use std::rc::Rc;

use mlua::{Lua, Table, Value};

mod common;

use common::{eval, interpreter_like_lua};

/// A state with the debug library and rcprobe and its companions, as a Rust host gets them.
fn lua_with_paths() -> mlua::Result<Lua> {
    let lua = interpreter_like_lua();
    rcprobe::open(&lua)?;
    lua.load("rcprobe, paths = require('rcprobe'), require('rcprobe.paths') collectgarbage('stop')")
        .exec()?;
    Ok(lua)
}

#[test]
fn a_link_whose_owner_rust_holds_closes_no_cycle_when_nothing_leads_back_to_the_owner() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    // p links {q}; Rust holds p (rcprobe.hold); nothing leads from {q} back to p.
    let (verdict, cycle): (String, bool) = eval(
        &lua,
        "local q = (function()
           local p, q = rcprobe.new(nil, { label = 'owner' }), rcprobe.new()
           p:link({ q })
           rcprobe.hold(p)
           return q:id()
         end)()
         rcprobe.full_gc()
         local why = paths.why(q)
         return why.verdict, why.cycle",
    )?;
    assert_eq!(("linked", false), (verdict.as_str(), cycle));
    Ok(())
}

#[test]
fn a_link_of_a_tally_that_the_host_keeps_closes_no_cycle() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    let owner = rcprobe::Tally::new(&lua, "Button")?;
    let (table, id): (Table, rcprobe::Id) =
        eval(&lua, "local p = rcprobe.new(nil, { label = 'in the link' }) return { p }, p:id()")?;
    let _link = rcprobe::Link::with_owner(&lua, owner.id(), "Button.children", table)?;
    rcprobe::full_gc(&lua)?;
    let why = eval::<Table>(&lua, &format!("return paths.why({id})"))?;
    assert_eq!("linked", why.get::<String>("verdict")?, "the host keeps the Tally: no cycle");
    Ok(())
}

#[test]
fn a_weak_probe_in_a_link_closes_no_cycle() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    // Rust holds q; a WeakProbe of q sits in the link of r, which Rust holds too.
    let (verdict, cycle): (String, bool) = eval(
        &lua,
        "local q = (function()
           local q, r = rcprobe.new(), rcprobe.new(nil, { label = 'r' })
           rcprobe.hold(q)
           rcprobe.hold(r)
           r:link({ q:downgrade() })
           return q:id()
         end)()
         rcprobe.full_gc()
         local why = paths.why(q)
         return why.verdict, why.cycle",
    )?;
    assert_eq!(("held", false), (verdict.as_str(), cycle));
    Ok(())
}

#[test]
fn a_value_that_a_link_holds_and_that_leads_back_to_the_owner_is_in_a_cycle() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    // p links t, and t holds p: a cycle through Rust, whether one asks about p or about t.
    let (value, owner): (String, String) = eval(
        &lua,
        "local t, p = (function()
           local p = rcprobe.new(nil, { label = 'owner' })
           local t = { p }
           p:link(t)
           return rcprobe.watch(t, 'linked table'), p:id()
         end)()
         rcprobe.full_gc()
         return paths.why(t).verdict, paths.why(p).verdict",
    )?;
    assert_eq!("cycle through Rust", owner);
    assert_eq!("cycle through Rust", value, "the table is in the same cycle");
    Ok(())
}

#[test]
fn an_objects_answer_does_not_depend_on_the_owner_of_its_link_being_asked_about_too() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    // A global keeps `linker`, which links {q}: q is linked, no cycle, asked alone or not.
    let (alone, together): (String, String) = eval(
        &lua,
        "linker = rcprobe.new(nil, { label = 'linker' })
         local q = (function()
           local q = rcprobe.new()
           linker:link({ q })
           return q:id()
         end)()
         return paths.why(q).verdict, paths.graph(q, linker:id()).targets[1].verdict",
    )?;
    assert_eq!("linked", alone);
    assert_eq!("linked", together);
    Ok(())
}

#[test]
fn a_handle_counts_for_its_object_even_when_it_is_a_watched_value_asked_about_too() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    let (alone, together): (String, String) = eval(
        &lua,
        "kept = rcprobe.new()
         local watched = rcprobe.watch(kept, 'the Probe itself')
         return paths.why(kept:id()).verdict, paths.graph(kept:id(), watched).targets[1].verdict",
    )?;
    assert_eq!("reachable", alone);
    assert_eq!("reachable", together, "the global still reaches the Probe");
    Ok(())
}

#[test]
fn rcprobe_why_of_a_dropped_object_says_dropped() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    let session = Rc::new(String::from("session"));
    let id = rcprobe::track(&lua, &session, "session")?;
    drop(session);
    let why = rcprobe::why(&lua, id)?; // 0.1.0: paths.why says `unsearched = false`, not a string
    assert_eq!(("dropped", false, None), (why.verdict.as_str(), why.alive, why.unsearched));
    let unsearched: Value = eval(&lua, &format!("return paths.why({id}).unsearched"))?;
    assert!(unsearched.is_nil(), "nil when everything was searched, got {unsearched:?}");
    Ok(())
}

/// LuaJIT: the traces compiled for rcprobe.paths's own code (heap.lua turns the JIT off for
/// itself, paths.lua does not) keep the handles a walk met: after a few walks, garbage Probes
/// survive every collection until the traces are flushed (`jit.flush()` frees them).
#[cfg(feature = "luajit")]
#[test]
fn a_walk_of_paths_keeps_nothing_alive_on_luajit() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    let alive: usize = eval(
        &lua,
        "local rcprobe, paths = require('rcprobe'), require('rcprobe.paths')
         local root = {}
         local function fill(n) for i = 1, n do root[i] = rcprobe.new(nil, { label = 'walked' }) end end
         fill(40)
         local ids = {}
         for i = 1, 40 do ids[i] = root[i]:id() end
         for _ = 1, 5 do paths.graph(unpack(ids)) end
         for i = 1, 40 do root[i] = nil end
         collectgarbage()
         collectgarbage()
         return #rcprobe.live('walked')",
    )?;
    assert_eq!(0, alive, "garbage Probes that paths walked survived two full collections");
    Ok(())
}

/// A watched table that a host `Link` holds and that refers to itself (`t.me = t`): the walk
/// meets the reference from the table to itself, and paths.lua, climbing from that reference
/// back to the link, went from the table to the table again forever (found by the host-side
/// model test, tests/model/).
#[test]
fn a_watched_table_a_link_holds_that_refers_to_itself_is_linked() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    let table: Table = eval(&lua, "local t = {} t.me = t return t")?;
    let id = rcprobe::watch(&lua, &table, "self")?;
    let _link = rcprobe::Link::new(&lua, "Host.node", table)?;
    let (verdict, linked, paths): (String, usize, Vec<String>) =
        eval(&lua, &format!("local why = paths.why({id}) return why.verdict, why.linked, why.paths.linked"))?;
    assert_eq!(("linked", 2), (verdict.as_str(), linked), "the link, and the table's own field");
    assert_eq!(vec!["Rust: Host.node".to_string(), "Rust: Host.node -> .me".to_string()], paths);
    Ok(())
}

/// Two host `Link`s with one label (two Buttons' `on_click`, say) give two references whose
/// paths read alike. paths.lua listed a line once, whatever held it: when one link held a
/// WeakProbe and the other the Probe, the Probe's path went missing from what keeps the object
/// alive (found by the host-side model test).
#[test]
fn two_links_with_one_label_each_list_their_reference() -> mlua::Result<()> {
    let lua = lua_with_paths()?;
    let (weak, strong, id): (Table, Table, rcprobe::Id) = eval(
        &lua,
        "local p = rcprobe.new(nil, { label = 'shared' }) return { p:downgrade() }, { p }, p:id()",
    )?;
    let _first = rcprobe::Link::new(&lua, "Button.on_click", weak)?;
    let _second = rcprobe::Link::new(&lua, "Button.on_click", strong)?;
    let why = rcprobe::why(&lua, id)?;
    assert_eq!(("linked", 1), (why.verdict.as_str(), why.linked));
    assert_eq!(vec!["Rust: Button.on_click -> [1]".to_string()], why.linked_paths, "the Probe's path");
    assert_eq!(vec!["Rust: Button.on_click -> [1]".to_string()], why.weak_paths, "the WeakProbe's");
    Ok(())
}
