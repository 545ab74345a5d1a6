//! Baselines for `make bench`, built only with the `bench` feature and reached as
//! `rcprobe._bench`: a bare mlua userdata (no `Rc`, no bookkeeping) with a trivial method, a
//! trivial module function, and the bytes the Rust heap holds, counted by an instrumented
//! global allocator. They go through mlua exactly as rcprobe's own functions do, so that
//! `make bench` compares like with like in one run.

use std::alloc::System;

use mlua::{Lua, Result as LuaResult, Table, UserData, UserDataMethods, Value};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static RUST_HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A userdata that owns nothing.
struct Bare;

impl UserData for Bare {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("trivial", |_, _, ()| Ok(1));
    }
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
    exports.set("_bench", bench)
}
