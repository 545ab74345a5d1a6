//! `rcprobe::Tally`: a field that counts the instances of a host type exactly.

use std::fmt;
use std::rc::{Rc, Weak};

use mlua::{Lua, Result as LuaResult};

use crate::ledger::Ledger;
use crate::ledger::object::Id;
use crate::ledger::stats::LabelId;
use crate::lua::module::ledger;

/// A field that makes each instance of a host type an object of rcprobe's, counted from its
/// creation to its `Drop`, with no collection or sweep needed to notice: `rcprobe.stats(label)`,
/// `live` and `leaks` see it, with created, dropped, alive and peak per label. One line per
/// host type:
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// struct Entity {
///     name: String,
///     _tally: rcprobe::Tally,
/// }
///
/// let lua = mlua::Lua::new();
/// let entity = Entity { name: "crate".into(), _tally: rcprobe::Tally::new(&lua, "Entity")? };
/// assert_eq!(1, rcprobe::stats_of(&lua, "Entity")?.alive());
/// drop(entity);
/// assert_eq!(1, rcprobe::stats_of(&lua, "Entity")?.dropped);
/// # Ok(())
/// # }
/// ```
///
/// A Tally has an id but no reference count: the count functions refuse its id, `is_alive`
/// and `info` accept it. A userdata holding one is its handle once declared with
/// [`handles`](crate::handles). A clone is a new instance: it gets an id of its own, under the
/// same label (or none, with id 0, once the Lua state is closed).
pub struct Tally {
    ledger: Weak<Ledger>,
    id: Id,
    label: LabelId,
}

impl Tally {
    /// Counts a new instance under `label`.
    pub fn new(lua: &Lua, label: &str) -> LuaResult<Tally> {
        let ledger = ledger(lua)?;
        let (id, label) = ledger.add_tally(label.as_bytes()).map_err(mlua::Error::external)?;
        Ok(Tally { ledger: Rc::downgrade(&ledger), id, label })
    }

    /// The id of this instance (0 for a clone made after its Lua state closed).
    pub fn id(&self) -> Id {
        self.id
    }
}

impl Clone for Tally {
    fn clone(&self) -> Self {
        let registered = self.ledger.upgrade().and_then(|ledger| ledger.add_tally_with(self.label).ok());
        match registered {
            Some(id) => Tally { ledger: self.ledger.clone(), id, label: self.label },
            None => Tally { ledger: Weak::new(), id: 0, label: self.label },
        }
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        // The ledger is gone only once its Lua state has closed: nothing left to tell.
        if let Some(ledger) = self.ledger.upgrade() {
            ledger.forget_tally(self.id, self.label);
        }
    }
}

impl fmt::Debug for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.ledger.upgrade().map(|ledger| ledger.label_name(self.label));
        let label = label.as_deref().map(String::from_utf8_lossy);
        f.debug_struct("Tally").field("id", &self.id).field("label", &label).finish()
    }
}
