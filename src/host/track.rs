//! `rcprobe::track`: a host's own `Rc`s in the ledger, and what Rust can read of them.

use std::any::{Any, TypeId};
use std::rc::{Rc, Weak};

use mlua::{AnyUserData, Lua, Result as LuaResult};

use crate::ledger::Counts;
use crate::ledger::handles::{Held, address_of};
use crate::ledger::object::Id;
use crate::ledger::stats::Stats;
use crate::lua::module::ledger;

/// Registers a host's own `Rc<T>` under an id, so that Lua code, specs and the host's tests can
/// ask for its counts (`rcprobe.strong_count(id)`, `rcprobe.info(id)`, `live`, `leaks`,
/// `stats`, `paths`). Tracking an `Rc` this state already tracks returns the id it has, and
/// counts nothing twice; each call costs the same whatever the number of tracked objects.
///
/// rcprobe keeps a `Weak` to it, which it never counts: the numbers Lua sees are the host's
/// own. No `Drop` of the host's type reports to rcprobe, so its drop shows the next time
/// rcprobe reports (`stats`, `live`, `leaks`, `info`), and the allocation (not the value)
/// lives until then. (A [`Tally`](crate::Tally) field counts a host type exactly.)
///
/// A userdata that stores the `Rc` itself (mlua's `userdata-wrappers`:
/// `lua.create_userdata(rc.clone())`) is this object's handle, like a Probe:
/// `rcprobe.id_of(ud)` gives the id and `paths` finds it. For a newtype, see
/// [`handles`](crate::handles).
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::rc::Rc;
///
/// let lua = mlua::Lua::new();
/// let session = Rc::new(String::from("session"));
/// let id = rcprobe::track(&lua, &session, "session")?;
/// assert_eq!(id, rcprobe::track(&lua, &session, "session")?, "the same Rc, the same id");
/// let copy = Rc::clone(&session);
/// assert_eq!(2, rcprobe::counts(&lua, id)?.unwrap().strong);
/// drop((session, copy));
/// assert_eq!(0, rcprobe::counts(&lua, id)?.unwrap().strong);
/// # Ok(())
/// # }
/// ```
pub fn track<T: 'static>(lua: &Lua, object: &Rc<T>, label: &str) -> LuaResult<Id> {
    let ledger = ledger(lua)?;
    ledger.declare_handle_type(TypeId::of::<Rc<T>>(), || {
        Rc::new(|ud: &AnyUserData| ud.borrow_scoped::<Rc<T>, _>(|rc| Held::Rc(address_of(rc))).ok())
    });
    let weak: Weak<dyn Any> = Rc::downgrade(object) as Weak<dyn Any>;
    ledger.track(weak, address_of(object), label.as_bytes()).map_err(mlua::Error::external)
}

/// The counts of an object of this state, rcprobe's or tracked (0 and 0 once dropped): `None`
/// for an id the state never issued, and for kinds without reference counts (tallies, Lua
/// values).
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::rc::Rc;
///
/// let lua = mlua::Lua::new();
/// let data = Rc::new(1);
/// let id = rcprobe::track(&lua, &data, "data")?;
/// let weak = Rc::downgrade(&data);
/// assert_eq!(Some(rcprobe::Counts { strong: 1, weak: 1 }), rcprobe::counts(&lua, id)?);
/// assert_eq!(None, rcprobe::counts(&lua, id + 1)?, "never issued");
/// # drop(weak);
/// # Ok(())
/// # }
/// ```
pub fn counts(lua: &Lua, id: Id) -> LuaResult<Option<Counts>> {
    let counts = ledger(lua)?.counts_if_issued(i64::from(id));
    Ok(counts.filter(|(kind, _)| kind.is_counted()).map(|(_, counts)| counts))
}

/// A new `Weak` to a live object of this state (rcprobe's, or a tracked one), for example to
/// check from Rust that closing the state dropped it.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
/// let id: rcprobe::Id = lua.load("probe = rcprobe.new() return probe:id()").eval()?;
/// let weak = rcprobe::downgrade(&lua, id)?.expect("alive");
/// drop(lua);
/// assert_eq!(0, weak.strong_count(), "closing the state dropped it");
/// # Ok(())
/// # }
/// ```
pub fn downgrade(lua: &Lua, id: Id) -> LuaResult<Option<Weak<dyn Any>>> {
    Ok(ledger(lua)?.downgrade(id))
}

/// `rcprobe.stats()` of this state, from Rust: every object, all labels.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let _entity = rcprobe::Tally::new(&lua, "Entity")?;
/// assert_eq!(1, rcprobe::stats(&lua)?.alive());
/// # Ok(())
/// # }
/// ```
pub fn stats(lua: &Lua) -> LuaResult<Stats> {
    Ok(ledger(lua)?.total())
}
