//! Testing a Rust host (the README's section): a test that finds a leak with
//! `rcprobe::assert_no_leaks!`, run against the host's `logout` as first written, then fixed.
//!
//!     cargo run --example testing --features lua54,vendored
//!
//! The host is examples/testing/app.rs; the test itself is tests/host_testing.rs, which the
//! README shows. This prints the test's failure message, then that it passes once fixed.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mlua::{AnyUserData, Function, Lua};

mod app;

/// The README's test, against the host installed by `install`.
#[allow(unsafe_code)]
fn logout_leaves_no_session_alive(install: fn(&Lua) -> mlua::Result<()>) -> mlua::Result<()> {
    // SAFETY: the debug library lets rcprobe's report search the registry, locals and upvalues.
    let lua = unsafe { Lua::unsafe_new() };
    install(&lua)?;
    rcprobe::assert_no_leaks!(&lua, || {
        let session: AnyUserData = lua.load("return login('ada')").eval()?;
        rcprobe::watch(&lua, &session, "Session")?; // an id, alive until Lua collects it
        lua.globals().get::<Function>("logout")?.call::<()>(session)
    });
    Ok(())
}

fn main() -> mlua::Result<()> {
    std::panic::set_hook(Box::new(|_| {})); // the message is printed below, once
    println!("With logout as first written, the test fails:");
    let failed =
        catch_unwind(AssertUnwindSafe(|| logout_leaves_no_session_alive(app::install_as_first_written)));
    let payload = failed.expect_err("the test passed with the bug");
    println!("{}", payload.downcast_ref::<String>().map(String::as_str).unwrap_or("(not a string)"));
    println!();
    logout_leaves_no_session_alive(app::install)?;
    println!("With logout fixed, it passes.");
    Ok(())
}
