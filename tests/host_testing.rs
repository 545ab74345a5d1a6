//! The README's "Testing a Rust host": its test, run here against the host of
//! examples/testing/app.rs, as a host's own tests/sessions.rs runs it against its crate `app`
//! (tools/host-crate.sh builds that crate, with the README's Cargo.toml lines).
//! examples/testing/main.rs runs it against the host's bug and prints the failure.
#![allow(unsafe_code)] // this crate denies unsafe code; a host's tests may load the debug library

#[allow(dead_code)] // the bug's version is for examples/testing/main.rs
#[path = "../examples/testing/app.rs"]
mod app;

// README: tests/sessions.rs
use mlua::{AnyUserData, Function, Lua};

#[test]
fn logout_leaves_no_session_alive() -> mlua::Result<()> {
    // SAFETY: the debug library lets rcprobe's report search the registry, locals and upvalues.
    let lua = unsafe { Lua::unsafe_new() };
    app::install(&lua)?;
    rcprobe::assert_no_leaks!(&lua, || {
        let session: AnyUserData = lua.load("return login('ada')").eval()?;
        rcprobe::watch(&lua, &session, "Session")?; // an id, alive until Lua collects it
        lua.globals().get::<Function>("logout")?.call::<()>(session)
    });
    Ok(())
}
// README: end
