//! Host handle types: userdata types whose Rust value holds a strong reference to a tracked
//! `Rc` (or a `Tally`), so that rcprobe can tell which object a host's userdata stands for.
//!
//! A type is declared once per state with a reader that finds, in a borrowed value of that
//! type, what it holds. `track` declares `Rc<T>` itself (mlua's `userdata-wrappers` store the
//! `Rc` as the userdata's value); `rcprobe::handles` declares newtypes.

use std::any::TypeId;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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
    readers: HashMap<TypeId, Reader, BuildHasherDefault<WordHasher>>,
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

/// A hasher for keys that are one machine word (`Rc` addresses, `TypeId`s), which nobody picks
/// to collide: one multiplication (as rustc's FxHasher), where std's SipHash costs about 150
/// instructions per key, and rehashing a grown map hashes every key again.
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        // The product's high bits are the well mixed ones; hashbrown indexes with the low bits.
        self.0.rotate_left(26)
    }
}

/// A map keyed by `Rc` address.
pub(crate) type ByAddress<V> = HashMap<usize, V, BuildHasherDefault<WordHasher>>;
