//! `rcprobe::Link`: a Lua value that a host struct holds, in rcprobe's sight.

use std::fmt;
use std::ops::Deref;
use std::rc::{Rc, Weak};

use mlua::{IntoLua, Lua, Result as LuaResult};

use crate::ledger::Ledger;
use crate::ledger::object::Id;
use crate::lua::module::ledger;

/// A Lua value (a `Function`, `Table`, `AnyUserData`, `Thread`, `Value`...) that Rust code holds,
/// with a label: for a host struct's fields, as `on_click: rcprobe::Link<mlua::Function>`.
///
/// It derefs to the value, and drops it when dropped, as the bare field would. mlua keeps the
/// values that Rust holds where no Lua code can walk, so rcprobe records the link, weakly (the
/// record keeps nothing alive): `rcprobe.paths` starts from it as a root and names it
/// `Rust: <label>`. With an owner (the id of the object whose struct holds the link), `leaks`
/// reports that owner `linked = true`, and a path from the link back to the owner is called
/// what it is: a cycle through Rust that Lua's collector cannot free.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let on_click: mlua::Function = lua.load("return function() end").eval()?;
/// let link = rcprobe::Link::new(&lua, "Button.on_click", on_click)?;
/// link.call::<()>(())?; // a Link<Function> is a Function
/// # Ok(())
/// # }
/// ```
///
/// The value is made into a Lua value once, when the link is made: for a Rust value that
/// converts into a new Lua object each time, the link records that first object.
pub struct Link<V> {
    value: V,
    record: Record,
}

/// The ledger's record of a link; dropping it forgets the link.
struct Record {
    ledger: Weak<Ledger>,
    /// 0 when nothing was recorded (a clone made after the state closed).
    key: u64,
}

impl<V: IntoLua + Clone> Link<V> {
    /// Holds `value` under `label` (say `"Button.on_click"`), with no owner.
    pub fn new(lua: &Lua, label: &str, value: V) -> LuaResult<Link<V>> {
        Link::record(lua, None, label, value)
    }

    /// Holds `value` under `label` for the object `owner` (an id this state issued: a Tally's,
    /// a tracked `Rc`'s, a Probe's or a watched value's): `leaks` and `info` then report the
    /// owner `linked`.
    ///
    /// ```
    /// # fn main() -> mlua::Result<()> {
    /// let lua = mlua::Lua::new();
    /// let button = rcprobe::Tally::new(&lua, "Button")?;
    /// let handler: mlua::Function = lua.load("return function() end").eval()?;
    /// let on_click = rcprobe::Link::with_owner(&lua, button.id(), "Button.on_click", handler)?;
    /// let leaks = rcprobe::leaks(&lua, || Ok(()))?;
    /// # let _ = (leaks, on_click.into_inner());
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_owner(lua: &Lua, owner: Id, label: &str, value: V) -> LuaResult<Link<V>> {
        if !ledger(lua)?.is_issued(i64::from(owner)) {
            return Err(mlua::Error::runtime(format!(
                "Link::with_owner: no object #{owner} in this Lua state"
            )));
        }
        Link::record(lua, Some(owner), label, value)
    }

    fn record(lua: &Lua, owner: Option<Id>, label: &str, value: V) -> LuaResult<Link<V>> {
        let ledger = ledger(lua)?;
        let lua_value = value.clone().into_lua(lua)?;
        let key = ledger.links.add_host(lua, label.to_owned(), owner, &lua_value)?;
        Ok(Link { value, record: Record { ledger: Rc::downgrade(&ledger), key } })
    }
}

impl<V> Link<V> {
    /// The value, no longer recorded.
    ///
    /// ```
    /// # fn main() -> mlua::Result<()> {
    /// let lua = mlua::Lua::new();
    /// let link = rcprobe::Link::new(&lua, "Host.table", lua.create_table()?)?;
    /// let table: mlua::Table = link.into_inner();
    /// # drop(table);
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> V {
        let Link { value, record } = self;
        drop(record);
        value
    }
}

impl<V> Deref for Link<V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.value
    }
}

impl<V> AsRef<V> for Link<V> {
    fn as_ref(&self) -> &V {
        &self.value
    }
}

impl<V: IntoLua + Clone> Clone for Link<V> {
    /// Another holder of the same value, under the same label and owner.
    fn clone(&self) -> Self {
        let record = self.record.ledger.upgrade().and_then(|ledger| {
            let key = ledger.links.clone_host(self.record.key)?;
            Some(Record { ledger: Rc::downgrade(&ledger), key })
        });
        Link { value: self.value.clone(), record: record.unwrap_or(Record { ledger: Weak::new(), key: 0 }) }
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // The ledger is gone only once its Lua state has closed: nothing left to forget.
        if let Some(ledger) = self.ledger.upgrade() {
            ledger.links.remove_host(self.key);
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for Link<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link").field("value", &self.value).finish_non_exhaustive()
    }
}
