//! rcprobe: make the meeting of Rust's reference counting and Lua's garbage collector visible.
//!
//! `require("rcprobe")` gives Lua code functions that create `Rc<RefCell<...>>`-backed objects
//! and report their exact strong and weak counts, drops and leaks, so that busted specs can
//! check what happens before and after `collectgarbage()`. See the README for the Lua API.
//!
//! Everything rcprobe knows about a Lua state lives in that state (mlua app data), never in a
//! static: two states never see each other's objects.
//!
//! A Rust host that embeds Lua can install it without `require`, and let Lua watch its own
//! `Rc` values:
//!
//! ```
//! # fn main() -> mlua::Result<()> {
//! use std::rc::Rc;
//!
//! let lua = mlua::Lua::new();
//! lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
//! let session = Rc::new(String::from("session"));
//! let id = rcprobe::track(&lua, &session, "session")?;
//! let strong: usize = lua.load(format!("return rcprobe.strong_count({id})")).eval()?;
//! assert_eq!(1, strong); // rcprobe's own Weak is never counted
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

#[cfg(feature = "bench")]
mod bench;
mod host;
mod ledger;
mod lua;

pub use crate::host::census::{Growth, GrowthOptions, census, growth};
pub use crate::host::handles::{Handled, handle, handles};
pub use crate::host::inspect::{full_gc, is_alive, live, stats_of};
pub use crate::host::lend::{Lendable, MutableBorrow, SharedBorrow, lend};
pub use crate::host::link::Link;
pub use crate::host::tally::Tally;
pub use crate::host::testing::{Leak, Why, dot, leaks, report, why};
#[doc(hidden)]
pub use crate::host::testing::{collectable_failure, no_leaks_failure};
pub use crate::host::track::{counts, downgrade, stats, track};
pub use crate::host::watch::watch;
pub use crate::ledger::Counts;
pub use crate::ledger::kind::Kind;
pub use crate::ledger::object::Id;
pub use crate::ledger::stats::Stats;
pub use crate::lua::module::{LUA, open};

/// The entry point of the loadable module: `luaopen_rcprobe`.
#[cfg(feature = "module")]
#[mlua::lua_module(skip_memory_check)]
fn rcprobe(lua: &mlua::Lua) -> mlua::Result<mlua::Table> {
    open(lua)
}
