//! The object rcprobe watches: one `Rc<RefCell<Object>>` allocation, as in the Rust code that
//! people embed Lua in. Its `Drop` tells the ledger, so stats and lookups never go stale,
//! whoever drops the last strong reference: a collected Probe, `close()`, `release()`, or Rust.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use crate::ledger::Ledger;
use crate::ledger::stats::LabelId;
use crate::ledger::value::Value;

/// An object id: positive, unique within a Lua state, never reused.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let (a, b) = (rcprobe::Tally::new(&lua, "a")?, rcprobe::Tally::new(&lua, "b")?);
/// let (first, second): (rcprobe::Id, rcprobe::Id) = (a.id(), b.id());
/// assert!(first >= 1 && second > first);
/// # Ok(())
/// # }
/// ```
pub type Id = u32;

/// A strong reference to an object: what Probes and Rust-side holds own.
pub(crate) type Shared = Rc<RefCell<Object>>;

/// Kept to 32 bytes (56 with the `Rc` and `RefCell` headers): the Rust-side buffer and the
/// link that an object may own live in the ledger, keyed by id, since few objects have them.
pub(crate) struct Object {
    ledger: Weak<Ledger>,
    pub(crate) value: Value,
    id: Id,
    label: LabelId,
}

impl Object {
    pub(crate) fn new(ledger: Weak<Ledger>, id: Id, label: LabelId, value: Value) -> Self {
        Object { ledger, value, id, label }
    }

    pub(crate) fn id(&self) -> Id {
        self.id
    }

    pub(crate) fn label(&self) -> LabelId {
        self.label
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        // The ledger is gone only once its Lua state has closed: nothing left to tell.
        if let Some(ledger) = self.ledger.upgrade() {
            ledger.forget(self.id, self.label);
        }
    }
}
