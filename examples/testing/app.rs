//! The host under test in the README's "Testing a Rust host": Lua scripts log users in and out,
//! and the host keeps the sessions logged in in a registry table, by user.
//!
//! tests/host_testing.rs is the test, run against this host; examples/testing/main.rs runs it
//! against the host's `logout` as first written too. tools/host-crate.sh makes this file the
//! src/lib.rs of a crate named `app`, with the README's Cargo.toml lines and test.

use mlua::{AnyUserData, Lua, Table, UserData, UserDataMethods};

/// A logged-in user, as Lua sees it.
pub struct Session {
    user: String,
    active: bool,
}

impl UserData for Session {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("user", |_, this, ()| Ok(this.user.clone()));
        methods.add_method("active", |_, this, ()| Ok(this.active));
    }
}

/// Installs `login(user)`, which returns a Session, and `logout(session)` in `lua`.
pub fn install(lua: &Lua) -> mlua::Result<()> {
    install_with(lua, logout)
}

/// `install` as first written, with the bug the README's test finds.
pub fn install_as_first_written(lua: &Lua) -> mlua::Result<()> {
    install_with(lua, logout_as_first_written)
}

fn install_with(lua: &Lua, logout: fn(&Lua, AnyUserData) -> mlua::Result<()>) -> mlua::Result<()> {
    lua.set_named_registry_value("online", lua.create_table()?)?;
    let login = lua.create_function(|lua, user: String| {
        let session = lua.create_userdata(Session { user: user.clone(), active: true })?;
        lua.named_registry_value::<Table>("online")?.set(user, &session)?;
        Ok(session)
    })?;
    lua.globals().set("login", login)?;
    lua.globals().set("logout", lua.create_function(logout)?)?;
    Ok(())
}

// README: logout as first written
fn logout_as_first_written(_: &Lua, session: AnyUserData) -> mlua::Result<()> {
    session.borrow_mut::<Session>()?.active = false;
    Ok(())
}
// README: end

// README: logout fixed
fn logout(lua: &Lua, session: AnyUserData) -> mlua::Result<()> {
    let mut session = session.borrow_mut::<Session>()?;
    session.active = false;
    lua.named_registry_value::<Table>("online")?.set(session.user.as_str(), mlua::Nil) // the fix
}
// README: end
