//! Host handle types: userdata types whose Rust value holds a strong reference to a tracked
//! `Rc` (or a `Tally`), so that rcprobe can tell which object a host's userdata stands for.
//!
//! A type is declared once per state with a reader that finds, in a borrowed value of that
//! type, what it holds. `track` declares `Rc<T>` itself (mlua's `userdata-wrappers` store the
//! `Rc` as the userdata's value); `rcprobe::handles` declares newtypes.

use std::any::TypeId;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use mlua::AnyUserData;

use super::object::Id;

/// What a handle holds, as a reader finds it.
pub enum Held {
    /// A strong reference to the `Rc` allocation at this address.
    Rc(usize),
    /// A Tally, by its id.
    Tally(Id),
}

/// Reads what a userdata of one declared type holds; `None` when it cannot be borrowed.
pub(crate) type Reader = Rc<dyn Fn(&AnyUserData) -> Option<Held>>;

#[derive(Default)]
pub(crate) struct HandleTypes {
    readers: HashMap<TypeId, Reader>,
}

impl HandleTypes {
    /// Declares a type; a second declaration of the same type is ignored (the first stands).
    pub(crate) fn declare(&mut self, type_id: TypeId, reader: impl FnOnce() -> Reader) {
        self.readers.entry(type_id).or_insert_with(reader);
    }

    pub(crate) fn reader(&self, type_id: TypeId) -> Option<Reader> {
        self.readers.get(&type_id).cloned()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }
}

/// The address that identifies an `Rc` allocation while rcprobe keeps a `Weak` to it (the
/// `Weak` keeps the allocation, so the address cannot be reused meanwhile).
pub(crate) fn address_of<T: ?Sized>(rc: &Rc<T>) -> usize {
    Rc::as_ptr(rc).cast::<()>() as usize
}

/// The address of the allocation a `Weak` points to, as `address_of` gives it for its `Rc`.
pub(crate) fn address_of_weak<T: ?Sized>(weak: &Weak<T>) -> usize {
    Weak::as_ptr(weak).cast::<()>() as usize
}
