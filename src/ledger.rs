//! The ledger: everything rcprobe knows about the objects of one Lua state.
//!
//! It lives in the state's app data (and in the closures of the module's functions), never in
//! a static. It holds a `Weak` to each live object so that an id finds its object; that `Weak`
//! is rcprobe's own and is never counted. Objects tell the ledger when they drop, so it holds
//! live objects only.
//!
//! Re-entrancy rule: `Object::drop` borrows the books, and it can run inside any Lua
//! allocation (a finalizer) or wherever an `Rc` is dropped. So no borrow of `books` is ever
//! held while calling Lua or dropping an object or a Lua value: take what is needed, let the
//! borrow go, then act.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};

use mlua::{Lua, Result as LuaResult, Table, Value as LuaValue, WeakLua};
use once_cell::unsync::OnceCell;

use crate::id_table::IdTable;
use crate::misuse::{Misuse, Reply};
use crate::object::{Id, Object, Shared};
use crate::stats::{LabelId, Labels, Stats};
use crate::value::Value;

pub(crate) struct Ledger {
    lua: WeakLua,
    books: RefCell<Books>,
    /// Lua values that objects link to, keyed by object id: a strong reference from Rust that
    /// the collector cannot see through. Created on the first `link`.
    links: OnceCell<Table>,
}

#[derive(Default)]
struct Books {
    /// The last id issued; 0 before the first.
    last_id: Id,
    objects: IdTable<Weak<RefCell<Object>>>,
    labels: Labels,
    total: Stats,
    /// Rust-side strong clones made by `hold`.
    holds: HashMap<Id, Vec<Shared>>,
    /// `opts.bytes` buffers, owned here on behalf of their objects.
    buffers: HashMap<Id, Box<[u8]>>,
    /// Ids with an entry in `links`.
    linked: HashSet<Id>,
}

/// Rust's own strong and weak counts of an object, without the ledger's own `Weak`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Counts {
    pub strong: usize,
    pub weak: usize,
}

impl Counts {
    pub(crate) fn of(object: &Shared) -> Counts {
        Counts {
            strong: Rc::strong_count(object),
            weak: Rc::weak_count(object) - 1,
        }
    }

    /// Through a `Weak`: 0 and 0 once the object is gone (the ledger's `Weak` is gone too).
    pub(crate) fn of_weak(object: &Weak<RefCell<Object>>) -> Counts {
        match object.strong_count() {
            0 => Counts::default(),
            strong => Counts {
                strong,
                weak: object.weak_count() - 1,
            },
        }
    }
}

/// What rcprobe knows about one object, for `info` and `leaks`.
pub(crate) struct Info {
    pub(crate) id: Id,
    /// `None` once the object is dropped: the ledger forgets dropped objects.
    pub(crate) label: Option<Vec<u8>>,
    pub(crate) counts: Counts,
    pub(crate) held: usize,
    pub(crate) linked: bool,
}

impl Info {
    pub(crate) fn to_lua(&self, lua: &Lua) -> LuaResult<Table> {
        let table = lua.create_table_with_capacity(0, 7)?;
        table.raw_set("id", self.id)?;
        if let Some(label) = &self.label {
            table.raw_set("label", lua.create_string(label)?)?;
        }
        table.raw_set("strong", self.counts.strong)?;
        table.raw_set("weak", self.counts.weak)?;
        table.raw_set("held", self.held)?;
        table.raw_set("linked", self.linked)?;
        table.raw_set("alive", self.counts.strong > 0)?;
        Ok(table)
    }
}

impl Ledger {
    pub(crate) fn new(lua: &Lua) -> Rc<Ledger> {
        Rc::new(Ledger {
            lua: lua.weak(),
            books: RefCell::default(),
            links: OnceCell::new(),
        })
    }

    /// Makes a new object and records it.
    pub(crate) fn create(
        self: &Rc<Self>,
        value: Value,
        label: &[u8],
        bytes: usize,
    ) -> Reply<Shared> {
        // Filled, not zeroed, so the pages are really resident, like a buffer in use.
        let buffer = (bytes > 0).then(|| vec![0xA5u8; bytes].into_boxed_slice());
        let mut books = self.books.borrow_mut();
        let Some(id) = books.last_id.checked_add(1) else {
            return Err(Misuse::Refused(format!(
                "all {} ids of this Lua state are used",
                Id::MAX
            )));
        };
        books.last_id = id;
        let label = books.labels.intern(label);
        let object = Rc::new(RefCell::new(Object::new(
            Rc::downgrade(self),
            id,
            label,
            value,
        )));
        books.objects.insert(id, Rc::downgrade(&object));
        if let Some(buffer) = buffer {
            books.buffers.insert(id, buffer);
        }
        books.total.on_create(bytes);
        books.labels.stats_mut(label).on_create(bytes);
        Ok(object)
    }

    /// Called by `Object::drop`, possibly inside a finalizer.
    pub(crate) fn forget(&self, id: Id, label: LabelId) {
        let (buffer, linked) = {
            let mut books = self.books.borrow_mut();
            books.objects.remove(id);
            let buffer = if books.buffers.is_empty() {
                None
            } else {
                books.buffers.remove(&id)
            };
            let bytes = buffer.as_ref().map_or(0, |buffer| buffer.len());
            books.total.on_drop(bytes);
            books.labels.stats_mut(label).on_drop(bytes);
            let linked = !books.linked.is_empty() && books.linked.remove(&id);
            (buffer, linked)
        };
        drop(buffer);
        if linked {
            self.clear_link(id);
        }
    }

