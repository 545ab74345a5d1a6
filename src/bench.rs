//! Baselines for `make bench`, built only with the `bench` feature and reached as
//! `rcprobe._bench`: a bare mlua userdata (no `Rc`, no bookkeeping) with a trivial method, a
//! trivial module function, and the bytes the Rust heap holds, counted by an instrumented
//! global allocator. They go through mlua exactly as rcprobe's own functions do, so that
//! `make bench` compares like with like in one run.
//!
//! The host side (`track`, `Tally`) is measured by loops written here in Rust, as `Trial`s.

use std::alloc::System;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Instant;

use mlua::{Lua, Result as LuaResult, Table, UserData, UserDataMethods, Value};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

use crate::Tally;

#[global_allocator]
static RUST_HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A userdata that owns nothing.
struct Bare;

impl UserData for Bare {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("trivial", |_, _, ()| Ok(1));
    }
}

/// A host's object, and its userdata: a newtype around the `Rc`, as hosts write them.
struct Payload {
    _value: u64,
}

struct Handle {
    _payload: Rc<Payload>,
}

impl UserData for Handle {}

/// A host type without and with a `Tally` field.
struct Plain {
    _id: u64,
    _position: [f64; 3],
}

struct Tallied {
    _id: u64,
    _position: [f64; 3],
    _tally: Tally,
}

type Loop = Box<dyn FnOnce(&Lua) -> LuaResult<()>>;

/// One timed loop, in a Lua state of its own: made (rcprobe open, `Handle` registered) before
/// the clock starts and closed after it stops, so that each round starts from an empty ledger
/// and pays for its own growth, and closing a big state is never timed. `trial:run()` runs the
/// loop once and returns its wall-clock nanoseconds; the driver also times the call with
/// `os.clock` (CPU time, which a busy machine inflates less). `trial:close()` closes the state.
struct Trial {
    lua: Option<Lua>,
    body: Option<Loop>,
}

impl Trial {
    fn new(body: impl FnOnce(&Lua) -> LuaResult<()> + 'static) -> LuaResult<Trial> {
        let lua = Lua::new();
        crate::open(&lua)?;
        drop(lua.create_userdata(Handle { _payload: Rc::new(Payload { _value: 0 }) })?);
        lua.globals().raw_set("held", lua.create_table()?)?;
        Ok(Trial { lua: Some(lua), body: Some(Box::new(body)) })
    }
}

impl UserData for Trial {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method_mut("run", |_, trial, ()| {
            let (Some(lua), Some(body)) = (trial.lua.as_ref(), trial.body.take()) else {
                return Err(mlua::Error::runtime("a trial runs once"));
            };
            let start = Instant::now();
            body(lua)?;
            Ok(start.elapsed().as_nanos() as f64)
        });
        methods.add_method_mut("close", |_, trial, ()| {
            trial.body = None;
            trial.lua = None;
            Ok(())
        });
    }
}

/// Makes `n` live host objects: `Rc::new`, then `register` (which tracks it, or not), then a
/// userdata holding it, kept in a Lua table.
fn handles(n: u32, register: impl Fn(&Lua, &Rc<Payload>) -> LuaResult<()> + 'static) -> LuaResult<Trial> {
    Trial::new(move |lua| {
        let held: Table = lua.globals().raw_get("held")?;
        for i in 1..=n {
            let rc = Rc::new(Payload { _value: u64::from(i) });
            register(lua, &rc)?;
            held.raw_set(i, lua.create_userdata(Handle { _payload: rc })?)?;
        }
        Ok(())
    })
}

/// Makes `n` host objects in `Rc`s and drops them: one at a time, or (`keep`) all kept, then all
/// dropped.
fn churn<T: 'static>(
    n: u32,
    keep: bool,
    make: impl Fn(&Lua, u64) -> LuaResult<T> + 'static,
) -> LuaResult<Trial> {
    Trial::new(move |lua| {
        let mut kept = Vec::with_capacity(if keep { n as usize } else { 0 });
        for i in 0..u64::from(n) {
            let object = black_box(Rc::new(make(lua, i)?));
            if keep {
                kept.push(object);
            }
        }
        drop(kept);
        Ok(())
    })
}

pub(crate) fn install(lua: &Lua, exports: &Table) -> LuaResult<()> {
    let bench = lua.create_table()?;
    bench.set("bare", lua.create_function(|_, ()| Ok(Bare))?)?;
    bench.set("trivial", lua.create_function(|_, _: Value| Ok(1))?)?;
    bench.set(
        "rust_heap",
        lua.create_function(|_, ()| {
            let stats = RUST_HEAP.stats();
            Ok(stats.bytes_allocated as i64 - stats.bytes_deallocated as i64 + stats.bytes_reallocated as i64)
        })?,
    )?;
    // `handles(n, tracked)`: a trial that builds n live host handles, tracking each `Rc` or not.
    bench.set(
        "handles",
        lua.create_function(|_, (n, tracked): (u32, bool)| {
            if tracked {
                handles(n, |lua, rc| crate::track(lua, rc, "payload").map(drop))
            } else {
                handles(n, |_, _| Ok(()))
            }
        })?,
    )?;
    // `tallies(n, tallied, keep)`: a trial that creates and drops n host objects with or without
    // a `Tally` field.
    bench.set(
        "tallies",
        lua.create_function(|_, (n, tallied, keep): (u32, bool, bool)| {
            let position = [1.0, 2.0, 3.0];
            if tallied {
                churn(n, keep, move |lua, id| {
                    Ok(Tallied { _id: id, _position: position, _tally: Tally::new(lua, "Entity")? })
                })
            } else {
                churn(n, keep, move |_, id| Ok(Plain { _id: id, _position: position }))
            }
        })?,
    )?;
    exports.set("_bench", bench)
}
