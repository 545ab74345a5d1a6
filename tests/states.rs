//! Bookkeeping belongs to one Lua state: states never see each other's objects, closing a
//! state drops what it owned, and a panicking callback leaves the books consistent.

use std::any::Any;
use std::rc::Weak;
use std::thread;

use mlua::Table;

mod common;

use common::lua_with_rcprobe;

#[test]
fn two_states_in_one_thread_never_see_each_others_ids_or_stats() -> mlua::Result<()> {
    let (a, b) = (lua_with_rcprobe()?, lua_with_rcprobe()?);
    let ids_a: Vec<u32> =
        a.load("kept = { rcprobe.new(), rcprobe.new(), rcprobe.new() } return rcprobe.live()").eval()?;
    let ids_b: Vec<u32> = b.load("kept = { rcprobe.new() } return rcprobe.live()").eval()?;
    assert_eq!(vec![1, 2, 3], ids_a);
    assert_eq!(vec![1], ids_b, "b issues its own ids");
    assert_eq!(3, rcprobe::stats(&a)?.alive());
    assert_eq!(1, rcprobe::stats(&b)?.alive());
    let err = b.load("return rcprobe.strong_count(3)").exec().unwrap_err();
    assert!(err.to_string().contains("no object #3 in this Lua state"), "{err}");
    Ok(())
}

#[test]
fn states_on_two_threads_keep_their_own_books() {
    fn count_on_this_thread(probes: u32) -> mlua::Result<(u64, u64)> {
        let lua = lua_with_rcprobe()?;
        let script = format!("for i = 1, {probes} do rcprobe.new() end collectgarbage()");
        lua.load(script).exec()?;
        let stats = rcprobe::stats(&lua)?;
        Ok((stats.created, stats.alive()))
    }
    // mlua's errors are not Send: each thread reports a string.
    let workers: Vec<_> = [1000, 2000]
        .map(|probes| thread::spawn(move || count_on_this_thread(probes).map_err(|e| e.to_string())))
        .into_iter()
        .collect();
    let results: Vec<(u64, u64)> = workers.into_iter().map(|w| w.join().unwrap().unwrap()).collect();
    assert_eq!(vec![(1000, 0), (2000, 0)], results);
}

#[test]
fn closing_a_state_drops_every_object_it_owned() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let ids: Vec<u32> = lua
        .load(
            r#"
            local plain = rcprobe.new()                    -- in a global
            kept = plain
            local held = rcprobe.new(); rcprobe.hold(held)  -- held from Rust
            local linked = rcprobe.new()                   -- a cycle through Rust
            linked:link({ linked })
            local attached = rcprobe.new()                 -- a cycle through a user value
            attached:attach({ attached })
            local buffered = rcprobe.new(nil, { bytes = 1024 })
            keep_buffer = buffered
            return { plain:id(), held:id(), linked:id(), attached:id(), buffered:id() }
            "#,
        )
        .eval()?;
    let weaks: Vec<Weak<dyn Any>> =
        ids.iter().map(|&id| rcprobe::downgrade(&lua, id).unwrap().unwrap()).collect();
    assert!(weaks.iter().all(|w| w.strong_count() > 0));
    drop(lua);
    for (id, weak) in ids.iter().zip(&weaks) {
        assert_eq!(0, weak.strong_count(), "object #{id} outlived its state");
    }
    Ok(())
}

#[test]
fn a_panicking_callback_is_a_lua_error_and_the_books_stay_right() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let panicking =
        lua.create_function(|_, _: mlua::MultiValue| -> mlua::Result<()> { panic!("callback failed") })?;
    lua.globals().set("panicking", panicking)?;
    let result: Table = lua
        .load(
            r#"
            local p = rcprobe.new()
            local ok_pass = pcall(rcprobe.pass, p, panicking)
            local lent = {}
            local ok_lend = pcall(rcprobe.lend, p, function(h) lent.h = h; panicking() end)
            local ok_leaks = pcall(rcprobe.leaks, panicking)
            collectgarbage(); collectgarbage()
            return {
                ok = ok_pass or ok_lend or ok_leaks,
                strong = p:strong_count(),
                weak = p:weak_count(),
                alive = rcprobe.stats().alive,
                loan_ended = rcprobe.id_of(lent.h) == nil,
                closable = pcall(p.close, p),
            }
            "#,
        )
        .eval()?;
    assert!(!result.get::<bool>("ok")?, "every call raised");
    assert_eq!(1, result.get::<usize>("strong")?, "pass's clone was collected");
    assert_eq!(0, result.get::<usize>("weak")?);
    assert_eq!(1, result.get::<u64>("alive")?);
    assert!(result.get::<bool>("loan_ended")?, "the loan ended despite the panic");
    assert!(result.get::<bool>("closable")?, "and the probe is no longer borrowed");
    assert_eq!(0, rcprobe::stats(&lua)?.alive());
    Ok(())
}