    pub(crate) fn last_id(&self) -> Id {
        self.books.borrow().last_id
    }

    pub(crate) fn is_issued(&self, id: i64) -> bool {
        id >= 1 && id <= i64::from(self.last_id())
    }

    /// Counts of an issued id (0 and 0 once dropped).
    pub(crate) fn counts(&self, id: Id) -> Counts {
        self.books
            .borrow()
            .objects
            .get(id)
            .map_or_else(Counts::default, Counts::of_weak)
    }

    pub(crate) fn label_name(&self, label: LabelId) -> Vec<u8> {
        self.books.borrow().labels.name(label).to_vec()
    }

    /// Rust keeps one more strong clone of the object; returns how many it now keeps.
    pub(crate) fn hold(&self, object: &Shared) -> usize {
        let id = object.borrow().id();
        let mut books = self.books.borrow_mut();
        let holds = books.holds.entry(id).or_default();
        holds.push(Rc::clone(object));
        holds.len()
    }

    /// Drops every Rust-side hold on the object; returns how many there were.
    pub(crate) fn release(&self, id: Id) -> usize {
        let released = self.books.borrow_mut().holds.remove(&id);
        let count = released.as_ref().map_or(0, Vec::len);
        drop(released); // may drop the object, which borrows the books again
        count
    }

    /// The object `id` keeps a strong reference to `value` from Rust (replacing any link).
    pub(crate) fn link(&self, lua: &Lua, id: Id, value: LuaValue) -> LuaResult<()> {
        let links = self.links.get_or_try_init(|| lua.create_table())?;
        links.raw_set(id, value)?;
        self.books.borrow_mut().linked.insert(id);
        Ok(())
    }

    /// Drops the link of object `id`; returns whether it had one.
    pub(crate) fn unlink(&self, id: Id) -> bool {
        let linked = self.books.borrow_mut().linked.remove(&id);
        if linked {
            self.clear_link(id);
        }
        linked
    }

    fn clear_link(&self, id: Id) {
        // Setting an existing field to nil never allocates, so this is safe in a finalizer.
        // Once the state is closed there is nothing to clear.
        if self.lua.try_upgrade().is_some()
            && let Some(links) = self.links.get()
        {
            let _ = links.raw_set(id, LuaValue::Nil);
        }
    }

    pub(crate) fn total(&self) -> Stats {
        self.books.borrow().total
    }

    /// Stats of one label: all zero for a label never used.
    pub(crate) fn label_stats(&self, label: &[u8]) -> Stats {
        let books = self.books.borrow();
        books
            .labels
            .find(label)
            .map_or_else(Stats::default, |label| *books.labels.stats(label))
    }

    /// Ids of live objects (with this label, if given), ascending.
    pub(crate) fn live(&self, label: Option<&[u8]>) -> Vec<Id> {
        let books = self.books.borrow();
        let Some(label) = label else {
            return books.objects.iter_from(0).map(|(id, _)| id).collect();
        };
        let Some(label) = books.labels.find(label) else {
            return Vec::new();
        };
        books
            .objects
            .iter_from(0)
            // Upgrading is safe here: a live object keeps another strong reference, so this
            // temporary one is never the last and dropping it cannot re-enter the ledger.
            .filter(|(_, object)| {
                object
                    .upgrade()
                    .is_some_and(|o| o.borrow().label() == label)
            })
            .map(|(id, _)| id)
            .collect()
    }

    /// A temporary strong reference to a live object, for one operation. Never keep it
    /// across a call into Lua: it would show in the counts.
    pub(crate) fn upgrade(&self, id: Id) -> Option<Shared> {
        self.books.borrow().objects.get(id).and_then(Weak::upgrade)
    }

    pub(crate) fn info(&self, id: Id) -> Info {
        let books = self.books.borrow();
        books.info(id, books.objects.get(id))
    }

    /// Objects with ids above `mark` that are still alive.
    pub(crate) fn survivors_since(&self, mark: Id) -> Vec<Info> {
        let books = self.books.borrow();
        books
            .objects
            .iter_from(mark.saturating_add(1))
            .map(|(id, object)| books.info(id, Some(object)))
            .collect()
    }

    /// A new table of every link, `{[id] = value}`, for tools that walk the heap: the
    /// collector cannot see them, and neither can Lua code.
    pub(crate) fn links(&self, lua: &Lua) -> LuaResult<Table> {
        let mut ids: Vec<Id> = self.books.borrow().linked.iter().copied().collect();
        ids.sort_unstable();
        let copy = lua.create_table_with_capacity(0, ids.len())?;
        if let Some(links) = self.links.get() {
            for id in ids {
                copy.raw_set(id, links.raw_get::<LuaValue>(id)?)?;
            }
        }
        Ok(copy)
    }
}

impl Books {
    fn info(&self, id: Id, object: Option<&Weak<RefCell<Object>>>) -> Info {
        let counts = object.map_or_else(Counts::default, Counts::of_weak);
        // Upgrading is safe here: see `live`.
        let label = object
            .and_then(Weak::upgrade)
            .map(|object| self.labels.name(object.borrow().label()).to_vec());
        Info {
            id,
            label,
            counts,
            held: self.holds.get(&id).map_or(0, Vec::len),
            linked: self.linked.contains(&id),
        }
    }
}
